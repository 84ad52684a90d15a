//! TB409 `writable-root-filesystem`: the container's root file system is
//! writable.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::container_support::subject;
use crate::model::runtime::{Platform, Workload};

pub struct WritableRootFilesystem;

pub static META: RuleMeta = RuleMeta {
    code: "TB409",
    slug: "writable-root-filesystem",
    title: "Root file system not read-only",
    severity: Severity::Medium,
    stride: &[Stride::Tampering],
    cwe: &[732],
    stage: LifecycleStage::Runtime,
    cis: &["CIS-Docker-5.13"],
    peers: &[
        "CKV_K8S_22",
        "KSV-0014",
        "C-0017",
        "no-read-only-root-fs",
        "notReadOnlyRootFilesystem",
        "ReadOnlyRootFilesystem",
    ],
    remediation: "Kubernetes: `securityContext.readOnlyRootFilesystem: true`, with an `emptyDir` for the directories the process writes (`/tmp`, caches). Compose: `read_only: true` with `tmpfs: [/tmp]`. Docker: `--read-only --tmpfs /tmp`.",
    docs: r#"
**What it detects.** A container without `readOnlyRootFilesystem: true`
(Kubernetes) or `read_only: true` (compose, docker `ReadonlyRootfs`). An
explicit `false` is reported at the setting, a missing one at the container.

**Why it is a threat.** The seed's practice: run containers with a read-only
root file system. With a writable one an attacker who gets code execution
drops tools, web shells and persistence into the image's directories,
rewrites the application's code or configuration, and the change survives
as long as the container does (STRIDE: Tampering).

**Example.**
```yaml
containers:
  - name: app
    image: registry.example/app:1.4
```
```yaml
services:
  app:
    image: registry.example/app:1.4
```

**Fix.**
```yaml
    securityContext:
      readOnlyRootFilesystem: true
    volumeMounts: [{ name: tmp, mountPath: /tmp }]
```
```yaml
services:
  app:
    read_only: true
    tmpfs: [/tmp]
```
"#,
};

impl Rule for WritableRootFilesystem {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_workload(&self, workload: &Workload, _ctx: &RuleContext<'_>, sink: &mut Sink) {
        let setting = match workload.platform {
            Platform::Kubernetes => "`readOnlyRootFilesystem: true`",
            Platform::Compose | Platform::Docker => "`read_only: true`",
        };
        for container in &workload.containers {
            let location = match &container.read_only_root_fs {
                Some(s) if s.value => continue,
                Some(s) => &s.location,
                None => &container.location,
            };
            sink.push(Finding::new(
                &META,
                location.clone(),
                format!(
                    "{} has a writable root file system (no {setting})",
                    subject(workload, container)
                ),
            ));
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
    fn flags_missing_at_container_and_false_at_setting() {
        for f in run_all(&WritableRootFilesystem, Container::default()) {
            assert_eq!(lines(&f), vec![3]);
        }
        let off = Container {
            read_only_root_fs: Some(Setting::new(false, loc(9))),
            ..Default::default()
        };
        for f in run_all(&WritableRootFilesystem, off) {
            assert_eq!(lines(&f), vec![9]);
        }
    }

    #[test]
    fn ignores_read_only() {
        let on = Container {
            read_only_root_fs: Some(Setting::new(true, loc(9))),
            ..Default::default()
        };
        for f in run_all(&WritableRootFilesystem, on) {
            assert!(f.is_empty());
        }
    }
}
