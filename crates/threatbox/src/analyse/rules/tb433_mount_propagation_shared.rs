//! TB433 `mount-propagation-shared`: a mount whose propagation is shared
//! (compose / docker `shared`, `rshared`; Kubernetes `Bidirectional`), so
//! that mounts made in the container appear on the host.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::container_support::{normalise_host_path, sensitive_host_path, subject};
use crate::model::runtime::{Container, MountSource, Platform, Workload};

pub struct MountPropagationShared;

pub static META: RuleMeta = RuleMeta {
    code: "TB433",
    slug: "mount-propagation-shared",
    title: "Mount propagation shared with the host",
    severity: Severity::Medium,
    stride: &[Stride::ElevationOfPrivilege, Stride::Tampering],
    cwe: &[668, 653],
    stage: LifecycleStage::Runtime,
    cis: &["CIS-Docker-5.20"],
    peers: &["volume_mounted_in_multiple_containers"],
    remediation: "Remove the propagation setting (the default, `rprivate`, keeps container mounts inside the container). If the container must see mounts the host makes later, `rslave` (compose / docker) or `mountPropagation: HostToContainer` (Kubernetes) lets them in without letting the container's mounts out.",
    docs: r#"
**What it detects.** A mount with shared propagation:
- compose: a short volume with mode `shared` / `rshared`
  (`/mnt:/mnt:rshared`), or a long one with `bind.propagation: shared` /
  `rshared`;
- docker inspect: `Mounts[].Propagation` `shared` / `rshared`;
- Kubernetes: `volumeMounts[].mountPropagation: Bidirectional`
  (`HostToContainer` only lets host mounts in and is not reported).

Medium; high when the mount's source is the host's root or a system
directory (`/`, `/etc`, `/usr`, `/var/lib/kubelet`… — the list of TB403).
The finding points at the propagation value.

**Why it is a threat.** With shared propagation a mount made inside the
container — by a process with `CAP_SYS_ADMIN`, as in the privileged
containers this setting usually comes with — is replicated to the host
under the mount's source. A compromised container can then mount over
host paths (an `/etc` or a binary directory, when the source is `/`) and
change what the host and every other container see there (STRIDE:
Tampering, Elevation of privilege). Host mounts also flow into the
container, including ones made after it started.

**Example.**
```yaml
services:
  agent:
    volumes:
      - type: bind
        source: /
        target: /host
        bind:
          propagation: rshared
```
```yaml
        volumeMounts:
          - name: root
            mountPath: /host
            mountPropagation: Bidirectional
```

**Fix.**
```yaml
        bind:
          propagation: rslave
```
```yaml
            mountPropagation: HostToContainer
```
"#,
};

/// The host path behind the mount at `target`, when it is a host path.
fn host_source<'a>(container: &'a Container, target: &str) -> Option<&'a str> {
    let target = normalise_host_path(target);
    container.mounts.iter().find_map(|m| match &m.source {
        MountSource::HostPath(p) if normalise_host_path(&m.target) == target => Some(p.as_str()),
        _ => None,
    })
}

