//! TB612 `kubelet-read-only-port`: the kubelet serves its unauthenticated
//! read-only port.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::cluster::kubelets;

pub struct KubeletReadOnlyPort;

pub static META: RuleMeta = RuleMeta {
    code: "TB612",
    slug: "kubelet-read-only-port",
    title: "Kubelet read-only port enabled",
    severity: Severity::Medium,
    stride: &[Stride::InformationDisclosure],
    cwe: &[200, 306],
    stage: LifecycleStage::Host,
    cis: &["CIS-Kubernetes-4.2.4"],
    peers: &["CKV_K8S_141", "KCV-0082", "C-0175"],
    remediation: "Set `readOnlyPort: 0` (or `--read-only-port=0`).",
    docs: r#"
**What it detects.** A `KubeletConfiguration` with a non-zero `readOnlyPort`,
or a kubelet whose `--read-only-port` is non-zero or missing (the flag
defaults to 10255; the configuration file defaults to 0).

**Why it is a threat.** The read-only port answers without authentication or
TLS with every pod's spec (environment variables included, often holding
secrets), node metrics and configuration (STRIDE: Information disclosure).

**Example.**
```yaml
kind: KubeletConfiguration
readOnlyPort: 10255
```

**Fix.** `readOnlyPort: 0`; read metrics through the authenticated port
10250.
"#,
};

impl Rule for KubeletReadOnlyPort {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        for kubelet in kubelets(ctx) {
            let s = kubelet.setting("read-only-port", &["readOnlyPort"]);
            let port = match s.value.as_deref() {
                Some(v) if v.trim() == "0" => continue,
                Some(v) => v.to_string(),
                None if kubelet.is_config_file() => continue,
                None => "10255 (default)".to_string(),
            };
            sink.push(Finding::new(
                &META,
                s.location,
                format!("kubelet read-only port {port} serves pod specs and metrics without authentication (CIS 4.2.4)"),
            ));
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
            &KubeletReadOnlyPort,
            &kube_system(&[("kubelet.yaml", text)]),
        )
    }

    #[test]
    fn flags_open_read_only_port() {
        let config = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nreadOnlyPort: 10255\n";
        assert_eq!(lines(&run(config)), vec![3]);
        assert!(run(&config.replace("10255", "0")).is_empty());
        assert!(
            run("apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n")
                .is_empty()
        );
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: k}\nspec:\n  containers:\n  - name: k\n    command: [kubelet]\n    args: [--read-only-port, \"10255\"]\n";
        assert_eq!(lines(&run(pod)), vec![8]);
    }
}
