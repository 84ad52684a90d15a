//! Shared helpers for the container/workload rules (TB4xx): platform
//! defaults and how a container is named in messages.

use crate::model::runtime::{Container, ContainerKind, Platform, Workload};

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

#[cfg(test)]
pub mod test_support {
    //! Hand-built model values for rule tests.

    use crate::analyse::finding::Finding;
    use crate::analyse::rule::Rule;
    use crate::model::System;
    use crate::model::runtime::{Container, Platform, Workload};
    use crate::source::Location;

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
