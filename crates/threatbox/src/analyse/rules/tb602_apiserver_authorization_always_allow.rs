//! TB602 `apiserver-authorization-always-allow`: the API server authorises
//! every request, or does not use the Node and RBAC authorisers.

use crate::analyse::finding::{LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::cluster::{components, flag_finding};
use crate::model::control_plane::ComponentKind;

pub struct ApiserverAuthorizationAlwaysAllow;

pub static META: RuleMeta = RuleMeta {
    code: "TB602",
    slug: "apiserver-authorization-always-allow",
    title: "API server authorization mode AlwaysAllow or without Node,RBAC",
    severity: Severity::Critical,
    stride: &[Stride::ElevationOfPrivilege],
    cwe: &[862],
    stage: LifecycleStage::Host,
    cis: &[
        "CIS-Kubernetes-1.2.6",
        "CIS-Kubernetes-1.2.7",
        "CIS-Kubernetes-1.2.8",
    ],
    peers: &[
        "CKV_K8S_74",
        "CKV_K8S_75",
        "CKV_K8S_77",
        "KCV-0007",
        "KCV-0008",
        "KCV-0009",
        "C-0118",
        "C-0119",
        "C-0120",
    ],
    remediation: "Start kube-apiserver with `--authorization-mode=Node,RBAC`.",
    docs: r#"
**What it detects.** A kube-apiserver whose `--authorization-mode` contains
`AlwaysAllow`, is missing (the default is `AlwaysAllow`), or lacks `Node`
or `RBAC`.

**Why it is a threat.** With `AlwaysAllow` every authenticated request (and
with anonymous auth, every request) may do anything, secrets and `pods/exec`
included. Without `RBAC` no role limits anyone; without `Node` a kubelet's
credentials reach every node's pods and secrets instead of its own (STRIDE:
Elevation of privilege).

**Example.**
```yaml
- --authorization-mode=AlwaysAllow
```

**Fix.** `- --authorization-mode=Node,RBAC`.
"#,
};

impl Rule for ApiserverAuthorizationAlwaysAllow {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        for api in components(ctx, ComponentKind::ApiServer) {
            let modes = api.list("authorization-mode");
            let problem = if api.flag("authorization-mode").is_none() {
                Some(("1.2.6", "`--authorization-mode` is not set (default AlwaysAllow): every request is authorised".to_string()))
            } else if modes.contains(&"AlwaysAllow") {
                Some((
                    "1.2.6",
                    "`--authorization-mode` includes AlwaysAllow: every request is authorised"
                        .to_string(),
                ))
            } else if !modes.contains(&"RBAC") {
                Some((
                    "1.2.8",
                    format!(
                        "`--authorization-mode={}` lacks RBAC: no role limits any subject",
                        modes.join(",")
                    ),
                ))
            } else if !modes.contains(&"Node") {
                Some((
                    "1.2.7",
                    format!(
                        "`--authorization-mode={}` lacks Node: kubelets reach every node's objects",
                        modes.join(",")
                    ),
                ))
            } else {
                None
            };
            if let Some((cis, message)) = problem {
                let finding = flag_finding(&META, api, "authorization-mode", cis, message);
                // Missing Node alone is serious but not an open cluster.
                let finding = if cis == "1.2.7" {
                    finding.with_severity(Severity::Medium)
                } else {
                    finding
                };
                sink.push(finding);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check_system, lines};
    use crate::model::rbac::test_support::kube_system;

    fn run(flags: &str) -> Vec<crate::analyse::finding::Finding> {
        let pod = format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: kube-apiserver}}\nspec:\n  containers:\n  - name: a\n    command:\n    - kube-apiserver\n{flags}"
        );
        check_system(
            &ApiserverAuthorizationAlwaysAllow,
            &kube_system(&[("api.yaml", &pod)]),
        )
    }

    #[test]
    fn flags_always_allow_missing_and_incomplete_modes() {
        assert_eq!(lines(&run("    - --x=1\n")), vec![8]);
        let f = run("    - --authorization-mode=AlwaysAllow\n");
        assert_eq!((lines(&f), f[0].severity), (vec![9], Severity::Critical));
        assert!(
            run("    - --authorization-mode=Node\n")[0]
                .message
                .contains("lacks RBAC")
        );
        let f = run("    - --authorization-mode\n    - RBAC\n");
        assert_eq!((lines(&f), f[0].severity), (vec![9], Severity::Medium));
    }

    #[test]
    fn passes_node_and_rbac() {
        assert!(run("    - --authorization-mode=Node,RBAC,Webhook\n").is_empty());
    }
}
