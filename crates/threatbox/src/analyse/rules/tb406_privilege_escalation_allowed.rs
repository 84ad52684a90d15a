//! TB406 `privilege-escalation-allowed`: setuid binaries and file
//! capabilities can raise a container process's privileges.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::container_support::subject;
use crate::model::runtime::{Platform, Workload};

pub struct PrivilegeEscalationAllowed;

pub static META: RuleMeta = RuleMeta {
    code: "TB406",
    slug: "privilege-escalation-allowed",
    title: "Privilege escalation allowed",
    severity: Severity::Medium,
    stride: &[Stride::ElevationOfPrivilege],
    cwe: &[269],
    stage: LifecycleStage::Runtime,
    cis: &["CIS-Docker-5.26", "CIS-Kubernetes-5.2.6"],
    peers: &[
        "CKV_K8S_20",
        "KSV-0001",
        "C-0016",
        "privilege-escalation-container",
        "privilegeEscalationAllowed",
    ],
    remediation: "Kubernetes: set `securityContext.allowPrivilegeEscalation: false` on every container. Compose: add `security_opt: [\"no-new-privileges:true\"]` (docker: `--security-opt no-new-privileges`, or `\"no-new-privileges\": true` in daemon.json for every container).",
    docs: r#"
**What it detects.** A container without `allowPrivilegeEscalation: false`
(Kubernetes) or without the `no-new-privileges` security option (compose,
docker), or one that sets escalation explicitly on (high). A privileged
container that does not mention escalation is left to TB401. A daemon.json with
`"no-new-privileges": true` covers compose and docker containers.

**Why it is a threat.** Without the kernel's `no_new_privs` flag, a process
that executes a setuid-root binary (`su`, `sudo`, `passwd`, a planted one) or
a file with capabilities gains them. An attacker with code execution as a
non-root user uses this to become root in the container, the step before
escaping it (STRIDE: Elevation of privilege).

**Example.**
```yaml
containers:
  - name: app
    securityContext:
      runAsNonRoot: true
```
```yaml
services:
  app:
    user: "1000"
```

**Fix.**
```yaml
    securityContext:
      allowPrivilegeEscalation: false
```
```yaml
services:
  app:
    security_opt: ["no-new-privileges:true"]
```
"#,
};

/// Does a daemon.json in the system turn `no-new-privileges` on for all
/// containers?
fn daemon_sets_no_new_privileges(ctx: &RuleContext<'_>) -> bool {
    ctx.system
        .daemons
        .iter()
        .any(|d| d.node.get("no-new-privileges").is_some_and(|n| n.is_true()))
}

impl Rule for PrivilegeEscalationAllowed {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_workload(&self, workload: &Workload, ctx: &RuleContext<'_>, sink: &mut Sink) {
        let daemon_default =
            workload.platform != Platform::Kubernetes && daemon_sets_no_new_privileges(ctx);
        let setting_name = match workload.platform {
            Platform::Kubernetes => "`allowPrivilegeEscalation: false`",
            Platform::Compose | Platform::Docker => "`no-new-privileges`",
        };
        for container in &workload.containers {
            let privileged = container.privileged.as_ref().is_some_and(|p| p.value);
            match &container.allow_privilege_escalation {
                Some(s) if !s.value => {}
                Some(s) => sink.push(
                    Finding::new(
                        &META,
                        s.location.clone(),
                        format!(
                            "{} explicitly allows privilege escalation: setuid binaries can make it root",
                            subject(workload, container)
                        ),
                    )
                    .with_severity(Severity::High),
                ),
                // A privileged container always escalates; TB401 says so.
                None if daemon_default || privileged => {}
                None => sink.push(Finding::new(
                    &META,
                    container.location.clone(),
                    format!(
                        "{} does not set {setting_name}: setuid binaries can raise its privileges",
                        subject(workload, container)
                    ),
                )),
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
    fn flags_missing_at_the_container_and_explicit_true_at_the_setting() {
        for f in run_all(&PrivilegeEscalationAllowed, Container::default()) {
            assert_eq!(lines(&f), vec![3]);
            assert_eq!(f[0].severity, Severity::Medium);
        }
        let on = Container {
            allow_privilege_escalation: Some(Setting::new(true, loc(8))),
            ..Default::default()
        };
        for f in run_all(&PrivilegeEscalationAllowed, on) {
            assert_eq!(lines(&f), vec![8]);
            assert_eq!(f[0].severity, Severity::High);
        }
    }

    #[test]
    fn explicit_escalation_is_reported_even_when_privileged() {
        let c = Container {
            privileged: Some(Setting::new(true, loc(7))),
            allow_privilege_escalation: Some(Setting::new(true, loc(8))),
            ..Default::default()
        };
        for f in run_all(&PrivilegeEscalationAllowed, c.clone()) {
            assert_eq!(lines(&f), vec![8]);
        }
    }

    #[test]
    fn ignores_disabled_escalation_and_privileged_containers() {
        let off = Container {
            allow_privilege_escalation: Some(Setting::new(false, loc(8))),
            ..Default::default()
        };
        let privileged = Container {
            privileged: Some(Setting::new(true, loc(8))),
            ..Default::default()
        };
        for c in [off, privileged] {
            for f in run_all(&PrivilegeEscalationAllowed, c.clone()) {
                assert!(f.is_empty());
            }
        }
    }
}
