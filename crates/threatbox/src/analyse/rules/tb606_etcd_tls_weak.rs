//! TB606 `etcd-tls-weak`: etcd serves clients or peers without verified
//! TLS.

use crate::analyse::finding::{LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::cluster::{components, flag_finding};
use crate::model::control_plane::ComponentKind;

pub struct EtcdTlsWeak;

pub static META: RuleMeta = RuleMeta {
    code: "TB606",
    slug: "etcd-tls-weak",
    title: "etcd without client-certificate authentication or proper TLS",
    severity: Severity::High,
    stride: &[Stride::Spoofing, Stride::InformationDisclosure],
    cwe: &[295, 306],
    stage: LifecycleStage::Host,
    cis: &[
        "CIS-Kubernetes-2.1",
        "CIS-Kubernetes-2.2",
        "CIS-Kubernetes-2.3",
        "CIS-Kubernetes-2.4",
        "CIS-Kubernetes-2.5",
        "CIS-Kubernetes-2.6",
    ],
    peers: &[
        "CKV_K8S_116",
        "CKV_K8S_117",
        "CKV_K8S_118",
        "CKV_K8S_119",
        "CKV_K8S_121",
        "KCV-0042",
        "KCV-0043",
        "KCV-0044",
        "KCV-0045",
        "KCV-0046",
        "KCV-0047",
        "C-0153",
        "C-0154",
        "C-0155",
        "C-0156",
        "C-0157",
        "C-0158",
    ],
    remediation: "Run etcd with `--cert-file`/`--key-file`, `--client-cert-auth=true`, `--peer-cert-file`/`--peer-key-file`, `--peer-client-cert-auth=true`, and without `--auto-tls`/`--peer-auto-tls`.",
    docs: r#"
**What it detects.** An etcd pod without `--cert-file` and `--key-file`
(2.1), without `--client-cert-auth=true` (2.2), with `--auto-tls=true`
(2.3), without `--peer-cert-file`/`--peer-key-file` (2.4), without
`--peer-client-cert-auth=true` (2.5) or with `--peer-auto-tls=true` (2.6).

**Why it is a threat.** etcd holds every Secret and the whole cluster state.
Without client-certificate authentication anyone who reaches port 2379 reads
and writes it, becoming cluster-admin; self-signed auto TLS cannot be
verified, so connections can be intercepted (STRIDE: Spoofing, Information
disclosure).

**Example.**
```yaml
command: [etcd, --auto-tls=true]
```

**Fix.** Use the kubeadm etcd flags: certificates under
`/etc/kubernetes/pki/etcd/`, `--client-cert-auth=true`,
`--peer-client-cert-auth=true`.
"#,
};

impl Rule for EtcdTlsWeak {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        for etcd in components(ctx, ComponentKind::Etcd) {
            let set = |f: &str| etcd.flag(f).is_some_and(|x| !x.text().is_empty());
            let is_true = |f: &str| {
                etcd.flag(f)
                    .is_some_and(|x| x.text().eq_ignore_ascii_case("true"))
            };
            if !set("cert-file") || !set("key-file") {
                sink.push(flag_finding(
                    &META,
                    etcd,
                    "cert-file",
                    "2.1",
                    "no `--cert-file`/`--key-file`: clients talk to etcd without TLS",
                ));
            }
            if !is_true("client-cert-auth") {
                sink.push(flag_finding(&META, etcd, "client-cert-auth", "2.2", "`--client-cert-auth` is not true: any client may read and write the cluster state"));
            }
            if is_true("auto-tls") {
                sink.push(flag_finding(
                    &META,
                    etcd,
                    "auto-tls",
                    "2.3",
                    "`--auto-tls=true`: self-signed certificates that clients cannot verify",
                ));
            }
            if !set("peer-cert-file") || !set("peer-key-file") {
                sink.push(flag_finding(
                    &META,
                    etcd,
                    "peer-cert-file",
                    "2.4",
                    "no `--peer-cert-file`/`--peer-key-file`: members replicate without TLS",
                ));
            }
            if !is_true("peer-client-cert-auth") {
                sink.push(flag_finding(
                    &META,
                    etcd,
                    "peer-client-cert-auth",
                    "2.5",
                    "`--peer-client-cert-auth` is not true: any host may join as a member",
                ));
            }
            if is_true("peer-auto-tls") {
                sink.push(flag_finding(
                    &META,
                    etcd,
                    "peer-auto-tls",
                    "2.6",
                    "`--peer-auto-tls=true`: self-signed peer certificates",
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

    fn run(flags: &str) -> Vec<crate::analyse::finding::Finding> {
        let pod = format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: etcd}}\nspec:\n  containers:\n  - name: etcd\n    command:\n    - etcd\n{flags}"
        );
        check_system(&EtcdTlsWeak, &kube_system(&[("etcd.yaml", &pod)]))
    }

    #[test]
    fn kubeadm_flags_pass() {
        let f = run(
            "    - --cert-file=/pki/server.crt\n    - --key-file=/pki/server.key\n    - --client-cert-auth=true\n    - --peer-cert-file=/pki/peer.crt\n    - --peer-key-file=/pki/peer.key\n    - --peer-client-cert-auth=true\n",
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn flags_auto_tls_and_missing_auth() {
        let f = run("    - --auto-tls=true\n    - --client-cert-auth=false\n");
        // cert-file and peer flags missing: at the command (line 8).
        assert_eq!(lines(&f), vec![8, 8, 8, 9, 10]);
    }

    #[test]
    fn etcd_image_with_args_only_is_checked() {
        // No `command`: the image's entrypoint (etcd) gets the `args`.
        let pod = "\
apiVersion: v1
kind: Pod
metadata: {name: member}
spec:
  containers:
  - name: db
    image: quay.io/coreos/etcd:v3.5.9
    args:
    - --cert-file=/pki/server.crt
    - --key-file=/pki/server.key
    - --client-cert-auth=true
    - --peer-cert-file=/pki/peer.crt
    - --peer-key-file=/pki/peer.key
    - --peer-client-cert-auth=false
";
        let f = check_system(&EtcdTlsWeak, &kube_system(&[("etcd.yaml", pod)]));
        assert_eq!(lines(&f), vec![14]);
        assert!(f[0].message.contains("peer-client-cert-auth"), "{f:?}");
        // The same args under an unrelated image are not etcd's flags.
        let other = pod.replace("quay.io/coreos/etcd:v3.5.9", "nginx:1.27");
        let f = check_system(&EtcdTlsWeak, &kube_system(&[("etcd.yaml", &other)]));
        assert!(f.is_empty(), "{f:?}");
    }
}
