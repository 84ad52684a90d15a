//! TB601 `apiserver-anonymous-auth`: the API server accepts anonymous
//! requests.

use crate::analyse::finding::{LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::cluster::{components, flag_finding, is_false};
use crate::model::control_plane::ComponentKind;

pub struct ApiserverAnonymousAuth;

pub static META: RuleMeta = RuleMeta {
    code: "TB601",
    slug: "apiserver-anonymous-auth",
    title: "API server allows anonymous requests",
    severity: Severity::Medium,
    stride: &[Stride::Spoofing],
    cwe: &[306],
    stage: LifecycleStage::Host,
    cis: &["CIS-Kubernetes-1.2.1"],
    peers: &["CKV_K8S_68", "KCV-0001", "C-0113"],
    remediation: "Start kube-apiserver with `--anonymous-auth=false` (health checks can use an authenticated probe or the `/livez` anonymous-auth config of newer versions).",
    docs: r#"
**What it detects.** A kube-apiserver static pod (or any pod running
`kube-apiserver`) whose flags do not include `--anonymous-auth=false`; the
flag defaults to true.

**Why it is a threat.** Requests without credentials are served as
`system:anonymous` in group `system:unauthenticated`; whatever RBAC grants
those (by mistake, see TB506, or through a permissive authorizer) is open to
anyone who can reach the port, and the discovery endpoints leak the
cluster's version to scanners (STRIDE: Spoofing).

**Example.**
```yaml
command:
- kube-apiserver
- --authorization-mode=Node,RBAC
```

**Fix.** Add `- --anonymous-auth=false`.
"#,
};

impl Rule for ApiserverAnonymousAuth {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        for api in components(ctx, ComponentKind::ApiServer) {
            if !is_false(api, "anonymous-auth") {
                let how = match api.flag("anonymous-auth") {
                    Some(f) => format!("`--anonymous-auth={}`", f.text()),
                    None => "`--anonymous-auth` is not set (default true)".into(),
                };
                sink.push(flag_finding(
                    &META,
                    api,
                    "anonymous-auth",
                    "1.2.1",
                    format!("{how}: anonymous requests are served"),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check_system, lines};
    use crate::model::rbac::test_support::kube_system;

    fn pod(flags: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: kube-apiserver, namespace: kube-system}}\nspec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n{flags}"
        )
    }

    fn run(flags: &str) -> Vec<crate::analyse::finding::Finding> {
        check_system(
            &ApiserverAnonymousAuth,
            &kube_system(&[("kube-apiserver.yaml", &pod(flags))]),
        )
    }

    #[test]
    fn flags_missing_or_true() {
        assert_eq!(lines(&run("    - --secure-port=6443\n")), vec![8]);
        assert_eq!(
            lines(&run(
                "    - --secure-port=6443\n    - --anonymous-auth=true\n"
            )),
            vec![10]
        );
    }

    #[test]
    fn passes_when_disabled() {
        assert!(run("    - --anonymous-auth=false\n").is_empty());
    }
}
