//! TB527 `namespace-without-resource-quota`: a namespace the input defines
//! or runs workloads in, with no ResourceQuota or no LimitRange.

use std::collections::BTreeMap;

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::model::runtime::Platform;
use crate::source::Location;

pub struct NamespaceWithoutResourceQuota;

pub static META: RuleMeta = RuleMeta {
    code: "TB527",
    slug: "namespace-without-resource-quota",
    title: "Namespace without a ResourceQuota or LimitRange",
    severity: Severity::Low,
    stride: &[Stride::DenialOfService],
    cwe: &[770],
    stage: LifecycleStage::Orchestrator,
    cis: &[],
    peers: &["KSV-0039", "KSV-0040"],
    remediation: "Give each application namespace a ResourceQuota (total CPU, memory, pods, services, storage) and a LimitRange (default and maximum requests and limits per container).",
    docs: r#"
**What it detects.** A namespace that the input defines (a `Namespace`
object) or runs workloads in, with no `ResourceQuota` or no `LimitRange`
among the scanned objects. One finding per namespace, at its `Namespace`
object, or at its first workload when the input does not define it; the
message says which of the two is missing.

To keep the noise down on partial inputs (one application's manifests,
whose quotas are set by the cluster's administrators elsewhere), a
namespace known only from its workloads is reported only when the input
holds a ResourceQuota or LimitRange for some other namespace: then the
input is where quotas are managed, and this namespace was left out. The
namespaces Kubernetes creates for itself (`kube-system`, `kube-public`,
`kube-node-lease`) are not reported.

**Why it is a threat.** Without a quota, one namespace's workloads (a
runaway autoscaler, a fork bomb in a compromised pod, a loop creating
objects) can use up the nodes' CPU, memory, pod slots and storage that
every other application shares; without a LimitRange, containers that set
no limits get none (STRIDE: Denial of service).

**Example.**
```yaml
kind: Namespace
metadata: {name: shop}    # no ResourceQuota, no LimitRange in `shop`
```

**Fix.**
```yaml
kind: ResourceQuota
metadata: {name: quota, namespace: shop}
spec:
  hard: {requests.cpu: "4", requests.memory: 8Gi, limits.memory: 16Gi, pods: "50"}
---
kind: LimitRange
metadata: {name: limits, namespace: shop}
spec:
  limits:
  - type: Container
    default: {cpu: 500m, memory: 512Mi}
    defaultRequest: {cpu: 100m, memory: 128Mi}
```
"#,
};

/// Namespaces Kubernetes creates and manages itself.
const SYSTEM_NAMESPACES: &[&str] = &["kube-system", "kube-public", "kube-node-lease"];

#[derive(Default)]
struct NamespaceView {
    /// The `Namespace` object, where the finding goes.
    defined_at: Option<Location>,
    /// The first workload, where the finding goes otherwise.
    first_workload: Option<(String, Location)>,
    workloads: usize,
    quota: bool,
    limit_range: bool,
}

impl Rule for NamespaceWithoutResourceQuota {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        let mut namespaces: BTreeMap<&str, NamespaceView> = BTreeMap::new();
        for object in &ctx.system.kube_objects {
            let namespace = object.namespace.as_deref().unwrap_or("default");
            match object.kind.as_str() {
                "Namespace" if object.api_version == "v1" && !object.name.is_empty() => {
                    let view = namespaces.entry(object.name.as_str()).or_default();
                    view.defined_at
                        .get_or_insert_with(|| object.location.clone());
                }
                "ResourceQuota" => namespaces.entry(namespace).or_default().quota = true,
                "LimitRange" => namespaces.entry(namespace).or_default().limit_range = true,
                _ => {}
            }
        }
        for w in &ctx.system.workloads {
            if w.platform != Platform::Kubernetes {
                continue;
            }
            let view = namespaces
                .entry(w.namespace.as_deref().unwrap_or("default"))
                .or_default();
            view.workloads += 1;
            view.first_workload
                .get_or_insert_with(|| (format!("{} `{}`", w.kind, w.name), w.location.clone()));
        }
        // Quotas managed in this input: namespaces known only from their
        // workloads are then judged too.
        let manages_quotas = namespaces.values().any(|v| v.quota || v.limit_range);
        for (namespace, view) in namespaces {
            if SYSTEM_NAMESPACES.contains(&namespace) || (view.quota && view.limit_range) {
                continue;
            }
            let missing = match (view.quota, view.limit_range) {
                (false, false) => "no ResourceQuota and no LimitRange",
                (false, true) => "no ResourceQuota",
                _ => "no LimitRange",
            };
            let (location, whose) = match (view.defined_at, view.first_workload) {
                (Some(location), _) => (location, String::new()),
                (None, Some((first, location))) if manages_quotas => (
                    location,
                    format!("; reported at its first workload, {first}"),
                ),
                _ => continue,
            };
            sink.push(Finding::new(
                &META,
                location,
                format!(
                    "namespace `{namespace}` ({} workloads scanned) has {missing} among the scanned objects: workloads placed in it can use up the cluster's shared CPU, memory and pod slots{whose}",
                    view.workloads
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
            &NamespaceWithoutResourceQuota,
            &kube_system(&[("ns.yaml", text)]),
        )
    }

    const POD_IN_SHOP: &str = "\
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec: {containers: [{name: c, image: x}]}
";

    #[test]
    fn flags_a_defined_namespace_without_quota_at_the_namespace() {
        let text = format!(
            "{POD_IN_SHOP}---
apiVersion: v1
kind: Namespace
metadata: {{name: shop}}
---
apiVersion: v1
kind: LimitRange
metadata: {{name: l, namespace: shop}}
spec: {{limits: []}}
"
        );
        let f = run(&text);
        assert_eq!(lines(&f), vec![6]);
        assert!(
            f[0].message
                .contains("namespace `shop` (1 workloads scanned) has no ResourceQuota among"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn workload_only_namespaces_are_judged_when_quotas_are_managed_here() {
        // Nothing about quotas in the input: a fragment, not reported.
        assert!(run(POD_IN_SHOP).is_empty());
        let text = format!(
            "{POD_IN_SHOP}---
apiVersion: v1
kind: ResourceQuota
metadata: {{name: q, namespace: other}}
spec: {{hard: {{pods: \"5\"}}}}
---
apiVersion: v1
kind: LimitRange
metadata: {{name: l, namespace: other}}
"
        );
        let f = run(&text);
        assert_eq!(lines(&f), vec![1]);
        assert!(
            f[0].message
                .contains("has no ResourceQuota and no LimitRange among the scanned objects")
                && f[0].message.contains("first workload, Pod `web`"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn covered_and_system_namespaces_are_not_flagged() {
        let text = "\
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: q, namespace: shop}
---
apiVersion: v1
kind: LimitRange
metadata: {name: l, namespace: shop}
---
apiVersion: v1
kind: Namespace
metadata: {name: kube-system}
---
apiVersion: v1
kind: Pod
metadata: {name: dns, namespace: kube-system}
spec: {containers: [{name: c, image: x}]}
";
        assert!(run(text).is_empty(), "{:?}", run(text));
    }

    #[test]
    fn malformed_objects_give_nothing() {
        let text = "\
apiVersion: v1
kind: Namespace
metadata: {name: [a, b]}
---
apiVersion: v1
kind: Namespace
metadata: [name, shop]
---
apiVersion: v1
kind: Namespace
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: q, namespace: {x: 1}}
";
        assert!(run(text).is_empty(), "{:?}", run(text));
    }
}
