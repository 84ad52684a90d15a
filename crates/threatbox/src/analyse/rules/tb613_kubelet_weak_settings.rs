//! TB613 `kubelet-weak-settings`: other kubelet settings of the CIS
//! benchmark (client CA, streaming timeout, kernel defaults, iptables
//! chains, certificate rotation).

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::cluster::{Kubelet, kubelets};

pub struct KubeletWeakSettings;

pub static META: RuleMeta = RuleMeta {
    code: "TB613",
    slug: "kubelet-weak-settings",
    title: "Kubelet setting weakens node security",
    severity: Severity::Medium,
    stride: &[Stride::Spoofing, Stride::Tampering, Stride::DenialOfService],
    cwe: &[1188, 295],
    stage: LifecycleStage::Host,
    cis: &[
        "CIS-Kubernetes-4.2.3",
        "CIS-Kubernetes-4.2.5",
        "CIS-Kubernetes-4.2.6",
        "CIS-Kubernetes-4.2.10",
        "CIS-Kubernetes-4.2.11",
    ],
    peers: &[
        "CKV_K8S_140",
        "CKV_K8S_143",
        "CKV_K8S_144",
        "CKV_K8S_145",
        "CKV_K8S_149",
        "KCV-0081",
        "KCV-0083",
        "KCV-0084",
        "KCV-0085",
        "KCV-0090",
        "KCV-0091",
        "C-0174",
        "C-0176",
        "C-0177",
        "C-0178",
        "C-0182",
        "C-0183",
    ],
    remediation: "Set `authentication.x509.clientCAFile`, `protectKernelDefaults: true`, keep `makeIPTablesUtilChains` and `rotateCertificates` true and `streamingConnectionIdleTimeout` non-zero.",
    docs: r#"
**What it detects.** A kubelet (flags or `KubeletConfiguration`) without a
client CA file (`--client-ca-file`, `authentication.x509.clientCAFile`,
4.2.3), with `streamingConnectionIdleTimeout` 0 (4.2.5), without
`protectKernelDefaults: true` (old 4.2.6), with `makeIPTablesUtilChains:
false` (4.2.6), `rotateCertificates: false` (4.2.10) or the
`RotateKubeletServerCertificate` feature gate off (4.2.11).

**Why it is a threat.** Without a client CA the kubelet cannot authenticate
the API server's client certificate (Spoofing); streams that never time out
keep exec sessions open forever and exhaust the node (Denial of service);
letting pods tune kernel parameters the kubelet would protect, or leaving
iptables to drift, weakens isolation (Tampering); certificates that are not
rotated stay valid after a compromise.

**Example.**
```yaml
kind: KubeletConfiguration
rotateCertificates: false
streamingConnectionIdleTimeout: 0s
```

**Fix.** Use the kubeadm defaults and add `protectKernelDefaults: true`.
"#,
};

fn problems(kubelet: &Kubelet<'_>) -> Vec<(crate::source::Location, String)> {
    let mut out = Vec::new();
    let config = kubelet.is_config_file();
    let ca = kubelet.setting(
        "client-ca-file",
        &["authentication", "x509", "clientCAFile"],
    );
    if ca.value.as_deref().is_none_or(str::is_empty) {
        out.push((
            ca.location,
            "no client CA file: the kubelet cannot verify clients' certificates (CIS 4.2.3)".into(),
        ));
    }
    let idle = kubelet.setting(
        "streaming-connection-idle-timeout",
        &["streamingConnectionIdleTimeout"],
    );
    if let Some(v) = &idle.value
        && matches!(v.trim(), "0" | "0s" | "0m" | "0h")
    {
        out.push((
            idle.location,
            format!(
                "streaming connection idle timeout `{v}`: exec sessions never time out (CIS 4.2.5)"
            ),
        ));
    }
    let kernel = kubelet.setting("protect-kernel-defaults", &["protectKernelDefaults"]);
    if !kernel
        .value
        .as_deref()
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        out.push((kernel.location, "`protectKernelDefaults` is not true: pods may change kernel tunables the kubelet relies on (CIS 4.2.6 in earlier benchmarks)".into()));
    }
    for (flag, path, cis) in [
        (
            "make-iptables-util-chains",
            "makeIPTablesUtilChains",
            "4.2.6",
        ),
        ("rotate-certificates", "rotateCertificates", "4.2.10"),
    ] {
        let s = kubelet.setting(flag, &[path]);
        if s.value
            .as_deref()
            .is_some_and(|v| v.eq_ignore_ascii_case("false"))
        {
            out.push((s.location, format!("`{path}` is false (CIS {cis})")));
        }
    }
    let gate = kubelet.setting(
        "feature-gates",
        &["featureGates", "RotateKubeletServerCertificate"],
    );
    let gate_off = match &gate.value {
        Some(v) if config => v.eq_ignore_ascii_case("false"),
        Some(v) => v
            .split(',')
            .any(|g| g.trim() == "RotateKubeletServerCertificate=false"),
        None => false,
    };
    if gate_off {
        out.push((
            gate.location,
            "RotateKubeletServerCertificate is turned off (CIS 4.2.11)".into(),
        ));
    }
    out
}

impl Rule for KubeletWeakSettings {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        for kubelet in kubelets(ctx) {
            for (location, message) in problems(&kubelet) {
                sink.push(Finding::new(&META, location, message));
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
            &KubeletWeakSettings,
            &kube_system(&[("kubelet.yaml", text)]),
        )
    }

    #[test]
    fn hardened_config_passes() {
        let f = run(
            "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  x509:\n    clientCAFile: /pki/ca.crt\nprotectKernelDefaults: true\n",
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn each_weak_setting_at_its_line() {
        let f = run(
            "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nstreamingConnectionIdleTimeout: 0s\nmakeIPTablesUtilChains: false\nrotateCertificates: false\nfeatureGates:\n  RotateKubeletServerCertificate: false\n",
        );
        // Missing client CA and protectKernelDefaults: at the object (line 1).
        assert_eq!(lines(&f), vec![1, 1, 3, 4, 5, 7]);
    }
}
