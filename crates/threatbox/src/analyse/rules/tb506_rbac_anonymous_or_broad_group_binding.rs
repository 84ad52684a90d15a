//! TB506 `rbac-anonymous-or-broad-group-binding`: a binding whose subject is
//! `system:anonymous`, `system:unauthenticated` or `system:authenticated`.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::model::rbac::SubjectKind;

pub struct RbacAnonymousOrBroadGroupBinding;

pub static META: RuleMeta = RuleMeta {
    code: "TB506",
    slug: "rbac-anonymous-or-broad-group-binding",
    title: "RBAC binding grants anonymous or every authenticated user",
    severity: Severity::High,
    stride: &[Stride::Spoofing, Stride::ElevationOfPrivilege],
    cwe: &[306],
    stage: LifecycleStage::Orchestrator,
    cis: &["CIS-Kubernetes-5.1.7"],
    peers: &[
        "BindingsToSystemAnonymous",
        "KSV-0122",
        "KSV-0123",
        "C-0262",
    ],
    remediation: "Bind the role to the named users, groups or service accounts that need it, never to `system:anonymous`, `system:unauthenticated` or `system:authenticated`.",
    docs: r#"
**What it detects.** A RoleBinding or ClusterRoleBinding with a subject
`system:anonymous` (user or group), `system:unauthenticated` or
`system:authenticated`. The bootstrap bindings Kubernetes creates itself
(label `kubernetes.io/bootstrapping: rbac-defaults`, `system:` names) are
not reported.

**Why it is a threat.** `system:anonymous` and `system:unauthenticated` are
anyone who can reach the API server; `system:authenticated` is every
identity the cluster accepts, including every pod's service-account token
and, on managed clusters, any account of the cloud provider. Permissions
bound to them need no stolen credential at all (STRIDE: Spoofing,
Elevation of privilege).

**Example.**
```yaml
subjects:
- kind: Group
  name: system:authenticated
```

**Fix.** Name the real subjects; if something must be public, expose it
through a Service rather than through the API server.
"#,
};

impl Rule for RbacAnonymousOrBroadGroupBinding {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        let rbac = &ctx.system.rbac;
        for binding in rbac.bindings.iter().filter(|b| !b.managed) {
            for subject in &binding.subjects {
                let who = match (subject.key.kind, subject.key.name.as_str()) {
                    (SubjectKind::User | SubjectKind::Group, "system:anonymous") => {
                        "anonymous requests"
                    }
                    (SubjectKind::Group, "system:unauthenticated") => {
                        "every unauthenticated request"
                    }
                    (SubjectKind::Group, "system:authenticated") => {
                        "every authenticated identity (all service accounts included)"
                    }
                    _ => continue,
                };
                sink.push(
                    Finding::new(
                        &META,
                        subject.location.clone(),
                        format!(
                            "{:?} `{}` grants {} `{}` to {who}",
                            binding.kind,
                            binding.name,
                            if binding.role_kind == crate::model::rbac::RoleKind::Role {
                                "Role"
                            } else {
                                "ClusterRole"
                            },
                            binding.role_name
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
    fn flags_broad_subjects_only() {
        let system = kube_system(&[(
            "rbac.yaml",
            "\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: open}
roleRef: {kind: ClusterRole, name: view}
subjects:
- {kind: Group, name: system:authenticated}
- {kind: User, name: system:anonymous}
- {kind: User, name: alice}
- {kind: Group, name: system:unauthenticated}
- {kind: ServiceAccount, name: system:anonymous}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: system:public-info-viewer
  labels: {kubernetes.io/bootstrapping: rbac-defaults}
roleRef: {kind: ClusterRole, name: system:public-info-viewer}
subjects: [{kind: Group, name: system:unauthenticated}]
",
        )]);
        let f = check_system(&RbacAnonymousOrBroadGroupBinding, &system);
        assert_eq!(lines(&f), vec![6, 7, 9]);
        assert_eq!(f[0].related[0].location.start_line, 4);
    }
}
