//! TB416 `host-port-published`: a container port published on the host's
//! interfaces, a privileged port, or SSH.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::container_support::subject;
use crate::model::runtime::{Platform, Port, Workload};

pub struct HostPortPublished;

pub static META: RuleMeta = RuleMeta {
    code: "TB416",
    slug: "host-port-published",
    title: "Port published on the host, privileged port or SSH",
    severity: Severity::Medium,
    stride: &[Stride::InformationDisclosure, Stride::Spoofing],
    cwe: &[1327, 668],
    stage: LifecycleStage::Runtime,
    cis: &[
        "CIS-Docker-5.7",
        "CIS-Docker-5.8",
        "CIS-Docker-5.9",
        "CIS-Docker-5.14",
        "CIS-Kubernetes-5.2.13",
    ],
    peers: &[
        "CKV_K8S_26",
        "KSV-0024",
        "KSV-0117",
        "C-0044",
        "hostPortSet",
        "privileged-ports",
        "ssh-port",
    ],
    remediation: "Kubernetes: remove `hostPort` and expose the pod through a Service (ClusterIP, behind an Ingress). Docker: publish the ports needed with `-p 127.0.0.1:8080:8080` instead of `-P`. Compose: bind published ports to an interface, `\"127.0.0.1:8080:8080\"` (long form `host_ip: 127.0.0.1`), or use `expose:` for service-to-service traffic. Listen on ports above 1024 and never run SSH in a container.",
    docs: r#"
**What it detects.**
- Kubernetes `hostPort` — medium: the pod takes a port on the node's
  interfaces, outside Services and NetworkPolicies.
- Compose / docker ports published without a host IP (Compose then binds
  `0.0.0.0`, every interface) or on `0.0.0.0` / `::` — low.
- A privileged port (< 1024) published on the host, or a container
  listening on one (it needs root or NET_BIND_SERVICE) — low.
- Port 22 (SSH) exposed or published — medium.
- A docker container with `HostConfig.PublishAllPorts: true`
  (`docker run -P`) — low, at that setting: every port the image exposes
  is published on an engine-chosen host port on all interfaces, whether
  or not it is needed (CIS 5.9); the exposed ports are listed.

**Why it is a threat.** A port bound on all host interfaces is reachable
from every network the host is on, bypassing the firewall rules people
assume (Docker inserts its own iptables rules ahead of ufw/firewalld). An
SSH daemon in a container is an extra, rarely patched login surface
(STRIDE: Information disclosure, Spoofing).

**Example.**
```yaml
      ports:
        - containerPort: 8080
          hostPort: 8080
```
```yaml
services:
  web:
    ports: ["8080:8080", "22:22"]
```

**Fix.**
```yaml
      ports:
        - containerPort: 8080
---
kind: Service
spec: { ports: [{ port: 80, targetPort: 8080 }] }
```
```yaml
services:
  web:
    ports: ["127.0.0.1:8080:8080"]
```
"#,
};

fn all_interfaces(port: &Port) -> bool {
    port.host_ip
        .as_deref()
        .is_none_or(|ip| matches!(ip.trim(), "" | "0.0.0.0" | "::" | "[::]"))
}

/// `docker run -P`: the exposed ports (those without a host binding) all
/// get a host port on every interface.
fn publish_all_message(who: &str, container: &crate::model::runtime::Container) -> String {
    let mut exposed: Vec<String> = container
        .ports
        .iter()
        .filter(|p| p.host_port.is_none())
        .filter_map(|p| Some(format!("{}/{}", p.container_port?, p.protocol)))
        .collect();
    exposed.dedup();
    let which = if exposed.is_empty() {
        "every port its image exposes".to_string()
    } else {
        format!("every exposed port ({})", exposed.join(", "))
    };
    format!(
        "{who} publishes {which} on engine-chosen host ports on all interfaces (`PublishAllPorts`, `docker run -P`)"
    )
}

