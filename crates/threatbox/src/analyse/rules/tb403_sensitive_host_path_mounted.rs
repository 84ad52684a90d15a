//! TB403 `sensitive-host-path-mounted`: a system directory, the runtime's
//! state or a credential file of the host is mounted into a container.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::container_support::{
    is_public_host_path, is_runtime_socket_path, sensitive_host_path, subject,
    unmounted_host_path_volumes, unmounted_volume_message,
};
use crate::model::runtime::{MountSource, Workload};

pub struct SensitiveHostPathMounted;

pub static META: RuleMeta = RuleMeta {
    code: "TB403",
    slug: "sensitive-host-path-mounted",
    title: "Sensitive host path mounted into a container",
    severity: Severity::High,
    stride: &[
        Stride::ElevationOfPrivilege,
        Stride::InformationDisclosure,
        Stride::Tampering,
    ],
    cwe: &[552, 668],
    stage: LifecycleStage::Runtime,
    cis: &["CIS-Docker-5.6", "CIS-Kubernetes-5.2.12"],
    peers: &[
        "KSV-0121",
        "KSV-0023",
        "C-0048",
        "C-0020",
        "sensitive-host-mounts",
        "hostPathSet",
    ],
    remediation: "Do not mount host system directories, runtime state or credential files: copy the needed files into the image, use a ConfigMap/Secret (Kubernetes) or a compose `configs`/`secrets` entry, and if a host path is unavoidable mount the narrowest file read-only.",
    docs: r#"
**What it detects.** A Kubernetes `hostPath` volume or a compose / docker bind
mount whose source is `/`, `/etc`, `/proc`, `/sys`, `/dev`, `/boot`, `/lib`,
`/usr`, `/root`, `/home`, `/var/lib/docker`, `/var/lib/kubelet`,
`/etc/kubernetes` (or anything below them), or a credential file such as
`~/.aws/credentials`, a kubeconfig or an SSH key. Writable mounts are
reported as high, read-only ones as medium. Read-only mounts of public
files (CA trust stores such as `/etc/ssl/certs`, `/etc/localtime`, zoneinfo)
are not reported. A Kubernetes `hostPath` volume of a sensitive path that
the pod declares but no container mounts is reported as medium, at the
volume: an ephemeral container added later (`kubectl debug`) can mount any
volume of the pod, writable. Runtime sockets are TB402.

**Why it is a threat.** These paths are the host's identity and control:
writing `/etc` or `/root/.ssh` gives a login on the node, `/var/lib/kubelet`
holds every pod's secrets and tokens, `/proc` and `/sys` reach the kernel.
Even read-only, they disclose credentials and configuration an attacker uses
for the next step (STRIDE: Elevation of privilege, Information disclosure,
Tampering).

**Example.**
```yaml
volumes:
  - name: host-etc
    hostPath: { path: /etc }
```
```yaml
services:
  agent:
    volumes: ["/:/host"]
```

**Fix.** Delete a `hostPath` volume no container uses. Ship the files in the
image or as a ConfigMap/Secret; when a host path is really needed, mount
the one file, read-only:
```yaml
    volumeMounts:
      - { name: tz, mountPath: /etc/localtime, readOnly: true }
```
```yaml
    volumes: ["/etc/localtime:/etc/localtime:ro"]
```
"#,
};

impl Rule for SensitiveHostPathMounted {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_workload(&self, workload: &Workload, _ctx: &RuleContext<'_>, sink: &mut Sink) {
        for container in &workload.containers {
            for mount in &container.mounts {
                let MountSource::HostPath(path) = &mount.source else {
                    continue;
                };
                if is_runtime_socket_path(path) || (mount.read_only && is_public_host_path(path)) {
                    continue;
                }
                let Some(what) = sensitive_host_path(path) else {
                    continue;
                };
                let (severity, how) = if mount.read_only {
                    (Severity::Medium, "read-only")
                } else {
                    (Severity::High, "writable")
                };
                sink.push(
                    Finding::new(
                        &META,
                        mount.location.clone(),
                        format!(
                            "{} mounts {what} (`{path}`) {how} at `{}`",
                            subject(workload, container),
                            mount.target
                        ),
                    )
                    .with_severity(severity),
                );
            }
        }
        for (volume, path) in unmounted_host_path_volumes(workload) {
            if is_runtime_socket_path(path) {
                continue;
            }
            if let Some(what) = sensitive_host_path(path) {
                let what = format!("{what}, `{path}`");
                sink.push(
                    Finding::new(
                        &META,
                        volume.location.clone(),
                        unmounted_volume_message(workload, volume, &what),
                    )
                    .with_severity(Severity::Medium),
                );
            }
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

    fn mounting(path: &str, read_only: bool) -> Container {
        Container {
            mounts: vec![Mount {
                source: MountSource::HostPath(path.into()),
                target: "/host".into(),
                read_only,
                location: loc(11),
            }],
            ..Default::default()
        }
    }

    #[test]
    fn flags_system_dirs_writable_high_read_only_medium() {
        for path in [
            "/",
            "/etc",
            "/etc/kubernetes/pki",
            "/var/lib/kubelet",
            "/proc/",
            "/root/.aws/credentials",
            "/home/u/.kube/config",
        ] {
            for f in run_all(&SensitiveHostPathMounted, mounting(path, false)) {
                assert_eq!(lines(&f), vec![11], "{path}");
                assert_eq!(f[0].severity, Severity::High);
            }
        }
        for f in run_all(&SensitiveHostPathMounted, mounting("/sys", true)) {
            assert_eq!(f[0].severity, Severity::Medium);
        }
        // A trust store is public only while it cannot be rewritten.
        for f in run_all(&SensitiveHostPathMounted, mounting("/etc/ssl/certs", false)) {
            assert_eq!(f[0].severity, Severity::High);
        }
    }

    #[test]
    fn ignores_ordinary_paths_and_sockets() {
        for path in [
            "/data",
            "./src",
            "/etcetera",
            "/usrdata",
            "/var/run/docker.sock",
            "/var/log/app",
        ] {
            for f in run_all(&SensitiveHostPathMounted, mounting(path, false)) {
                assert!(f.is_empty(), "{path}");
            }
        }
    }

    #[test]
    fn flags_a_declared_but_unmounted_sensitive_volume_as_medium() {
        for path in ["/etc", "/var/lib/kubelet/pods", "/"] {
            let f = declaring(&SensitiveHostPathMounted, path);
            assert_eq!(lines(&f), vec![13], "{path}");
            assert_eq!(f[0].severity, Severity::Medium);
            assert!(f[0].message.contains("volume `idle`"), "{}", f[0].message);
            assert!(
                f[0].message.contains(&format!("`{path}`")),
                "{}",
                f[0].message
            );
        }
    }

    #[test]
    fn ignores_declared_ordinary_paths_sockets_and_mounted_paths() {
        for path in ["/var/log", "/var/run/docker.sock", "/srv/used"] {
            assert!(
                declaring(&SensitiveHostPathMounted, path).is_empty(),
                "{path}"
            );
        }
        // The same path mounted through another volume is the mount's finding.
        let twice = POD_WITH_IDLE_VOLUME
            .replace("PATH", "/etc")
            .replace("/srv/used", "/etc/");
        let f = crate::analyse::rules::testing::check_file(
            &SensitiveHostPathMounted,
            "pod.yaml",
            &twice,
        );
        assert_eq!(lines(&f), vec![9]);
        assert_eq!(f[0].severity, Severity::High);
    }
}
