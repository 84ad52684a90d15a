//! TB526 `default-namespace`: namespaced objects placed in the `default`
//! namespace, or in no namespace at all.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::model::kubernetes::KubeObject;

pub struct DefaultNamespace;

pub static META: RuleMeta = RuleMeta {
    code: "TB526",
    slug: "default-namespace",
    title: "Object in the default namespace",
    severity: Severity::Low,
    stride: &[Stride::Tampering, Stride::ElevationOfPrivilege],
    cwe: &[1188],
    stage: LifecycleStage::Orchestrator,
    cis: &["CIS-Kubernetes-5.7.4"],
    peers: &[
        "CKV_K8S_21",
        "use-namespace",
        "KSV-0110",
        "C-0061",
        "C-0212",
    ],
    remediation: "Give the application a namespace of its own (`metadata.namespace: shop`), with its NetworkPolicies, Pod Security labels, quotas and RoleBindings, and keep `default` empty.",
    docs: r#"
**What it detects.** A namespaced object (workloads, Services,
ServiceAccounts, Roles and RoleBindings, ConfigMaps, Secrets, Ingresses,
NetworkPolicies, PersistentVolumeClaims…) whose `metadata.namespace` is
`default`, or that names no namespace (it then lands in the namespace of
whoever applies it, usually `default`). Cluster-scoped kinds, kinds this
rule does not know, and the objects Kubernetes itself keeps in `default`
(the `default` ServiceAccount, the `kubernetes` Service and Endpoints, the
`kube-root-ca.crt` ConfigMap) are not reported.

**Why it is a threat.** `default` is where everything unplanned goes: it
rarely has the default-deny NetworkPolicy, Pod Security labels, quotas and
narrow RoleBindings a dedicated namespace gets, and every user or tool
granted rights there reaches every application placed in it. An object
without a namespace also ends up wherever the current kubectl context
points, which is not reviewed (CWE-1188; STRIDE: Tampering, Elevation of
privilege). CIS Kubernetes 5.7.4 asks that the default namespace not be
used.

**Example.**
```yaml
kind: Deployment
metadata:
  name: web          # no namespace: lands in `default`
```

**Fix.**
```yaml
kind: Deployment
metadata:
  name: web
  namespace: shop
```
"#,
};

/// Namespaced kinds judged here (a CRD kind's scope is not known from its
/// objects, so unknown kinds are left alone).
const NAMESPACED: &[&str] = &[
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
    "Service",
    "ServiceAccount",
    "Role",
    "RoleBinding",
    "ConfigMap",
    "Secret",
    "Ingress",
    "NetworkPolicy",
    "PersistentVolumeClaim",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "LimitRange",
    "ResourceQuota",
];

/// Objects Kubernetes creates in `default` by itself.
fn managed_by_kubernetes(object: &KubeObject) -> bool {
    matches!(
        (object.kind.as_str(), object.name.as_str()),
        ("ServiceAccount", "default")
            | ("Service" | "Endpoints", "kubernetes")
            | ("ConfigMap", "kube-root-ca.crt")
    )
}

impl Rule for DefaultNamespace {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        for object in &ctx.system.kube_objects {
            if !NAMESPACED.contains(&object.kind.as_str()) || managed_by_kubernetes(object) {
                continue;
            }
            let metadata = object.node.get("metadata");
            let (location, message) = match object.namespace.as_deref() {
                Some("default") => (
                    metadata
                        .and_then(|m| m.get("namespace"))
                        .map(|n| object.loc(n)),
                    format!(
                        "{} `{}` is in the `default` namespace",
                        object.kind, object.name
                    ),
                ),
                None => (
                    metadata.and_then(|m| m.get("name")).map(|n| object.loc(n)),
                    format!(
                        "{} `{}` names no namespace: it lands in the one kubectl points at, usually `default`",
                        object.kind, object.name
                    ),
                ),
                Some(_) => continue,
            };
            sink.push(Finding::new(
                &META,
                location.unwrap_or_else(|| object.location.clone()),
                message,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check_system, lines};
    use crate::model::rbac::test_support::kube_system;

    #[test]
    fn objects_in_default_or_in_no_namespace_are_reported() {
        let system = kube_system(&[(
            "app.yaml",
            "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec: {template: {spec: {containers: [{name: c, image: nginx:1.27}]}}}
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: default
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop}
",
        )]);
        let f = check_system(&DefaultNamespace, &system);
        assert_eq!(lines(&f), vec![4, 11]);
        assert!(
            f[0].message.contains("names no namespace"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn cluster_scoped_unknown_and_kubernetes_managed_objects_are_not_reported() {
        let system = kube_system(&[(
            "cluster.yaml",
            "\
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
rules: []
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: default, namespace: default}
---
apiVersion: v1
kind: Service
metadata: {name: kubernetes, namespace: default}
",
        )]);
        assert!(check_system(&DefaultNamespace, &system).is_empty());
    }

    #[test]
    fn objects_without_metadata_or_with_a_malformed_namespace_point_at_the_object() {
        let system = kube_system(&[(
            "bad.yaml",
            "\
apiVersion: v1
kind: Secret
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c, namespace: [a, b]}
",
        )]);
        let f = check_system(&DefaultNamespace, &system);
        // No `metadata`: the object's own line; a namespace that is not a
        // string is no namespace.
        assert_eq!(lines(&f), vec![1, 6]);
    }
}
