//! TB404 `writable-host-path`: a host path (not a sensitive one) mounted
//! writable into a container.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::container_support::{
    is_runtime_socket_path, sensitive_host_path, subject, unmounted_host_path_volumes,
    unmounted_volume_message,
};
use crate::model::runtime::{MountSource, Platform, Workload};

pub struct WritableHostPath;

pub static META: RuleMeta = RuleMeta {
    code: "TB404",
    slug: "writable-host-path",
    title: "Host path mounted writable",
    severity: Severity::Low,
    stride: &[Stride::Tampering, Stride::ElevationOfPrivilege],
    cwe: &[732],
    stage: LifecycleStage::Runtime,
    cis: &["CIS-Docker-5.6", "CIS-Kubernetes-5.2.12"],
    peers: &["writable-host-mount", "C-0045", "KSV-0023", "hostPathSet"],
    remediation: "Mount host paths read-only (`readOnly: true` on the volumeMount, `:ro` or `read_only: true` in compose); keep writable state in a volume (PersistentVolumeClaim, named compose volume) instead of a host directory.",
    docs: r#"
**What it detects.** A Kubernetes `hostPath` volume mounted without
`readOnly: true`, or a compose / docker bind mount without `:ro`, whose
source is not one of the sensitive paths of TB403 (nor a runtime socket,
TB402). Severity: medium on Kubernetes, where a hostPath is a node's disk
shared by whatever is scheduled there; low in compose and docker, where a
writable bind of a project directory is ordinary during development. A
Kubernetes `hostPath` volume the pod declares but no container mounts is
reported as low, at the volume: an ephemeral container added later
(`kubectl debug`) can mount any volume of the pod, and a `hostPath` volume
has no read-only switch of its own.

**Why it is a threat.** A writable host directory is a path out of the
container: a compromised process can plant files the host or other
containers later read or execute (cron fragments, scripts, configuration),
fill the node's disk, or follow symlinks the host resolves (STRIDE:
Tampering, Elevation of privilege).

**Example.**
```yaml
volumes:
  - name: cache
    hostPath: { path: /srv/cache }
```
```yaml
services:
  app:
    volumes: ["/srv/data:/data"]
```

**Fix.** Mount read-only, or use a volume for writable state; delete a
`hostPath` volume no container uses:
```yaml
    volumeMounts: [{ name: cache, mountPath: /cache, readOnly: true }]
```
```yaml
    volumes: ["/srv/data:/data:ro"]
```
"#,
};

impl Rule for WritableHostPath {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_workload(&self, workload: &Workload, _ctx: &RuleContext<'_>, sink: &mut Sink) {
        // A hostPath in Kubernetes is the node's disk, shared with every pod
        // scheduled there; a compose bind is usually a project directory.
        let severity = match workload.platform {
            Platform::Kubernetes => Severity::Medium,
            Platform::Compose | Platform::Docker => Severity::Low,
        };
        for container in &workload.containers {
            for mount in &container.mounts {
                let MountSource::HostPath(path) = &mount.source else {
                    continue;
                };
                if mount.read_only
                    || is_runtime_socket_path(path)
                    || sensitive_host_path(path).is_some()
                {
                    continue;
                }
                sink.push(
                    Finding::new(
                        &META,
                        mount.location.clone(),
                        format!(
                            "{} mounts host path `{path}` writable at `{}`",
                            subject(workload, container),
                            mount.target
                        ),
                    )
                    .with_severity(severity),
                );
            }
        }
        for (volume, path) in unmounted_host_path_volumes(workload) {
            if is_runtime_socket_path(path) || sensitive_host_path(path).is_some() {
                continue;
            }
            let what = format!("`{path}`");
            sink.push(
                Finding::new(
                    &META,
                    volume.location.clone(),
                    unmounted_volume_message(workload, volume, &what),
                )
                .with_severity(Severity::Low),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::container_support::test_support::{POD_WITH_IDLE_VOLUME, declaring};
    use crate::analyse::rules::container_support::test_support::{loc, run_all};
    use crate::analyse::rules::testing::lines;
    use crate::model::runtime::{Container, Mount};

    fn mounting(source: MountSource, read_only: bool) -> Container {
        Container {
            mounts: vec![Mount {
                source,
                target: "/data".into(),
                read_only,
                location: loc(12),
            }],
            ..Default::default()
        }
    }

    #[test]
    fn flags_writable_host_paths_medium_on_kubernetes_low_elsewhere() {
        let [k, c, d] = run_all(
            &WritableHostPath,
            mounting(MountSource::HostPath("/srv/data".into()), false),
        );
        assert_eq!(lines(&k), vec![12]);
        assert_eq!(k[0].severity, Severity::Medium);
        assert_eq!(c[0].severity, Severity::Low);
        assert_eq!(d[0].severity, Severity::Low);
    }

    #[test]
    fn ignores_read_only_sensitive_sockets_and_volumes() {
        for (source, ro) in [
            (MountSource::HostPath("/srv/data".into()), true),
            (MountSource::HostPath("/etc".into()), false),
            (MountSource::HostPath("/var/run/docker.sock".into()), false),
            (MountSource::Volume("data".into()), false),
            (MountSource::Ephemeral, false),
        ] {
            for f in run_all(&WritableHostPath, mounting(source.clone(), ro)) {
                assert!(f.is_empty(), "{source:?}");
            }
        }
    }

    #[test]
    fn flags_a_declared_but_unmounted_host_path_volume_as_low() {
        let f = declaring(&WritableHostPath, "/var/log");
        assert_eq!(lines(&f), vec![9, 13]);
        assert_eq!(f[0].severity, Severity::Medium);
        assert_eq!(f[1].severity, Severity::Low);
        assert!(
            f[1].message
                .contains("declares hostPath volume `idle` (`/var/log`) that no container mounts"),
            "{}",
            f[1].message
        );
    }

    #[test]
    fn ignores_declared_sensitive_socket_mounted_and_non_host_volumes() {
        for path in ["/etc", "/var/run/docker.sock", "/srv/used", "/srv/used/"] {
            assert_eq!(
                lines(&declaring(&WritableHostPath, path)),
                vec![9],
                "{path}"
            );
        }
        let empty_dir = POD_WITH_IDLE_VOLUME.replace("hostPath: {path: PATH}", "emptyDir: {}");
        let f =
            crate::analyse::rules::testing::check_file(&WritableHostPath, "pod.yaml", &empty_dir);
        assert_eq!(lines(&f), vec![9]);
    }
}
