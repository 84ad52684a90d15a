//! TB530 `deprecated-api-version`: objects written in an API version that
//! Kubernetes no longer serves.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::model::kubernetes::KubeObject;

pub struct DeprecatedApiVersion;

pub static META: RuleMeta = RuleMeta {
    code: "TB530",
    slug: "deprecated-api-version",
    title: "Object uses a removed Kubernetes API version",
    severity: Severity::Low,
    stride: &[Stride::Tampering],
    cwe: &[477],
    stage: LifecycleStage::Orchestrator,
    cis: &[],
    peers: &["stable-version", "no-extensions-v1beta", "KSV-0107"],
    remediation: "Rewrite the object in the replacement API version (`kubectl convert` helps; check the notable field changes in the Kubernetes deprecated API migration guide).",
    docs: r#"
**What it detects.** An object whose `apiVersion` (for its `kind`) was
deprecated and is no longer served by current Kubernetes releases, with
the release that stopped serving it and the replacement:

| apiVersion | kinds | removed in | use |
|---|---|---|---|
| `extensions/v1beta1` | Deployment, DaemonSet, ReplicaSet | 1.16 | `apps/v1` |
| `extensions/v1beta1` | NetworkPolicy | 1.16 | `networking.k8s.io/v1` |
| `extensions/v1beta1` | PodSecurityPolicy | 1.16 | Pod Security Admission |
| `extensions/v1beta1` | Ingress | 1.22 | `networking.k8s.io/v1` |
| `apps/v1beta1`, `apps/v1beta2` | all | 1.16 | `apps/v1` |
| `admissionregistration.k8s.io/v1beta1`, `apiextensions.k8s.io/v1beta1`, `apiregistration.k8s.io/v1beta1`, `authentication.k8s.io/v1beta1`, `authorization.k8s.io/v1beta1`, `certificates.k8s.io/v1beta1`, `coordination.k8s.io/v1beta1`, `networking.k8s.io/v1beta1`, `rbac.authorization.k8s.io/v1beta1` and `v1alpha1`, `scheduling.k8s.io/v1beta1` | all | 1.22 | the group's `v1` |
| `storage.k8s.io/v1beta1` | CSIStorageCapacity | 1.27 | `storage.k8s.io/v1` |
| `storage.k8s.io/v1beta1` | others | 1.22 | `storage.k8s.io/v1` |
| `batch/v1beta1` (CronJob) | all | 1.25 | `batch/v1` |
| `discovery.k8s.io/v1beta1`, `events.k8s.io/v1beta1`, `node.k8s.io/v1beta1` | all | 1.25 | the group's `v1` |
| `policy/v1beta1` | PodDisruptionBudget | 1.25 | `policy/v1` |
| `policy/v1beta1` | PodSecurityPolicy | 1.25 | Pod Security Admission |
| `autoscaling/v2beta1` / `v2beta2` | HorizontalPodAutoscaler | 1.25 / 1.26 | `autoscaling/v2` |
| `flowcontrol.apiserver.k8s.io/v1beta1` / `v1beta2` / `v1beta3` | all | 1.26 / 1.29 / 1.32 | `flowcontrol.apiserver.k8s.io/v1` |

One finding per object, at its `apiVersion`.

**Why it is a threat.** A current API server rejects these manifests, so
the object is never created: a NetworkPolicy, PodDisruptionBudget or RBAC
object that silently fails to apply leaves the protection it was written
for missing. Manifests still on these versions are also a sign of an
unmaintained deployment (a PodSecurityPolicy that no longer exists
enforces nothing) and keep the cluster pinned to old, unpatched releases
(CWE-477; STRIDE: Tampering).

**Example.**
```yaml
apiVersion: extensions/v1beta1
kind: Ingress
```

**Fix.**
```yaml
apiVersion: networking.k8s.io/v1
kind: Ingress
```
"#,
};

/// One removed API version: `kind` `*` covers every kind of the group
/// version not listed before it.
struct Removed {
    api_version: &'static str,
    kind: &'static str,
    removed_in: &'static str,
    replacement: &'static str,
}

const fn removed(
    api_version: &'static str,
    kind: &'static str,
    removed_in: &'static str,
    replacement: &'static str,
) -> Removed {
    Removed {
        api_version,
        kind,
        removed_in,
        replacement,
    }
}

const PSA: &str =
    "Pod Security Admission (namespace labels); PodSecurityPolicy has no replacement API";

