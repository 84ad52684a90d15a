//! TB419 `default-bridge-network`: containers on Docker's default bridge
//! (docker0) or on a compose project's one shared default network.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::container_support::workload_subject;
use crate::model::runtime::{Platform, Workload};

pub struct DefaultBridgeNetwork;

pub static META: RuleMeta = RuleMeta {
    code: "TB419",
    slug: "default-bridge-network",
    title: "Default bridge network used",
    severity: Severity::Low,
    stride: &[Stride::InformationDisclosure, Stride::Tampering],
    cwe: &[653],
    stage: LifecycleStage::Runtime,
    cis: &["CIS-Docker-5.30"],
    peers: &["networks_not_set"],
    remediation: "Put services on user-defined networks that group only the services that talk to each other (compose `networks:` per tier, `internal: true` for back ends); never `network_mode: bridge` / `docker run` without `--network`.",
    docs: r#"
**What it detects.**
- A compose service with `network_mode: bridge`, or a docker container on
  the `bridge` / `default` network: Docker's docker0 bridge, shared with
  every other container on the host — low.
- A compose service that names no network and so joins the project's
  implicit `default` network together with every other service of the
  project — info (this is a project bridge, not docker0, but nothing
  separates the tiers).

**Why it is a threat.** The seed's practice: do not use the default docker0
bridge. On it (with the daemon's default `icc: true`) every container
reaches every other container's ports, unrelated workloads included, and
can ARP-spoof them; a single flat project network lets a compromised
front end reach the database directly (STRIDE: Information disclosure,
Tampering).

**Example.**
```yaml
services:
  web:
    network_mode: bridge
  db:
    image: postgres:16
```

**Fix.**
```yaml
services:
  web:
    networks: [front, back]
  db:
    networks: [back]
networks:
  front: {}
  back: { internal: true }
```
On Kubernetes the equivalent is a NetworkPolicy per tier (see TB5xx).
"#,
};

impl Rule for DefaultBridgeNetwork {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_workload(&self, workload: &Workload, _ctx: &RuleContext<'_>, sink: &mut Sink) {
        if workload.platform == Platform::Kubernetes {
            return;
        }
        let who = workload_subject(workload);
        if let Some(mode) = &workload.network_mode {
            let m = mode.value.to_ascii_lowercase();
            let docker0 =
                m == "bridge" || (workload.platform == Platform::Docker && m == "default");
            if docker0 {
                sink.push(Finding::new(
                    &META,
                    mode.location.clone(),
                    format!("{who} uses Docker's default bridge (docker0), shared with every container on the host"),
                ));
            }
            return; // host, none, service:x, container:x
        }
        if workload.platform == Platform::Docker {
            if let Some(net) = workload.networks.iter().find(|n| n.value == "bridge") {
                sink.push(Finding::new(
                    &META,
                    net.location.clone(),
                    format!("{who} uses Docker's default bridge (docker0), shared with every container on the host"),
                ));
            }
            return;
        }
        let implicit_default =
            workload.networks.is_empty() || workload.networks.iter().all(|n| n.value == "default");
        if implicit_default {
            let location = workload
                .networks
                .first()
                .map_or(&workload.spec_location, |n| &n.location);
            sink.push(
                Finding::new(
                    &META,
                    location.clone(),
                    format!("{who} names no network: it shares the project's default network with every other service"),
                )
                .with_severity(Severity::Info),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::container_support::test_support::{loc, run, workload};
    use crate::analyse::rules::testing::lines;
    use crate::model::runtime::{Container, Setting};

    #[test]
    fn network_mode_bridge_is_low_at_the_setting() {
        for p in [Platform::Compose, Platform::Docker] {
            let mut w = workload(p, Container::default());
            w.network_mode = Some(Setting::new("bridge".into(), loc(9)));
            let f = run(&DefaultBridgeNetwork, w);
            assert_eq!(lines(&f), vec![9]);
            assert_eq!(f[0].severity, Severity::Low);
        }
    }

    #[test]
    fn implicit_compose_default_network_is_info() {
        let f = run(
            &DefaultBridgeNetwork,
            workload(Platform::Compose, Container::default()),
        );
        assert_eq!(lines(&f), vec![2]);
        assert_eq!(f[0].severity, Severity::Info);
    }

    #[test]
    fn ignores_named_networks_other_modes_and_kubernetes() {
        let mut w = workload(Platform::Compose, Container::default());
        w.networks = vec![Setting::new("back".into(), loc(9))];
        assert!(run(&DefaultBridgeNetwork, w).is_empty());
        let mut none = workload(Platform::Compose, Container::default());
        none.network_mode = Some(Setting::new("none".into(), loc(9)));
        assert!(run(&DefaultBridgeNetwork, none).is_empty());
        assert!(
            run(
                &DefaultBridgeNetwork,
                workload(Platform::Kubernetes, Container::default())
            )
            .is_empty()
        );
    }
}
