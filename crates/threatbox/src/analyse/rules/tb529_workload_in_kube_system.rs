//! TB529 `workload-in-kube-system`: a workload placed in `kube-system` that
//! is neither a control-plane component nor a well-known cluster add-on.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::container_support::workload_subject;
use crate::model::runtime::{Platform, Workload};
use crate::source::Location;

pub struct WorkloadInKubeSystem;

pub static META: RuleMeta = RuleMeta {
    code: "TB529",
    slug: "workload-in-kube-system",
    title: "Workload in the kube-system namespace",
    severity: Severity::Medium,
    stride: &[Stride::ElevationOfPrivilege],
    cwe: &[668],
    stage: LifecycleStage::Orchestrator,
    cis: &[],
    peers: &["KSV-0037"],
    remediation: "Run the workload in a namespace of its own, with its own service account and RoleBindings; keep `kube-system` for the control plane and the cluster's core add-ons.",
    docs: r#"
**What it detects.** A Kubernetes workload whose namespace is
`kube-system`, unless it is a control-plane component or one of a short
list of well-known cluster add-ons. Recognised by name (a Pod may carry a
`-<node>` suffix, as static pods do) or by a `component`, `k8s-app`, `app`,
`app.kubernetes.io/name` or `name` pod label, or `tier: control-plane`:
- control plane: `kube-apiserver`, `kube-controller-manager`,
  `kube-scheduler`, `etcd`, `cloud-controller-manager`;
- add-ons: `kube-proxy`, `coredns`, `kube-dns`, `calico-node`,
  `calico-kube-controllers`, `cilium`, `cilium-operator`, `aws-node`,
  `kube-flannel`, `kube-flannel-ds`, `metrics-server`.

Anything else (log shippers, monitoring agents, ingress controllers, the
application itself) is reported, once per workload, at its
`metadata.namespace`.

**Why it is a threat.** `kube-system` holds the cluster's most powerful
service accounts (the controllers', often bound to wide ClusterRoles) and
their secrets: any pod there can be given, or can mount, those
identities, and a compromise of the workload lands next to them. Admission
policies (Pod Security labels, Gatekeeper and Kyverno defaults) commonly
exempt `kube-system`, so a workload there escapes the checks every other
namespace gets, and whoever may deploy into it is in practice a cluster
administrator (STRIDE: Elevation of privilege).

**Example.**
```yaml
kind: DaemonSet
metadata:
  name: log-agent
  namespace: kube-system
```

**Fix.** Move it to a dedicated namespace (`logging`, `monitoring`) and
grant its service account only what it needs there.
"#,
};

/// Control-plane components and core add-ons that belong in `kube-system`.
const EXPECTED: &[&str] = &[
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "etcd",
    "cloud-controller-manager",
    "kube-proxy",
    "coredns",
    "kube-dns",
    "calico-node",
    "calico-kube-controllers",
    "cilium",
    "cilium-operator",
    "aws-node",
    "kube-flannel",
    "kube-flannel-ds",
    "metrics-server",
];

const NAME_LABELS: &[&str] = &[
    "component",
    "k8s-app",
    "app",
    "app.kubernetes.io/name",
    "name",
];

fn expected_in_kube_system(workload: &Workload) -> bool {
    let labels = &workload.pod_labels;
    if labels.get("tier").map(String::as_str) == Some("control-plane") {
        return true;
    }
    let labelled = NAME_LABELS
        .iter()
        .filter_map(|k| labels.get(*k))
        .any(|v| EXPECTED.contains(&v.as_str()));
    // Static and DaemonSet pods are named `<component>-<suffix>`.
    let named = EXPECTED.iter().any(|e| {
        workload.name == *e
            || (workload.kind == "Pod"
                && workload
                    .name
                    .strip_prefix(e)
                    .is_some_and(|rest| rest.starts_with('-')))
    });
    labelled || named
}

/// Where `metadata.namespace` is written, for the object behind the workload.
fn namespace_location(workload: &Workload, ctx: &RuleContext<'_>) -> Option<Location> {
    let object = ctx.system.kube_objects.iter().find(|o| {
        o.location.path == workload.location.path
            && o.location.start_line == workload.location.start_line
            && o.kind == workload.kind
    })?;
    object
        .node
        .path(&["metadata", "namespace"])
        .map(|n| object.loc(n))
}

impl Rule for WorkloadInKubeSystem {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_workload(&self, workload: &Workload, ctx: &RuleContext<'_>, sink: &mut Sink) {
        if workload.platform != Platform::Kubernetes
            || workload.namespace.as_deref() != Some("kube-system")
            || expected_in_kube_system(workload)
        {
            return;
        }
        let location =
            namespace_location(workload, ctx).unwrap_or_else(|| workload.location.clone());
        sink.push(Finding::new(
            &META,
            location,
            format!(
                "{} runs in `kube-system`, next to the cluster's most powerful service accounts and secrets, where admission policies are often relaxed",
                workload_subject(workload)
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check_system, lines};
    use crate::model::rbac::test_support::kube_system;

    fn run(text: &str) -> Vec<Finding> {
        check_system(&WorkloadInKubeSystem, &kube_system(&[("ks.yaml", text)]))
    }

    #[test]
    fn flags_other_workloads_in_kube_system_at_the_namespace() {
        let f = run("\
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: log-agent
  namespace: kube-system
spec:
  template:
    metadata: {labels: {app: log-agent}}
    spec: {containers: [{name: c, image: fluent-bit}]}
---
apiVersion: v1
kind: Pod
metadata: {name: debug-shell, namespace: kube-system}
spec: {containers: [{name: c, image: x}]}
");
        assert_eq!(lines(&f), vec![5, 13]);
        assert!(
            f[0].message
                .starts_with("DaemonSet `log-agent` runs in `kube-system`"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn control_plane_add_ons_and_other_namespaces_are_fine() {
        let f = run("\
apiVersion: v1
kind: Pod
metadata:
  name: kube-apiserver-node1
  namespace: kube-system
  labels: {component: kube-apiserver, tier: control-plane}
spec: {containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: Pod
metadata: {name: etcd-node1, namespace: kube-system}
spec: {containers: [{name: c, image: x}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: proxy, namespace: kube-system}
spec:
  template:
    metadata: {labels: {k8s-app: kube-proxy}}
    spec: {containers: [{name: c, image: x}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: coredns, namespace: kube-system}
spec:
  template:
    spec: {containers: [{name: c, image: x}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app, namespace: shop}
spec:
  template:
    spec: {containers: [{name: c, image: x}]}
");
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn malformed_objects_give_nothing() {
        let f = run("\
apiVersion: apps/v1
kind: Deployment
metadata: {name: x, namespace: [kube-system]}
spec:
  template:
    spec: {containers: [{name: c, image: x}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: [name, kube-system]
spec: {template: []}
---
apiVersion: v1
kind: Pod
metadata: {name: kube-proxy-, namespace: {kube-system: 1}}
spec: {containers: []}
");
        assert!(f.is_empty(), "{f:?}");
    }
}
