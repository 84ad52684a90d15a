//! TB604 `apiserver-audit-log-missing`: the API server keeps no audit log,
//! or keeps it too briefly.

use crate::analyse::finding::{LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::cluster::{components, flag_finding, lower};
use crate::model::control_plane::ComponentKind;

pub struct ApiserverAuditLogMissing;

pub static META: RuleMeta = RuleMeta {
    code: "TB604",
    slug: "apiserver-audit-log-missing",
    title: "API server audit logging not configured",
    severity: Severity::Medium,
    stride: &[Stride::Repudiation],
    cwe: &[778],
    stage: LifecycleStage::Host,
    cis: &[
        "CIS-Kubernetes-1.2.16",
        "CIS-Kubernetes-1.2.17",
        "CIS-Kubernetes-1.2.18",
        "CIS-Kubernetes-1.2.19",
        "CIS-Kubernetes-3.2.1",
    ],
    peers: &[
        "CKV_K8S_91",
        "CKV_K8S_92",
        "CKV_K8S_93",
        "CKV_K8S_94",
        "KCV-0019",
        "KCV-0020",
        "KCV-0021",
        "KCV-0022",
        "C-0130",
        "C-0160",
    ],
    remediation: "Set `--audit-log-path` (or a webhook backend) and `--audit-policy-file`, and keep at least 30 days, 10 files of 100 MB (`--audit-log-maxage=30 --audit-log-maxbackup=10 --audit-log-maxsize=100`), shipped off the node.",
    docs: r#"
**What it detects.** A kube-apiserver with neither `--audit-log-path` nor
`--audit-webhook-config-file`, without `--audit-policy-file` (nothing is
audited without a policy), or with `--audit-log-maxage` below 30,
`--audit-log-maxbackup` below 10 or `--audit-log-maxsize` below 100
(reported at a lower severity; each is its own CIS check, so they are
reported even when the log itself is missing).

**Why it is a threat.** The audit log is the record of who read which secret,
who exec'd into which pod and who changed RBAC. Without it an intruder's
actions cannot be traced or proved, and incidents cannot be scoped
(STRIDE: Repudiation).

**Example.**
```yaml
command:
- kube-apiserver
- --authorization-mode=Node,RBAC
```

**Fix.**
```yaml
- --audit-policy-file=/etc/kubernetes/audit-policy.yaml
- --audit-log-path=/var/log/kubernetes/audit.log
- --audit-log-maxage=30
- --audit-log-maxbackup=10
- --audit-log-maxsize=100
```
"#,
};

impl Rule for ApiserverAuditLogMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        for api in components(ctx, ComponentKind::ApiServer) {
            let has_log = api
                .flag("audit-log-path")
                .is_some_and(|f| !f.text().is_empty());
            if !has_log && api.flag("audit-webhook-config-file").is_none() {
                sink.push(flag_finding(
                    &META,
                    api,
                    "audit-log-path",
                    "1.2.16",
                    "no `--audit-log-path` or audit webhook: API requests are not audited",
                ));
            }
            if api.flag("audit-policy-file").is_none() {
                sink.push(flag_finding(
                    &META,
                    api,
                    "audit-policy-file",
                    "3.2.1",
                    "no `--audit-policy-file`: without a policy no event is recorded",
                ));
            }
            // Each retention flag is its own CIS check, judged even when the
            // log path is missing too (as kube-bench does).
            for (flag, minimum, cis) in [
                ("audit-log-maxage", 30, "1.2.17"),
                ("audit-log-maxbackup", 10, "1.2.18"),
                ("audit-log-maxsize", 100, "1.2.19"),
            ] {
                let value = api.flag(flag).and_then(|f| f.text().parse::<i64>().ok());
                if value.is_none_or(|v| v < minimum) {
                    let shown = api
                        .flag(flag)
                        .map_or("unset".to_string(), |f| f.text().to_string());
                    sink.push(lower(
                        flag_finding(
                            &META,
                            api,
                            flag,
                            cis,
                            format!("`--{flag}` is {shown}; keep at least {minimum}"),
                        ),
                        &META,
                    ));
                }
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
            &ApiserverAuditLogMissing,
            &kube_system(&[("api.yaml", &pod)]),
        )
    }

    #[test]
    fn flags_missing_log_policy_and_short_retention() {
        let bare = run("    - --x=1\n");
        assert_eq!(lines(&bare), vec![8, 8, 8, 8, 8]);
        assert!(
            bare.iter()
                .any(|x| x.message.contains("no `--audit-log-path`"))
        );
        let f = run(
            "    - --audit-log-path=/var/log/audit.log\n    - --audit-log-maxage=7\n    - --audit-log-maxbackup=10\n",
        );
        assert_eq!(lines(&f), vec![8, 8, 10]);
        assert!(f.iter().any(|x| x.message.contains("audit-policy-file")));
        assert!(
            f.iter()
                .any(|x| x.message.contains("`--audit-log-maxsize` is unset"))
        );
        assert!(
            f.iter()
                .filter(|x| x.message.contains("keep at least"))
                .all(|x| x.severity == Severity::Low)
        );
    }

    #[test]
    fn passes_complete_audit_settings() {
        assert!(
            run("    - --audit-policy-file=/p.yaml\n    - --audit-log-path=/a.log\n    - --audit-log-maxage=30\n    - --audit-log-maxbackup=10\n    - --audit-log-maxsize=100\n")
                .is_empty()
        );
    }
}
