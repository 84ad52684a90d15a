//! TB520 `workload-exposed-without-network-policy`: a workload reachable from
//! outside the cluster that no NetworkPolicy isolates.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};

pub struct WorkloadExposedWithoutNetworkPolicy;

pub static META: RuleMeta = RuleMeta {
    code: "TB520",
    slug: "workload-exposed-without-network-policy",
    title: "Exposed workload not isolated by a NetworkPolicy",
    severity: Severity::Medium,
    stride: &[Stride::Tampering, Stride::InformationDisclosure],
    cwe: &[923, 668],
    stage: LifecycleStage::Orchestrator,
    cis: &["CIS-Kubernetes-5.3.2"],
    peers: &[
        "CKV2_K8S_6",
        "C-0260",
        "C-0030",
        "missingNetworkPolicy",
        "non-isolated-pod",
        "pod-networkpolicy",
    ],
    remediation: "Add a NetworkPolicy with `policyTypes: [Ingress]` that selects the workload's pods and allows only the ingress controller or load balancer and the peers that must reach it.",
    docs: r#"
**What it detects.** A Kubernetes workload whose pods are selected by a
`NodePort` or `LoadBalancer` Service (or one with `externalIPs`), are the
backend of an Ingress, or publish a `hostPort`, while no NetworkPolicy with
an `Ingress` policy type selects them. Services and policies are joined to
pods by their label selectors in the same namespace.

**Why it is a threat.** Without a policy the pods accept connections from
anywhere the cluster network reaches: the outside world through the exposure,
and every other pod of the cluster. Once one pod is compromised it can probe
and attack the exposed service's internal ports directly (STRIDE: Tampering,
Information disclosure).

**Example.**
```yaml
kind: Service
spec:
  type: LoadBalancer
  selector: {app: web}   # no NetworkPolicy selects app=web
```

**Fix.**
```yaml
kind: NetworkPolicy
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
  ingress:
  - ports: [{port: 8080}]
```
"#,
};

impl Rule for WorkloadExposedWithoutNetworkPolicy {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        let network = &ctx.system.network;
        for (i, workload) in ctx.system.workloads.iter().enumerate() {
            let Some(net) = network.workloads.get(i) else {
                continue;
            };
            if net.exposed_by.is_empty() || net.ingress_isolated(network) {
                continue;
            }
            let exposures: Vec<(String, crate::source::Location)> = net
                .exposed_by
                .iter()
                .filter_map(|via| network.describe(via))
                .collect();
            let Some((first, _)) = exposures.first() else {
                continue;
            };
            let mut finding = Finding::new(
                &META,
                workload.location.clone(),
                format!(
                    "{} `{}` is {first} but no NetworkPolicy restricts its ingress",
                    workload.kind, workload.name
                ),
            );
            for (what, location) in exposures {
                finding = finding.with_related(location, what);
            }
            sink.push(finding);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check_system, lines};
    use crate::model::rbac::test_support::kube_system;

    const APPS: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: api, image: api}]}
---
apiVersion: v1
kind: Pod
metadata: {name: agent, namespace: shop, labels: {app: agent}}
spec:
  containers:
  - name: a
    image: agent
    ports: [{containerPort: 9100, hostPort: 9100}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {type: NodePort, selector: {app: web}}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec: {selector: {app: api}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: api, namespace: shop}
spec:
  rules:
  - http:
      paths:
      - path: /
        pathType: Prefix
        backend: {service: {name: api, port: {number: 80}}}
";

    #[test]
    fn flags_each_kind_of_exposure() {
        let f = check_system(
            &WorkloadExposedWithoutNetworkPolicy,
            &kube_system(&[("app.yaml", APPS)]),
        );
        assert_eq!(lines(&f), vec![1, 9, 17]);
        assert!(
            f[0].message.contains("NodePort Service `web`"),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].related[0].location.start_line, 29);
        assert!(f[1].message.contains("Ingress `api`"), "{}", f[1].message);
        assert_eq!(f[1].related[0].location.start_line, 45);
        assert!(f[2].message.contains("hostPort"), "{}", f[2].message);
    }

    #[test]
    fn a_policy_selecting_the_pods_isolates_them() {
        let policy = "\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: shop}
spec: {podSelector: {}, policyTypes: [Ingress]}
";
        let egress_only = "\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: egress, namespace: shop}
spec: {podSelector: {}, policyTypes: [Egress]}
";
        let isolated = kube_system(&[("app.yaml", APPS), ("np.yaml", policy)]);
        assert!(check_system(&WorkloadExposedWithoutNetworkPolicy, &isolated).is_empty());
        let not_isolated = kube_system(&[("app.yaml", APPS), ("np.yaml", egress_only)]);
        assert_eq!(
            check_system(&WorkloadExposedWithoutNetworkPolicy, &not_isolated).len(),
            3
        );
    }
}
