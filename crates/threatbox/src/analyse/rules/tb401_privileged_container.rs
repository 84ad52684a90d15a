//! TB401 `privileged-container`: a container runs privileged.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::container_support::subject;
use crate::model::runtime::Workload;

pub struct PrivilegedContainer;

pub static META: RuleMeta = RuleMeta {
    code: "TB401",
    slug: "privileged-container",
    title: "Privileged container",
    severity: Severity::Critical,
    stride: &[Stride::ElevationOfPrivilege],
    cwe: &[250],
    stage: LifecycleStage::Runtime,
    cis: &["CIS-Docker-5.5", "CIS-Kubernetes-5.2.2"],
    peers: &[
        "CKV_K8S_16",
        "KSV-0017",
        "C-0057",
        "privileged-container",
        "runAsPrivileged",
    ],
    remediation: "Remove `privileged: true` (Kubernetes `securityContext.privileged`, compose `privileged`, `docker run --privileged`); grant the one capability or device the workload really needs instead.",
    docs: r#"
**What it detects.** A container with `privileged: true`: a Kubernetes
`securityContext.privileged`, a compose service's `privileged`, or
`HostConfig.Privileged` in `docker inspect` output.

**Why it is a threat.** A privileged container gets every capability, every
host device, no seccomp or AppArmor filtering and a writable `/sys`: root in
it is root on the node. Anyone who gets code execution in it (a vulnerable
dependency, an exposed debug endpoint) mounts the host disk or loads a kernel
module and owns the node and every other container on it (STRIDE: Elevation
of privilege).

**Example.**
```yaml
containers:
  - name: app
    image: registry.example/app:1.4
    securityContext:
      privileged: true
```
```yaml
services:
  app:
    privileged: true
```

**Fix.** Drop the flag and add only what is needed:
```yaml
    securityContext:
      privileged: false
      capabilities: { drop: [ALL], add: [NET_BIND_SERVICE] }
```
```yaml
services:
  app:
    cap_drop: [ALL]
    cap_add: [NET_BIND_SERVICE]
```
"#,
};

impl Rule for PrivilegedContainer {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_workload(&self, workload: &Workload, _ctx: &RuleContext<'_>, sink: &mut Sink) {
        for container in &workload.containers {
            if let Some(privileged) = container.privileged.as_ref().filter(|s| s.value) {
                sink.push(Finding::new(
                    &META,
                    privileged.location.clone(),
                    format!(
                        "{} is privileged: root in it is root on the host",
                        subject(workload, container)
                    ),
                ));
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

    #[test]
    fn flags_privileged_on_every_platform_at_the_setting() {
        let c = Container {
            privileged: Some(Setting::new(true, loc(7))),
            ..Default::default()
        };
        for f in run_all(&PrivilegedContainer, c) {
            assert_eq!(lines(&f), vec![7]);
            assert_eq!(f[0].severity, Severity::Critical);
        }
    }

    #[test]
    fn ignores_unset_and_false() {
        let off = Container {
            privileged: Some(Setting::new(false, loc(7))),
            ..Default::default()
        };
        for f in run_all(&PrivilegedContainer, off) {
            assert!(f.is_empty());
        }
        for f in run_all(&PrivilegedContainer, Container::default()) {
            assert!(f.is_empty());
        }
    }
}
