//! TB420 `logging-disabled`: a container's log driver is `none`.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::container_support::workload_subject;
use crate::model::runtime::Workload;

pub struct LoggingDisabled;

pub static META: RuleMeta = RuleMeta {
    code: "TB420",
    slug: "logging-disabled",
    title: "Container logging disabled",
    severity: Severity::Medium,
    stride: &[Stride::Repudiation],
    cwe: &[778],
    stage: LifecycleStage::Runtime,
    cis: &[],
    peers: &[],
    remediation: "Remove `logging.driver: none` (compose) / `--log-driver none`; ship logs to a central store (`fluentd`, `gelf`, `syslog`, `awslogs`, or `json-file`/`local` collected by an agent).",
    docs: r#"
**What it detects.** A compose service with `logging: {driver: none}`, or a
docker container whose `HostConfig.LogConfig.Type` is `none`.

**Why it is a threat.** The seed's practice: monitor and perform logging.
With the `none` driver nothing the container writes to stdout/stderr is
kept: an intrusion, a failed login storm or the crash that preceded an
outage leave no trace, and nobody can show afterwards what happened
(STRIDE: Repudiation).

**Example.**
```yaml
services:
  app:
    logging:
      driver: none
```

**Fix.**
```yaml
services:
  app:
    logging:
      driver: fluentd
      options: { fluentd-address: logs.internal:24224 }
```
On Kubernetes, container logs always go to the node; ship them with a
DaemonSet agent.
"#,
};

impl Rule for LoggingDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_workload(&self, workload: &Workload, _ctx: &RuleContext<'_>, sink: &mut Sink) {
        if let Some(driver) = &workload.logging_driver
            && driver.value.trim().eq_ignore_ascii_case("none")
        {
            sink.push(Finding::new(
                &META,
                driver.location.clone(),
                format!(
                    "{} disables logging (driver `none`): nothing it prints is kept",
                    workload_subject(workload)
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::container_support::test_support::{loc, run, workload};
    use crate::analyse::rules::testing::lines;
    use crate::model::runtime::{Container, Platform, Setting};

    #[test]
    fn flags_driver_none_at_the_setting() {
        for p in [Platform::Compose, Platform::Docker] {
            let mut w = workload(p, Container::default());
            w.logging_driver = Some(Setting::new("none".into(), loc(15)));
            assert_eq!(lines(&run(&LoggingDisabled, w)), vec![15]);
        }
    }

    #[test]
    fn ignores_other_drivers_and_unset() {
        let mut w = workload(Platform::Compose, Container::default());
        w.logging_driver = Some(Setting::new("json-file".into(), loc(15)));
        assert!(run(&LoggingDisabled, w).is_empty());
        assert!(
            run(
                &LoggingDisabled,
                workload(Platform::Compose, Container::default())
            )
            .is_empty()
        );
    }
}
