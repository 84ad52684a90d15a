//! Container defaults a Kubernetes `LimitRange` gives at admission: a
//! container that writes no request or limit may still get one from its
//! namespace's LimitRange (TB431, TB432 read this).

use std::collections::HashMap;

use crate::analyse::rules::container_support::is_zero_quantity;
use crate::model::System;
use crate::model::runtime::Workload;
use crate::parse::yaml::Node;

/// What the LimitRanges of a namespace fill in for a container.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ContainerDefaults {
    pub cpu_request: bool,
    pub memory_request: bool,
    pub ephemeral_storage_limit: bool,
}

/// Container defaults per namespace, read once per scan.
#[derive(Debug, Default)]
pub struct NamespaceDefaults(HashMap<String, ContainerDefaults>);

impl NamespaceDefaults {
    /// Defaults from every `LimitRange` item of `type: Container` (an
    /// object naming no namespace counts as `default`, as a workload does).
    pub fn of(system: &System) -> Self {
        let mut out: HashMap<String, ContainerDefaults> = HashMap::new();
        for object in &system.kube_objects {
            if object.kind != "LimitRange" {
                continue;
            }
            let namespace = object.namespace.as_deref().unwrap_or("default");
            add_items(&object.node, out.entry(namespace.to_string()).or_default());
        }
        NamespaceDefaults(out)
    }

    /// What the workload's namespace fills in.
    pub fn for_workload(&self, workload: &Workload) -> ContainerDefaults {
        let namespace = workload.namespace.as_deref().unwrap_or("default");
        self.0.get(namespace).copied().unwrap_or_default()
    }
}

/// The API server defaults a LimitRange item's missing `default` (limit)
/// from `max`, and its missing `defaultRequest` from `default`, then from
/// `min`: a resource named in any of them gets a request, one named in
/// `default` or `max` gets a limit.
fn add_items(object: &Node, out: &mut ContainerDefaults) {
    let items = object
        .path(&["spec", "limits"])
        .and_then(Node::as_seq)
        .unwrap_or_default();
    for item in items {
        if item.get("type").and_then(Node::as_str) != Some("Container") {
            continue;
        }
        let names = |keys: &[&str], resource: &str| {
            keys.iter().any(|k| {
                item.get(k)
                    .and_then(|m| m.get(resource))
                    .and_then(crate::model::compose::scalar_text)
                    .is_some_and(|q| !is_zero_quantity(&q))
            })
        };
        let request_keys = ["defaultRequest", "default", "max", "min"];
        out.cpu_request |= names(&request_keys, "cpu");
        out.memory_request |= names(&request_keys, "memory");
        out.ephemeral_storage_limit |= names(&["default", "max"], "ephemeral-storage");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::system;

    fn defaults(limit_range: &str) -> ContainerDefaults {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: team}\nspec:\n  containers: [{name: a, image: nginx}]\n";
        let system = system(&[("pod.yaml", pod), ("lr.yaml", limit_range)]);
        NamespaceDefaults::of(&system).for_workload(&system.workloads[0])
    }

    #[test]
    fn reads_container_items_of_the_same_namespace() {
        let lr = "apiVersion: v1\nkind: LimitRange\nmetadata: {name: l, namespace: team}\nspec:\n  limits:\n  - type: Container\n    defaultRequest: {cpu: 100m}\n    max: {memory: 1Gi, ephemeral-storage: 2Gi}\n";
        assert_eq!(
            defaults(lr),
            ContainerDefaults {
                cpu_request: true,
                memory_request: true,
                ephemeral_storage_limit: true
            }
        );
        let min_only = "apiVersion: v1\nkind: LimitRange\nmetadata: {name: l, namespace: team}\nspec:\n  limits:\n  - type: Container\n    min: {cpu: 10m, ephemeral-storage: 1Gi}\n";
        assert_eq!(
            defaults(min_only),
            ContainerDefaults {
                cpu_request: true,
                ..Default::default()
            }
        );
    }

    #[test]
    fn ignores_other_namespaces_pod_items_and_garbage() {
        for lr in [
            "apiVersion: v1\nkind: LimitRange\nmetadata: {name: l, namespace: other}\nspec:\n  limits:\n  - {type: Container, default: {cpu: 1, memory: 1Gi}}\n",
            "apiVersion: v1\nkind: LimitRange\nmetadata: {name: l, namespace: team}\nspec:\n  limits:\n  - {type: Pod, max: {cpu: 1, memory: 1Gi}}\n",
            "apiVersion: v1\nkind: LimitRange\nmetadata: {name: l, namespace: team}\nspec:\n  limits: {type: Container, default: {cpu: 1}}\n",
            "apiVersion: v1\nkind: LimitRange\nmetadata: {name: l, namespace: team}\nspec:\n  limits:\n  - {type: Container, default: [cpu], max: {cpu: [1], memory: \"0\"}}\n  - 7\n",
            "apiVersion: v1\nkind: LimitRange\nmetadata: {name: l, namespace: team}\nspec: []\n",
        ] {
            assert_eq!(defaults(lr), ContainerDefaults::default(), "{lr}");
        }
    }
}
