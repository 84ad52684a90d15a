//! TB509 `rbac-delete-audit-evidence-or-resources`: a role that can delete
//! events or pod logs (covering tracks), or delete workloads, secrets,
//! namespaces, volumes and services (denial of service).

use crate::analyse::finding::{LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::cluster::{allowed_verb, report_graded_role_rules};
use crate::model::rbac::PolicyRule;

pub struct RbacDeleteAuditEvidenceOrResources;

pub static META: RuleMeta = RuleMeta {
    code: "TB509",
    slug: "rbac-delete-audit-evidence-or-resources",
    title: "RBAC allows deleting events, pod logs or cluster resources",
    severity: Severity::Medium,
    stride: &[
        Stride::Repudiation,
        Stride::DenialOfService,
        Stride::Tampering,
    ],
    cwe: &[732, 778],
    stage: LifecycleStage::Orchestrator,
    cis: &[],
    peers: &["KSV-0042", "C-0031", "C-0007"],
    remediation: "Remove `delete` and `deletecollection` on `events` and `pods/log` from every role; keep deletion of workloads, secrets, namespaces, volumes and services for the deployment pipeline and the cluster administrators.",
    docs: r#"
**What it detects.** A Role or ClusterRole rule that allows `delete` or
`deletecollection` (directly or through `*` verbs):
- on `events` (core group or `events.k8s.io`) or `pods/log` — medium;
- otherwise on pods or workloads (Deployments, DaemonSets, StatefulSets,
  ReplicaSets, Jobs, CronJobs, ReplicationControllers), `secrets`,
  `configmaps`, `namespaces`, `persistentvolumeclaims`,
  `persistentvolumes` or `services` — low.

One finding per role rule, at its most severe case. Rules with `*` verbs and
`*` resources are reported here too (as by TB502 and TB503), although TB501
already reports them as wildcards: the finding says which destructive
permission the wildcard includes. The API server serves no `delete` on
`pods/log` today; a rule granting it is still reported, as by the peers,
because it states the intent to erase logs and would take effect if the
verb were served.

**Why it is a threat.** Events are the cluster's own record of what happened
(pods created, images pulled, probes failing): whoever can delete them can
run an attack and then remove its traces (STRIDE: Repudiation). Deleting
workloads, namespaces, volumes or services takes applications down or
destroys data (Denial of service), and deleting a Secret or ConfigMap that a
controller recreates from its own input can swap in attacker-chosen
content (Tampering).

**Example.**
```yaml
rules:
- apiGroups: ["", events.k8s.io]
  resources: [events]
  verbs: [delete, deletecollection]
```

**Fix.** Drop the delete verbs from the rule; ship events to an external
store (an event exporter or the audit log) so that deleting them in the
cluster does not erase the record.
"#,
};

const DELETE: &[&str] = &["delete", "deletecollection"];

/// Resources whose deletion takes applications down or destroys data.
const DESTRUCTIBLE: &[&str] = &[
    "pods",
    "deployments",
    "daemonsets",
    "statefulsets",
    "replicasets",
    "jobs",
    "cronjobs",
    "replicationcontrollers",
    "secrets",
    "configmaps",
    "namespaces",
    "persistentvolumeclaims",
    "persistentvolumes",
    "services",
];

/// `events.k8s.io` holds a second `events` resource, which the model's
/// group table (core `events`) does not know about.
fn deletes_new_events(rule: &PolicyRule) -> Option<&'static str> {
    let group = rule
        .api_groups
        .iter()
        .any(|g| g == "*" || g == "events.k8s.io");
    let resource = rule.resources.iter().any(|r| r == "*" || r == "events");
    if !(group && resource) {
        return None;
    }
    DELETE.iter().copied().find(|v| rule.has_verb(v))
}

