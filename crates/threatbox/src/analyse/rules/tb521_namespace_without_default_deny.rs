//! TB521 `namespace-without-default-deny`: a namespace that uses
//! NetworkPolicies or exposes workloads but has no policy selecting all of
//! its pods, for ingress or (where policies exist) for egress.

use std::collections::BTreeMap;

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::model::runtime::Platform;
use crate::source::Location;

pub struct NamespaceWithoutDefaultDeny;

pub static META: RuleMeta = RuleMeta {
    code: "TB521",
    slug: "namespace-without-default-deny",
    title: "Namespace without a default-deny NetworkPolicy",
    severity: Severity::Low,
    stride: &[Stride::Tampering, Stride::InformationDisclosure],
    cwe: &[923],
    stage: LifecycleStage::Orchestrator,
    cis: &["CIS-Kubernetes-5.3.2"],
    peers: &["C-0054", "C-0206", "missingNetworkPolicy"],
    remediation: "Add a NetworkPolicy with `podSelector: {}` and `policyTypes: [Ingress, Egress]` to the namespace, then allow the flows each workload needs.",
    docs: r#"
**What it detects.** A namespace with workloads and no NetworkPolicy whose
`podSelector` is empty (selects every pod) with an `Ingress` policy type.
To keep the noise down it is reported only for namespaces that already use
NetworkPolicies or expose a workload (NodePort, LoadBalancer, Ingress,
hostPort): a manifest set with no network design at all is left to TB520.
A pod selected only by `Egress`-only policies counts as selected by none:
its ingress stays open.

The same holds for egress, in namespaces that have NetworkPolicies: no
policy with an empty `podSelector` and the `Egress` policy type, and a
workload that no `Egress` policy selects (a policy whose `policyTypes` lists
only `Ingress` leaves egress open, whatever `egress` rules it holds). A
workload open both ways gets one finding.

**Why it is a threat.** Policies that select some pods leave every other pod
(and every pod added later) open to the whole cluster network, which is the
path a compromised pod uses to move laterally. Open egress lets it reach
every other pod, the API server and the cloud metadata endpoint, and send
data anywhere (STRIDE: Tampering, Information disclosure).

**Example.** A namespace with `np-web` selecting `app: web` only, and a
`worker` Deployment that nothing selects.

**Fix.**
```yaml
kind: NetworkPolicy
metadata: {name: default-deny, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
```
"#,
};

#[derive(Default)]
struct NamespaceView {
    workloads: usize,
    /// The first workload not selected by any policy, where we report.
    unselected: Option<(String, Location)>,
    policies: usize,
    default_deny: bool,
    /// The first workload no `Egress` policy selects.
    egress_unselected: Option<(String, Location)>,
    egress_default_deny: bool,
    exposed: bool,
}

