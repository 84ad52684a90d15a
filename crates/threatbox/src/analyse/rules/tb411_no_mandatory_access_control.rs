//! TB411 `no-mandatory-access-control`: AppArmor or SELinux confinement
//! turned off.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::container_support::subject;
use crate::model::runtime::{Platform, Workload};

pub struct NoMandatoryAccessControl;

pub static META: RuleMeta = RuleMeta {
    code: "TB411",
    slug: "no-mandatory-access-control",
    title: "AppArmor / SELinux confinement disabled",
    severity: Severity::High,
    stride: &[Stride::ElevationOfPrivilege],
    cwe: &[653],
    stage: LifecycleStage::Runtime,
    cis: &["CIS-Docker-5.2", "CIS-Docker-5.3"],
    peers: &[
        "KSV-0002",
        "KSV-0025",
        "C-0055",
        "linuxHardening",
        "ApparmorAny",
    ],
    remediation: "Kubernetes: `securityContext.appArmorProfile: {type: RuntimeDefault}` (or the `container.apparmor.security.beta.kubernetes.io` annotation) and no custom SELinux `type` such as `spc_t`. Compose / docker: remove `apparmor:unconfined` and `label:disable` from `security_opt`.",
    docs: r#"
**What it detects.** AppArmor set to `unconfined`, SELinux labelling
disabled (`label:disable`) or a container given an unconfined SELinux type
(`spc_t`, `unconfined_t`) — high, at the setting; on Kubernetes, a
container with neither AppArmor nor SELinux options — low (whether the
runtime's default profile applies then depends on the node).

**Why it is a threat.** AppArmor and SELinux are the second fence around a
container: they stop a process that is root in the container from writing
`/proc/sys`, mounting, or reading other containers' files even when a
capability or a kernel bug lets it try. Turning them off removes that fence
for the escapes TB401–TB410 describe (STRIDE: Elevation of privilege).

**Example.**
```yaml
    securityContext:
      appArmorProfile: { type: Unconfined }
      seLinuxOptions: { type: spc_t }
```
```yaml
services:
  app:
    security_opt: ["apparmor:unconfined", "label:disable"]
```

**Fix.**
```yaml
    securityContext:
      appArmorProfile: { type: RuntimeDefault }
```
```yaml
services:
  app:
    security_opt: ["no-new-privileges:true"]
```
"#,
};

fn selinux_unconfined(value: &str) -> bool {
    let v = value.to_ascii_lowercase();
    v == "disable" || v.contains("spc_t") || v.contains("unconfined_t")
}

impl Rule for NoMandatoryAccessControl {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_workload(&self, workload: &Workload, _ctx: &RuleContext<'_>, sink: &mut Sink) {
        for container in &workload.containers {
            if container.privileged.as_ref().is_some_and(|p| p.value) {
                continue; // TB401
            }
            let who = subject(workload, container);
            if let Some(a) = &container.apparmor
                && a.value.eq_ignore_ascii_case("unconfined")
            {
                sink.push(Finding::new(
                    &META,
                    a.location.clone(),
                    format!("{who} runs AppArmor `unconfined`"),
                ));
            }
            if let Some(s) = container
                .selinux
                .as_ref()
                .filter(|s| selinux_unconfined(&s.value))
            {
                let what = if s.value.eq_ignore_ascii_case("disable") {
                    "disables SELinux labelling (`label:disable`)".to_string()
                } else {
                    format!("runs with an unconfined SELinux type ({})", s.value)
                };
                sink.push(Finding::new(
                    &META,
                    s.location.clone(),
                    format!("{who} {what}"),
                ));
            }
            if workload.platform == Platform::Kubernetes
                && container.apparmor.is_none()
                && container.selinux.is_none()
            {
                sink.push(
                    Finding::new(
                        &META,
                        container.location.clone(),
                        format!("{who} sets no AppArmor profile nor SELinux options"),
                    )
                    .with_severity(Severity::Low),
                );
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
    fn flags_unconfined_apparmor_and_disabled_selinux() {
        let c = Container {
            apparmor: Some(Setting::new("unconfined".into(), loc(5))),
            selinux: Some(Setting::new("disable".into(), loc(6))),
            ..Default::default()
        };
        for f in run_all(&NoMandatoryAccessControl, c.clone()) {
            assert_eq!(lines(&f), vec![5, 6]);
            assert!(f.iter().all(|f| f.severity == Severity::High));
        }
        let spc = Container {
            selinux: Some(Setting::new("type=spc_t".into(), loc(6))),
            ..Default::default()
        };
        for f in run_all(&NoMandatoryAccessControl, spc) {
            assert_eq!(lines(&f), vec![6]);
        }
    }

    #[test]
    fn missing_is_low_on_kubernetes_only() {
        let [k, c, d] = run_all(&NoMandatoryAccessControl, Container::default());
        assert_eq!(lines(&k), vec![3]);
        assert_eq!(k[0].severity, Severity::Low);
        assert!(c.is_empty() && d.is_empty());
    }

    #[test]
    fn ignores_confined_profiles() {
        let c = Container {
            apparmor: Some(Setting::new("runtime/default".into(), loc(5))),
            selinux: Some(Setting::new("level=s0:c123,c456".into(), loc(6))),
            ..Default::default()
        };
        for f in run_all(&NoMandatoryAccessControl, c) {
            assert!(f.is_empty());
        }
    }
}
