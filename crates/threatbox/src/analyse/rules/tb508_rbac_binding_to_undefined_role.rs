//! TB508 `rbac-binding-to-undefined-role`: a RoleBinding or
//! ClusterRoleBinding whose `roleRef` names a role that the input does not
//! define and Kubernetes does not provide.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::model::rbac::RoleKind;

pub struct RbacBindingToUndefinedRole;

pub static META: RuleMeta = RuleMeta {
    code: "TB508",
    slug: "rbac-binding-to-undefined-role",
    title: "RBAC binding to a role that is not defined",
    severity: Severity::Low,
    stride: &[Stride::ElevationOfPrivilege],
    cwe: &[706],
    stage: LifecycleStage::Orchestrator,
    cis: &[],
    peers: &[
        "clusterrolebindingPodExecAttach",
        "rolebindingClusterRolePodExecAttach",
        "rolebindingRolePodExecAttach",
    ],
    remediation: "Scan the binding together with the Role or ClusterRole it names, or delete the binding when the role is gone; never leave a binding waiting for a role to be created.",
    docs: r#"
**What it detects.** A RoleBinding or ClusterRoleBinding whose `roleRef`
names a Role (in the binding's namespace) or a ClusterRole that no scanned
file defines and that Kubernetes does not provide itself (`cluster-admin`,
`admin`, `edit`, `view` and the `system:` roles exist in every cluster).
Bindings managed by Kubernetes are not reported.

**Why it is a threat.** The API server resolves `roleRef` by name each time
it authorises a request. A binding to a missing role grants nothing today,
but whoever later creates a role of that name (a namespace admin, a Helm
chart, an operator) decides what the binding's subjects may do, without
touching the binding that reviewers approved. And while the role is not in
the input, none of the RBAC rules here (TB501–TB505) can tell what the
subjects get: the grant is unreviewed (STRIDE: Elevation of privilege).

**Example.**
```yaml
kind: RoleBinding
metadata: {name: ci, namespace: build}
roleRef: {kind: Role, name: deployer}   # no Role `deployer` in `build`
subjects: [{kind: ServiceAccount, name: ci}]
```

**Fix.** Keep the role in the same manifests as its binding (and scan them
together), or delete the binding:
```yaml
kind: Role
metadata: {name: deployer, namespace: build}
rules: [{apiGroups: [apps], resources: [deployments], verbs: [get, patch]}]
```
"#,
};

impl Rule for RbacBindingToUndefinedRole {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        let rbac = &ctx.system.rbac;
        for binding in &rbac.bindings {
            // `role` is set for roles defined in the input and for the
            // built-in user-facing ClusterRoles; `system:` roles exist in
            // every cluster.
            if binding.managed || binding.role.is_some() || binding.role_name.starts_with("system:")
            {
                continue;
            }
            let role = match (binding.role_kind, &binding.namespace) {
                (RoleKind::Role, Some(ns)) => format!("Role `{ns}/{}`", binding.role_name),
                _ => format!("ClusterRole `{}`", binding.role_name),
            };
            let subjects: Vec<String> =
                binding.subjects.iter().map(|s| s.key.to_string()).collect();
            let subjects = if subjects.is_empty() {
                "its subjects".to_string()
            } else {
                subjects.join(", ")
            };
            sink.push(Finding::new(
                &META,
                binding.role_ref_location.clone(),
                format!(
                    "{:?} `{}` grants {role}, which is not defined in the input: what {subjects} may do is unchecked, and whoever creates that role decides it",
                    binding.kind, binding.name
                ),
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
            &RbacBindingToUndefinedRole,
            &kube_system(&[("rbac.yaml", text)]),
        )
    }

    #[test]
    fn flags_bindings_to_missing_roles_at_the_role_ref() {
        let f = run("\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: test}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: does-not-exist}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: testuser}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ci, namespace: build}
roleRef:
  kind: Role
  name: deployer
subjects: [{kind: ServiceAccount, name: ci}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: deployer, namespace: other}
rules: [{apiGroups: [apps], resources: [deployments], verbs: [get]}]
");
        // The Role `deployer` exists, but in another namespace.
        assert_eq!(lines(&f), vec![4, 11]);
        assert!(
            f[0].message.contains(
                "ClusterRoleBinding `test` grants ClusterRole `does-not-exist`, which is not defined"
            ),
            "{}",
            f[0].message
        );
        assert!(f[0].message.contains("User testuser"), "{}", f[0].message);
        assert!(
            f[1].message.contains("Role `build/deployer`")
                && f[1].message.contains("ServiceAccount build/ci"),
            "{}",
            f[1].message
        );
    }

    #[test]
    fn ignores_defined_built_in_system_and_managed_roles() {
        let f = run("\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: deployer, namespace: build}
rules: [{apiGroups: [apps], resources: [deployments], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ci, namespace: build}
roleRef: {kind: Role, name: deployer}
subjects: [{kind: ServiceAccount, name: ci}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: readers, namespace: build}
roleRef: {kind: ClusterRole, name: view}
subjects: [{kind: Group, name: devs}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: auth-delegator}
roleRef: {kind: ClusterRole, name: 'system:auth-delegator'}
subjects: [{kind: ServiceAccount, name: metrics, namespace: monitoring}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: 'system:kube-dns'
  labels: {kubernetes.io/bootstrapping: rbac-defaults}
roleRef: {kind: ClusterRole, name: kube-dns-custom}
subjects: [{kind: ServiceAccount, name: kube-dns, namespace: kube-system}]
");
        assert!(f.is_empty(), "{f:?}");
    }
}
