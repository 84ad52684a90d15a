//! Container defaults a Kubernetes `LimitRange` gives at admission: a
//! container that writes no request or limit may still get one from its
//! namespace's LimitRange (TB431, TB432 read this).

use crate::analyse::rule::RuleContext;
use crate::analyse::rules::container_support::is_zero_quantity;
use crate::model::runtime::Workload;

/// What the LimitRanges of a namespace fill in for a container.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ContainerDefaults {
    pub cpu_request: bool,
    pub memory_request: bool,
    pub ephemeral_storage_limit: bool,
}

/// Defaults from every `LimitRange` item of `type: Container` in the
/// workload's namespace (an object naming none counts as `default`, as a
/// workload does). The API server defaults a LimitRange item's missing
/// `default` (limit) from `max`, and its missing `defaultRequest` from
/// `default`, then from `min`; so a resource named in any of them gets a
/// request, and one named in `default` or `max` gets a limit.
pub fn container_defaults(workload: &Workload, ctx: &RuleContext<'_>) -> ContainerDefaults {
    let mut out = ContainerDefaults::default();
    let namespace = workload.namespace.as_deref().unwrap_or("default");
    for object in &ctx.system.kube_objects {
        if object.kind != "LimitRange"
            || object.namespace.as_deref().unwrap_or("default") != namespace
        {
            continue;
        }
        let items = object
            .node
            .path(&["spec", "limits"])
            .and_then(|l| l.as_seq())
            .unwrap_or_default();
        for item in items {
            if item.get("type").and_then(|t| t.as_str()) != Some("Container") {
                continue;
            }
            let names = |keys: &[&str], resource: &str| {
                keys.iter().any(|k| {
                    item.get(k)
                        .and_then(|m| m.get(resource))
                        .and_then(quantity)
                        .is_some_and(|q| !is_zero_quantity(&q))
                })
            };
            let request_keys = ["defaultRequest", "default", "max", "min"];
            out.cpu_request |= names(&request_keys, "cpu");
            out.memory_request |= names(&request_keys, "memory");
            out.ephemeral_storage_limit |= names(&["default", "max"], "ephemeral-storage");
        }
    }
    out
}

/// A quantity written as a string or a number.
fn quantity(node: &crate::parse::yaml::Node) -> Option<String> {
    crate::model::compose::scalar_text(node)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::system;
    use crate::config::Config;

    fn defaults(limit_range: &str) -> ContainerDefaults {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: team}\nspec:\n  containers: [{name: a, image: nginx}]\n";
        let system = system(&[("pod.yaml", pod), ("lr.yaml", limit_range)]);
        let ctx = RuleContext {
            config: &Config::default(),
            system: &system,
        };
        container_defaults(&system.workloads[0], &ctx)
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
