//! TB639 `daemon-log-level-not-info`: the docker daemon logs at `debug`
//! (request bodies, secrets) or above `info` (too little to audit).

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};

pub struct DaemonLogLevelNotInfo;

pub static META: RuleMeta = RuleMeta {
    code: "TB639",
    slug: "daemon-log-level-not-info",
    title: "Docker daemon log level is not `info`",
    severity: Severity::Low,
    stride: &[Stride::Repudiation, Stride::InformationDisclosure],
    cwe: &[778, 532],
    stage: LifecycleStage::Host,
    cis: &["CIS-Docker-2.3"],
    peers: &[],
    remediation: "Remove `debug` and `log-level` from `daemon.json`, or set `\"log-level\": \"info\"`; turn debug logging on only while diagnosing, and off again.",
    docs: r#"
**What it detects.** A `daemon.json` that sets
- `"debug": true`, or `log-level` `debug` (or `trace`): the daemon logs at
  debug level (with `debug: true` the `log-level` key is ignored);
- `log-level` `warn`, `error`, `fatal` or `panic`: the daemon drops the
  `info` events.

A missing `log-level` is Docker's default, `info`, and is not reported;
neither is a value dockerd does not know (it refuses to start).

**Why it is a threat.** At debug level dockerd logs every API call with
its request body: the environment of `docker run -e DB_PASSWORD=…`, build
arguments, registry and plugin settings end up in the host's journal, readable by whoever reads
the logs (STRIDE: Information disclosure). Above `info` the daemon no longer
records container starts, image pulls and API errors, so what happened on
the host cannot be reconstructed afterwards (STRIDE: Repudiation).

**Example.**
```json
{"debug": true, "log-level": "debug"}
```

**Fix.**
```json
{"log-level": "info"}
```
"#,
};

/// What a log level means for the audit trail, or `None` when it is fine
/// (`info`) or unknown to dockerd.
fn weakness(level: &str) -> Option<&'static str> {
    match level.trim().to_ascii_lowercase().as_str() {
        "debug" | "trace" => Some(
            "the daemon logs API request bodies, with the secrets passed in environment variables and build arguments",
        ),
        "warn" | "warning" | "error" | "fatal" | "panic" => Some(
            "the daemon drops `info` events (container starts, pulls, API errors) needed to audit the host",
        ),
        _ => None,
    }
}

impl Rule for DaemonLogLevelNotInfo {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        for daemon in &ctx.system.daemons {
            // `debug: true` wins over `log-level` (dockerd switches to debug
            // after reading the level), so it is the one finding.
            if let Some(debug) = daemon.debug().filter(|d| d.value) {
                let why = weakness("debug").unwrap_or_default();
                sink.push(Finding::new(
                    &META,
                    debug.location,
                    format!("`debug` is true: {why} (CIS Docker 2.3)"),
                ));
                continue;
            }
            let Some(level) = daemon.log_level() else {
                continue;
            };
            if let Some(why) = weakness(&level.value) {
                sink.push(Finding::new(
                    &META,
                    level.location,
                    format!("`log-level` is `{}`: {why} (CIS Docker 2.3)", level.value),
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
        check_file(&DaemonLogLevelNotInfo, "daemon.json", json)
    }

    #[test]
    fn debug_and_quiet_levels_are_reported_at_their_line() {
        let f = run("{\n  \"icc\": false,\n  \"log-level\": \"debug\"\n}");
        assert_eq!(lines(&f), [3]);
        assert!(f[0].message.contains("request bodies"), "{}", f[0].message);
        for level in ["warn", "ERROR", "fatal", "panic"] {
            let f = run(&format!("{{\n  \"log-level\": \"{level}\"\n}}"));
            assert_eq!(lines(&f), [2], "{level}");
            assert!(
                f[0].message.contains("drops `info` events"),
                "{}",
                f[0].message
            );
        }
    }

    #[test]
    fn debug_true_is_one_finding_at_the_debug_key() {
        let f = run("{\n  \"log-level\": \"warn\",\n  \"debug\": true\n}");
        assert_eq!(lines(&f), [3]);
        assert!(f[0].message.starts_with("`debug` is true"));
        let f = run("{\n  \"log-level\": \"debug\",\n  \"debug\": false\n}");
        assert_eq!(lines(&f), [2]);
    }

    #[test]
    fn info_absent_or_unknown_levels_are_not_reported() {
        for json in [
            "{\"log-level\": \"info\"}",
            "{\"log-level\": \"INFO\", \"debug\": false}",
            "{\"icc\": false}",
            "{\"log-level\": \"verbose\"}",
            "{}",
        ] {
            assert!(run(json).is_empty(), "{json}");
        }
    }

    #[test]
    fn wrong_types_give_no_finding() {
        for json in [
            "{\"log-level\": [\"debug\"], \"debug\": \"true\"}",
            "{\"log-level\": {\"debug\": true}, \"debug\": 1}",
            "{\"log-level\": null, \"debug\": null}",
            "{\"log-level\": \"\"}",
            "[\"log-level\", \"debug\"]",
        ] {
            assert!(run(json).is_empty(), "{json}");
        }
    }
}
