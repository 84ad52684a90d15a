//! TB410 `no-seccomp-profile`: a container runs without a seccomp filter.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::container_support::subject;
use crate::model::runtime::{Platform, Workload};

pub struct NoSeccompProfile;

pub static META: RuleMeta = RuleMeta {
    code: "TB410",
    slug: "no-seccomp-profile",
    title: "No seccomp profile",
    severity: Severity::Medium,
    stride: &[Stride::ElevationOfPrivilege],
    cwe: &[653],
    stage: LifecycleStage::Runtime,
    cis: &["CIS-Docker-5.22", "CIS-Kubernetes-5.6.2"],
    peers: &[
        "CKV_K8S_31",
        "KSV-0030",
        "KSV-0104",
        "C-0210",
        "linuxHardening",
        "SeccompAny",
        "SeccompUnconfined",
    ],
    remediation: "Kubernetes: `securityContext.seccompProfile: {type: RuntimeDefault}` on the pod (or `Localhost` with a tailored profile). Compose / docker: remove `seccomp:unconfined` from `security_opt`; Docker's default profile then applies.",
    docs: r#"
**What it detects.** A seccomp profile of `Unconfined` on any platform
(compose/docker `security_opt: [seccomp:unconfined]`) — high; and, on
Kubernetes only, no seccomp profile at all — medium, because the kubelet
runs containers `Unconfined` unless told otherwise (compose and docker apply
Docker's default profile when nothing is said, so nothing is reported
there). Privileged containers are TB401.

**Why it is a threat.** Seccomp removes the system calls a container never
needs (`keyctl`, `unshare`, `mount`, `bpf`, `ptrace` on old kernels…), which
is where most kernel container escapes begin (CVE-2022-0185, CVE-2022-0492).
Without it every kernel bug reachable from a syscall is reachable from the
container (STRIDE: Elevation of privilege).

**Example.**
```yaml
spec:
  containers:
    - name: app
      image: registry.example/app:1.4
```
```yaml
services:
  app:
    security_opt: ["seccomp:unconfined"]
```

**Fix.**
```yaml
spec:
  securityContext:
    seccompProfile: { type: RuntimeDefault }
```
```yaml
services:
  app:
    security_opt: ["no-new-privileges:true"]
```
"#,
};

impl Rule for NoSeccompProfile {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_workload(&self, workload: &Workload, _ctx: &RuleContext<'_>, sink: &mut Sink) {
        for container in &workload.containers {
            if container.privileged.as_ref().is_some_and(|p| p.value) {
                continue; // TB401: privileged containers have no seccomp at all.
            }
            match &container.seccomp {
                Some(s) if s.value.eq_ignore_ascii_case("unconfined") => sink.push(
                    Finding::new(
                        &META,
                        s.location.clone(),
                        format!(
                            "{} runs seccomp `Unconfined`: every system call reaches the kernel",
                            subject(workload, container)
                        ),
                    )
                    .with_severity(Severity::High),
                ),
                Some(_) => {}
                // The kubelet's default is Unconfined; Docker applies its
                // default profile.
                None if workload.platform == Platform::Kubernetes => sink.push(Finding::new(
                    &META,
                    container.location.clone(),
                    format!(
                        "{} sets no seccomp profile and Kubernetes runs it Unconfined (set `seccompProfile.type: RuntimeDefault`)",
                        subject(workload, container)
                    ),
                )),
                None => {}
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
    fn unconfined_is_high_everywhere() {
        let c = Container {
            seccomp: Some(Setting::new("Unconfined".into(), loc(10))),
            ..Default::default()
        };
        for f in run_all(&NoSeccompProfile, c) {
            assert_eq!(lines(&f), vec![10]);
            assert_eq!(f[0].severity, Severity::High);
        }
    }

    #[test]
    fn missing_is_reported_on_kubernetes_only() {
        let [k, c, d] = run_all(&NoSeccompProfile, Container::default());
        assert_eq!(lines(&k), vec![3]);
        assert_eq!(k[0].severity, Severity::Medium);
        assert!(c.is_empty() && d.is_empty());
    }

    #[test]
    fn ignores_runtime_default_and_localhost() {
        for p in ["RuntimeDefault", "Localhost/profiles/app.json"] {
            let c = Container {
                seccomp: Some(Setting::new(p.into(), loc(10))),
                ..Default::default()
            };
            for f in run_all(&NoSeccompProfile, c) {
                assert!(f.is_empty());
            }
        }
    }
}
