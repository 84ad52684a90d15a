//! TB503 `rbac-workload-create-or-exec`: a role that can create pods or
//! workloads, or exec/attach into pods.

use crate::analyse::finding::{LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::cluster::{allowed_verb, report_graded_role_rules};

pub struct RbacWorkloadCreateOrExec;

pub static META: RuleMeta = RuleMeta {
    code: "TB503",
    slug: "rbac-workload-create-or-exec",
    title: "RBAC allows creating pods or exec into them",
    severity: Severity::High,
    stride: &[Stride::ElevationOfPrivilege],
    cwe: &[269],
    stage: LifecycleStage::Orchestrator,
    cis: &["CIS-Kubernetes-5.1.4"],
    peers: &[
        "CKV2_K8S_2",
        "KSV-0048",
        "KSV-0053",
        "KSV-0054",
        "C-0002",
        "C-0188",
        "access-to-create-pods",
        "clusterrolePodExecAttach",
        "rolePodExecAttach",
        "clusterrolebindingPodExecAttach",
        "rolebindingClusterRolePodExecAttach",
        "rolebindingRolePodExecAttach",
        "C-0063",
    ],
    remediation: "Give pod creation to the controllers that need it (a deployment pipeline) and remove `pods/exec`, `pods/attach` and `pods/portforward` from everyday roles.",
    docs: r#"
**What it detects.** A Role or ClusterRole rule that allows `create` on
`pods` or on a workload kind (Deployment, DaemonSet, StatefulSet,
ReplicaSet, Job, CronJob, ReplicationController), or `create`/`get` on
`pods/exec` or `pods/attach` — high; `create` or `get` on
`pods/portforward` — medium (one finding per rule, at its most severe
case).

**Why it is a threat.** Whoever can create a pod in a namespace can run any
image with any service account of that namespace, mount its secrets and,
without admission control, a privileged container on the node; exec and
attach run commands inside existing pods with their tokens and data
(STRIDE: Elevation of privilege). Port-forwarding opens a tunnel from the
subject's machine to any port of any pod of the namespace, past
NetworkPolicies and without a Service: admin interfaces, databases and
debug ports that were never meant to be reachable.

**Example.**
```yaml
rules:
- apiGroups: [""]
  resources: [pods/exec]
  verbs: [create]
```

**Fix.** Remove the permission from roles bound to workloads and people who
do not deploy; keep `pods/exec` for break-glass roles that are audited.
"#,
};

const CREATABLE: &[&str] = &[
    "pods",
    "deployments",
    "daemonsets",
    "statefulsets",
    "replicasets",
    "jobs",
    "cronjobs",
    "replicationcontrollers",
];

impl Rule for RbacWorkloadCreateOrExec {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        report_graded_role_rules(ctx, &META, sink, |rule| {
            for sub in ["pods/exec", "pods/attach"] {
                if let Some(verb) = allowed_verb(rule, &["create", "get"], sub) {
                    return Some((
                        format!("`{verb}` on `{sub}` (commands inside running pods)"),
                        META.severity,
                    ));
                }
            }
            let created: Vec<&str> = CREATABLE
                .iter()
                .copied()
                .filter(|r| rule.allows("create", r))
                .collect();
            if !created.is_empty() {
                return Some((
                    format!(
                        "`create` on {} (runs code as any service account of the namespace)",
                        created.join(", ")
                    ),
                    META.severity,
                ));
            }
            // A tunnel to any pod port, past NetworkPolicies.
            allowed_verb(rule, &["create", "get"], "pods/portforward").map(|verb| {
                (
                    format!(
                        "`{verb}` on `pods/portforward` (tunnels to any pod port, past NetworkPolicies)"
                    ),
                    Severity::Medium,
                )
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
        check_system(
            &RbacWorkloadCreateOrExec,
            &kube_system(&[("rbac.yaml", text)]),
        )
    }

    #[test]
    fn flags_exec_attach_and_creates() {
        let f = run("\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r, namespace: app}
rules:
- {apiGroups: [\"\"], resources: [pods/exec], verbs: [create]}
- {apiGroups: [\"\"], resources: [pods/attach], verbs: [get]}
- {apiGroups: [apps], resources: [deployments, statefulsets], verbs: [create, update]}
- {apiGroups: [\"\"], resources: [pods], verbs: [\"*\"]}
- {apiGroups: [batch], resources: [\"*\"], verbs: [create]}
");
        assert_eq!(lines(&f), vec![5, 6, 7, 8, 9]);
        assert!(
            f[2].message.contains("deployments, statefulsets"),
            "{}",
            f[2].message
        );
        assert!(f[4].message.contains("jobs, cronjobs"), "{}", f[4].message);
    }

    #[test]
    fn ignores_reads_and_updates() {
        let f = run("\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: r}
rules:
- {apiGroups: [\"\"], resources: [pods, pods/log], verbs: [get, list, watch]}
- {apiGroups: [apps], resources: [deployments, deployments/scale], verbs: [update, patch]}
- {apiGroups: [\"\"], resources: [deployments], verbs: [create]}
");
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn port_forward_is_medium_and_exec_wins_on_the_same_rule() {
        let f = run("\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r, namespace: app}
rules:
- {apiGroups: [\"\"], resources: [pods/portforward], verbs: [create]}
- {apiGroups: [\"\"], resources: [pods/portforward], verbs: [get, list]}
- {apiGroups: [\"\"], resources: [pods/portforward, pods/exec], verbs: [create]}
- {apiGroups: [\"\"], resources: [pods/portforward], verbs: [list, watch]}
- {apiGroups: [apps], resources: [pods/portforward], verbs: [create]}
");
        assert_eq!(lines(&f), vec![5, 6, 7]);
        assert_eq!(f[0].severity, Severity::Medium);
        assert!(
            f[1].message.contains("`get` on `pods/portforward`"),
            "{}",
            f[1].message
        );
        assert_eq!(f[2].severity, Severity::High);
        assert!(f[2].message.contains("pods/exec"), "{}", f[2].message);
    }

    #[test]
    fn malformed_portforward_rules_give_nothing() {
        let f = run("\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r, namespace: app}
rules:
- {apiGroups: \"\", resources: pods/portforward, verbs: create}
- {apiGroups: [[\"\"]], resources: [{pods/portforward: 1}], verbs: [[create]]}
");
        assert!(f.is_empty(), "{f:?}");
    }
}
