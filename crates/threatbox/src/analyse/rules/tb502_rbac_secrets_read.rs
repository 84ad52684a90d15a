//! TB502 `rbac-secrets-read`: a role that can get, list or watch Secrets.

use crate::analyse::finding::{LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::cluster::{allowed_verb, report_role_rules};

pub struct RbacSecretsRead;

pub static META: RuleMeta = RuleMeta {
    code: "TB502",
    slug: "rbac-secrets-read",
    title: "RBAC allows reading Secrets",
    severity: Severity::Medium,
    stride: &[Stride::InformationDisclosure],
    cwe: &[732],
    stage: LifecycleStage::Orchestrator,
    cis: &["CIS-Kubernetes-5.1.2"],
    peers: &[
        "CKV2_K8S_5",
        "KSV-0041",
        "KSV-0113",
        "C-0015",
        "C-0186",
        "access-to-secrets",
    ],
    remediation: "Drop `get`/`list`/`watch` on `secrets`, or restrict the rule to the named secrets the subject needs with `resourceNames`.",
    docs: r#"
**What it detects.** A Role or ClusterRole rule that allows `get`, `list` or
`watch` on `secrets` (directly or through `*` verbs), and bindings that
grant a built-in role doing so (`admin`, `edit`).

**Why it is a threat.** Secrets hold database passwords, API keys and other
service-account tokens; `list` and `watch` return every secret of the
namespace (or cluster) at once. A compromised pod whose service account has
this permission reads them all (STRIDE: Information disclosure) and usually
moves on with the stolen credentials.

**Example.**
```yaml
rules:
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, list, watch]
```

**Fix.** Mount the one secret the workload needs as a volume, or limit the
rule with `resourceNames: [my-secret]` and `verbs: [get]`.
"#,
};

impl Rule for RbacSecretsRead {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        report_role_rules(ctx, &META, sink, |rule| {
            let verb = allowed_verb(rule, &["list", "watch", "get"], "secrets")?;
            Some(if rule.resource_names.is_empty() {
                format!("`{verb}` on every Secret")
            } else {
                format!("`{verb}` on Secrets {}", rule.resource_names.join(", "))
            })
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check_system, lines};
    use crate::model::rbac::test_support::kube_system;

    fn run(text: &str) -> Vec<crate::analyse::finding::Finding> {
        check_system(&RbacSecretsRead, &kube_system(&[("rbac.yaml", text)]))
    }

    #[test]
    fn flags_secret_reads_and_builtin_edit() {
        let f = run("\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r, namespace: app}
rules:
- apiGroups: [\"\"]
  resources: [configmaps]
  verbs: [get]
- apiGroups: [\"\"]
  resources: [secrets, configmaps]
  verbs: [watch]
- apiGroups: [\"\"]
  resources: [secrets]
  verbs: [\"*\"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: e, namespace: app}
roleRef: {kind: ClusterRole, name: edit}
subjects: [{kind: ServiceAccount, name: web}]
");
        assert_eq!(lines(&f), vec![8, 11, 18]);
        assert!(
            f[2].message.contains("ServiceAccount app/web"),
            "{}",
            f[2].message
        );
    }

    #[test]
    fn full_wildcards_read_secrets_too() {
        let f = run("\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: r}
rules:
- {apiGroups: [\"*\"], resources: [\"*\"], verbs: [\"*\"]}
");
        assert_eq!(lines(&f), vec![5]);
    }

    #[test]
    fn ignores_other_groups_and_writes() {
        let f = run("\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: r}
rules:
- {apiGroups: [example.com], resources: [secrets], verbs: [get]}
- {apiGroups: [\"\"], resources: [secrets], verbs: [create, delete]}
- {apiGroups: [\"\"], resources: [pods], verbs: [list]}
");
        assert!(f.is_empty(), "{f:?}");
    }
}
