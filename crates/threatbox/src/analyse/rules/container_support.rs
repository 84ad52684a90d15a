//! Shared helpers for the container/workload rules (TB4xx): platform
//! defaults and how a container is named in messages.

use crate::model::runtime::{Container, ContainerKind, MountSource, Platform, Volume, Workload};

/// Docker's default capability set (containerd and CRI-O grant the same
/// set), granted to every container unless dropped.
pub const DEFAULT_CAPABILITIES: &[&str] = &[
    "CHOWN",
    "DAC_OVERRIDE",
    "FSETID",
    "FOWNER",
    "MKNOD",
    "NET_RAW",
    "SETGID",
    "SETUID",
    "SETFCAP",
    "SETPCAP",
    "NET_BIND_SERVICE",
    "SYS_CHROOT",
    "KILL",
    "AUDIT_WRITE",
];

/// How a container is named in a finding: `container `web` of Deployment
/// `api``, `service `web``, `container `web``.
pub fn subject(workload: &Workload, container: &Container) -> String {
    match workload.platform {
        Platform::Compose => format!("service `{}`", workload.name),
        Platform::Docker => format!("container `{}`", container_name(workload, container)),
        Platform::Kubernetes => {
            let kind = match container.kind {
                ContainerKind::Regular => "container",
                ContainerKind::Init => "init container",
                ContainerKind::Ephemeral => "ephemeral container",
            };
            format!(
                "{kind} `{}` of {} `{}`",
                container_name(workload, container),
                workload.kind,
                workload.name
            )
        }
    }
}

/// How the workload as a whole is named: `Deployment `api``, `service `web``.
pub fn workload_subject(workload: &Workload) -> String {
    match workload.platform {
        Platform::Compose => format!("service `{}`", workload.name),
        Platform::Docker => format!("container `{}`", workload.name),
        Platform::Kubernetes => format!("{} `{}`", workload.kind, workload.name),
    }
}

fn container_name<'a>(workload: &'a Workload, container: &'a Container) -> &'a str {
    if container.name.is_empty() {
        &workload.name
    } else {
        &container.name
    }
}

/// Kubernetes `hostPath` volumes of a pod that no container mounts, with
/// their host path. A pod's volumes cannot change once it exists, but an
/// ephemeral container added later (`kubectl debug`) may mount any of them,
/// writable: the host path is one API call away. A volume whose path another
/// mounted volume already exposes adds nothing and is left out.
pub fn unmounted_host_path_volumes(workload: &Workload) -> Vec<(&Volume, &str)> {
    if workload.platform != Platform::Kubernetes {
        return Vec::new();
    }
    let mounted = |path: &str| {
        workload.containers.iter().any(|c| {
            c.mounts.iter().any(|m| {
                matches!(&m.source, MountSource::HostPath(p)
                    if normalise_host_path(p) == normalise_host_path(path))
            })
        })
    };
    workload
        .volumes
        .iter()
        .filter_map(|v| match &v.source {
            MountSource::HostPath(path) if !mounted(path) => Some((v, path.as_str())),
            _ => None,
        })
        .collect()
}

/// How a declared but unmounted hostPath volume is described in messages.
pub fn unmounted_volume_message(workload: &Workload, volume: &Volume, what: &str) -> String {
    format!(
        "{} declares hostPath volume `{}` ({what}) that no container mounts: an ephemeral container added later (`kubectl debug`) can mount it writable",
        workload_subject(workload),
        volume.name
    )
}

/// A host path with its trailing slashes removed (`/` stays `/`).
pub fn normalise_host_path(path: &str) -> &str {
    let trimmed = path.trim().trim_end_matches('/');
    if trimmed.is_empty() && path.trim().starts_with('/') {
        "/"
    } else {
        trimmed
    }
}

/// A Kubernetes quantity that amounts to nothing: `""`, `0`, `0.0`, `0m`,
/// `0Mi`. The scheduler, the QoS class and the kubelet's eviction ignore a
/// zero request or limit.
pub fn is_zero_quantity(value: &str) -> bool {
    let number = value
        .trim()
        .trim_end_matches(|c: char| c.is_ascii_alphabetic());
    number.chars().all(|c| c == '0' || c == '.')
        && (number.contains('0') || value.trim().is_empty())
}

/// A container runtime's API socket, or a directory holding one mounted
/// whole (`/var/run`, `/run`, `/run/containerd`).
pub fn is_runtime_socket_path(path: &str) -> bool {
    let path = normalise_host_path(path);
    const SOCKETS: &[&str] = &[
        "docker.sock",
        "containerd.sock",
        "crio.sock",
        "podman.sock",
        "dockershim.sock",
        "cri-dockerd.sock",
    ];
    const DIRS: &[&str] = &[
        "/run",
        "/var/run",
        "/run/containerd",
        "/var/run/containerd",
        "/run/crio",
        "/var/run/crio",
        "/run/podman",
        "/var/run/podman",
        "/run/docker",
        "/var/run/docker",
    ];
    SOCKETS
        .iter()
        .any(|s| path == *s || path.ends_with(&format!("/{s}")))
        || DIRS.contains(&path)
}