impl Rule for MountPropagationShared {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_workload(&self, workload: &Workload, _ctx: &RuleContext<'_>, sink: &mut Sink) {
        let how = if workload.platform == Platform::Kubernetes {
            "Bidirectional"
        } else {
            "shared"
        };
        for container in &workload.containers {
            for shared in &container.shared_propagation {
                let target = shared.value.trim();
                let source = host_source(container, target);
                let sensitive = source.and_then(sensitive_host_path);
                let from = match (source, &sensitive) {
                    (Some(path), Some(what)) => format!(" from host path `{path}` ({what})"),
                    (Some(path), None) => format!(" from host path `{path}`"),
                    (None, _) => String::new(),
                };
                let mount = if target.is_empty() {
                    "a mount".to_string()
                } else {
                    format!("`{target}`")
                };
                sink.push(
                    Finding::new(
                        &META,
                        shared.location.clone(),
                        format!(
                            "{} mounts {mount}{from} with {how} propagation: mounts made in the container appear on the host",
                            subject(workload, container)
                        ),
                    )
                    .with_severity(if sensitive.is_some() {
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
    use crate::analyse::rules::testing::{check_file, lines};

    fn compose(text: &str) -> Vec<Finding> {
        check_file(&MountPropagationShared, "compose.yaml", text)
    }

    #[test]
    fn compose_short_and_long_forms_at_the_propagation() {
        let f = compose(
            "services:\n  a:\n    image: busybox:1.36\n    volumes:\n      - /srv/data:/data:rshared\n      - type: bind\n        source: /\n        target: /host\n        bind:\n          propagation: shared\n",
        );
        assert_eq!(lines(&f), [5, 10]);
        assert_eq!(f[0].severity, Severity::Medium);
        assert_eq!(
            f[0].message,
            "service `a` mounts `/data` from host path `/srv/data` with shared propagation: mounts made in the container appear on the host"
        );
        assert_eq!(f[1].severity, Severity::High);
        assert!(
            f[1].message.contains("the host's root file system"),
            "{}",
            f[1].message
        );
    }

    #[test]
    fn private_and_slave_propagation_are_not_reported() {
        let f = compose(
            "services:\n  a:\n    image: busybox:1.36\n    volumes:\n      - /srv:/srv:ro,rslave\n      - /etc:/host-etc:ro\n      - type: bind\n        source: /\n        target: /host\n        bind:\n          propagation: rprivate\n",
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn docker_inspect_propagation() {
        let f = check_file(
            &MountPropagationShared,
            "inspect.json",
            "[{\"Name\": \"/x\", \"HostConfig\": {}, \"Config\": {},\n \"Mounts\": [\n  {\"Type\": \"bind\", \"Source\": \"/var/lib/kubelet\", \"Destination\": \"/kubelet\",\n   \"RW\": true, \"Propagation\": \"rshared\"},\n  {\"Type\": \"bind\", \"Source\": \"/tmp\", \"Destination\": \"/tmp\", \"RW\": true, \"Propagation\": \"rprivate\"}\n ]}]",
        );
        assert_eq!(lines(&f), [4]);
        assert_eq!(f[0].severity, Severity::High);
        assert!(f[0].message.starts_with("container `x` mounts `/kubelet`"));
    }

    const POD: &str = "\
apiVersion: v1
kind: Pod
metadata: {name: csi}
spec:
  containers:
  - name: node
    image: csi-driver:1.0
    securityContext: {privileged: true}
    volumeMounts:
    - name: pods
      mountPath: /var/lib/kubelet/pods
      mountPropagation: PROPAGATION
  volumes:
  - name: pods
    hostPath: {path: /var/lib/kubelet/pods}
";

    #[test]
    fn kubernetes_bidirectional_only() {
        let f = check_file(
            &MountPropagationShared,
            "pod.yaml",
            &POD.replace("PROPAGATION", "Bidirectional"),
        );
        assert_eq!(lines(&f), [12]);
        assert_eq!(f[0].severity, Severity::High);
        assert!(
            f[0].message.contains("Bidirectional propagation"),
            "{}",
            f[0].message
        );
        for other in ["HostToContainer", "None"] {
            let f = check_file(
                &MountPropagationShared,
                "pod.yaml",
                &POD.replace("PROPAGATION", other),
            );
            assert!(f.is_empty(), "{other}");
        }
    }

    #[test]
    fn malformed_propagation_gives_no_finding() {
        for volumes in [
            "      - type: bind\n        source: /\n        target: /host\n        bind:\n          propagation: [rshared]\n",
            "      - type: bind\n        source: /\n        target: /host\n        bind: rshared\n",
            "      - \"\"\n",
            "      - {bind: {propagation: shared}}\n",
        ] {
            let f = compose(&format!(
                "services:\n  a:\n    image: busybox:1.36\n    volumes:\n{volumes}"
            ));
            assert!(f.is_empty(), "{volumes}: {f:?}");
        }
        let f = check_file(
            &MountPropagationShared,
            "pod.yaml",
            &POD.replace("PROPAGATION", "{mode: Bidirectional}"),
        );
        assert!(f.is_empty());
    }
}
