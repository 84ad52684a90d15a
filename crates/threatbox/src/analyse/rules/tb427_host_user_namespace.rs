//! TB427 `host-user-namespace`: a Kubernetes pod with root containers runs
//! in the node's user namespace (no `hostUsers: false`).

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::container_support::workload_subject;
use crate::model::runtime::{ContainerKind, Platform, Workload};

pub struct HostUserNamespace;

pub static META: RuleMeta = RuleMeta {
    code: "TB427",
    slug: "host-user-namespace",
    title: "Root containers without a user namespace (no hostUsers: false)",
    severity: Severity::Info,
    stride: &[Stride::ElevationOfPrivilege],
    cwe: &[653],
    stage: LifecycleStage::Runtime,
    cis: &[],
    peers: &["HostUsers"],
    remediation: "Set `hostUsers: false` in the pod spec (Kubernetes 1.33+ by default, beta since 1.30; needs a runtime and file system with ID-mapped mounts) so root in the pod maps to an unprivileged UID on the node, and run as a non-root user anyway (TB408).",
    docs: r#"
**What it detects.** A Kubernetes pod (Pod, or the template of a Deployment,
Job, …) that does not set `hostUsers: false` while at least one of its
containers runs as root after resolution — UID 0, or no user set and no
`runAsNonRoot` (most images default to root). One finding per workload, at
the pod spec, naming the containers. Info: it is defence in depth that
needs Kubernetes 1.30+ and runtime support, and TB408 already reports the
root user itself. An explicit `hostUsers: true` is left
to TB405 (host namespaces), which reports it for any pod. Windows
HostProcess pods are skipped (user namespaces are a Linux feature; TB401
reports them). Compose and docker are not checked here: user namespaces
there are the daemon's `userns-remap` (TB632) or `userns_mode`.

Pods sharing a host namespace (`hostNetwork`, `hostPID`, `hostIPC`) are
still reported — their root is the node's root like any other — but the
message says that the API server rejects `hostUsers: false` together with
those, so they have to go first (TB405).

**Why it is a threat.** Without a user namespace, UID 0 in the container is
UID 0 on the node: only capabilities, seccomp and the mount namespace stand
between it and the host. A runtime or kernel escape (runc CVE-2019-5736,
CVE-2024-21626), or a writable host mount, gives root on the node. With
`hostUsers: false` the pod's UIDs map to an unprivileged range on the node
and capabilities only count inside the pod, so the same escape lands as
nobody (STRIDE: Elevation of privilege).

**Example.**
```yaml
apiVersion: apps/v1
kind: Deployment
spec:
  template:
    spec:
      containers:
        - name: app
          image: registry.example/app:1.4
```

**Fix.**
```yaml
    spec:
      hostUsers: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
```
"#,
};

