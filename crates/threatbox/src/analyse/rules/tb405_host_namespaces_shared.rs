//! TB405 `host-namespaces-shared`: a workload shares the host's PID, IPC,
//! network or user namespace.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::container_support::workload_subject;
use crate::model::runtime::{Platform, Setting, Workload};

pub struct HostNamespacesShared;

pub static META: RuleMeta = RuleMeta {
    code: "TB405",
    slug: "host-namespaces-shared",
    title: "Host namespace shared with a container",
    severity: Severity::High,
    stride: &[
        Stride::ElevationOfPrivilege,
        Stride::InformationDisclosure,
        Stride::Spoofing,
    ],
    cwe: &[653, 668],
    stage: LifecycleStage::Runtime,
    cis: &[
        "CIS-Docker-5.10",
        "CIS-Docker-5.16",
        "CIS-Docker-5.17",
        "CIS-Docker-5.21",
        "CIS-Docker-5.31",
        "CIS-Kubernetes-5.2.3",
        "CIS-Kubernetes-5.2.4",
        "CIS-Kubernetes-5.2.5",
    ],
    peers: &[
        "CKV_K8S_17",
        "CKV_K8S_18",
        "CKV_K8S_19",
        "KSV-0008",
        "KSV-0009",
        "KSV-0010",
        "C-0038",
        "C-0041",
        "host-pid",
        "host-ipc",
        "host-network",
        "hostPIDSet",
        "hostIPCSet",
        "hostNetworkSet",
    ],
    remediation: "Remove `hostPID`, `hostIPC`, `hostNetwork` (Kubernetes) / `pid: host`, `ipc: host`, `network_mode: host`, `userns_mode: host`, `uts: host`, `cgroup: host` (compose, `docker run`); publish ports through a Service or `ports:` instead of the host network.",
    docs: r#"
**What it detects.** A Kubernetes pod with `hostPID`, `hostIPC` or
`hostNetwork: true`; a compose service or docker container with `pid: host`,
`ipc: host`, `network_mode: host`, `uts: host`, `cgroup: host` or
`userns_mode: host` (the last one matters where the daemon remaps users).

**Why it is a threat.** Namespaces are what make a container a container.
With the host PID namespace a process sees and signals every process on the
node and reads their environment and `/proc/<pid>/root`; with the host IPC
namespace it reads other processes' shared memory; with the host network it
binds the node's interfaces, reaches services listening on localhost
(kubelet, cloud metadata, databases) and sniffs traffic; without user
remapping container root is host root (STRIDE: Elevation of privilege,
Information disclosure, Spoofing).

**Example.**
```yaml
spec:
  hostNetwork: true
  hostPID: true
```
```yaml
services:
  app:
    network_mode: host
    pid: host
```

**Fix.** Delete those settings; expose ports with a Service / `ports:` and
debug with `kubectl debug` or `docker exec` instead of a host-PID container.
"#,
};

impl Rule for HostNamespacesShared {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_workload(&self, workload: &Workload, _ctx: &RuleContext<'_>, sink: &mut Sink) {
        let kube = workload.platform == Platform::Kubernetes;
        let mut push = |setting: &Setting<bool>, what: &str, why: &str| {
            if setting.value
                && !sink
                    .iter()
                    .any(|f| f.rule.code == META.code && f.location == setting.location)
            {
                sink.push(Finding::new(
                    &META,
                    setting.location.clone(),
                    format!("{} shares {what}: {why}", workload_subject(workload)),
                ));
            }
        };
        let pid = if kube { "`hostPID`" } else { "`pid: host`" };
        let ipc = if kube { "`hostIPC`" } else { "`ipc: host`" };
        let net = if kube {
            "`hostNetwork`"
        } else {
            "`network_mode: host`"
        };
        if let Some(s) = &workload.host_pid {
            push(
                s,
                &format!("the host's PID namespace ({pid})"),
                "it sees and signals every process on the node and reads their environment",
            );
        }
        if let Some(s) = &workload.host_ipc {
            push(
                s,
                &format!("the host's IPC namespace ({ipc})"),
                "it reads other processes' shared memory",
            );
        }
        if let Some(s) = &workload.host_network {
            push(
                s,
                &format!("the host's network namespace ({net})"),
                "it binds the node's interfaces and reaches services on localhost",
            );
        }
        if let Some(mode) = &workload.network_mode
            && mode.value.eq_ignore_ascii_case("host")
        {
            push(
                &Setting::new(true, mode.location.clone()),
                "the host's network namespace (`network_mode: host`)",
                "it binds the node's interfaces and reaches services on localhost",
            );
        }
        // `host_users` true is written only by an explicit `userns_mode:
        // host` (or `hostUsers: true`): the default is not reported here.
        if let Some(s) = &workload.host_users {
            push(
                s,
                "the host's user namespace",
                "root in the container is root on the host",
            );
        }
        if let Some(s) = &workload.host_uts {
            push(
                s,
                "the host's UTS namespace (`uts: host`)",
                "it can change the host's name",
            );
        }
        if let Some(s) = &workload.host_cgroupns {
            push(
                s,
                "the host's cgroup namespace (`cgroup: host`)",
                "it sees the host's whole cgroup tree",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::container_support::test_support::{loc, run, workload};
    use crate::analyse::rules::testing::lines;
    use crate::model::runtime::Container;

    #[test]
    fn flags_each_shared_namespace_at_its_setting() {
        for platform in [Platform::Kubernetes, Platform::Compose, Platform::Docker] {
            let mut w = workload(platform, Container::default());
            w.host_pid = Some(Setting::new(true, loc(4)));
            w.host_ipc = Some(Setting::new(true, loc(5)));
            w.host_network = Some(Setting::new(true, loc(6)));
            w.host_users = Some(Setting::new(true, loc(7)));
            w.host_uts = Some(Setting::new(true, loc(8)));
            w.host_cgroupns = Some(Setting::new(true, loc(9)));
            assert_eq!(
                lines(&run(&HostNamespacesShared, w)),
                vec![4, 5, 6, 7, 8, 9]
            );
        }
    }

    #[test]
    fn network_mode_host_is_reported_once() {
        let mut w = workload(Platform::Compose, Container::default());
        w.network_mode = Some(Setting::new("host".into(), loc(8)));
        w.host_network = Some(Setting::new(true, loc(8)));
        let f = run(&HostNamespacesShared, w);
        assert_eq!(lines(&f), vec![8]);
        assert!(f[0].message.contains("network_mode: host"));
    }

    #[test]
    fn ignores_false_and_other_modes() {
        let mut w = workload(Platform::Kubernetes, Container::default());
        w.host_pid = Some(Setting::new(false, loc(4)));
        w.host_users = Some(Setting::new(false, loc(5)));
        w.network_mode = Some(Setting::new("bridge".into(), loc(6)));
        assert!(run(&HostNamespacesShared, w).is_empty());
    }
}
