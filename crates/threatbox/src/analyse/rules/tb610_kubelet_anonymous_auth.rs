//! TB610 `kubelet-anonymous-auth`: the kubelet API accepts anonymous
//! requests.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::cluster::kubelets;

pub struct KubeletAnonymousAuth;

pub static META: RuleMeta = RuleMeta {
    code: "TB610",
    slug: "kubelet-anonymous-auth",
    title: "Kubelet allows anonymous requests",
    severity: Severity::High,
    stride: &[Stride::Spoofing],
    cwe: &[306],
    stage: LifecycleStage::Host,
    cis: &["CIS-Kubernetes-4.2.1"],
    peers: &["CKV_K8S_138", "KCV-0079", "C-0069", "C-0172"],
    remediation: "Set `authentication.anonymous.enabled: false` in the KubeletConfiguration (or `--anonymous-auth=false`).",
    docs: r#"
**What it detects.** A `KubeletConfiguration` with
`authentication.anonymous.enabled: true`, or a kubelet started with
`--anonymous-auth` not false (the flag defaults to true; the configuration
file field defaults to false and is reported only when set true).

**Why it is a threat.** The kubelet API on port 10250 lists pods, reads
logs and runs commands in containers (`/exec`, `/run`); anonymous requests
reach it without credentials, and with a permissive authorisation mode
(TB611) that is remote code execution on every node (STRIDE: Spoofing).

**Example.**
```yaml
kind: KubeletConfiguration
authentication:
  anonymous:
    enabled: true
```

**Fix.** `enabled: false`, and `authentication.webhook.enabled: true`.
"#,
};

impl Rule for KubeletAnonymousAuth {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        for kubelet in kubelets(ctx) {
            let s = kubelet.setting(
                "anonymous-auth",
                &["authentication", "anonymous", "enabled"],
            );
            let insecure = match s.value.as_deref() {
                Some(v) => !v.eq_ignore_ascii_case("false"),
                None => !kubelet.is_config_file(),
            };
            if insecure {
                sink.push(Finding::new(
                    &META,
                    s.location,
                    format!(
                        "kubelet anonymous authentication is {} (CIS 4.2.1): its API serves requests without credentials",
                        s.value.map_or("on by default".to_string(), |v| format!("`{v}`"))
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
            &KubeletAnonymousAuth,
            &kube_system(&[("kubelet.yaml", text)]),
        )
    }

    #[test]
    fn config_file_true_is_flagged_default_is_not() {
        let f = run(
            "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  anonymous:\n    enabled: true\n",
        );
        assert_eq!(lines(&f), vec![5]);
        assert!(run("apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nreadOnlyPort: 0\n").is_empty());
    }

    #[test]
    fn flags_default_to_anonymous() {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: k}\nspec:\n  containers:\n  - name: k\n    command: [kubelet, --config=/k.yaml]\n";
        assert_eq!(lines(&run(pod)), vec![7]);
        assert!(run(&pod.replace("--config=/k.yaml", "--anonymous-auth=false")).is_empty());
    }
}