fn check(rule: &PolicyRule) -> Option<(String, Severity)> {
    let evidence = allowed_verb(rule, DELETE, "events")
        .map(|v| (v, "events"))
        .or_else(|| deletes_new_events(rule).map(|v| (v, "events.k8s.io events")))
        .or_else(|| allowed_verb(rule, DELETE, "pods/log").map(|v| (v, "pods/log")));
    if let Some((verb, what)) = evidence {
        return Some((
            format!("`{verb}` on {what} (erases the record of what happened in the cluster)"),
            Severity::Medium,
        ));
    }
    let deleted: Vec<&str> = DESTRUCTIBLE
        .iter()
        .copied()
        .filter(|r| allowed_verb(rule, DELETE, r).is_some())
        .collect();
    let verbs: Vec<&str> = DELETE
        .iter()
        .copied()
        .filter(|v| rule.has_verb(v))
        .collect();
    (!deleted.is_empty()).then(|| {
        (
            format!(
                "`{}` on {} (takes applications down or destroys data)",
                verbs.join("`/`"),
                deleted.join(", ")
            ),
            Severity::Low,
        )
    })
}

impl Rule for RbacDeleteAuditEvidenceOrResources {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        report_graded_role_rules(ctx, &META, sink, check);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check_system, lines};
    use crate::model::rbac::test_support::kube_system;

    fn run(text: &str) -> Vec<crate::analyse::finding::Finding> {
        check_system(
            &RbacDeleteAuditEvidenceOrResources,
            &kube_system(&[("rbac.yaml", text)]),
        )
    }

    #[test]
    fn flags_event_and_log_deletion_as_medium() {
        let f = run("\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r, namespace: app}
rules:
- {apiGroups: [\"\"], resources: [events], verbs: [delete]}
- {apiGroups: [events.k8s.io], resources: [events], verbs: [deletecollection]}
- {apiGroups: [\"\"], resources: [pods/log], verbs: [\"*\"]}
- {apiGroups: [\"\"], resources: [\"*\"], verbs: [\"*\"]}
");
        assert_eq!(lines(&f), vec![5, 6, 7, 8]);
        assert!(f.iter().all(|f| f.severity == Severity::Medium), "{f:?}");
        assert!(
            f[1].message
                .contains("`deletecollection` on events.k8s.io events"),
            "{}",
            f[1].message
        );
        assert!(f[2].message.contains("pods/log"), "{}", f[2].message);
    }

    #[test]
    fn flags_resource_deletion_as_low_with_the_binding() {
        let f = run("\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: cleaner}
rules:
- apiGroups: [apps]
  resources: [deployments, statefulsets]
  verbs: [get, delete]
- apiGroups: [\"\"]
  resources: [namespaces, persistentvolumes, secrets]
  verbs: [deletecollection, delete]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: cleaner}
roleRef: {kind: ClusterRole, name: cleaner}
subjects: [{kind: ServiceAccount, name: janitor, namespace: ops}]
");
        assert_eq!(lines(&f), vec![5, 8]);
        assert!(f.iter().all(|f| f.severity == Severity::Low), "{f:?}");
        assert!(
            f[0].message
                .contains("`delete` on deployments, statefulsets"),
            "{}",
            f[0].message
        );
        assert!(
            f[1].message
                .contains("`delete`/`deletecollection` on secrets, namespaces, persistentvolumes"),
            "{}",
            f[1].message
        );
        assert!(
            f[1].message.contains("ServiceAccount ops/janitor"),
            "{}",
            f[1].message
        );
    }

    #[test]
    fn builtin_edit_binding_is_reported_at_the_role_ref() {
        let f = run("\
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: e, namespace: app}
roleRef: {kind: ClusterRole, name: edit}
subjects: [{kind: User, name: dev}]
");
        assert_eq!(lines(&f), vec![4]);
        assert_eq!(f[0].severity, Severity::Low);
    }

    #[test]
    fn ignores_reads_other_groups_and_harmless_deletes() {
        let f = run("\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: r}
rules:
- {apiGroups: [\"\"], resources: [events, pods/log], verbs: [get, list, watch, create]}
- {apiGroups: [example.com], resources: [events], verbs: [delete]}
- {apiGroups: [coordination.k8s.io], resources: [leases], verbs: [delete]}
- {apiGroups: [\"\"], resources: [pods], verbs: [create, update]}
");
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn malformed_rules_give_nothing() {
        let f = run("\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: r}
rules:
- {apiGroups: \"\", resources: events, verbs: delete}
- {apiGroups: [[\"\"]], resources: [{a: events}], verbs: [7, null]}
- []
- delete
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: s, namespace: app}
rules: {apiGroups: [\"\"], resources: [events], verbs: [delete]}
");
        assert!(f.is_empty(), "{f:?}");
    }
}
