//! TB528 `network-policy-selects-nothing`: a NetworkPolicy whose
//! `podSelector`, or one of whose same-namespace `from`/`to` peers, matches
//! no pod of the scanned workloads.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::model::kubernetes::KubeObject;
use crate::model::network::{LabelIndex, Selector};
use crate::model::runtime::Workload;
use crate::parse::yaml::Node;

pub struct NetworkPolicySelectsNothing;

pub static META: RuleMeta = RuleMeta {
    code: "TB528",
    slug: "network-policy-selects-nothing",
    title: "NetworkPolicy selects no pod",
    severity: Severity::Low,
    stride: &[Stride::Tampering, Stride::InformationDisclosure],
    cwe: &[923],
    stage: LifecycleStage::Orchestrator,
    cis: &[],
    peers: &[
        "networkpolicy-targets-pod",
        "dangling-networkpolicy",
        "dangling-networkpolicy-peer-podselector",
        "KSV-0038",
        "C-0299",
    ],
    remediation: "Make the policy's `podSelector` (and each peer's) use labels the pod templates really carry, or delete the policy.",
    docs: r#"
**What it detects.**
- a NetworkPolicy whose `spec.podSelector` matches the pod labels of none
  of the scanned workloads of its namespace;
- an `ingress[].from[]` or `egress[].to[]` peer with a `podSelector` and no
  `namespaceSelector` (so: pods of the policy's own namespace) that matches
  none of them.

Only namespaces with scanned workloads are judged: a policy shipped apart
from the workloads it protects cannot be checked. An empty selector (`{}`)
selects every pod. Labels are compared with `matchLabels` and
`matchExpressions` as the API server does.

**Why it is a threat.** A policy that selects nothing protects nothing:
the pods it was written for (often after a label was renamed) stay open to
the whole cluster network while the manifests look protected. A peer that
selects nothing allows no traffic today, so the flow the policy was meant
to allow fails; and whoever later creates a pod with those labels gets the
access the policy grants (STRIDE: Tampering, Information disclosure).

**Example.**
```yaml
kind: NetworkPolicy
spec:
  podSelector: {matchLabels: {app: web}}   # the Deployment's pods are `app: frontend`
```

**Fix.** Correct the labels in the selector, or remove the stale policy.
"#,
};

/// The scanned workloads of one namespace, looked up through the label
/// index the network model uses.
struct NamespacePods<'a> {
    index: &'a LabelIndex<'a>,
    workloads: &'a [Workload],
    namespace: &'a str,
    count: usize,
}

impl NamespacePods<'_> {
    fn any_selected(&self, selector: &Selector) -> bool {
        !self
            .index
            .select(self.workloads, self.namespace, selector)
            .is_empty()
    }
}

/// The selector as written, for messages: `app=web, tier In (a, b)`.
fn describe(selector: &Selector) -> String {
    let mut parts: Vec<String> = selector
        .match_labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    parts.extend(
        selector
            .expressions
            .iter()
            .map(|e| format!("{} {} ({})", e.key, e.operator, e.values.join(", "))),
    );
    parts.join(", ")
}

/// Same-namespace peers with a `podSelector`: `(direction, selector node)`.
fn peers(spec: &Node) -> Vec<(&'static str, &Node)> {
    let mut out = Vec::new();
    for (section, list, direction) in [("ingress", "from", "from"), ("egress", "to", "to")] {
        for rule in spec.get(section).and_then(Node::as_seq).unwrap_or(&[]) {
            for peer in rule.get(list).and_then(Node::as_seq).unwrap_or(&[]) {
                if peer.get("namespaceSelector").is_some() {
                    continue;
                }
                if let Some(selector) = peer.get("podSelector").filter(|s| s.as_map().is_some()) {
                    out.push((direction, selector));
                }
            }
        }
    }
    out
}

