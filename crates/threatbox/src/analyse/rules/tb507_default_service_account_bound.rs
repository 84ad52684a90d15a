//! TB507 `default-service-account-bound`: a binding that grants a role to a
//! namespace's `default` ServiceAccount.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::model::rbac::SubjectKind;

pub struct DefaultServiceAccountBound;

pub static META: RuleMeta = RuleMeta {
    code: "TB507",
    slug: "default-service-account-bound",
    title: "Role bound to the default ServiceAccount",
    severity: Severity::Medium,
    stride: &[Stride::ElevationOfPrivilege],
    cwe: &[250],
    stage: LifecycleStage::Orchestrator,
    cis: &["CIS-Kubernetes-5.1.5"],
    peers: &["CKV_K8S_38", "C-0189"],
    remediation: "Create a dedicated ServiceAccount for the workload that needs the role, bind the role to it, and set `serviceAccountName` on that workload only.",
    docs: r#"
**What it detects.** A RoleBinding or ClusterRoleBinding whose subject is the
`default` ServiceAccount of a namespace (the namespace defaults to the
binding's).

**Why it is a threat.** Every pod that names no `serviceAccountName` runs as
`default`, so a permission granted to it is granted to every such pod of the
namespace, including ones deployed later for unrelated purposes; one
compromised pod then holds it (STRIDE: Elevation of privilege).

**Example.**
```yaml
subjects:
- kind: ServiceAccount
  name: default
  namespace: shop
```

**Fix.** Bind the role to a dedicated ServiceAccount and leave `default`
without permissions (and with `automountServiceAccountToken: false`).
"#,
};

impl Rule for DefaultServiceAccountBound {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        let rbac = &ctx.system.rbac;
        for binding in rbac.bindings.iter().filter(|b| !b.managed) {
            for subject in &binding.subjects {
                if subject.key.kind != SubjectKind::ServiceAccount || subject.key.name != "default"
                {
                    continue;
                }
                sink.push(
                    Finding::new(
                        &META,
                        subject.location.clone(),
                        format!(
                            "{:?} `{}` grants `{}` to {}, which every pod of the namespace without a `serviceAccountName` uses",
                            binding.kind, binding.name, binding.role_name, subject.key
                        ),
                    )
                    .with_related(binding.role_ref_location.clone(), "the role granted"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check_system, lines};
    use crate::model::rbac::test_support::kube_system;

    #[test]
    fn flags_default_service_accounts_with_their_namespace() {
        let system = kube_system(&[(
            "rbac.yaml",
            "\
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: b, namespace: shop}
roleRef: {kind: Role, name: r}
subjects:
- {kind: ServiceAccount, name: default}
- {kind: ServiceAccount, name: web}
- {kind: User, name: default}
- {kind: ServiceAccount, name: default, namespace: other}
",
        )]);
        let f = check_system(&DefaultServiceAccountBound, &system);
        assert_eq!(lines(&f), vec![6, 9]);
        assert!(
            f[0].message.contains("ServiceAccount shop/default"),
            "{}",
            f[0].message
        );
        assert!(
            f[1].message.contains("ServiceAccount other/default"),
            "{}",
            f[1].message
        );
    }
}
