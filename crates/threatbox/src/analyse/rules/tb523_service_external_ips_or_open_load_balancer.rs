//! TB523 `service-external-ips-or-open-load-balancer`: a Service with
//! `externalIPs`, or a LoadBalancer open to every address.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};

pub struct ServiceExternalIpsOrOpenLoadBalancer;

pub static META: RuleMeta = RuleMeta {
    code: "TB523",
    slug: "service-external-ips-or-open-load-balancer",
    title: "Service with externalIPs, or LoadBalancer open to 0.0.0.0/0",
    severity: Severity::Medium,
    stride: &[
        Stride::Spoofing,
        Stride::Tampering,
        Stride::InformationDisclosure,
    ],
    cwe: &[923, 668],
    stage: LifecycleStage::Orchestrator,
    cis: &[],
    peers: &["KSV-0108", "exposed-services", "service-type"],
    remediation: "Drop `externalIPs` (and enable the DenyServiceExternalIPs admission plugin); give LoadBalancers `loadBalancerSourceRanges` listing the networks that need them.",
    docs: r#"
**What it detects.** A Service with `spec.externalIPs`, and a
`LoadBalancer` Service whose `loadBalancerSourceRanges` (or the
`service.beta.kubernetes.io/load-balancer-source-ranges` annotation) holds
`0.0.0.0/0` or `::/0`, or is missing (reported at a lower severity: the
balancer then accepts every address).

**Why it is a threat.** `externalIPs` lets whoever can create a Service
capture traffic meant for any IP address (CVE-2020-8554: STRIDE Spoofing,
Tampering). A balancer open to every address puts the service on the
internet, where it is scanned within minutes (Information disclosure).

**Example.**
```yaml
spec:
  type: LoadBalancer
  loadBalancerSourceRanges: [0.0.0.0/0]
```

**Fix.**
```yaml
spec:
  type: LoadBalancer
  loadBalancerSourceRanges: [203.0.113.0/24]
```
"#,
};

impl Rule for ServiceExternalIpsOrOpenLoadBalancer {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        for service in &ctx.system.network.services {
            for (ip, location) in &service.external_ips {
                sink.push(Finding::new(
                    &META,
                    location.clone(),
                    format!("Service `{}` claims external IP {ip}: traffic to it is captured inside the cluster", service.name),
                ));
            }
            if service.service_type != "LoadBalancer" {
                continue;
            }
            let open: Vec<_> = service
                .source_ranges
                .iter()
                .filter(|(r, _)| r == "0.0.0.0/0" || r == "::/0")
                .collect();
            for (range, location) in open {
                sink.push(Finding::new(
                    &META,
                    location.clone(),
                    format!(
                        "LoadBalancer Service `{}` accepts {range}: every address on the internet",
                        service.name
                    ),
                ));
            }
            if service.source_ranges.is_empty() {
                sink.push(
                    Finding::new(
                        &META,
                        service.type_location.clone(),
                        format!(
                            "LoadBalancer Service `{}` sets no `loadBalancerSourceRanges`: it accepts every address",
                            service.name
                        ),
                    )
                    .with_severity(Severity::Low),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check_system, lines};
    use crate::model::rbac::test_support::kube_system;

    #[test]
    fn flags_external_ips_and_open_balancers() {
        let system = kube_system(&[(
            "svc.yaml",
            "\
apiVersion: v1
kind: Service
metadata: {name: a}
spec:
  type: LoadBalancer
  loadBalancerSourceRanges: [10.0.0.0/8, 0.0.0.0/0]
  externalIPs:
  - 198.51.100.7
---
apiVersion: v1
kind: Service
metadata: {name: b}
spec:
  type: LoadBalancer
---
apiVersion: v1
kind: Service
metadata: {name: c}
spec:
  type: LoadBalancer
  loadBalancerSourceRanges: [203.0.113.0/24]
---
apiVersion: v1
kind: Service
metadata: {name: d}
spec: {type: NodePort}
",
        )]);
        let f = check_system(&ServiceExternalIpsOrOpenLoadBalancer, &system);
        assert_eq!(lines(&f), vec![6, 8, 14]);
        assert_eq!(f[2].severity, Severity::Low);
    }

    #[test]
    fn the_ignore_annotation_on_the_service_suppresses() {
        let system = kube_system(&[(
            "svc.yaml",
            "\
apiVersion: v1
kind: Service
metadata:
  name: a
  annotations:
    threatbox.io/ignore: \"TB523 allow-listed at the cloud firewall\"
spec:
  type: LoadBalancer
---
apiVersion: v1
kind: Service
metadata: {name: b}
spec:
  type: LoadBalancer
",
        )]);
        let mut f = check_system(&ServiceExternalIpsOrOpenLoadBalancer, &system);
        let config = crate::config::Config::default();
        crate::analyse::suppress::apply(
            &system,
            &config,
            false,
            "2026-01-01",
            &mut f,
            &mut Vec::new(),
        );
        let active: Vec<usize> = f
            .iter()
            .filter(|x| x.suppression.is_none())
            .map(|x| x.location.start_line)
            .collect();
        assert_eq!(active, vec![14]);
        assert_eq!(f.len(), 2);
    }
}
