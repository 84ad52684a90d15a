//! TB407 `capabilities-not-restricted`: capabilities added, or the default
//! set not dropped.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::container_support::{DEFAULT_CAPABILITIES, subject};
use crate::model::runtime::{Platform, Workload};

pub struct CapabilitiesNotRestricted;

/// Capabilities that amount to root on the host or a way to it.
const DANGEROUS: &[&str] = &[
    "ALL",
    "SYS_ADMIN",
    "NET_ADMIN",
    "SYS_MODULE",
    "SYS_PTRACE",
    "DAC_READ_SEARCH",
    "BPF",
    "PERFMON",
    "SYS_RAWIO",
    "SYS_BOOT",
    "SYS_TIME",
    "MAC_ADMIN",
    "MAC_OVERRIDE",
    "LINUX_IMMUTABLE",
    "SYSLOG",
];

pub static META: RuleMeta = RuleMeta {
    code: "TB407",
    slug: "capabilities-not-restricted",
    title: "Linux capabilities not restricted",
    severity: Severity::High,
    stride: &[Stride::ElevationOfPrivilege, Stride::Spoofing],
    cwe: &[250],
    stage: LifecycleStage::Runtime,
    cis: &[
        "CIS-Docker-5.4",
        "CIS-Kubernetes-5.2.8",
        "CIS-Kubernetes-5.2.9",
    ],
    peers: &[
        "CKV_K8S_39",
        "CKV_K8S_25",
        "CKV_K8S_37",
        "CKV_K8S_28",
        "KSV-0003",
        "KSV-0004",
        "KSV-0005",
        "KSV-0022",
        "C-0046",
        "drop-net-raw-capability",
        "dangerousCapabilities",
        "insecureCapabilities",
    ],
    remediation: "Drop every capability and add back only the ones the process needs: Kubernetes `securityContext.capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}`, compose `cap_drop: [ALL]` with `cap_add: [NET_BIND_SERVICE]`; never add SYS_ADMIN, NET_ADMIN, SYS_PTRACE, SYS_MODULE or ALL.",
    docs: r#"
**What it detects.** Per container, after applying the platform default
(Docker's and containerd's default set: CHOWN, DAC_OVERRIDE, FSETID, FOWNER,
MKNOD, NET_RAW, SETGID, SETUID, SETFCAP, SETPCAP, NET_BIND_SERVICE,
SYS_CHROOT, KILL, AUDIT_WRITE):
- a dangerous capability added (`ALL`, SYS_ADMIN, NET_ADMIN, SYS_MODULE,
  SYS_PTRACE, DAC_READ_SEARCH, BPF, PERFMON, SYS_RAWIO…) — high;
- any other capability added beyond the default set — medium;
- `drop: [ALL]` missing, so the default set stays, NET_RAW included — low
  (one finding saying whether NET_RAW is dropped, and naming the default
  capabilities a partial drop list keeps).
Re-adding a capability of the default set after `drop: [ALL]` is the
recommended pattern and is not reported. Privileged containers are TB401.

**Why it is a threat.** Capabilities are slices of root. SYS_ADMIN alone
mounts file systems and escapes most containers; SYS_PTRACE reads other
processes' memory; NET_ADMIN reconfigures the network; NET_RAW (in the
default set) forges packets for ARP and DNS spoofing inside the cluster
network (STRIDE: Elevation of privilege, Spoofing).

**Example.**
```yaml
    securityContext:
      capabilities:
        add: [SYS_ADMIN]
```
```yaml
services:
  app:
    cap_add: [NET_ADMIN]
```

**Fix.**
```yaml
    securityContext:
      capabilities:
        drop: [ALL]
        add: [NET_BIND_SERVICE]
```
```yaml
services:
  app:
    cap_drop: [ALL]
    cap_add: [NET_BIND_SERVICE]
```
"#,
};