impl Rule for NamespaceWithoutDefaultDeny {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        let network = &ctx.system.network;
        let mut namespaces: BTreeMap<&str, NamespaceView> = BTreeMap::new();
        for (i, w) in ctx.system.workloads.iter().enumerate() {
            if w.platform != Platform::Kubernetes {
                continue;
            }
            let view = namespaces
                .entry(w.namespace.as_deref().unwrap_or("default"))
                .or_default();
            view.workloads += 1;
            let net = network.workloads.get(i);
            view.exposed |= net.is_some_and(|n| !n.exposed_by.is_empty());
            // An Egress-only policy selecting the pod leaves its ingress open.
            if view.unselected.is_none() && net.is_none_or(|n| !n.ingress_isolated(network)) {
                view.unselected = Some((format!("{} `{}`", w.kind, w.name), w.location.clone()));
            }
            if view.egress_unselected.is_none() && net.is_none_or(|n| !n.egress_isolated(network)) {
                view.egress_unselected =
                    Some((format!("{} `{}`", w.kind, w.name), w.location.clone()));
            }
        }
        for policy in &network.policies {
            if let Some(view) = namespaces.get_mut(policy.namespace.as_str()) {
                view.policies += 1;
                view.default_deny |= policy.pod_selector.is_empty() && policy.ingress;
                view.egress_default_deny |= policy.pod_selector.is_empty() && policy.egress;
            }
        }
        for (namespace, view) in namespaces {
            let counts = format!(
                "namespace `{namespace}` ({} workloads, {} NetworkPolicies)",
                view.workloads, view.policies
            );
            let ingress = (!view.default_deny && (view.policies > 0 || view.exposed))
                .then_some(view.unselected)
                .flatten();
            // Egress only where the namespace already has a network design:
            // without any policy the ingress finding says it all.
            let egress = (!view.egress_default_deny && view.policies > 0)
                .then_some(view.egress_unselected)
                .flatten();
            match (ingress, egress) {
                // The same workload open both ways: one finding.
                (Some((first, location)), Some((egress_first, _))) if egress_first == first => {
                    sink.push(Finding::new(
                        &META,
                        location,
                        format!(
                            "{counts} has no default-deny policy for ingress or egress; {first} is selected by no ingress and no egress policy"
                        ),
                    ));
                }
                (ingress, egress) => {
                    if let Some((first, location)) = ingress {
                        sink.push(Finding::new(
                            &META,
                            location,
                            format!(
                                "{counts} has no default-deny policy; {first} is selected by no ingress policy"
                            ),
                        ));
                    }
                    if let Some((first, location)) = egress {
                        sink.push(Finding::new(
                            &META,
                            location,
                            format!(
                                "{counts} has no default-deny egress policy; {first} is selected by no egress policy: its outgoing connections are unrestricted"
                            ),
                        ));
                    }
                }
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
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: Pod
metadata: {name: worker, namespace: shop, labels: {app: worker}}
spec: {containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: Pod
metadata: {name: lonely, namespace: quiet}
spec: {containers: [{name: c, image: x}]}
";

    #[test]
    fn flags_namespaces_with_partial_policies() {
        let np = "\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec: {podSelector: {matchLabels: {app: web}}}
";
        let f = check_system(
            &NamespaceWithoutDefaultDeny,
            &kube_system(&[("pods.yaml", PODS), ("np.yaml", np)]),
        );
        // Ingress: `worker` is selected by nothing. Egress: the policy has
        // only the (implied) Ingress type, so even `web` is open.
        assert_eq!(lines(&f), vec![1, 6]);
        assert!(
            f[0].message.contains(
                "no default-deny egress policy; Pod `web` is selected by no egress policy"
            ),
            "{}",
            f[0].message
        );
        assert!(
            f[1].message
                .contains("no default-deny policy; Pod `worker` is selected by no ingress policy"),
            "{}",
            f[1].message
        );
    }

    #[test]
    fn quiet_namespaces_and_default_deny_are_not_flagged() {
        assert!(
            check_system(
                &NamespaceWithoutDefaultDeny,
                &kube_system(&[("pods.yaml", PODS)])
            )
            .is_empty()
        );
        let deny = "\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: shop}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
";
        assert!(
            check_system(
                &NamespaceWithoutDefaultDeny,
                &kube_system(&[("pods.yaml", PODS), ("np.yaml", deny)])
            )
            .is_empty()
        );
    }

    #[test]
    fn a_workload_open_both_ways_gets_one_finding() {
        let np = "\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: other, namespace: shop}
spec: {podSelector: {matchLabels: {app: other}}, policyTypes: [Ingress]}
";
        let f = check_system(
            &NamespaceWithoutDefaultDeny,
            &kube_system(&[("pods.yaml", PODS), ("np.yaml", np)]),
        );
        assert_eq!(lines(&f), vec![1]);
        assert!(
            f[0].message.contains(
                "no default-deny policy for ingress or egress; Pod `web` is selected by no ingress and no egress policy"
            ),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn an_ingress_only_default_deny_leaves_egress_open() {
        let deny = "apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: shop}
spec: {podSelector: {}}
";
        let f = check_system(
            &NamespaceWithoutDefaultDeny,
            &kube_system(&[("pods.yaml", PODS), ("np.yaml", deny)]),
        );
        assert_eq!(lines(&f), vec![1]);
        assert!(
            f[0].message.contains("no default-deny egress policy"),
            "{}",
            f[0].message
        );
    }

    /// A pod selected by one policy (pod at line 1, policy types and egress
    /// rules substituted).
    const SELECTED: &str = "apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {containers: [{name: c, image: x}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: TYPES
  ingress: [{from: [{ipBlock: {cidr: 0.0.0.0/0}}]}]
EGRESS";

    fn selected(types: &str, egress: &str) -> Vec<crate::analyse::finding::Finding> {
        let text = SELECTED.replace("TYPES", types).replace("EGRESS", egress);
        check_system(
            &NamespaceWithoutDefaultDeny,
            &kube_system(&[("np.yaml", &text)]),
        )
    }

    #[test]
    fn egress_rules_without_the_egress_policy_type_do_not_isolate() {
        let rules = "  egress: [{to: [{podSelector: {matchLabels: {app: web}}}]}]\n";
        let f = selected("[Ingress]", rules);
        assert_eq!(lines(&f), vec![1]);
        assert!(
            f[0].message
                .contains("Pod `web` is selected by no egress policy"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn an_egress_policy_type_isolates_with_or_without_rules() {
        let rules = "  egress: [{to: [{podSelector: {matchLabels: {app: web}}}]}]\n";
        assert!(selected("[Ingress, Egress]", rules).is_empty());
        // No egress rules under the Egress type: all egress denied.
        assert!(selected("[Ingress, Egress]", "").is_empty());
        // policyTypes unset: Egress is implied by the egress rules.
        assert!(selected("null", rules).is_empty());
    }

    #[test]
    fn an_egress_only_policy_does_not_isolate_ingress() {
        let egress_only = "\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: out, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress: [{to: [{podSelector: {}}]}]
";
        let f = check_system(
            &NamespaceWithoutDefaultDeny,
            &kube_system(&[("pods.yaml", PODS), ("np.yaml", egress_only)]),
        );
        assert_eq!(lines(&f), vec![1]);
        assert!(
            f[0].message
                .contains("Pod `web` is selected by no ingress policy"),
            "{}",
            f[0].message
        );
    }
}
