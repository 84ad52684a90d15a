//! TB611 `kubelet-authorization-always-allow`: the kubelet authorises every
//! request to its API.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::cluster::kubelets;

pub struct KubeletAuthorizationAlwaysAllow;

pub static META: RuleMeta = RuleMeta {
    code: "TB611",
    slug: "kubelet-authorization-always-allow",
    title: "Kubelet authorization mode AlwaysAllow",
    severity: Severity::High,
    stride: &[Stride::ElevationOfPrivilege],
    cwe: &[862],
    stage: LifecycleStage::Host,
    cis: &["CIS-Kubernetes-4.2.2"],
    peers: &["CKV_K8S_139", "KCV-0080", "C-0173"],
    remediation: "Set `authorization.mode: Webhook` in the KubeletConfiguration (or `--authorization-mode=Webhook`).",
    docs: r#"
**What it detects.** A `KubeletConfiguration` with `authorization.mode:
AlwaysAllow`, or a kubelet whose `--authorization-mode` is AlwaysAllow or
missing (the flag's default; the configuration file defaults to Webhook).

**Why it is a threat.** Every authenticated caller of the kubelet API (and
every anonymous one, see TB610) may exec into any container on the node and
read its secrets, bypassing the API server's RBAC and audit log (STRIDE:
Elevation of privilege).

**Example.**
```yaml
kind: KubeletConfiguration
authorization:
  mode: AlwaysAllow
```

**Fix.** `mode: Webhook`, so the kubelet asks the API server (RBAC on
`nodes/proxy` and friends) for each request.
"#,
};

impl Rule for KubeletAuthorizationAlwaysAllow {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        for kubelet in kubelets(ctx) {
            let s = kubelet.setting("authorization-mode", &["authorization", "mode"]);
            let insecure = match s.value.as_deref() {
                Some(v) => v.split(',').any(|m| m.trim() == "AlwaysAllow"),
                None => !kubelet.is_config_file(),
            };
            if insecure {
                sink.push(Finding::new(
                    &META,
                    s.location,
                    format!(
                        "kubelet authorization mode is {} (CIS 4.2.2): every request to its API is allowed",
                        s.value.map_or("AlwaysAllow by default".to_string(), |v| format!("`{v}`"))
                    ),
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

    fn run(text: &str) -> Vec<Finding> {
        check_system(
            &KubeletAuthorizationAlwaysAllow,
            &kube_system(&[("kubelet.yaml", text)]),
        )
    }

    #[test]
    fn flags_always_allow_in_config_and_flags() {
        let config = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthorization:\n  mode: AlwaysAllow\n";
        assert_eq!(lines(&run(config)), vec![4]);
        assert!(run(&config.replace("AlwaysAllow", "Webhook")).is_empty());
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: k}\nspec:\n  containers:\n  - name: k\n    command: [kubelet]\n";
        assert_eq!(lines(&run(pod)), vec![7]);
    }
}