impl Rule for HostUserNamespace {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_workload(&self, workload: &Workload, _ctx: &RuleContext<'_>, sink: &mut Sink) {
        // `false`: a user namespace is used; `true`: written on purpose and
        // reported by TB405.
        if workload.platform != Platform::Kubernetes || workload.host_users.is_some() {
            return;
        }
        let host_process =
            |c: &crate::model::runtime::Container| c.host_process.as_ref().is_some_and(|s| s.value);
        if workload.containers.iter().any(host_process) {
            return;
        }
        let root: Vec<String> = workload
            .containers
            .iter()
            .filter_map(|c| {
                let how = match c.runs_as_root() {
                    Some(true) => "runs as root",
                    None => "may run as root",
                    Some(false) => return None,
                };
                let name = if c.name.is_empty() {
                    "(unnamed)"
                } else {
                    &c.name
                };
                let kind = match c.kind {
                    ContainerKind::Regular => "",
                    ContainerKind::Init => "init container ",
                    ContainerKind::Ephemeral => "ephemeral container ",
                };
                Some(format!("{kind}`{name}` {how}"))
            })
            .collect();
        if root.is_empty() {
            return;
        }
        let host_namespaces: Vec<&str> = [
            (&workload.host_network, "hostNetwork"),
            (&workload.host_pid, "hostPID"),
            (&workload.host_ipc, "hostIPC"),
        ]
        .into_iter()
        .filter(|(s, _)| s.as_ref().is_some_and(|s| s.value))
        .map(|(_, name)| name)
        .collect();
        let mut message = format!(
            "{} does not set `hostUsers: false`, and {}: UID 0 in the container is UID 0 on the node",
            workload_subject(workload),
            root.join(", ")
        );
        if !host_namespaces.is_empty() {
            let them = if host_namespaces.len() == 1 {
                "it"
            } else {
                "them"
            };
            message.push_str(&format!(
                " (the API server rejects `hostUsers: false` together with {}: drop {them} first)",
                host_namespaces.join(", ")
            ));
        }
        sink.push(Finding::new(&META, workload.spec_location.clone(), message));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::container_support::test_support::{loc, run, workload};
    use crate::analyse::rules::testing::{check_file, lines};
    use crate::model::runtime::{Container, Setting};

    fn root() -> Container {
        Container {
            run_as_user: Some(Setting::new(0, loc(6))),
            ..Default::default()
        }
    }

    #[test]
    fn root_or_unknown_user_without_user_namespace_is_reported_at_the_spec() {
        for c in [root(), Container::default()] {
            let f = run(&HostUserNamespace, workload(Platform::Kubernetes, c));
            assert_eq!(lines(&f), vec![2]);
            assert_eq!(f[0].severity, Severity::Info);
        }
        let f = run(&HostUserNamespace, workload(Platform::Kubernetes, root()));
        assert_eq!(
            f[0].message,
            "Pod `app` does not set `hostUsers: false`, and `app` runs as root: UID 0 in the container is UID 0 on the node"
        );
    }

    #[test]
    fn user_namespace_non_root_and_other_platforms_are_not_reported() {
        let mut w = workload(Platform::Kubernetes, root());
        w.host_users = Some(Setting::new(false, loc(4)));
        assert!(run(&HostUserNamespace, w.clone()).is_empty());
        // An explicit `hostUsers: true` is TB405's finding.
        w.host_users = Some(Setting::new(true, loc(4)));
        assert!(run(&HostUserNamespace, w).is_empty());
        let non_root = Container {
            run_as_non_root: Some(Setting::new(true, loc(6))),
            ..Default::default()
        };
        assert!(run(&HostUserNamespace, workload(Platform::Kubernetes, non_root)).is_empty());
        for p in [Platform::Compose, Platform::Docker] {
            assert!(run(&HostUserNamespace, workload(p, root())).is_empty());
        }
        let windows = Container {
            host_process: Some(Setting::new(true, loc(8))),
            ..root()
        };
        assert!(run(&HostUserNamespace, workload(Platform::Kubernetes, windows)).is_empty());
    }

    const POD: &str = "\
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  template:
    spec:
      hostPID: true
      securityContext: {runAsUser: 1000}
      initContainers:
      - name: setup
        image: busybox
        securityContext: {runAsUser: 0}
      containers:
      - name: main
        image: agent
      - name: sidecar
        image: proxy
        securityContext: {runAsUser: null, runAsNonRoot: true}
";

    #[test]
    fn kubernetes_lists_the_root_containers_and_notes_host_namespaces() {
        let f = check_file(&HostUserNamespace, "ds.yaml", POD);
        assert_eq!(lines(&f), vec![6]);
        assert_eq!(
            f[0].message,
            "DaemonSet `agent` does not set `hostUsers: false`, and init container `setup` runs as root: UID 0 in the container is UID 0 on the node (the API server rejects `hostUsers: false` together with hostPID: drop it first)"
        );
        let unknown = POD.replace("      securityContext: {runAsUser: 1000}\n", "");
        let f = check_file(&HostUserNamespace, "ds.yaml", &unknown);
        assert!(
            f[0].message
                .contains("`setup` runs as root, `main` may run as root:"),
            "{}",
            f[0].message
        );
        let userns = POD.replace("      hostPID: true\n", "      hostUsers: false\n");
        assert!(check_file(&HostUserNamespace, "ds.yaml", &userns).is_empty());
        let no_root = POD.replace("{runAsUser: 0}", "{runAsUser: 5}");
        assert!(check_file(&HostUserNamespace, "ds.yaml", &no_root).is_empty());
    }

    #[test]
    fn malformed_host_users_or_containers_do_not_panic() {
        for spec in [
            "hostUsers: \"false\"\n  containers:\n  - {name: c, image: x, securityContext: {runAsNonRoot: true}}",
            "hostUsers: [false]\n  containers: {name: c}",
            "containers: []",
            "containers: [7, \"x\", [a]]",
        ] {
            let text =
                format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  {spec}\n");
            assert!(
                check_file(&HostUserNamespace, "pod.yaml", &text).is_empty(),
                "{spec}"
            );
        }
        // A mistyped `hostUsers` is ignored like an unwritten one.
        let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostUsers: \"false\"\n  containers:\n  - {name: c, image: x}\n";
        assert_eq!(
            lines(&check_file(&HostUserNamespace, "pod.yaml", text)),
            vec![4]
        );
    }
}
