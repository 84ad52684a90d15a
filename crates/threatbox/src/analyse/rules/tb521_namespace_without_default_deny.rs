//! TB521 `namespace-without-default-deny`: a namespace that uses
//! NetworkPolicies or exposes workloads but has no policy selecting all of
//! its pods.

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
    peers: &["C-0054", "C-0206"],
    remediation: "Add a NetworkPolicy with `podSelector: {}` and `policyTypes: [Ingress, Egress]` to the namespace, then allow the flows each workload needs.",
    docs: r#"
**What it detects.** A namespace with workloads and no NetworkPolicy whose
`podSelector` is empty (selects every pod) with an `Ingress` policy type.
To keep the noise down it is reported only for namespaces that already use
NetworkPolicies or expose a workload (NodePort, LoadBalancer, Ingress,
hostPort): a manifest set with no network design at all is left to TB520.
A pod selected only by `Egress`-only policies counts as selected by none:
its ingress stays open.

**Why it is a threat.** Policies that select some pods leave every other pod
(and every pod added later) open to the whole cluster network, which is the
path a compromised pod uses to move laterally (STRIDE: Tampering,
Information disclosure).

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
        }
        for policy in &network.policies {
            if let Some(view) = namespaces.get_mut(policy.namespace.as_str()) {
                view.policies += 1;
                view.default_deny |= policy.pod_selector.is_empty() && policy.ingress;
            }
        }
        for (namespace, view) in namespaces {
            if view.default_deny || (view.policies == 0 && !view.exposed) {
                continue;
            }
            let Some((first, location)) = view.unselected else {
                continue;
            };
            sink.push(Finding::new(
                &META,
                location,
                format!(
                    "namespace `{namespace}` ({} workloads, {} NetworkPolicies) has no default-deny policy; {first} is selected by no ingress policy",
                    view.workloads, view.policies
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
        assert_eq!(lines(&f), vec![6]);
        assert!(f[0].message.contains("Pod `worker`"), "{}", f[0].message);
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
spec: {podSelector: {}}
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