/// Why a host path is sensitive to expose to a container, if it is: system
/// directories, the runtime's and kubelet's state, home directories, and
/// credential files (`~/.aws/credentials`, kubeconfig, SSH keys).
pub fn sensitive_host_path(path: &str) -> Option<String> {
    let path = normalise_host_path(path);
    if path == "/" {
        return Some("the host's root file system".into());
    }
    const DIRS: &[&str] = &[
        "/etc",
        "/proc",
        "/sys",
        "/dev",
        "/boot",
        "/lib",
        "/lib64",
        "/usr",
        "/bin",
        "/sbin",
        "/root",
        "/home",
        "/var/lib/docker",
        "/var/lib/containerd",
        "/var/lib/kubelet",
        "/var/lib/etcd",
        "/etc/kubernetes",
    ];
    if let Some(dir) = DIRS.iter().find(|d| {
        path == **d
            || path
                .strip_prefix(**d)
                .is_some_and(|rest| rest.starts_with('/'))
    }) {
        return Some(format!("host directory `{dir}`"));
    }
    if path.starts_with('/') {
        return crate::analyse::secrets::secret_file_kind(path).map(str::to_string);
    }
    None
}

/// Public, non-secret host files containers commonly read: CA trust stores
/// and time-zone data. Mounted read-only they disclose nothing.
pub fn is_public_host_path(path: &str) -> bool {
    let path = normalise_host_path(path);
    const PUBLIC: &[&str] = &[
        "/etc/ssl/certs",
        "/etc/ca-certificates",
        "/etc/pki/ca-trust",
        "/etc/pki/tls/certs",
        "/usr/share/ca-certificates",
        "/usr/local/share/ca-certificates",
        "/etc/localtime",
        "/etc/timezone",
        "/usr/share/zoneinfo",
    ];
    PUBLIC.iter().any(|p| {
        path == *p
            || path
                .strip_prefix(*p)
                .is_some_and(|rest| rest.starts_with('/'))
    })
}

#[cfg(test)]
pub mod test_support {
    //! Hand-built model values for rule tests.

    use crate::analyse::finding::Finding;
    use crate::analyse::rule::Rule;
    use crate::model::System;
    use crate::model::runtime::{Container, Platform, Workload};
    use crate::source::Location;

    /// A pod mounting hostPath `/srv/used` and declaring `PATH` unmounted
    /// (volume item at line 13).
    pub const POD_WITH_IDLE_VOLUME: &str = "\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: a
    image: nginx
    volumeMounts:
    - {name: used, mountPath: /data}
  volumes:
  - name: used
    hostPath: {path: /srv/used}
  - name: idle
    hostPath: {path: PATH}
";

    /// Findings of `rule` on that pod with the idle volume at `path`.
    pub fn declaring(rule: &'static dyn Rule, path: &str) -> Vec<Finding> {
        crate::analyse::rules::testing::check_file(
            rule,
            "pod.yaml",
            &POD_WITH_IDLE_VOLUME.replace("PATH", path),
        )
    }

    /// Findings of `rule` over a system holding only `workload`.
    pub fn run(rule: &'static dyn Rule, workload: Workload) -> Vec<Finding> {
        let mut system = System::default();
        system.workloads.push(workload);
        crate::analyse::rules::testing::check_system(rule, &system)
    }

    /// Findings of `rule` over one container on each platform.
    pub fn run_all(rule: &'static dyn Rule, container: Container) -> [Vec<Finding>; 3] {
        [Platform::Kubernetes, Platform::Compose, Platform::Docker]
            .map(|p| run(rule, workload(p, container.clone())))
    }

    /// A location on `line` of `pod.yaml`.
    /// Findings of `rule` for a two-container Pod whose pod-level
    /// `spec.resources` is `resources` (YAML lines indented by two spaces,
    /// or empty).
    pub fn two_container_pod_with(rule: &'static dyn Rule, resources: &str) -> Vec<Finding> {
        crate::analyse::rules::testing::check_file(
            rule,
            "pod.yaml",
            &format!(
                "apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n{resources}  containers:\n    - {{name: a, image: x}}\n    - {{name: b, image: x}}\n"
            ),
        )
    }

    pub fn loc(line: usize) -> Location {
        Location {
            path: "pod.yaml".into(),
            start_line: line,
            start_column: 1,
            end_line: line,
            end_column: 10,
        }
    }

    /// A workload of `platform` (spec at line 2, container at line 3) with
    /// one container.
    pub fn workload(platform: Platform, container: Container) -> Workload {
        Workload {
            platform,
            kind: match platform {
                Platform::Kubernetes => "Pod".into(),
                Platform::Compose => "service".into(),
                Platform::Docker => "container".into(),
            },
            name: "app".into(),
            location: loc(1),
            spec_location: loc(2),
            containers: vec![Container {
                name: "app".into(),
                location: loc(3),
                ..container
            }],
            ..Default::default()
        }
    }
}
