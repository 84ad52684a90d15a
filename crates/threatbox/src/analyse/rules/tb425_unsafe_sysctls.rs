//! TB425 `unsafe-sysctls`: a workload sets kernel parameters outside the
//! Kubernetes safe set.

use std::collections::HashSet;

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::container_support::{subject, workload_subject};
use crate::model::runtime::{Platform, Sysctl, Workload};

pub struct UnsafeSysctls;

pub static META: RuleMeta = RuleMeta {
    code: "TB425",
    slug: "unsafe-sysctls",
    title: "Unsafe sysctls",
    severity: Severity::Medium,
    stride: &[Stride::ElevationOfPrivilege, Stride::DenialOfService],
    cwe: &[668],
    stage: LifecycleStage::Runtime,
    cis: &[],
    peers: &["unsafe-sysctls", "KSV-0026"],
    remediation: "Set only sysctls of the Kubernetes safe set (`kernel.shm_rmid_forced`, `net.ipv4.ip_local_port_range`, `net.ipv4.ip_unprivileged_port_start`, `net.ipv4.tcp_syncookies`, `net.ipv4.ping_group_range`, `net.ipv4.ip_local_reserved_ports`, `net.ipv4.tcp_keepalive_time`, `net.ipv4.tcp_fin_timeout`, `net.ipv4.tcp_keepalive_intvl`, `net.ipv4.tcp_keepalive_probes`). Tune node-wide parameters on the node (or with a node-tuning operator), not from a workload; drop `net.ipv4.ip_forward` unless the container really is a router (a VPN gateway) and is fenced accordingly.",
    docs: r#"
**What it detects.** A kernel parameter set for a workload that is not in
the Kubernetes *safe* set — the sysctls the kubelet allows without an
allow-list because they are namespaced and isolated from other pods
(`kernel.shm_rmid_forced`, `net.ipv4.ip_local_port_range`,
`net.ipv4.ip_unprivileged_port_start`, `net.ipv4.tcp_syncookies`,
`net.ipv4.ping_group_range`, `net.ipv4.ip_local_reserved_ports`,
`net.ipv4.tcp_keepalive_time`, `net.ipv4.tcp_fin_timeout`,
`net.ipv4.tcp_keepalive_intvl`, `net.ipv4.tcp_keepalive_probes`). Read
from the Kubernetes pod's `securityContext.sysctls` (one finding per
sysctl for the pod, since all its containers share them), compose
`sysctls` and docker `HostConfig.Sysctls`. Names written with `/`
(`net/ipv4/ip_forward`) are compared in their dotted form.

Severity follows the risk:
- **medium**: settings that weaken the network boundary —
  `net.ipv4.ip_forward`, `net.ipv{4,6}.conf.*.forwarding` on (the container
  routes packets between the networks it joins), `route_localnet` on
  (127.0.0.0/8 becomes routable, CVE-2020-8558), `rp_filter` off, and
  `accept_redirects` / `accept_source_route` on (spoofed or diverted
  traffic is accepted); on Kubernetes also every other namespaced sysctl
  outside the safe set: the kubelet runs it only when the node's
  `--allowed-unsafe-sysctls` lets it, i.e. the node was opened for
  parameters that are not isolated from other pods (IPC memory, socket
  buffers and queues charged to no pod's limits);
- **low**: on compose / docker, other namespaced sysctls (`net.core.*`,
  `kernel.shm*`, `kernel.msg*`, `kernel.sem`, `fs.mqueue.*`): they stay in
  the container's own namespaces, but are not vetted as isolated — some
  (`kernel.shmmax`, `net.core.rmem_max`…) let it use kernel memory or
  queues its limits do not count; on every platform, sysctls that are not namespaced at all
  (`vm.*`, `kernel.pid_max`, `fs.file-max`…): they would change the whole
  node, so Docker refuses them and the container does not start, and the
  kubelet never allow-lists them and rejects the pod — not a host-wide
  change, but a sign the workload expects one.

**Why it is a threat.** A sysctl changes the kernel under the container.
The unsafe ones are either not isolated — another pod on the node pays
for the memory or the queue they allow (STRIDE: Denial of service) — or
turn off a network protection: a container with IP forwarding is a router
an attacker inside it can use to reach networks it only sits next to, and
`route_localnet` exposes services bound to localhost (STRIDE: Elevation
of privilege).

**Example.**
```yaml
spec:
  securityContext:
    sysctls:
      - name: net.core.somaxconn
        value: "4096"
```
```yaml
services:
  vpn:
    sysctls:
      net.ipv4.ip_forward: 1
```

**Fix.** Keep to the safe set, and tune the rest on the node:
```yaml
spec:
  securityContext:
    sysctls:
      - name: net.ipv4.ip_local_port_range
        value: "1024 65000"
```
"#,
};