/// From the Kubernetes deprecated API migration guide; first match wins.
const REMOVED: &[Removed] = &[
    removed(
        "extensions/v1beta1",
        "Ingress",
        "1.22",
        "networking.k8s.io/v1",
    ),
    removed(
        "extensions/v1beta1",
        "NetworkPolicy",
        "1.16",
        "networking.k8s.io/v1",
    ),
    removed("extensions/v1beta1", "PodSecurityPolicy", "1.16", PSA),
    removed("extensions/v1beta1", "*", "1.16", "apps/v1"),
    removed("apps/v1beta1", "*", "1.16", "apps/v1"),
    removed("apps/v1beta2", "*", "1.16", "apps/v1"),
    removed(
        "admissionregistration.k8s.io/v1beta1",
        "*",
        "1.22",
        "admissionregistration.k8s.io/v1",
    ),
    removed(
        "apiextensions.k8s.io/v1beta1",
        "*",
        "1.22",
        "apiextensions.k8s.io/v1",
    ),
    removed(
        "apiregistration.k8s.io/v1beta1",
        "*",
        "1.22",
        "apiregistration.k8s.io/v1",
    ),
    removed(
        "authentication.k8s.io/v1beta1",
        "*",
        "1.22",
        "authentication.k8s.io/v1",
    ),
    removed(
        "authorization.k8s.io/v1beta1",
        "*",
        "1.22",
        "authorization.k8s.io/v1",
    ),
    removed(
        "certificates.k8s.io/v1beta1",
        "*",
        "1.22",
        "certificates.k8s.io/v1",
    ),
    removed(
        "coordination.k8s.io/v1beta1",
        "*",
        "1.22",
        "coordination.k8s.io/v1",
    ),
    removed(
        "networking.k8s.io/v1beta1",
        "*",
        "1.22",
        "networking.k8s.io/v1",
    ),
    removed(
        "rbac.authorization.k8s.io/v1beta1",
        "*",
        "1.22",
        "rbac.authorization.k8s.io/v1",
    ),
    removed(
        "rbac.authorization.k8s.io/v1alpha1",
        "*",
        "1.22",
        "rbac.authorization.k8s.io/v1",
    ),
    removed(
        "scheduling.k8s.io/v1beta1",
        "*",
        "1.22",
        "scheduling.k8s.io/v1",
    ),
    removed(
        "storage.k8s.io/v1beta1",
        "CSIStorageCapacity",
        "1.27",
        "storage.k8s.io/v1",
    ),
    removed("storage.k8s.io/v1beta1", "*", "1.22", "storage.k8s.io/v1"),
    removed("batch/v1beta1", "*", "1.25", "batch/v1"),
    removed(
        "discovery.k8s.io/v1beta1",
        "*",
        "1.25",
        "discovery.k8s.io/v1",
    ),
    removed("events.k8s.io/v1beta1", "*", "1.25", "events.k8s.io/v1"),
    removed("node.k8s.io/v1beta1", "*", "1.25", "node.k8s.io/v1"),
    removed("policy/v1beta1", "PodSecurityPolicy", "1.25", PSA),
    removed("policy/v1beta1", "*", "1.25", "policy/v1"),
    removed("autoscaling/v2beta1", "*", "1.25", "autoscaling/v2"),
    removed("autoscaling/v2beta2", "*", "1.26", "autoscaling/v2"),
    removed(
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "*",
        "1.26",
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    removed(
        "flowcontrol.apiserver.k8s.io/v1beta2",
        "*",
        "1.29",
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    removed(
        "flowcontrol.apiserver.k8s.io/v1beta3",
        "*",
        "1.32",
        "flowcontrol.apiserver.k8s.io/v1",
    ),
];

fn lookup(object: &KubeObject) -> Option<&'static Removed> {
    REMOVED
        .iter()
        .find(|r| r.api_version == object.api_version && (r.kind == "*" || r.kind == object.kind))
}

impl Rule for DeprecatedApiVersion {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        for object in &ctx.system.kube_objects {
            let Some(entry) = lookup(object) else {
                continue;
            };
            let location = object
                .node
                .get("apiVersion")
                .map_or_else(|| object.location.clone(), |n| object.loc(n));
            sink.push(Finding::new(
                &META,
                location,
                format!(
                    "{} `{}` uses `{}`, no longer served since Kubernetes {}: a current API server rejects it; use {}",
                    object.kind, object.name, object.api_version, entry.removed_in, entry.replacement
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
        check_system(&DeprecatedApiVersion, &kube_system(&[("old.yaml", text)]))
    }

    #[test]
    fn flags_removed_versions_with_release_and_replacement() {
        let f = run("\
apiVersion: extensions/v1beta1
kind: Ingress
metadata: {name: web}
---
apiVersion: extensions/v1beta1
kind: Deployment
metadata: {name: app}
spec:
  template:
    spec: {containers: [{name: c, image: x}]}
---
apiVersion: batch/v1beta1
kind: CronJob
metadata: {name: nightly}
---
apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata: {name: restricted}
---
apiVersion: storage.k8s.io/v1beta1
kind: CSIStorageCapacity
metadata: {name: cap}
---
apiVersion: rbac.authorization.k8s.io/v1beta1
kind: ClusterRole
metadata: {name: r}
");
        assert_eq!(lines(&f), vec![1, 5, 12, 16, 20, 24]);
        assert!(
            f[0].message.contains(
                "Ingress `web` uses `extensions/v1beta1`, no longer served since Kubernetes 1.22"
            ) && f[0].message.ends_with("use networking.k8s.io/v1"),
            "{}",
            f[0].message
        );
        assert!(f[1].message.contains("1.16"), "{}", f[1].message);
        assert!(f[1].message.ends_with("use apps/v1"), "{}", f[1].message);
        assert!(f[2].message.ends_with("use batch/v1"), "{}", f[2].message);
        assert!(
            f[3].message.contains("Pod Security Admission"),
            "{}",
            f[3].message
        );
        assert!(f[4].message.contains("1.27"), "{}", f[4].message);
    }

    #[test]
    fn current_versions_and_custom_groups_are_fine() {
        let f = run("\
apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:
  template:
    spec: {containers: [{name: c, image: x}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: pdb}
---
apiVersion: example.com/v1beta1
kind: Widget
metadata: {name: w}
");
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn malformed_objects_give_nothing() {
        let f = run("\
apiVersion: [extensions/v1beta1]
kind: Ingress
---
apiVersion: {extensions: v1beta1}
kind: Deployment
---
apiVersion: ''
kind: ''
---
- apiVersion: extensions/v1beta1
");
        assert!(f.is_empty(), "{f:?}");
    }
}
