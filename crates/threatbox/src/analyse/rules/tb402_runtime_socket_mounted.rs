//! TB402 `runtime-socket-mounted`: the Docker / containerd / CRI-O socket is
//! mounted into a container.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::container_support::{
    is_runtime_socket_path, subject, unmounted_host_path_volumes, unmounted_volume_message,
};
use crate::model::runtime::{MountSource, Workload};

pub struct RuntimeSocketMounted;

pub static META: RuleMeta = RuleMeta {
    code: "TB402",
    slug: "runtime-socket-mounted",
    title: "Container runtime socket mounted into a container",
    severity: Severity::Critical,
    stride: &[Stride::ElevationOfPrivilege, Stride::Tampering],
    cwe: &[250, 668],
    stage: LifecycleStage::Runtime,
    cis: &["CIS-Docker-5.32"],
    peers: &[
        "CKV_K8S_27",
        "KSV-0006",
        "C-0074",
        "docker-sock",
        "DockerSock",
    ],
    remediation: "Never mount the runtime socket: remove the hostPath / bind of `docker.sock`, `containerd.sock`, `crio.sock` (or of `/var/run`, `/run` whole) and compose `use_api_socket`; give CI builders a rootless builder (BuildKit, kaniko) and monitoring agents a read-only API proxy that allows only the calls they need.",
    docs: r#"
**What it detects.** A container that mounts a container runtime's API
socket: any host path ending in `docker.sock`, `containerd.sock`,
`crio.sock`, `podman.sock`, `dockershim.sock`; the directories that hold them
(`/var/run`, `/run`, `/run/containerd`…) mounted whole; compose
`use_api_socket: true`. A Kubernetes `hostPath` volume of such a path that
the pod declares but no container mounts is reported one severity lower
(high), at the volume: an ephemeral container added later (`kubectl debug`)
can mount any volume of the pod.

**Why it is a threat.** The socket is the runtime's root API. Whoever can
write to it starts a new privileged container with the host's `/` mounted
and is root on the host — read-only mounts do not help, since the socket
is used by connecting, not by writing the file (STRIDE: Elevation of
privilege, Tampering). The seed's rule: never mount the Docker socket.

**Example.**
```yaml
volumes:
  - name: docker
    hostPath: { path: /var/run/docker.sock }
```
```yaml
services:
  ci:
    volumes: ["/var/run/docker.sock:/var/run/docker.sock"]
```

**Fix.** Remove the mount (and the volume). Build images with a daemonless builder (BuildKit
rootless, kaniko, buildah); give monitoring a socket proxy that allows only
read calls.
"#,
};

impl Rule for RuntimeSocketMounted {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_workload(&self, workload: &Workload, _ctx: &RuleContext<'_>, sink: &mut Sink) {
        for container in &workload.containers {
            for mount in &container.mounts {
                let what = match &mount.source {
                    MountSource::HostPath(path) if is_runtime_socket_path(path) => {
                        format!("mounts the host's `{path}`")
                    }
                    MountSource::DockerApiSocket => "uses `use_api_socket`".to_string(),
                    _ => continue,
                };
                sink.push(Finding::new(
                    &META,
                    mount.location.clone(),
                    format!(
                        "{} {what}: whoever reaches the runtime API is root on the host",
                        subject(workload, container)
                    ),
                ));
            }
        }
        // Declared but not mounted yet: one step from the above, so one
        // severity lower.
        for (volume, path) in unmounted_host_path_volumes(workload) {
            if is_runtime_socket_path(path) {
                let what = format!("the host's `{path}`");
                sink.push(
                    Finding::new(
                        &META,
                        volume.location.clone(),
                        unmounted_volume_message(workload, volume, &what),
                    )
                    .with_severity(META.severity.lowered()),
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

    fn mounting(source: MountSource, read_only: bool) -> Container {
        Container {
            mounts: vec![Mount {
                source,
                target: "/sock".into(),
                read_only,
                location: loc(9),
            }],
            ..Default::default()
        }
    }

    #[test]
    fn flags_sockets_and_their_directories_on_every_platform() {
        for path in [
            "/var/run/docker.sock",
            "/run/containerd/containerd.sock",
            "/var/run/crio/crio.sock",
            "/run/user/1000/podman/podman.sock",
            "/var/run/dockershim.sock",
            "/var/run",
            "/run/",
            "/run/containerd",
        ] {
            for f in run_all(
                &RuntimeSocketMounted,
                mounting(MountSource::HostPath(path.into()), true),
            ) {
                assert_eq!(lines(&f), vec![9], "{path}");
            }
        }
        let f = run_all(
            &RuntimeSocketMounted,
            mounting(MountSource::DockerApiSocket, false),
        );
        assert!(f[1][0].message.contains("use_api_socket"));
    }

    #[test]
    fn ignores_other_paths_and_volumes() {
        for source in [
            MountSource::HostPath("/var/run/app".into()),
            MountSource::HostPath("/srv/docker.sock.d/config".into()),
            MountSource::HostPath("/data".into()),
            MountSource::Volume("docker.sock".into()),
        ] {
            for f in run_all(&RuntimeSocketMounted, mounting(source.clone(), false)) {
                assert!(f.is_empty(), "{source:?}");
            }
        }
    }

    #[test]
    fn flags_a_declared_but_unmounted_socket_volume_one_severity_lower() {
        for path in ["/var/run/docker.sock", "/run/containerd/containerd.sock"] {
            let f = declaring(&RuntimeSocketMounted, path);
            assert_eq!(lines(&f), vec![13], "{path}");
            assert_eq!(f[0].severity, Severity::High);
            assert!(
                f[0].message
                    .contains("Pod `p` declares hostPath volume `idle`"),
                "{}",
                f[0].message
            );
            assert!(
                f[0].message.contains("no container mounts"),
                "{}",
                f[0].message
            );
        }
    }

    #[test]
    fn ignores_declared_volumes_of_other_paths_or_already_mounted_sockets() {
        for path in ["/var/log", "/etc", "/srv/used"] {
            assert!(declaring(&RuntimeSocketMounted, path).is_empty(), "{path}");
        }
        // Mounted by an init container: reported at the mount, not again.
        let mounted = POD_WITH_IDLE_VOLUME.replace("PATH", "/var/run/docker.sock").replace(
            "  volumes:\n",
            "  initContainers:\n  - name: i\n    image: busybox\n    volumeMounts: [{name: idle, mountPath: /s}]\n  volumes:\n",
        );
        let f =
            crate::analyse::rules::testing::check_file(&RuntimeSocketMounted, "pod.yaml", &mounted);
        assert_eq!(lines(&f), vec![13]);
        assert_eq!(f[0].severity, Severity::Critical);
        assert!(
            f[0].message.contains("init container `i`"),
            "{}",
            f[0].message
        );
    }
}
