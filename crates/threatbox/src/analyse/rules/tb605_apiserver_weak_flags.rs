//! TB605 `apiserver-weak-flags`: other API server settings of the CIS
//! benchmark (profiling, admission plugins, service-account lookup, static
//! token files, TLS to clients, kubelets and etcd, encryption at rest).

use crate::analyse::finding::{LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::cluster::{components, flag_finding, is_false};
use crate::model::control_plane::{Component, ComponentKind};

pub struct ApiserverWeakFlags;

pub static META: RuleMeta = RuleMeta {
    code: "TB605",
    slug: "apiserver-weak-flags",
    title: "API server flag weakens authentication, admission, TLS or encryption",
    severity: Severity::Medium,
    stride: &[
        Stride::Spoofing,
        Stride::InformationDisclosure,
        Stride::ElevationOfPrivilege,
    ],
    cwe: &[1188, 295, 311],
    stage: LifecycleStage::Host,
    cis: &[
        "CIS-Kubernetes-1.2.2",
        "CIS-Kubernetes-1.2.4",
        "CIS-Kubernetes-1.2.5",
        "CIS-Kubernetes-1.2.10",
        "CIS-Kubernetes-1.2.12",
        "CIS-Kubernetes-1.2.13",
        "CIS-Kubernetes-1.2.14",
        "CIS-Kubernetes-1.2.15",
        "CIS-Kubernetes-1.2.21",
        "CIS-Kubernetes-1.2.22",
        "CIS-Kubernetes-1.2.23",
        "CIS-Kubernetes-1.2.24",
        "CIS-Kubernetes-1.2.25",
        "CIS-Kubernetes-1.2.26",
        "CIS-Kubernetes-1.2.27",
    ],
    peers: &[
        "CKV_K8S_70",
        "CKV_K8S_73",
        "CKV_K8S_79",
        "CKV_K8S_82",
        "CKV_K8S_83",
        "CKV_K8S_85",
        "CKV_K8S_90",
        "CKV_K8S_96",
        "CKV_K8S_97",
        "CKV_K8S_99",
        "CKV_K8S_100",
        "CKV_K8S_102",
        "CKV_K8S_104",
        "KCV-0002",
        "KCV-0006",
        "KCV-0011",
        "KCV-0014",
        "KCV-0015",
        "KCV-0016",
        "KCV-0018",
        "KCV-0024",
        "KCV-0025",
        "KCV-0026",
        "KCV-0027",
        "KCV-0028",
        "KCV-0029",
        "KCV-0030",
    ],
    remediation: "Apply the flag the message names; kubeadm's defaults satisfy most of them, plus `--profiling=false` and an `--encryption-provider-config`.",
    docs: r#"
**What it detects.** One finding per weak kube-apiserver setting:
`--token-auth-file` or `--basic-auth-file` set (1.2.2); no
`--kubelet-client-certificate`/`--kubelet-client-key` (1.2.4); no
`--kubelet-certificate-authority` (1.2.5); `AlwaysAdmit` enabled (1.2.10);
`ServiceAccount` or `NamespaceLifecycle` in `--disable-admission-plugins`
(1.2.12, 1.2.13); `NodeRestriction` not enabled (1.2.14); `--profiling` not
false (1.2.15); `--service-account-lookup=false` (1.2.21); no
`--service-account-key-file` (1.2.22); no `--etcd-certfile`/`--etcd-keyfile`
(1.2.23) or `--etcd-cafile` (1.2.26); no `--tls-cert-file`/`--tls-private-key-file`
(1.2.24) or `--client-ca-file` (1.2.25); no `--encryption-provider-config`
(1.2.27).

**Why it is a threat.** Static token files never expire and cannot be
rotated (Spoofing); without NodeRestriction a kubelet can label and modify
other nodes; AlwaysAdmit skips every admission check (Elevation of
privilege); profiling exposes internals (Information disclosure); without
TLS to etcd and kubelets, secrets cross the network in the clear and
connections can be intercepted; without encryption at rest secrets sit in
etcd in plain text.

**Example.**
```yaml
- --enable-admission-plugins=AlwaysAdmit
- --token-auth-file=/etc/kubernetes/tokens.csv
```

**Fix.** Remove static token files, enable `NodeRestriction`, set
`--profiling=false`, configure the TLS and encryption flags the message
names.
"#,
};

fn checks(api: &Component) -> Vec<(&'static str, &'static str, String)> {
    let mut out = Vec::new();
    let enabled = api.list("enable-admission-plugins");
    let disabled = api.list("disable-admission-plugins");
    let missing = |flag: &str| api.flag(flag).is_none_or(|f| f.text().is_empty());
    for flag in ["token-auth-file", "basic-auth-file"] {
        if api.flag(flag).is_some() {
            out.push((
                flag,
                "1.2.2",
                format!("`--{flag}`: static credentials that never expire"),
            ));
        }
    }
    if missing("kubelet-client-certificate") || missing("kubelet-client-key") {
        out.push((
            "kubelet-client-certificate",
            "1.2.4",
            "no `--kubelet-client-certificate`/`--kubelet-client-key`: kubelets cannot authenticate the API server".into(),
        ));
    }
    if missing("kubelet-certificate-authority") {
        out.push((
            "kubelet-certificate-authority",
            "1.2.5",
            "no `--kubelet-certificate-authority`: kubelets' certificates are not verified".into(),
        ));
    }
    if enabled.contains(&"AlwaysAdmit") {
        out.push((
            "enable-admission-plugins",
            "1.2.10",
            "admission plugin AlwaysAdmit admits every request".into(),
        ));
    }
    for (plugin, cis) in [
        ("ServiceAccount", "1.2.12"),
        ("NamespaceLifecycle", "1.2.13"),
    ] {
        if disabled.contains(&plugin) {
            out.push((
                "disable-admission-plugins",
                cis,
                format!("admission plugin {plugin} is disabled"),
            ));
        }
    }
    if !enabled.contains(&"NodeRestriction") {
        out.push(("enable-admission-plugins", "1.2.14", "admission plugin NodeRestriction is not enabled: a kubelet can modify other nodes and their pods".into()));
    }
    if !is_false(api, "profiling") {
        out.push((
            "profiling",
            "1.2.15",
            "`--profiling` is not false: profiling endpoints expose internals".into(),
        ));
    }
    if is_false(api, "service-account-lookup") {
        out.push((
            "service-account-lookup",
            "1.2.21",
            "`--service-account-lookup=false`: tokens of deleted service accounts stay valid"
                .into(),
        ));
    }
    if missing("service-account-key-file") {
        out.push((
            "service-account-key-file",
            "1.2.22",
            "no `--service-account-key-file`: service-account keys cannot be rotated".into(),
        ));
    }
    if missing("etcd-certfile") || missing("etcd-keyfile") {
        out.push((
            "etcd-certfile",
            "1.2.23",
            "no `--etcd-certfile`/`--etcd-keyfile`: etcd does not authenticate the API server"
                .into(),
        ));
    }
    if missing("tls-cert-file") || missing("tls-private-key-file") {
        out.push(("tls-cert-file", "1.2.24", "no `--tls-cert-file`/`--tls-private-key-file`: the API server's certificate is self-generated".into()));
    }
    if missing("client-ca-file") {
        out.push((
            "client-ca-file",
            "1.2.25",
            "no `--client-ca-file`: client certificates are not verified".into(),
        ));
    }
    if missing("etcd-cafile") {
        out.push((
            "etcd-cafile",
            "1.2.26",
            "no `--etcd-cafile`: etcd's certificate is not verified".into(),
        ));
    }
    if missing("encryption-provider-config") {
        out.push((
            "encryption-provider-config",
            "1.2.27",
            "no `--encryption-provider-config`: Secrets are stored unencrypted in etcd".into(),
        ));
    }
    out
}

impl Rule for ApiserverWeakFlags {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        for api in components(ctx, ComponentKind::ApiServer) {
            for (flag, cis, message) in checks(api) {
                sink.push(flag_finding(&META, api, flag, cis, message));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check_system, lines};
    use crate::model::rbac::test_support::kube_system;

    const GOOD: &str = "    - --enable-admission-plugins=NodeRestriction
    - --profiling=false
    - --kubelet-certificate-authority=/pki/ca.crt
    - --service-account-key-file=/pki/sa.pub
    - --etcd-certfile=/pki/etcd.crt
    - --etcd-keyfile=/pki/etcd.key
    - --etcd-cafile=/pki/etcd/ca.crt
    - --tls-cert-file=/pki/api.crt
    - --tls-private-key-file=/pki/api.key
    - --client-ca-file=/pki/ca.crt
    - --encryption-provider-config=/etc/kubernetes/enc.yaml
    - --kubelet-client-certificate=/pki/apiserver-kubelet-client.crt
    - --kubelet-client-key=/pki/apiserver-kubelet-client.key
";

    fn run(flags: &str) -> Vec<crate::analyse::finding::Finding> {
        let pod = format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: kube-apiserver}}\nspec:\n  containers:\n  - name: a\n    command:\n    - kube-apiserver\n{flags}"
        );
        check_system(&ApiserverWeakFlags, &kube_system(&[("api.yaml", &pod)]))
    }

    #[test]
    fn hardened_flags_pass() {
        let pod = format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: a}}\nspec:\n  containers:\n  - name: a\n    command:\n    - kube-apiserver\n{GOOD}"
        );
        assert_eq!(
            kube_system(&[("api.yaml", &pod)])
                .control_plane
                .components
                .len(),
            1
        );
        assert!(run(GOOD).is_empty(), "{:?}", run(GOOD));
    }

    #[test]
    fn each_weak_flag_is_reported_where_written() {
        let weak = GOOD
            .replace("NodeRestriction", "AlwaysAdmit,NodeRestriction")
            .replace("--profiling=false", "--profiling=true");
        let f = run(&format!(
            "{weak}    - --token-auth-file=/t.csv\n    - --disable-admission-plugins=ServiceAccount\n"
        ));
        assert_eq!(lines(&f), vec![9, 10, 22, 23], "{f:?}");
    }

    #[test]
    fn a_kubelet_client_certificate_without_its_key_is_reported() {
        let half = GOOD.replace(
            "    - --kubelet-client-key=/pki/apiserver-kubelet-client.key\n",
            "",
        );
        let f = run(&half);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("kubelet-client-key"), "{f:?}");
        // Reported at the flag that is written.
        assert_eq!(lines(&f), vec![20]);
    }

    #[test]
    fn a_bare_apiserver_lists_every_missing_flag_at_the_command() {
        let f = run("    - --secure-port=6443\n");
        assert_eq!(f.len(), 10, "{f:?}");
        assert!(
            f.iter()
                .any(|x| x.message.contains("`--kubelet-client-certificate`")),
            "{f:?}"
        );
        assert!(f.iter().all(|x| x.location.start_line == 8));
    }
}
