//! TB603 `apiserver-insecure-port-or-bind`: the API server serves an
//! unauthenticated plain-HTTP port.

use crate::analyse::finding::{LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::cluster::{components, flag_finding};
use crate::model::control_plane::ComponentKind;

pub struct ApiserverInsecurePortOrBind;

pub static META: RuleMeta = RuleMeta {
    code: "TB603",
    slug: "apiserver-insecure-port-or-bind",
    title: "API server insecure port or insecure bind address",
    severity: Severity::Critical,
    stride: &[Stride::Spoofing, Stride::InformationDisclosure],
    cwe: &[306, 319],
    stage: LifecycleStage::Host,
    cis: &[
        "CIS-Kubernetes-1.6.0-1.2.18",
        "CIS-Kubernetes-1.6.0-1.2.19",
        "CIS-Kubernetes-1.6.0-1.2.20",
    ],
    peers: &[
        "CKV_K8S_86",
        "CKV_K8S_88",
        "CKV_K8S_89",
        "KCV-0013",
        "KCV-0017",
        "C-0005",
    ],
    remediation: "Remove `--insecure-bind-address`, set `--insecure-port=0` on versions that still have it, and keep `--secure-port` non-zero.",
    docs: r#"
**What it detects.** A kube-apiserver with `--insecure-port` set to anything
but 0, with `--insecure-bind-address`, or with `--secure-port=0`. (CIS ids
are those of benchmark 1.6.0, the last that listed the flags; Kubernetes
1.20 removed the insecure port, but old manifests and clusters keep it.)

**Why it is a threat.** The insecure port skips authentication and
authorisation entirely and speaks plain HTTP: anyone who reaches it is
cluster-admin, and traffic can be read on the wire (STRIDE: Spoofing,
Information disclosure).

**Example.**
```yaml
- --insecure-port=8080
- --insecure-bind-address=0.0.0.0
```

**Fix.** Delete both flags (or `--insecure-port=0`).
"#,
};

impl Rule for ApiserverInsecurePortOrBind {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        for api in components(ctx, ComponentKind::ApiServer) {
            if let Some(port) = api.flag("insecure-port")
                && port.text() != "0"
            {
                sink.push(flag_finding(
                    &META,
                    api,
                    "insecure-port",
                    "1.6.0 1.2.19",
                    format!(
                        "`--insecure-port={}` serves the API without authentication or TLS",
                        port.text()
                    ),
                ));
            }
            if let Some(bind) = api.flag("insecure-bind-address") {
                sink.push(flag_finding(
                    &META,
                    api,
                    "insecure-bind-address",
                    "1.6.0 1.2.18",
                    format!(
                        "`--insecure-bind-address={}` exposes the unauthenticated port",
                        bind.text()
                    ),
                ));
            }
            if api.flag("secure-port").is_some_and(|p| p.text() == "0") {
                sink.push(flag_finding(
                    &META,
                    api,
                    "secure-port",
                    "1.6.0 1.2.20",
                    "`--secure-port=0` turns off the authenticated TLS port",
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
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: kube-apiserver}}\nspec:\n  containers:\n  - name: a\n    command: [kube-apiserver]\n    args:\n{flags}"
        );
        check_system(
            &ApiserverInsecurePortOrBind,
            &kube_system(&[("api.yaml", &pod)]),
        )
    }

    #[test]
    fn flags_insecure_port_bind_and_secure_port_zero() {
        let f = run(
            "    - --insecure-port=8080\n    - --insecure-bind-address=0.0.0.0\n    - --secure-port=0\n",
        );
        assert_eq!(lines(&f), vec![9, 10, 11]);
    }

    #[test]
    fn passes_port_zero_and_absent_flags() {
        assert!(run("    - --insecure-port=0\n    - --secure-port=6443\n").is_empty());
    }
}
