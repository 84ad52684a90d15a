//! TB637 `daemon-log-driver-local`: docker daemon logs are not centralised (`daemon.json`).

use crate::analyse::finding::{LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::cluster::check_daemons;

pub struct DaemonLogDriverLocal;

pub static META: RuleMeta = RuleMeta {
    code: "TB637",
    slug: "daemon-log-driver-local",
    title: "Docker daemon logs are not centralised",
    severity: Severity::Low,
    stride: &[Stride::Repudiation],
    cwe: &[778],
    stage: LifecycleStage::Host,
    cis: &["CIS-Docker-2.13"],
    peers: &[],
    remediation: "Set `log-driver` to a remote driver (`syslog`, `journald` shipped off the host, `fluentd`, `gelf`, `awslogs`, `splunk`…).",
    docs: r#"
**What it detects.** A `daemon.json` whose `log-driver` is missing (Docker then uses `json-file`), `json-file`, `local` or `none`. A rule about a missing key points at the
file's first line.

**Why it is a threat.** Container logs stay on the host that runs the container: an attacker who gains the host deletes or rewrites them, and a lost node takes its logs with it, so actions cannot be traced afterwards (STRIDE: Repudiation). With `none` nothing is kept at all.

**Example.**
```json
{"log-driver": "json-file"}
```

**Fix.**
```json
{"log-driver": "syslog", "log-opts": {"syslog-address": "tcp+tls://logs.example.com:6514"}}
```
"#,
};

impl Rule for DaemonLogDriverLocal {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        check_daemons(ctx, &META, sink, "log-driver", |node| {
            match node.map(|n| n.as_str()) {
            None => Some("no `log-driver`: logs stay in local json-file logs on the host (CIS Docker 2.13)".into()),
            Some(Some(driver @ ("json-file" | "local" | "none"))) => Some(format!("`log-driver` is `{driver}`: logs are not shipped off the host (CIS Docker 2.13)")),
            Some(_) => None,
        }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check_file, lines};

    fn run(json: &str) -> Vec<crate::analyse::finding::Finding> {
        check_file(&DaemonLogDriverLocal, "daemon.json", json)
    }

    #[test]
    fn reports_insecure_settings_at_their_line() {
        assert_eq!(
            lines(&run("{\n  \"icc\": false\n}")),
            Vec::<usize>::from([1]),
            "case 0"
        );
        assert_eq!(
            lines(&run("{\n  \"log-driver\": \"none\"\n}")),
            Vec::<usize>::from([2]),
            "case 1"
        );
        assert_eq!(
            lines(&run("{\"log-driver\": \"syslog\"}")),
            Vec::<usize>::from([]),
            "case 2"
        );
    }
}
