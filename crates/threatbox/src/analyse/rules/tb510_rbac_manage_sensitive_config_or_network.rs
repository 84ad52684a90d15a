//! TB510 `rbac-manage-sensitive-config-or-network`: a role that can write
//! the `aws-auth` or `coredns` ConfigMaps (or every ConfigMap of
//! `kube-system`), networking objects, or ConfigMaps in general.

use crate::analyse::finding::{LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::cluster::{allowed_verb, report_scoped_role_rules};
use crate::model::rbac::PolicyRule;

pub struct RbacManageSensitiveConfigOrNetwork;

pub static META: RuleMeta = RuleMeta {
    code: "TB510",
    slug: "rbac-manage-sensitive-config-or-network",
    title: "RBAC allows changing cluster ConfigMaps (aws-auth, coredns) or networking objects",
    severity: Severity::High,
    stride: &[Stride::Tampering, Stride::ElevationOfPrivilege],
    cwe: &[269, 732],
    stage: LifecycleStage::Orchestrator,
    cis: &[],
    peers: &["KSV-0049", "KSV-0056", "KSV-0115", "C-0037"],
    remediation: "Keep writes to `aws-auth`, `coredns` and the other ConfigMaps of `kube-system` for cluster administrators; give applications write access only to the ConfigMaps they own, by `resourceNames`, and leave NetworkPolicies, Services, Ingresses and Endpoints to the deployment pipeline.",
    docs: r#"
**What it detects.** A Role or ClusterRole rule that allows `create`,
`update`, `patch` or `delete` (directly or through `*`):
- `update`, `patch` or `delete` on the ConfigMaps `aws-auth` or `coredns`
  (named in `resourceNames`), or on every ConfigMap where the grant reaches
  `kube-system` (a Role in `kube-system`, or a ClusterRole bound
  cluster-wide or in `kube-system`) — high (`create` alone cannot change a
  ConfigMap that exists, and these two always do where they matter);
- on `networkpolicies`, `services`, `ingresses`, `endpoints` or
  `endpointslices` — medium;
- on every ConfigMap otherwise (elsewhere, `create` only, or where the
  role's bindings are not in the input) — low.

A rule limited by `resourceNames` to other ConfigMaps (a controller's
leader-election lock, its own settings) is not reported: that is the narrow
grant this rule asks for. One finding per role rule, at its most severe
case; built-in roles (`edit`, `admin`) are reported at the bindings that
grant them.

**Why it is a threat.** On EKS the `aws-auth` ConfigMap maps IAM roles to
Kubernetes users and groups: whoever can edit it maps their own IAM role to
`system:masters`. The `coredns` ConfigMap is the cluster's DNS
configuration: rewriting it redirects service names to attacker-chosen
addresses (Kubescape's "CoreDNS poisoning"). Writing NetworkPolicies opens
the network a policy closed; writing Services, Endpoints or Ingresses
redirects traffic meant for another application to the attacker's pod
(STRIDE: Tampering, Elevation of privilege). ConfigMaps in general hold
application settings that workloads trust.

**Example.**
```yaml
kind: ClusterRole
rules:
- apiGroups: [""]
  resources: [configmaps]
  resourceNames: [aws-auth]
  verbs: [update, patch]
```

**Fix.** Remove the write verbs, or name the application's own ConfigMaps
in `resourceNames`; manage `aws-auth` with EKS access entries and CoreDNS
through the cluster's add-on manager.
"#,
};

const WRITE: &[&str] = &["create", "update", "patch", "delete"];

/// Verbs that change a ConfigMap that already exists (`delete` then
/// `create` replaces it); `create` alone cannot touch `aws-auth` or
/// `coredns`, which every cluster that uses them already has.
const CHANGE: &[&str] = &["update", "patch", "delete"];

/// ConfigMaps whose content controls who is an administrator or where
/// service names resolve.
const SENSITIVE_CONFIGMAPS: &[&str] = &["aws-auth", "coredns"];

const NETWORKING: &[&str] = &[
    "networkpolicies",
    "services",
    "ingresses",
    "endpoints",
    "endpointslices",
];

fn check(rule: &PolicyRule, reaches_kube_system: bool) -> Option<(String, Severity)> {
    if let Some(verb) = allowed_verb(rule, CHANGE, "configmaps") {
        let named: Vec<&str> = SENSITIVE_CONFIGMAPS
            .iter()
            .copied()
            .filter(|n| rule.resource_names.iter().any(|r| r == n))
            .collect();
        if !named.is_empty() {
            return Some((
                format!(
                    "`{verb}` on ConfigMap {} (IAM-to-admin mapping or cluster DNS)",
                    named.join(", ")
                ),
                Severity::High,
            ));
        }
        if rule.resource_names.is_empty() && reaches_kube_system {
            return Some((
                format!(
                    "`{verb}` on every ConfigMap of `kube-system`, including aws-auth and coredns"
                ),
                Severity::High,
            ));
        }
    }
    let touched: Vec<&str> = NETWORKING
        .iter()
        .copied()
        .filter(|r| allowed_verb(rule, WRITE, r).is_some())
        .collect();
    if !touched.is_empty() {
        let verbs: Vec<&str> = WRITE.iter().copied().filter(|v| rule.has_verb(v)).collect();
        return Some((
            format!(
                "`{}` on {} (opens the network or redirects traffic)",
                verbs.join("`/`"),
                touched.join(", ")
            ),
            Severity::Medium,
        ));
    }
    let verb = allowed_verb(rule, WRITE, "configmaps")?;
    rule.resource_names.is_empty().then(|| {
        (
            format!("`{verb}` on every ConfigMap of the namespaces it is granted in"),
            Severity::Low,
        )
    })
}

impl Rule for RbacManageSensitiveConfigOrNetwork {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        report_scoped_role_rules(ctx, &META, sink, check);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check_system, lines};
    use crate::model::rbac::test_support::kube_system;

    fn run(text: &str) -> Vec<crate::analyse::finding::Finding> {
        check_system(
            &RbacManageSensitiveConfigOrNetwork,
            &kube_system(&[("rbac.yaml", text)]),
        )
    }

    fn severities(f: &[crate::analyse::finding::Finding]) -> Vec<Severity> {
        f.iter().map(|f| f.severity).collect()
    }

    #[test]
    fn flags_named_cluster_configmaps_and_networking() {
        let f = run("\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r, namespace: app}
rules:
- {apiGroups: [\"\"], resources: [configmaps], resourceNames: [aws-auth], verbs: [patch]}
- {apiGroups: [\"\"], resources: [configmaps], resourceNames: [my-lock], verbs: [update]}
- {apiGroups: [networking.k8s.io], resources: [networkpolicies, ingresses], verbs: [create, delete]}
- {apiGroups: [\"\"], resources: [services, endpoints], verbs: [get, update]}
- {apiGroups: [\"\"], resources: [configmaps], verbs: [create]}
- {apiGroups: [\"\"], resources: [configmaps, services], verbs: [get, list]}
");
        assert_eq!(lines(&f), vec![5, 7, 8, 9]);
        assert_eq!(
            severities(&f),
            vec![
                Severity::High,
                Severity::Medium,
                Severity::Medium,
                Severity::Low
            ]
        );
        assert!(
            f[0].message.contains("ConfigMap aws-auth"),
            "{}",
            f[0].message
        );
        assert!(
            f[1].message
                .contains("`create`/`delete` on networkpolicies, ingresses"),
            "{}",
            f[1].message
        );
        assert!(
            f[2].message.contains("`update` on services, endpoints"),
            "{}",
            f[2].message
        );
    }

    #[test]
    fn every_configmap_of_kube_system_is_high() {
        let f = run("\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r, namespace: kube-system}
rules:
- {apiGroups: [\"\"], resources: [configmaps], verbs: [update]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: everywhere}
rules:
- {apiGroups: [\"\"], resources: [configmaps], verbs: [\"*\"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: everywhere}
roleRef: {kind: ClusterRole, name: everywhere}
subjects: [{kind: ServiceAccount, name: ctl, namespace: ops}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: team}
rules:
- {apiGroups: [\"\"], resources: [configmaps], verbs: [patch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: team, namespace: shop}
roleRef: {kind: ClusterRole, name: team}
subjects: [{kind: User, name: dev}]
");
        assert_eq!(lines(&f), vec![5, 11, 23]);
        assert_eq!(
            severities(&f),
            vec![Severity::High, Severity::High, Severity::Low]
        );
        assert!(f[1].message.contains("kube-system"), "{}", f[1].message);
    }

    #[test]
    fn create_alone_in_kube_system_is_low() {
        let f = run("\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r, namespace: kube-system}
rules:
- {apiGroups: [\"\"], resources: [configmaps], verbs: [create]}
- {apiGroups: [\"\"], resources: [configmaps], resourceNames: [coredns], verbs: [create, get]}
");
        assert_eq!(lines(&f), vec![5]);
        assert_eq!(severities(&f), vec![Severity::Low]);
    }

    #[test]
    fn builtin_edit_bound_in_kube_system_is_high() {
        let f = run("\
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: e, namespace: kube-system}
roleRef: {kind: ClusterRole, name: edit}
subjects: [{kind: User, name: dev}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: e, namespace: shop}
roleRef: {kind: ClusterRole, name: edit}
subjects: [{kind: User, name: dev}]
");
        assert_eq!(lines(&f), vec![4, 10]);
        assert_eq!(severities(&f), vec![Severity::High, Severity::Medium]);
    }

    #[test]
    fn ignores_reads_and_other_resources() {
        let f = run("\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: r}
rules:
- {apiGroups: [\"\"], resources: [configmaps, services, endpoints], verbs: [get, list, watch]}
- {apiGroups: [\"\"], resources: [configmaps], resourceNames: [leader-lock], verbs: [update]}
- {apiGroups: [coordination.k8s.io], resources: [leases], verbs: [create, update]}
- {apiGroups: [\"\"], resources: [coredns], verbs: [update]}
");
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn malformed_rules_give_nothing() {
        let f = run("\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r, namespace: kube-system}
rules:
- {apiGroups: [\"\"], resources: configmaps, verbs: [update]}
- {apiGroups: [\"\"], resources: [configmaps], resourceNames: aws-auth, verbs: update}
- {apiGroups: {a: b}, resources: [[services]], verbs: [{patch: 1}]}
- ~
");
        assert!(f.is_empty(), "{f:?}");
    }
}
