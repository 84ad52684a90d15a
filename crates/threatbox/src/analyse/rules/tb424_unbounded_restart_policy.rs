//! TB424 `unbounded-restart-policy`: a compose service or docker container
//! restarts without a retry limit.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::container_support::workload_subject;
use crate::model::runtime::{Platform, Workload};

pub struct UnboundedRestartPolicy;

pub static META: RuleMeta = RuleMeta {
    code: "TB424",
    slug: "unbounded-restart-policy",
    title: "Restart policy without a retry limit",
    severity: Severity::Info,
    stride: &[Stride::DenialOfService],
    cwe: &[400],
    stage: LifecycleStage::Runtime,
    cis: &["CIS-Docker-5.15"],
    peers: &["restart_policy_on_failure_not_set_to_5"],
    remediation: "Use `restart: on-failure:5` (compose `deploy.restart_policy: {condition: on-failure, max_attempts: 5}`, `docker run --restart on-failure:5`) and alert on restarts.",
    docs: r#"
**What it detects.** A compose service or docker container whose restart
policy is `always`, `unless-stopped`, or `on-failure` without a count or
with more than 5 attempts (CIS Docker 5.15). Informational: on Kubernetes
restarts back off exponentially and are not judged.

**Why it is a threat.** A container that restarts forever hides the crash
an attack caused, and one that crashes on a crafted input keeps consuming
host resources and log space in a loop (STRIDE: Denial of service).

**Example.**
```yaml
services:
  app:
    restart: always
```

**Fix.**
```yaml
services:
  app:
    restart: on-failure:5
```
"#,
};

/// An unbounded policy, described; `None` when bounded or off.
fn unbounded(policy: &str) -> Option<&'static str> {
    let p = policy.trim().to_ascii_lowercase();
    match p.as_str() {
        "always" => Some("`always`"),
        "unless-stopped" => Some("`unless-stopped`"),
        "on-failure" | "on-failure:0" => Some("`on-failure` without a retry limit"),
        _ => match p
            .strip_prefix("on-failure:")
            .map(|n| n.trim().parse::<u32>())
        {
            Some(Ok(n)) if n > 5 => Some("`on-failure` with more than 5 retries"),
            _ => None,
        },
    }
}

impl Rule for UnboundedRestartPolicy {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_workload(&self, workload: &Workload, _ctx: &RuleContext<'_>, sink: &mut Sink) {
        if workload.platform == Platform::Kubernetes {
            return;
        }
        if let Some(policy) = &workload.restart_policy
            && let Some(what) = unbounded(&policy.value)
        {
            sink.push(Finding::new(
                &META,
                policy.location.clone(),
                format!(
                    "{} restarts {what}: crash loops go on unnoticed",
                    workload_subject(workload)
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check_file, lines};

    fn compose(restart: &str) -> Vec<Finding> {
        check_file(
            &UnboundedRestartPolicy,
            "compose.yaml",
            &format!("services:\n  app:\n    image: nginx:1.27\n    restart: {restart}\n"),
        )
    }

    #[test]
    fn flags_unbounded_policies_at_their_line() {
        for restart in [
            "always",
            "unless-stopped",
            "on-failure",
            "\"on-failure:10\"",
        ] {
            assert_eq!(lines(&compose(restart)), vec![4], "{restart}");
        }
    }

    #[test]
    fn ignores_bounded_and_no_restart() {
        for restart in ["\"no\"", "\"on-failure:5\"", "\"on-failure:3\""] {
            assert!(compose(restart).is_empty(), "{restart}");
        }
    }
}