/// Sysctls the kubelet allows by default: namespaced and isolated from
/// other pods on the node (`pkg/kubelet/sysctl/safe_sysctls.go`).
const SAFE: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];

/// The dotted form of a sysctl name. Kubernetes (like `sysctl(8)`) accepts
/// `/` as the separator; when the first separator is `/`, dots inside a
/// part (an interface name like `eth0.100`) are written as `/` in the
/// dotted form, so the two swap.
fn dotted(name: &str) -> String {
    let name = name.trim();
    match name.find(['.', '/']) {
        Some(i) if name[i..].starts_with('/') => name
            .chars()
            .map(|c| match c {
                '/' => '.',
                '.' => '/',
                other => other,
            })
            .collect(),
        _ => name.to_string(),
    }
}

/// In a kernel namespace (IPC or network), so settable per container:
/// the list Docker and the kubelet share.
fn namespaced(name: &str) -> bool {
    name.starts_with("kernel.shm")
        || name.starts_with("kernel.msg")
        || name == "kernel.sem"
        || name.starts_with("fs.mqueue.")
        || name.starts_with("net.")
}

/// A setting that weakens the network boundary, with what it does.
fn network_risk(name: &str, value: &str) -> Option<&'static str> {
    let on = !matches!(value.trim(), "" | "0");
    let conf = |key: &str| {
        (name.starts_with("net.ipv4.conf.") || name.starts_with("net.ipv6.conf."))
            && name.rsplit('.').next() == Some(key)
    };
    if (name == "net.ipv4.ip_forward" || conf("forwarding")) && on {
        return Some(
            "the container forwards packets between the networks it joins (it becomes a router)",
        );
    }
    if conf("route_localnet") && on {
        return Some(
            "127.0.0.0/8 becomes routable: services bound to localhost are reachable from the network (CVE-2020-8558)",
        );
    }
    if conf("rp_filter") && value.trim() == "0" {
        return Some("reverse-path filtering is off: packets with spoofed sources are accepted");
    }
    if (conf("accept_redirects") || conf("accept_source_route")) && on {
        return Some("ICMP redirects / source routes are accepted: traffic can be diverted");
    }
    None
}

impl UnsafeSysctls {
    fn check(&self, workload: &Workload, who: &str, sysctl: &Sysctl, sink: &mut Sink) {
        let name = dotted(&sysctl.name);
        if name.is_empty() || SAFE.contains(&name.as_str()) {
            return;
        }
        let setting = match sysctl.value.trim() {
            "" => format!("`{}`", sysctl.name.trim()),
            value => format!("`{}={value}`", sysctl.name.trim()),
        };
        let kubernetes = workload.platform == Platform::Kubernetes;
        let (severity, why) = if let Some(risk) = network_risk(&name, &sysctl.value) {
            (Severity::Medium, risk.to_string())
        } else if !namespaced(&name) {
            let refused = if kubernetes {
                "the kubelet never allow-lists it and rejects the pod"
            } else {
                "Docker refuses it and the container does not start"
            };
            (
                Severity::Low,
                format!("it is not namespaced and would change the whole node, so {refused}"),
            )
        } else if kubernetes {
            (
                Severity::Medium,
                "outside the safe set, so the pod runs only on nodes whose kubelet allows unsafe sysctls, and the setting is not isolated from other pods".to_string(),
            )
        } else {
            (
                Severity::Low,
                "it is outside Kubernetes' safe set: namespaced (it changes only the container's own network or IPC namespace), but not vetted as isolated — some such settings let it use kernel memory or queues its limits do not count".to_string(),
            )
        };
        sink.push(
            Finding::new(
                &META,
                sysctl.location.clone(),
                format!("{who} sets sysctl {setting}: {why}"),
            )
            .with_severity(severity),
        );
    }
}

