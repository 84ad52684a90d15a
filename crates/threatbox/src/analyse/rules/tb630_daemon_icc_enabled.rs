//! TB630 `daemon-icc-enabled`: docker daemon lets containers on the default bridge talk to each other (`daemon.json`).

use crate::analyse::finding::{LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::cluster::check_daemons;

pub struct DaemonIccEnabled;

pub static META: RuleMeta = RuleMeta {
    code: "TB630",
    slug: "daemon-icc-enabled",
    title: "Docker daemon lets containers on the default bridge talk to each other",
    severity: Severity::Medium,
    stride: &[Stride::InformationDisclosure, Stride::Tampering],
    cwe: &[653, 923],
    stage: LifecycleStage::Host,
    cis: &["CIS-Docker-2.2"],
    peers: &[],
    remediation: "Set `\"icc\": false` in `daemon.json` and connect containers that must talk through user-defined networks.",
    docs: r#"
**What it detects.** A `daemon.json` where `icc` is missing or `true` (Docker's default). A rule about a missing key points at the
file's first line.

**Why it is a threat.** With inter-container communication on, every container on the default bridge (`docker0`) reaches every other one on every port, whether or not they need to talk: one compromised container can probe and attack the rest (STRIDE: Information disclosure, Tampering). The seed's advice is not to use `docker0` for containers that do not need each other.

**Example.**
```json
{"log-driver": "syslog"}
```

**Fix.**
```json
{"icc": false}
```
"#,
};

impl Rule for DaemonIccEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        check_daemons(ctx, &META, sink, "icc", |node| {
            match node.map(|n| n.as_bool()) {
            Some(Some(false)) => None,
            Some(_) => Some("`icc` is not false: containers on the default bridge reach each other on every port (CIS Docker 2.2)".into()),
            None => Some("`icc` is not set (default true): containers on the default bridge reach each other on every port (CIS Docker 2.2)".into()),
        }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check_file, lines};

    fn run(json: &str) -> Vec<crate::analyse::finding::Finding> {
        check_file(&DaemonIccEnabled, "daemon.json", json)
    }

    #[test]
    fn reports_insecure_settings_at_their_line() {
        assert_eq!(
            lines(&run("{\n  \"log-driver\": \"syslog\"\n}")),
            Vec::<usize>::from([1]),
            "case 0"
        );
        assert_eq!(
            lines(&run("{\n  \"icc\": true\n}")),
            Vec::<usize>::from([2]),
            "case 1"
        );
        assert_eq!(
            lines(&run("{\n  \"icc\": false\n}")),
            Vec::<usize>::from([]),
            "case 2"
        );
    }
}
