//! TB413 `unmasked-proc-mount`: `/proc` and `/sys` paths the runtime
//! normally masks are exposed.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::container_support::subject;
use crate::model::runtime::Workload;

pub struct UnmaskedProcMount;

pub static META: RuleMeta = RuleMeta {
    code: "TB413",
    slug: "unmasked-proc-mount",
    title: "Unmasked /proc (procMount Unmasked, systempaths=unconfined)",
    severity: Severity::High,
    stride: &[Stride::InformationDisclosure, Stride::ElevationOfPrivilege],
    cwe: &[668],
    stage: LifecycleStage::Runtime,
    cis: &[],
    peers: &["KSV-0027", "unsafe-proc-mount", "procMount"],
    remediation: "Kubernetes: remove `procMount: Unmasked` (the default is `Default`). Compose / docker: remove `systempaths=unconfined` from `security_opt`.",
    docs: r#"
**What it detects.** A Kubernetes container with `securityContext.procMount:
Unmasked`, or a compose / docker container with
`security_opt: [systempaths=unconfined]`. A `procMount` with any other value
than `Default` is reported too, as medium: the API server knows only
`Default` and `Unmasked` and rejects other values today, and the Pod
Security `baseline` level allows nothing but `Default`, so anything else
asks for something other than the masked `/proc`. (Unsafe sysctls, the
other way to write kernel settings, are TB425's.)

**Why it is a threat.** The runtime masks and makes read-only parts of
`/proc` and `/sys` (`/proc/kcore`, `/proc/sysrq-trigger`, `/proc/keys`,
`/sys/firmware`…) because they read kernel memory or control the host.
Unmasked, a process in the container reads kernel data and writes host-wide
kernel settings (STRIDE: Information disclosure, Elevation of privilege).

**Example.**
```yaml
    securityContext:
      procMount: Unmasked
```
```yaml
services:
  app:
    security_opt: ["systempaths=unconfined"]
```

**Fix.** Delete the setting; the runtime's masked paths apply:
```yaml
    securityContext:
      procMount: Default
```
```yaml
services:
  app:
    security_opt: ["no-new-privileges:true"]
```
"#,
};

impl Rule for UnmaskedProcMount {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_workload(&self, workload: &Workload, _ctx: &RuleContext<'_>, sink: &mut Sink) {
        for container in &workload.containers {
            if let Some(s) = container.unmasked_proc.as_ref().filter(|s| s.value) {
                sink.push(Finding::new(
                    &META,
                    s.location.clone(),
                    format!(
                        "{} unmasks /proc and /sys: kernel memory and host-wide settings become reachable",
                        subject(workload, container)
                    ),
                ));
            } else if let Some(s) = container
                .proc_mount
                .as_ref()
                .filter(|s| s.value != "Default" && s.value != "Unmasked")
            {
                // Not a type the API server knows (it would reject the pod);
                // whatever it is meant to be, it is not the masked default.
                sink.push(
                    Finding::new(
                        &META,
                        s.location.clone(),
                        format!(
                            "{} sets procMount `{}`, not `Default`: only `Default` keeps /proc and /sys masked (Pod Security baseline allows nothing else)",
                            subject(workload, container),
                            s.value
                        ),
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
    use crate::analyse::rules::container_support::test_support::{loc, run_all};
    use crate::analyse::rules::testing::{check_file, lines};
    use crate::model::runtime::{Container, Setting};

    #[test]
    fn flags_unmasked_proc_at_the_setting() {
        let c = Container {
            unmasked_proc: Some(Setting::new(true, loc(12))),
            ..Default::default()
        };
        for f in run_all(&UnmaskedProcMount, c) {
            assert_eq!(lines(&f), vec![12]);
        }
    }

    #[test]
    fn ignores_default_proc_mount() {
        let c = Container {
            unmasked_proc: Some(Setting::new(false, loc(12))),
            ..Default::default()
        };
        for f in run_all(&UnmaskedProcMount, c) {
            assert!(f.is_empty());
        }
        for f in run_all(&UnmaskedProcMount, Container::default()) {
            assert!(f.is_empty());
        }
    }

    const POD: &str = "\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: a
    image: nginx
    securityContext:
      procMount: PROC
";

    #[test]
    fn kubernetes_proc_mount_other_than_default_is_flagged_at_its_line() {
        let f = check_file(
            &UnmaskedProcMount,
            "pod.yaml",
            &POD.replace("PROC", "Unmasked"),
        );
        assert_eq!(lines(&f), vec![9]);
        assert_eq!(f[0].severity, Severity::High);
        assert!(f[0].message.contains("unmasks /proc"), "{}", f[0].message);
        for value in ["Other", "unmasked", "\"\""] {
            let f = check_file(&UnmaskedProcMount, "pod.yaml", &POD.replace("PROC", value));
            assert_eq!(lines(&f), vec![9], "{value}");
            assert_eq!(f[0].severity, Severity::Medium);
            assert!(f[0].message.contains("not `Default`"), "{}", f[0].message);
        }
    }

    #[test]
    fn kubernetes_default_or_absent_proc_mount_is_not_flagged() {
        let f = check_file(
            &UnmaskedProcMount,
            "pod.yaml",
            &POD.replace("PROC", "Default"),
        );
        assert!(f.is_empty(), "{f:?}");
        let none = POD.replace("    securityContext:\n      procMount: PROC\n", "");
        assert!(check_file(&UnmaskedProcMount, "pod.yaml", &none).is_empty());
    }
}