impl Rule for UnsafeSysctls {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_workload(&self, workload: &Workload, _ctx: &RuleContext<'_>, sink: &mut Sink) {
        // Kubernetes sysctls are pod-wide and copied into every container:
        // report each written item once, for the pod.
        let mut seen = HashSet::new();
        for container in &workload.containers {
            let who = match workload.platform {
                Platform::Kubernetes => workload_subject(workload),
                _ => subject(workload, container),
            };
            for sysctl in &container.sysctls {
                let key = (
                    sysctl.location.start_line,
                    sysctl.location.start_column,
                    sysctl.name.as_str(),
                );
                if seen.insert(key) {
                    self.check(workload, &who, sysctl, sink);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::container_support::test_support::{loc, run_all};
    use crate::analyse::rules::testing::{check_file, lines};
    use crate::model::runtime::Container;

    fn with(sysctls: &[(&str, &str)]) -> Container {
        Container {
            sysctls: sysctls
                .iter()
                .zip(10..)
                .map(|((name, value), line)| Sysctl {
                    name: name.to_string(),
                    value: value.to_string(),
                    location: loc(line),
                })
                .collect(),
            ..Default::default()
        }
    }

    fn severities(findings: &[Finding]) -> Vec<Severity> {
        findings.iter().map(|f| f.severity).collect()
    }

    #[test]
    fn safe_set_is_not_reported_in_either_spelling() {
        let c = with(&[
            ("kernel.shm_rmid_forced", "1"),
            ("net.ipv4.ip_local_port_range", "1024 65000"),
            ("net/ipv4/ip_unprivileged_port_start", "0"),
            ("net.ipv4.tcp_keepalive_probes", "5"),
            ("net.ipv4.ping_group_range", "0 2147483647"),
        ]);
        for f in run_all(&UnsafeSysctls, c) {
            assert!(f.is_empty(), "{f:?}");
        }
    }

    #[test]
    fn network_boundary_settings_are_medium_everywhere() {
        let c = with(&[
            ("net.ipv4.ip_forward", "1"),
            ("net.ipv6.conf.all.forwarding", "1"),
            ("net.ipv4.conf.eth0.route_localnet", "1"),
            ("net.ipv4.conf.all.rp_filter", "0"),
            ("net/ipv4/conf/all/accept_redirects", "1"),
        ]);
        for f in run_all(&UnsafeSysctls, c) {
            assert_eq!(lines(&f), vec![10, 11, 12, 13, 14]);
            assert!(f.iter().all(|f| f.severity == Severity::Medium));
            assert!(
                f[0].message.contains("`net.ipv4.ip_forward=1`"),
                "{}",
                f[0].message
            );
            assert!(f[0].message.contains("router"), "{}", f[0].message);
            assert!(f[2].message.contains("CVE-2020-8558"), "{}", f[2].message);
        }
    }

    #[test]
    fn other_namespaced_sysctls_are_medium_on_kubernetes_low_elsewhere() {
        let c = with(&[
            ("net.core.somaxconn", "1024"),
            ("kernel.shmmax", "68719476736"),
            ("net.ipv4.ip_forward", "0"),
            ("net.ipv6.conf.all.disable_ipv6", "0"),
        ]);
        let [kube, compose, docker] = run_all(&UnsafeSysctls, c);
        assert_eq!(lines(&kube), vec![10, 11, 12, 13]);
        assert_eq!(severities(&kube), vec![Severity::Medium; 4]);
        assert!(
            kube[0]
                .message
                .starts_with("Pod `app` sets sysctl `net.core.somaxconn=1024`")
        );
        for f in [compose, docker] {
            assert_eq!(lines(&f), vec![10, 11, 12, 13]);
            assert_eq!(severities(&f), vec![Severity::Low; 4]);
        }
    }

    #[test]
    fn non_namespaced_sysctls_are_low_and_said_to_be_refused() {
        let c = with(&[
            ("vm.max_map_count", "262144"),
            ("kernel.pid_max", "4194304"),
        ]);
        let [kube, compose, docker] = run_all(&UnsafeSysctls, c);
        for f in [&kube, &compose, &docker] {
            assert_eq!(lines(f), vec![10, 11]);
            assert_eq!(severities(f), vec![Severity::Low; 2]);
            assert!(f[0].message.contains("not namespaced"), "{}", f[0].message);
        }
        assert!(kube[0].message.contains("kubelet"), "{}", kube[0].message);
        assert!(
            compose[0].message.contains("Docker refuses it"),
            "{}",
            compose[0].message
        );
    }

    #[test]
    fn a_missing_value_is_shown_as_the_name_alone() {
        let [kube, ..] = run_all(&UnsafeSysctls, with(&[("kernel.sem", "")]));
        assert_eq!(
            kube[0].message,
            "Pod `app` sets sysctl `kernel.sem`: outside the safe set, so the pod runs only on nodes whose kubelet allows unsafe sysctls, and the setting is not isolated from other pods"
        );
    }

    #[test]
    fn slash_spelling_with_dotted_interface_name() {
        assert_eq!(
            dotted("net/ipv4/conf/eth0.100/forwarding"),
            "net.ipv4.conf.eth0/100.forwarding"
        );
        assert_eq!(dotted("net.ipv4.ip_forward"), "net.ipv4.ip_forward");
        assert_eq!(dotted(""), "");
        assert!(network_risk("net.ipv4.conf.eth0/100.forwarding", "1").is_some());
    }

    const POD: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      securityContext:
        sysctls:
        - name: net.ipv4.tcp_syncookies
          value: \"1\"
        - name: net.core.somaxconn
          value: \"4096\"
        - {name: net.ipv4.ip_forward, value: 1}
      containers:
      - {name: a, image: nginx}
      - {name: b, image: nginx}
";

    #[test]
    fn kubernetes_pod_sysctls_are_reported_once_for_the_pod() {
        let f = check_file(&UnsafeSysctls, "deploy.yaml", POD);
        assert_eq!(lines(&f), vec![11, 13]);
        assert_eq!(
            f[0].message,
            "Deployment `web` sets sysctl `net.core.somaxconn=4096`: outside the safe set, so the pod runs only on nodes whose kubelet allows unsafe sysctls, and the setting is not isolated from other pods"
        );
        assert!(f[1].message.contains("`net.ipv4.ip_forward=1`"));
    }

    #[test]
    fn compose_sysctls_in_map_and_list_form() {
        let text = "\
services:
  vpn:
    image: wireguard
    sysctls:
      net.ipv4.conf.all.src_valid_mark: 1
      net.ipv4.ip_forward: 1
      kernel.shm_rmid_forced: 1
  db:
    image: postgres
    sysctls: [\"kernel.shmmax=1073741824\", \"vm.overcommit_memory=1\"]
";
        let f = check_file(&UnsafeSysctls, "docker-compose.yml", text);
        assert_eq!(lines(&f), vec![5, 6, 10, 10]);
        assert_eq!(
            severities(&f),
            vec![
                Severity::Low,
                Severity::Medium,
                Severity::Low,
                Severity::Low
            ]
        );
        assert!(
            f[1].message
                .starts_with("service `vpn` sets sysctl `net.ipv4.ip_forward=1`")
        );
        assert!(
            f[3].message.contains("`vm.overcommit_memory=1`"),
            "{}",
            f[3].message
        );
    }

    #[test]
    fn malformed_sysctls_give_no_findings() {
        for sysctls in [
            "sysctls: net.core.somaxconn",
            "sysctls: {name: net.core.somaxconn, value: 1}",
            "sysctls: [[net.core.somaxconn], {value: 1}, {name: \"\"}, {name: {a: b}}, 7]",
            "sysctls: ~",
        ] {
            let text = POD.replace(
                "        sysctls:\n        - name: net.ipv4.tcp_syncookies\n          value: \"1\"\n        - name: net.core.somaxconn\n          value: \"4096\"\n        - {name: net.ipv4.ip_forward, value: 1}\n",
                &format!("        {sysctls}\n"),
            );
            assert!(
                check_file(&UnsafeSysctls, "deploy.yaml", &text).is_empty(),
                "{sysctls}"
            );
        }
        let compose = "services:\n  a:\n    image: x\n    sysctls: 5\n  b:\n    image: x\n    sysctls: [\"\", \"=1\"]\n";
        assert!(check_file(&UnsafeSysctls, "docker-compose.yml", compose).is_empty());
    }
}
