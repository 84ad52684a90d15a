//! TB421 `host-devices-exposed`: host devices passed into a container.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::container_support::subject;
use crate::model::runtime::Workload;

pub struct HostDevicesExposed;

pub static META: RuleMeta = RuleMeta {
    code: "TB421",
    slug: "host-devices-exposed",
    title: "Host device exposed to a container",
    severity: Severity::Medium,
    stride: &[
        Stride::ElevationOfPrivilege,
        Stride::InformationDisclosure,
        Stride::Tampering,
    ],
    cwe: &[250, 668],
    stage: LifecycleStage::Runtime,
    cis: &["CIS-Docker-5.18"],
    peers: &[],
    remediation: "Remove `devices:` (compose) / `--device` (docker) unless the workload drives that hardware; never pass disks, `/dev/mem`, `/dev/kmsg` or `/dev/kvm`; on Kubernetes use a device plugin instead of hostPath devices.",
    docs: r#"
**What it detects.** A compose `devices:` entry or docker
`HostConfig.Devices`: medium for any device, high for raw disks
(`/dev/sd*`, `/dev/nvme*`, `/dev/vd*`, `/dev/xvd*`, `/dev/mapper/*`),
memory and kernel interfaces (`/dev/mem`, `/dev/kmem`, `/dev/port`,
`/dev/kmsg`) and `/dev/kvm`. Kubernetes has no such field (a device mounted
by `hostPath` under `/dev` is TB403).

**Why it is a threat.** A device node is a door in the container's walls: a
raw disk is read and rewritten below the file system (the host's
`/etc/shadow`, other containers' data), `/dev/mem` is physical memory,
`/dev/kmsg` leaks kernel addresses (STRIDE: Elevation of privilege,
Information disclosure, Tampering).

**Example.**
```yaml
services:
  backup:
    devices: ["/dev/sda:/dev/sda"]
```

**Fix.** Remove the device; read data through a volume:
```yaml
services:
  backup:
    volumes: ["backup-data:/data:ro"]
```
"#,
};

fn dangerous_device(path: &str) -> bool {
    let p = path.trim();
    [
        "/dev/sd",
        "/dev/nvme",
        "/dev/vd",
        "/dev/xvd",
        "/dev/hd",
        "/dev/mapper/",
        "/dev/dm-",
        "/dev/loop",
    ]
    .iter()
    .any(|prefix| p.starts_with(prefix))
        || matches!(
            p,
            "/dev/mem" | "/dev/kmem" | "/dev/port" | "/dev/kmsg" | "/dev/kvm"
        )
}

impl Rule for HostDevicesExposed {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_workload(&self, workload: &Workload, _ctx: &RuleContext<'_>, sink: &mut Sink) {
        for container in &workload.containers {
            for device in &container.devices {
                let dangerous = dangerous_device(&device.host_path);
                let why = if dangerous {
                    ": raw access below the file system and its permissions"
                } else {
                    ""
                };
                sink.push(
                    Finding::new(
                        &META,
                        device.location.clone(),
                        format!(
                            "{} gets host device `{}`{why}",
                            subject(workload, container),
                            device.host_path
                        ),
                    )
                    .with_severity(if dangerous {
                        Severity::High
                    } else {
                        Severity::Medium
                    }),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::container_support::test_support::{loc, run_all};
    use crate::analyse::rules::testing::{check_file, lines};
    use crate::model::runtime::{Container, Device};

    fn with_device(path: &str) -> Container {
        Container {
            devices: vec![Device {
                host_path: path.into(),
                container_path: path.into(),
                permissions: "rwm".into(),
                location: loc(6),
            }],
            ..Default::default()
        }
    }

    #[test]
    fn grades_devices() {
        for f in run_all(&HostDevicesExposed, with_device("/dev/sda")) {
            assert_eq!(lines(&f), vec![6]);
            assert_eq!(f[0].severity, Severity::High);
        }
        for f in run_all(&HostDevicesExposed, with_device("/dev/fuse")) {
            assert_eq!(f[0].severity, Severity::Medium);
        }
    }

    #[test]
    fn compose_devices_at_their_line_and_none_without() {
        let f = check_file(
            &HostDevicesExposed,
            "compose.yaml",
            "services:\n  backup:\n    image: alpine:3.20\n    devices:\n      - /dev/sda:/dev/sda\n",
        );
        assert_eq!(lines(&f), vec![5]);
        for f in run_all(&HostDevicesExposed, Container::default()) {
            assert!(f.is_empty());
        }
    }
}
