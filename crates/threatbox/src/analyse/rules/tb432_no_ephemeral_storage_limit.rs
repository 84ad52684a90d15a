//! TB432 `no-ephemeral-storage-limit`: a Kubernetes container that can
//! write to the node's disk without an ephemeral-storage limit.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::container_support::{is_zero_quantity, subject};
use crate::analyse::rules::limit_ranges::{ContainerDefaults, NamespaceDefaults};
use crate::model::runtime::{Container, ContainerKind, Platform, Volume, Workload};

pub struct NoEphemeralStorageLimit;

pub static META: RuleMeta = RuleMeta {
    code: "TB432",
    slug: "no-ephemeral-storage-limit",
    title: "No ephemeral-storage limit on a container that writes to the node's disk",
    severity: Severity::Low,
    stride: &[Stride::DenialOfService],
    cwe: &[770],
    stage: LifecycleStage::Runtime,
    cis: &[],
    peers: &["container-ephemeral-storage-request-and-limit"],
    remediation: "Set `resources.limits.ephemeral-storage` (and a request) on the container, e.g. `{ephemeral-storage: 1Gi}`; give each disk-backed emptyDir a `sizeLimit`; make the root filesystem read-only (`readOnlyRootFilesystem: true`) where the application allows.",
    docs: r#"
**What it detects.** A Kubernetes container (regular or init) without
`resources.limits.ephemeral-storage` (a limit of `0` counts as none) that
can fill the node's disk: its root filesystem is writable (no
`readOnlyRootFilesystem: true`), or it mounts an `emptyDir` volume on disk
(not `medium: Memory`) without `sizeLimit`. One finding per container, at
the container, saying which applies; an unbounded emptyDir is added as a
related location. Ephemeral containers cannot set resources and are
skipped. A `LimitRange` of the same namespace scanned in the same run with
a container `default` or `max` for `ephemeral-storage` gives every
container a limit at admission: not reported. Compose and docker are not checked (the engine has no per-container
disk quota short of storage-driver options).

A container with a read-only root filesystem whose emptyDir volumes all have
a `sizeLimit` (or live in memory) is not reported: it has nowhere unbounded
to write. Its logs count against ephemeral storage too, but the kubelet
rotates them (`containerLogMaxSize`, `containerLogMaxFiles`), so they are
bounded; in-memory emptyDirs count against the memory limit (TB412), and
mounted PersistentVolumes or host paths are not ephemeral storage.

**Why it is a threat.** The writable layer and emptyDir volumes live on the
node's disk, shared by every pod there. Without a limit, one container — a
log written to a file, a cache or upload directory, an attacker writing
junk — fills the disk; the kubelet then hits its disk-pressure threshold and
evicts pods on the node, and the node stops admitting new ones (STRIDE:
Denial of service). CWE-770: disk is handed out without a bound. With a
limit, the kubelet evicts only the offending pod.

**Example.**
```yaml
containers:
  - name: app
    image: registry.example/app:1.4
    resources:
      limits: { memory: 256Mi, cpu: 500m }
```

**Fix.**
```yaml
    resources:
      requests: { ephemeral-storage: 256Mi }
      limits: { memory: 256Mi, cpu: 500m, ephemeral-storage: 1Gi }
    securityContext:
      readOnlyRootFilesystem: true
```
"#,
};

/// The disk-backed emptyDir volumes without `sizeLimit` that `container`
/// mounts, once each.
fn unbounded_empty_dirs<'w>(workload: &'w Workload, container: &Container) -> Vec<&'w Volume> {
    let mut out: Vec<&Volume> = Vec::new();
    for name in &container.mounted_volumes {
        let Some(volume) = workload.volumes.iter().find(|v| &v.name == name) else {
            continue;
        };
        let is_empty_dir = volume
            .volume_type
            .as_ref()
            .is_some_and(|t| t.value == "emptyDir");
        let bounded = volume
            .size_limit
            .as_ref()
            .is_some_and(|s| !is_zero_quantity(&s.value));
        if is_empty_dir && !volume.in_memory && !bounded && !out.iter().any(|v| v.name == *name) {
            out.push(volume);
        }
    }
    out
}

impl Rule for NoEphemeralStorageLimit {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    // Once per system: the namespaces' LimitRanges are read once, not per
    // workload.
    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        let defaults = NamespaceDefaults::of(ctx.system);
        for workload in &ctx.system.workloads {
            if workload.platform == Platform::Kubernetes {
                check(workload, defaults.for_workload(workload), sink);
            }
        }
    }
}