impl Rule for HostPortPublished {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_workload(&self, workload: &Workload, _ctx: &RuleContext<'_>, sink: &mut Sink) {
        let kube = workload.platform == Platform::Kubernetes;
        for container in &workload.containers {
            let who = subject(workload, container);
            if let Some(all) = container.publish_all_ports.as_ref().filter(|s| s.value) {
                sink.push(
                    Finding::new(
                        &META,
                        all.location.clone(),
                        publish_all_message(&who, container),
                    )
                    .with_severity(Severity::Low),
                );
            }
            for port in &container.ports {
                // `host_port` is `Some(0)` for compose `ports: ["80"]` (the
                // engine picks a host port); compose `expose` and Kubernetes
                // `containerPort` alone publish nothing.
                let published = port.host_port.is_some();
                let shown = match (port.host_port.filter(|p| *p > 0), port.container_port) {
                    (Some(h), Some(c)) => format!("{h}:{c}"),
                    (Some(p), None) | (None, Some(p)) => p.to_string(),
                    (None, None) => "?".to_string(),
                };
                let ssh = port.container_port == Some(22) || port.host_port == Some(22);
                let (severity, message) = if ssh {
                    (
                        Severity::Medium,
                        format!(
                            "{who} exposes SSH (port {shown}): an extra login surface in a container"
                        ),
                    )
                } else if published && kube {
                    (
                        Severity::Medium,
                        format!(
                            "{who} takes host port {shown} on every node interface, outside Services and NetworkPolicies"
                        ),
                    )
                } else if published && all_interfaces(port) {
                    let privileged = if port.host_port.is_some_and(|p| p > 0 && p < 1024) {
                        " (a privileged port)"
                    } else {
                        ""
                    };
                    (
                        Severity::Low,
                        format!(
                            "{who} publishes port {shown}{privileged} on all host interfaces (0.0.0.0)"
                        ),
                    )
                } else if let Some(p) = port.host_port.filter(|p| *p > 0 && *p < 1024) {
                    (
                        Severity::Low,
                        format!("{who} publishes privileged host port {p}"),
                    )
                } else if let Some(p) = port.container_port.filter(|p| *p < 1024 && *p > 0) {
                    (
                        Severity::Low,
                        format!(
                            "{who} listens on privileged port {p}: it needs root or NET_BIND_SERVICE"
                        ),
                    )
                } else {
                    continue;
                };
                sink.push(
                    Finding::new(&META, port.location.clone(), message).with_severity(severity),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::container_support::test_support::{loc, run_all};
    use crate::analyse::rules::testing::lines;
    use crate::model::runtime::Container;

    fn port(container: u16, host: Option<u16>, ip: Option<&str>) -> Container {
        Container {
            ports: vec![Port {
                container_port: Some(container),
                host_port: host,
                host_ip: ip.map(str::to_string),
                protocol: "TCP".into(),
                location: loc(14),
            }],
            ..Default::default()
        }
    }

    #[test]
    fn host_port_is_medium_on_kubernetes_and_low_on_all_interfaces_elsewhere() {
        let [k, c, d] = run_all(&HostPortPublished, port(8080, Some(8080), None));
        assert_eq!(lines(&k), vec![14]);
        assert_eq!(k[0].severity, Severity::Medium);
        assert_eq!(c[0].severity, Severity::Low);
        assert!(c[0].message.contains("0.0.0.0"));
        assert_eq!(lines(&d), vec![14]);
    }

    #[test]
    fn engine_picked_host_port_is_published_on_all_interfaces() {
        let [_, c, _] = run_all(&HostPortPublished, port(8080, Some(0), None));
        assert_eq!(
            c[0].message,
            "service `app` publishes port 8080 on all host interfaces (0.0.0.0)"
        );
    }

    #[test]
    fn ssh_and_privileged_ports() {
        for f in run_all(&HostPortPublished, port(22, None, None)) {
            assert_eq!(f[0].severity, Severity::Medium);
            assert!(f[0].message.contains("SSH"));
        }
        let [k, ..] = run_all(&HostPortPublished, port(80, None, None));
        assert!(k[0].message.contains("privileged port 80"));
        let [_, c, _] = run_all(&HostPortPublished, port(8080, Some(443), Some("127.0.0.1")));
        assert!(c[0].message.contains("privileged host port 443"));
    }

    #[test]
    fn ignores_cluster_ports_and_loopback_bindings() {
        for f in run_all(&HostPortPublished, port(8080, None, None)) {
            assert!(
                f.is_empty(),
                "expose / containerPort alone publishes nothing"
            );
        }
        let [_, c, d] = run_all(
            &HostPortPublished,
            port(8080, Some(8080), Some("127.0.0.1")),
        );
        assert!(c.is_empty() && d.is_empty());
    }

    #[test]
    fn publish_all_ports_is_one_low_finding_at_the_setting() {
        let text = "[{\"Name\": \"/web\",\n \"HostConfig\": {\n  \"PublishAllPorts\": true,\n  \"PortBindings\": {}\n },\n \"Config\": {\"ExposedPorts\": {\"8080/tcp\": {}, \"9090/tcp\": {}}}}]";
        let f =
            crate::analyse::rules::testing::check_file(&HostPortPublished, "inspect.json", text);
        assert_eq!(lines(&f), [3]);
        assert_eq!(f[0].severity, Severity::Low);
        assert_eq!(
            f[0].message,
            "container `web` publishes every exposed port (8080/tcp, 9090/tcp) on engine-chosen host ports on all interfaces (`PublishAllPorts`, `docker run -P`)"
        );
        for off in ["false", "null", "[true]", "{}"] {
            let text = text.replace(
                "\"PublishAllPorts\": true",
                &format!("\"PublishAllPorts\": {off}"),
            );
            let f = crate::analyse::rules::testing::check_file(
                &HostPortPublished,
                "inspect.json",
                &text,
            );
            assert!(f.is_empty(), "{off}: {f:?}");
        }
    }
}
