//! TB501 `rbac-wildcard-or-cluster-admin`: a role with `*` verbs or `*`
//! resources, or a binding to `cluster-admin`.

use crate::analyse::finding::{LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::cluster::report_graded_role_rules;

pub struct RbacWildcardOrClusterAdmin;

pub static META: RuleMeta = RuleMeta {
    code: "TB501",
    slug: "rbac-wildcard-or-cluster-admin",
    title: "RBAC grants wildcard permissions or cluster-admin",
    severity: Severity::High,
    stride: &[Stride::ElevationOfPrivilege],
    cwe: &[269, 250],
    stage: LifecycleStage::Orchestrator,
    cis: &["CIS-Kubernetes-5.1.1", "CIS-Kubernetes-5.1.3"],
    peers: &[
        "CKV_K8S_49",
        "KSV-0044",
        "KSV-0045",
        "KSV-0046",
        "KSV-0111",
        "C-0187",
        "C-0035",
        "wildcard-in-rules",
        "cluster-admin-role-binding",
        "clusterrolebindingClusterAdmin",
    ],
    remediation: "List the verbs and resources the subject needs instead of `*`, and bind a narrow role instead of `cluster-admin`.",
    docs: r#"
**What it detects.** A Role or ClusterRole rule whose `verbs` or `resources`
hold `*` (a rule listing every read and write verb on `*` resources counts as
`*` verbs), and a RoleBinding or ClusterRoleBinding to the built-in
`cluster-admin` role (or any role that allows everything). A rule with
`apiGroups: ["*"]` and named verbs and resources is reported as low: it
grants those resources in every API group, including ones installed later. Roles managed by
Kubernetes itself (`system:` names, bootstrap defaults) are reported only
through user bindings that grant them.

**Why it is a threat.** A wildcard grants every current and future resource
or verb, including `secrets`, `pods/exec`, `escalate` and `impersonate`:
whoever holds the subject's credentials (a compromised pod's service-account
token, a leaked kubeconfig) controls the namespace or the cluster (STRIDE:
Elevation of privilege).

**Example.**
```yaml
kind: ClusterRoleBinding
roleRef: {kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: ci, namespace: tools}]
```

**Fix.** Write a role with the exact `apiGroups`, `resources` and `verbs`
needed, bound with a RoleBinding in the one namespace that needs it.
"#,
};

impl Rule for RbacWildcardOrClusterAdmin {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        report_graded_role_rules(ctx, &META, sink, |rule| {
            // Listing every read and write verb is `*` in all but name.
            let all_verbs = rule.wildcard_verbs()
                || [
                    "get", "list", "watch", "create", "update", "patch", "delete",
                ]
                .iter()
                .all(|v| rule.has_verb(v));
            let every_group = rule.api_groups.iter().any(|g| g == "*");
            let what = match (all_verbs, rule.wildcard_resources()) {
                (true, true) => "every verb on every resource (`*`)".to_string(),
                (true, false) if rule.wildcard_verbs() => {
                    format!("every verb (`*`) on {}", rule.resources.join(", "))
                }
                (false, true) => format!("{} on every resource (`*`)", rule.verbs.join(", ")),
                // Named verbs and resources in every API group: today's grant
                // is what the names say, but any group installed later (a
                // CRD) with a resource of that name is granted too.
                _ if every_group && !rule.resources.is_empty() && !rule.verbs.is_empty() => {
                    return Some((
                        format!(
                            "{} on {} of every API group (`*`), including groups added later",
                            rule.verbs.join(", "),
                            rule.resources.join(", ")
                        ),
                        Severity::Low,
                    ));
                }
                _ => return None,
            };
            Some((
                if every_group {
                    what
                } else {
                    format!("{what} of API groups {:?}", rule.api_groups)
                },
                META.severity,
            ))
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check_system, lines};
    use crate::model::rbac::test_support::kube_system;

    fn run(text: &str) -> Vec<crate::analyse::finding::Finding> {
        check_system(
            &RbacWildcardOrClusterAdmin,
            &kube_system(&[("rbac.yaml", text)]),
        )
    }

    #[test]
    fn flags_wildcard_rules_with_their_bindings() {
        let f = run("\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: ops}
rules:
- apiGroups: [\"\"]
  resources: [pods]
  verbs: [get]
- apiGroups: [\"*\"]
  resources: [\"*\"]
  verbs: [\"*\"]
- apiGroups: [apps]
  resources: [deployments]
  verbs: [\"*\"]
- apiGroups: [\"*\"]
  resources: [\"*\"]
  verbs: [get, list, watch, create, update, patch, delete]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ops}
roleRef: {kind: ClusterRole, name: ops, apiGroup: rbac.authorization.k8s.io}
subjects: [{kind: ServiceAccount, name: ci, namespace: tools}]
");
        assert_eq!(lines(&f), vec![8, 11, 14]);
        assert!(
            f[0].message.contains("ServiceAccount tools/ci"),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].related[0].location.start_line, 21);
        assert!(f[2].message.contains("every verb on every resource"));
    }

    #[test]
    fn flags_bindings_to_cluster_admin() {
        let f = run("\
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: admins, namespace: team}
roleRef:
  kind: ClusterRole
  name: cluster-admin
subjects: [{kind: User, name: alice}]
");
        assert_eq!(lines(&f), vec![5]);
        assert!(f[0].message.contains("in namespace `team`"));
    }

    #[test]
    fn a_redefined_cluster_admin_is_still_cluster_admin() {
        // The API server reconciles default roles: the narrow rules written
        // here do not make the binding safe.
        let f = run("\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: b}
roleRef: {kind: ClusterRole, name: cluster-admin}
subjects: [{kind: User, name: bob}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: cluster-admin}
rules: [{apiGroups: [\"\"], resources: [pods], verbs: [get]}]
");
        assert_eq!(lines(&f), vec![4]);
        assert!(f[0].message.contains("cluster-wide"), "{}", f[0].message);
    }

    #[test]
    fn ignores_narrow_roles_and_kubernetes_managed_bindings() {
        let f = run("\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader}
rules: [{apiGroups: [\"\"], resources: [pods], verbs: [get, list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: cluster-admin
  labels: {kubernetes.io/bootstrapping: rbac-defaults}
roleRef: {kind: ClusterRole, name: cluster-admin}
subjects: [{kind: Group, name: system:masters}]
");
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn wildcard_api_groups_with_named_resources_are_low() {
        let f = run("\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: any-group}
rules:
- apiGroups: [\"*\", extensions, apps]
  resources: [example]
  verbs: [example]
- apiGroups: [extensions, apps]
  resources: [example]
  verbs: [example]
- apiGroups: [\"*\"]
  resources: [deployments]
  verbs: [get, list, watch, create, update, patch, delete]
");
        assert_eq!(lines(&f), vec![5, 11]);
        assert!(f.iter().all(|f| f.severity == Severity::Low), "{f:?}");
        assert!(
            f[0].message
                .contains("example on example of every API group (`*`)"),
            "{}",
            f[0].message
        );
        assert!(f[1].message.contains("on deployments of every API group"));
    }

    #[test]
    fn wildcard_api_groups_without_resources_are_not_flagged() {
        // Nothing named, nothing granted (a non-resource URL rule).
        let f = run("\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: metrics}
rules:
- apiGroups: [\"*\"]
  nonResourceURLs: [/metrics]
  verbs: [get]
");
        assert!(f.is_empty(), "{f:?}");
    }
}