impl Rule for CapabilitiesNotRestricted {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_workload(&self, workload: &Workload, _ctx: &RuleContext<'_>, sink: &mut Sink) {
        let (drop_hint, net_raw_hint) = match workload.platform {
            Platform::Kubernetes => ("`capabilities.drop: [ALL]`", "`drop: [NET_RAW]`"),
            Platform::Compose | Platform::Docker => ("`cap_drop: [ALL]`", "`cap_drop: [NET_RAW]`"),
        };
        for container in &workload.containers {
            if container.privileged.as_ref().is_some_and(|p| p.value) {
                continue; // TB401
            }
            let dropped = |cap: &str| container.capabilities_drop.iter().any(|d| d.value == cap);
            let drops_all = dropped("ALL");
            for cap in &container.capabilities_add {
                let name = cap.value.as_str();
                let (severity, why) = if DANGEROUS.contains(&name) {
                    (Severity::High, "a path to root on the host")
                } else if DEFAULT_CAPABILITIES.contains(&name) {
                    if !drops_all || name != "NET_RAW" {
                        continue;
                    }
                    (
                        Severity::Low,
                        "raw sockets allow packet spoofing on the pod network",
                    )
                } else {
                    (Severity::Medium, "beyond the runtime's default set")
                };
                sink.push(
                    Finding::new(
                        &META,
                        cap.location.clone(),
                        format!(
                            "{} adds capability {name}: {why}",
                            subject(workload, container)
                        ),
                    )
                    .with_severity(severity),
                );
            }
            if !drops_all {
                let location = container
                    .capabilities_drop
                    .first()
                    .map_or(&container.location, |d| &d.location)
                    .clone();
                let message = if dropped("NET_RAW") {
                    // Name what stays, so that a reader sees which drops are missing.
                    let kept: Vec<&str> = DEFAULT_CAPABILITIES
                        .iter()
                        .copied()
                        .filter(|c| !dropped(c))
                        .collect();
                    let stays = if kept.is_empty() {
                        "the default set is dropped, but not capabilities outside it".to_string()
                    } else {
                        format!("it keeps {} of the runtime's default set", kept.join(", "))
                    };
                    format!(
                        "{} does not drop ALL capabilities ({drop_hint}): {stays}",
                        subject(workload, container)
                    )
                } else {
                    format!(
                        "{} does not drop ALL capabilities ({drop_hint}) nor {net_raw_hint}: it keeps the runtime's default set, NET_RAW included",
                        subject(workload, container)
                    )
                };
                sink.push(Finding::new(&META, location, message).with_severity(Severity::Low));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::container_support::test_support::{loc, run_all};
    use crate::analyse::rules::testing::lines;
    use crate::model::runtime::{Container, Setting};

    fn caps(add: &[(&str, usize)], drop: &[(&str, usize)]) -> Container {
        let set = |v: &[(&str, usize)]| {
            v.iter()
                .map(|(c, l)| Setting::new(c.to_string(), loc(*l)))
                .collect()
        };
        Container {
            capabilities_add: set(add),
            capabilities_drop: set(drop),
            ..Default::default()
        }
    }

    #[test]
    fn grades_added_capabilities() {
        let c = caps(
            &[("SYS_ADMIN", 5), ("IPC_LOCK", 6), ("CHOWN", 7)],
            &[("ALL", 8)],
        );
        for f in run_all(&CapabilitiesNotRestricted, c.clone()) {
            assert_eq!(lines(&f), vec![5, 6]);
            assert_eq!(f[0].severity, Severity::High);
            assert_eq!(f[1].severity, Severity::Medium);
        }
        let all = caps(&[("ALL", 5)], &[("ALL", 8)]);
        for f in run_all(&CapabilitiesNotRestricted, all) {
            assert_eq!(f[0].severity, Severity::High);
        }
        let raw = caps(&[("NET_RAW", 5)], &[("ALL", 8)]);
        for f in run_all(&CapabilitiesNotRestricted, raw) {
            assert_eq!(f[0].severity, Severity::Low);
        }
    }

    #[test]
    fn missing_drop_all_points_at_the_container_or_the_drop_list() {
        for f in run_all(&CapabilitiesNotRestricted, Container::default()) {
            assert_eq!(lines(&f), vec![3]);
            assert!(f[0].message.contains("NET_RAW included"));
        }
        for f in run_all(&CapabilitiesNotRestricted, caps(&[], &[("NET_RAW", 9)])) {
            assert_eq!(lines(&f), vec![9]);
            assert!(!f[0].message.contains("NET_RAW included"));
        }
    }

    #[test]
    fn names_the_default_capabilities_a_partial_drop_list_keeps() {
        let most: Vec<(&str, usize)> = DEFAULT_CAPABILITIES
            .iter()
            .filter(|c| **c != "AUDIT_WRITE" && **c != "KILL")
            .map(|c| (*c, 9))
            .collect();
        for f in run_all(&CapabilitiesNotRestricted, caps(&[], &most)) {
            assert_eq!(lines(&f), vec![9]);
            assert!(
                f[0].message
                    .ends_with("it keeps KILL, AUDIT_WRITE of the runtime's default set"),
                "{}",
                f[0].message
            );
        }
        let every: Vec<(&str, usize)> = DEFAULT_CAPABILITIES.iter().map(|c| (*c, 9)).collect();
        for f in run_all(&CapabilitiesNotRestricted, caps(&[], &every)) {
            assert!(
                f[0].message.contains("not capabilities outside it"),
                "{}",
                f[0].message
            );
        }
    }

    #[test]
    fn ignores_drop_all_with_default_capabilities_added_back() {
        let c = caps(&[("NET_BIND_SERVICE", 5)], &[("ALL", 8)]);
        for f in run_all(&CapabilitiesNotRestricted, c.clone()) {
            assert!(f.is_empty());
        }
    }
}
