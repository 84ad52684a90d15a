//! TB645 `daemon-experimental-enabled`: the docker daemon runs with
//! experimental features on (`"experimental": true` in `daemon.json`).

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};

pub struct DaemonExperimentalEnabled;

pub static META: RuleMeta = RuleMeta {
    code: "TB645",
    slug: "daemon-experimental-enabled",
    title: "Docker daemon runs experimental features",
    severity: Severity::Low,
    stride: &[Stride::ElevationOfPrivilege, Stride::DenialOfService],
    cwe: &[1357],
    stage: LifecycleStage::Host,
    cis: &["CIS-Docker-2.18"],
    peers: &[],
    remediation: "Remove `\"experimental\": true` from `daemon.json` on production hosts; try experimental features on a separate, disposable host.",
    docs: r#"
**What it detects.** A `daemon.json` with `"experimental": true`. The
default (`false`, or no key) is not reported.

**Why it is a threat.** Experimental features are unfinished code in the
daemon that runs as root: they change without notice, get less review and
security testing than stable features, and are not covered by the same
support. Enabling them on a production host adds API endpoints and code
paths an attacker can reach through the Docker API (STRIDE: Elevation of
privilege) and that may crash or misbehave (Denial of service).

**Example.**
```json
{"experimental": true}
```

**Fix.**
```json
{"experimental": false}
```
"#,
};

impl Rule for DaemonExperimentalEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        for daemon in &ctx.system.daemons {
            if let Some(on) = daemon.experimental().filter(|s| s.value) {
                sink.push(Finding::new(
                    &META,
                    on.location,
                    "`experimental` is true: unfinished daemon features run as root on this host (CIS Docker 2.18)",
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check_file, lines};

    fn run(json: &str) -> Vec<Finding> {
        check_file(&DaemonExperimentalEnabled, "daemon.json", json)
    }

    #[test]
    fn experimental_true_is_reported_at_its_line() {
        assert_eq!(
            lines(&run("{\n  \"icc\": false,\n  \"experimental\": true\n}")),
            [3]
        );
    }

    #[test]
    fn false_or_absent_is_not_reported() {
        assert!(run("{\"experimental\": false}").is_empty());
        assert!(run("{\"icc\": false}").is_empty());
    }

    #[test]
    fn wrong_types_give_no_finding() {
        for json in [
            "{\"experimental\": \"true\"}",
            "{\"experimental\": 1}",
            "{\"experimental\": [true]}",
            "{\"experimental\": null}",
        ] {
            assert!(run(json).is_empty(), "{json}");
        }
    }
}