fn check_policy(object: &KubeObject, pods: &NamespacePods<'_>, namespace: &str, sink: &mut Sink) {
    let Some(spec) = object.node.get("spec") else {
        return;
    };
    let count = pods.count;
    if let Some(node) = spec.get("podSelector").filter(|s| s.as_map().is_some()) {
        let selector = Selector::from_label_selector(node);
        if !selector.is_empty() && !pods.any_selected(&selector) {
            sink.push(Finding::new(
                &META,
                object.loc(node),
                format!(
                    "NetworkPolicy `{}` selects no pod of the {count} scanned workloads of namespace `{namespace}` (podSelector {}): it protects nothing",
                    object.name,
                    describe(&selector)
                ),
            ));
        }
    }
    for (direction, node) in peers(spec) {
        let selector = Selector::from_label_selector(node);
        if !selector.is_empty() && !pods.any_selected(&selector) {
            sink.push(Finding::new(
                &META,
                object.loc(node),
                format!(
                    "NetworkPolicy `{}` allows traffic {direction} pods ({}) that none of the {count} scanned workloads of namespace `{namespace}` run: a dangling peer, granted to whoever later creates a pod with those labels",
                    object.name,
                    describe(&selector)
                ),
            ));
        }
    }
}

impl Rule for NetworkPolicySelectsNothing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        let workloads = &ctx.system.workloads;
        let index = LabelIndex::new(workloads);
        for object in &ctx.system.kube_objects {
            if object.kind != "NetworkPolicy" {
                continue;
            }
            let namespace = object.namespace.as_deref().unwrap_or("default");
            // Without the namespace's workloads we cannot know.
            if let Some(count) = index.namespace_size(namespace) {
                let pods = NamespacePods {
                    index: &index,
                    workloads,
                    namespace,
                    count,
                };
                check_policy(object, &pods, namespace, sink);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check_system, lines};
    use crate::model::rbac::test_support::kube_system;

    const PODS: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: frontend, tier: web}}
    spec: {containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: shop, labels: {app: db}}
spec: {containers: [{name: c, image: x}]}
";

    fn run(policies: &str) -> Vec<Finding> {
        check_system(
            &NetworkPolicySelectsNothing,
            &kube_system(&[("pods.yaml", PODS), ("np.yaml", policies)]),
        )
    }

    #[test]
    fn flags_policies_and_peers_that_select_nothing() {
        let f = run("\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: shop}
spec:
  podSelector:
    matchLabels: {app: db}
  ingress:
  - from:
    - podSelector: {matchLabels: {app: frontend}}
    - podSelector: {matchLabels: {app: api}}
    - namespaceSelector: {}
      podSelector: {matchLabels: {app: elsewhere}}
  egress:
  - to:
    - podSelector: {matchExpressions: [{key: tier, operator: In, values: [cache]}]}
");
        assert_eq!(lines(&f), vec![5, 16, 21]);
        assert!(
            f[0].message
                .contains("selects no pod of the 2 scanned workloads of namespace `shop` (podSelector app=web)"),
            "{}",
            f[0].message
        );
        assert!(
            f[1].message.contains("allows traffic from pods (app=api)"),
            "{}",
            f[1].message
        );
        assert!(
            f[2].message.contains("to pods (tier In (cache))"),
            "{}",
            f[2].message
        );
    }

    #[test]
    fn matching_and_empty_selectors_and_unscanned_namespaces_are_fine() {
        let f = run("\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: all, namespace: shop}
spec:
  podSelector: {}
  ingress: [{from: [{podSelector: {}}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchExpressions: [{key: tier, operator: Exists}]}
  egress: [{to: [{podSelector: {matchLabels: {app: db}}}, {ipBlock: {cidr: 10.0.0.0/8}}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: other, namespace: elsewhere}
spec:
  podSelector: {matchLabels: {app: ghost}}
");
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn malformed_policies_give_nothing() {
        let f = run("\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: a, namespace: shop}
spec:
  podSelector: [app, web]
  ingress: {from: [{podSelector: {matchLabels: {app: x}}}]}
  egress: [{to: {podSelector: {matchLabels: {app: y}}}}, [], ~]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: b, namespace: shop}
spec: [podSelector]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: c, namespace: shop}
spec:
  podSelector: {matchLabels: [app, web], matchExpressions: {key: app}}
  ingress: [{from: [{podSelector: \"app=web\"}]}]
");
        assert!(f.is_empty(), "{f:?}");
    }
}