fn check(workload: &Workload, defaults: ContainerDefaults, sink: &mut Sink) {
    if defaults.ephemeral_storage_limit {
        return;
    }
    for container in &workload.containers {
        if container.kind == ContainerKind::Ephemeral {
            continue;
        }
        let limited = container
            .resources
            .ephemeral_storage_limit
            .as_ref()
            .is_some_and(|l| !is_zero_quantity(&l.value));
        if limited {
            continue;
        }
        let writable_root = !container
            .read_only_root_fs
            .as_ref()
            .is_some_and(|s| s.value);
        let empty_dirs = unbounded_empty_dirs(workload, container);
        let mut reasons = Vec::new();
        if writable_root {
            reasons.push("its root filesystem is writable".to_string());
        }
        if !empty_dirs.is_empty() {
            let names: Vec<String> = empty_dirs.iter().map(|v| format!("`{}`", v.name)).collect();
            reasons.push(format!(
                "it mounts emptyDir {} without sizeLimit",
                names.join(", ")
            ));
        }
        if reasons.is_empty() {
            continue;
        }
        let mut finding = Finding::new(
            &META,
            container.location.clone(),
            format!(
                "{} has no ephemeral-storage limit and {}: it can fill the node's disk",
                subject(workload, container),
                reasons.join(" and ")
            ),
        );
        for v in empty_dirs {
            finding = finding.with_related(
                v.location.clone(),
                format!("emptyDir `{}` has no sizeLimit", v.name),
            );
        }
        sink.push(finding);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::container_support::test_support::run_all;
    use crate::analyse::rules::testing::{check_file, lines};

    /// A pod whose container `a` has `CONTAINER` appended, with `VOLUMES`
    /// as its volume list.
    fn pod(container: &str, volumes: &str) -> Vec<Finding> {
        let text = format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  containers:\n  - name: a\n    image: nginx\n{container}  volumes:\n{volumes}"
        );
        check_file(&NoEphemeralStorageLimit, "pod.yaml", &text)
    }

    const READ_ONLY: &str = "    securityContext: {readOnlyRootFilesystem: true}\n";
    const MOUNT: &str = "    volumeMounts:\n    - {name: scratch, mountPath: /tmp}\n";

    #[test]
    fn writable_root_without_limit_is_reported_at_the_container() {
        let f = pod("", "  - name: cfg\n    configMap: {name: c}\n");
        assert_eq!(lines(&f), vec![6]);
        assert_eq!(
            f[0].message,
            "container `a` of Pod `p` has no ephemeral-storage limit and its root filesystem is writable: it can fill the node's disk"
        );
        assert_eq!(f[0].severity, Severity::Low);
    }

    #[test]
    fn unbounded_empty_dir_is_reported_even_with_a_read_only_root() {
        let container = format!("{READ_ONLY}{MOUNT}");
        let f = pod(&container, "  - name: scratch\n    emptyDir: {}\n");
        assert_eq!(lines(&f), vec![6]);
        assert!(
            f[0].message
                .contains("and it mounts emptyDir `scratch` without sizeLimit"),
            "{}",
            f[0].message
        );
        assert!(!f[0].message.contains("writable"));
        assert_eq!(f[0].related.len(), 1);
        assert_eq!(f[0].related[0].location.start_line, 12);
        // Both reasons at once.
        let f = pod(MOUNT, "  - name: scratch\n    emptyDir:\n");
        assert!(f[0].message.contains("writable and it mounts emptyDir"));
    }

    #[test]
    fn bounded_read_only_containers_and_limits_are_not_reported() {
        let container = format!("{READ_ONLY}{MOUNT}");
        for volumes in [
            "  - name: scratch\n    emptyDir: {sizeLimit: 500Mi}\n",
            "  - name: scratch\n    emptyDir: {medium: Memory}\n",
            "  - name: scratch\n    configMap: {name: c}\n",
        ] {
            assert!(pod(&container, volumes).is_empty(), "{volumes}");
        }
        // An unmounted emptyDir is not this container's.
        assert!(pod(READ_ONLY, "  - name: scratch\n    emptyDir: {}\n").is_empty());
        let limited = format!("{MOUNT}    resources:\n      limits: {{ephemeral-storage: 1Gi}}\n");
        assert!(pod(&limited, "  - name: scratch\n    emptyDir: {}\n").is_empty());
        // A zero limit or sizeLimit bounds nothing.
        let zero = format!(
            "{READ_ONLY}{MOUNT}    resources:\n      limits: {{ephemeral-storage: \"0\"}}\n"
        );
        let f = pod(&zero, "  - name: scratch\n    emptyDir: {sizeLimit: 0}\n");
        assert_eq!(lines(&f), vec![6]);
    }

    #[test]
    fn a_limit_range_default_limit_counts() {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: nginx\n";
        for (lr, reported) in [
            ("default: {ephemeral-storage: 1Gi}", false),
            ("max: {ephemeral-storage: 4Gi}", false),
            ("defaultRequest: {ephemeral-storage: 1Gi}", true),
        ] {
            let lr = format!(
                "apiVersion: v1\nkind: LimitRange\nmetadata: {{name: l}}\nspec:\n  limits:\n  - type: Container\n    {lr}\n"
            );
            let system =
                crate::analyse::rules::testing::system(&[("pod.yaml", pod), ("lr.yaml", &lr)]);
            let f = crate::analyse::rules::testing::check_system(&NoEphemeralStorageLimit, &system);
            assert_eq!(!f.is_empty(), reported, "{lr}");
        }
    }

    #[test]
    fn only_kubernetes_regular_and_init_containers() {
        let [k, compose, docker] = run_all(&NoEphemeralStorageLimit, Container::default());
        assert_eq!(lines(&k), vec![3]);
        assert!(compose.is_empty() && docker.is_empty());
        let ephemeral = Container {
            kind: ContainerKind::Ephemeral,
            ..Default::default()
        };
        assert!(run_all(&NoEphemeralStorageLimit, ephemeral)[0].is_empty());
    }

    #[test]
    fn malformed_input_does_not_panic_or_invent_volumes() {
        for (container, volumes) in [
            (
                format!("{READ_ONLY}    volumeMounts: {{name: scratch}}\n"),
                "  - name: scratch\n    emptyDir: {}\n",
            ),
            (
                format!("{READ_ONLY}    volumeMounts: [7, null, [scratch]]\n"),
                "  - name: scratch\n    emptyDir: {}\n",
            ),
            (
                format!("{READ_ONLY}{MOUNT}"),
                "  - name: scratch\n    emptyDir: [a]\n",
            ),
            (format!("{READ_ONLY}{MOUNT}"), "  - {emptyDir: {}}\n"),
            (
                format!("{READ_ONLY}{MOUNT}    resources: {{limits: [1Gi]}}\n"),
                "  - name: other\n    emptyDir: {}\n",
            ),
        ] {
            assert!(pod(&container, volumes).is_empty(), "{container}{volumes}");
        }
    }
}
