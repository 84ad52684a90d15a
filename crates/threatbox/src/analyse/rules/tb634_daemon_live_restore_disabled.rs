//! TB634 `daemon-live-restore-disabled`: docker daemon without live restore (`daemon.json`).

use crate::analyse::finding::{LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::cluster::check_daemons;

pub struct DaemonLiveRestoreDisabled;

pub static META: RuleMeta = RuleMeta {
    code: "TB634",
    slug: "daemon-live-restore-disabled",
    title: "Docker daemon without live restore",
    severity: Severity::Low,
    stride: &[Stride::DenialOfService],
    cwe: &[1188],
    stage: LifecycleStage::Host,
    cis: &["CIS-Docker-2.15"],
    peers: &[],
    remediation: "Set `\"live-restore\": true` (not available with Swarm mode).",
    docs: r#"
**What it detects.** A `daemon.json` where `live-restore` is missing or false. A rule about a missing key points at the
file's first line.

**Why it is a threat.** Every daemon restart or upgrade then stops every container on the host, which makes patching the daemon an outage and tempts operators to postpone it (STRIDE: Denial of service).

**Example.**
```json
{"icc": false}
```

**Fix.**
```json
{"icc": false, "live-restore": true}
```
"#,
};

impl Rule for DaemonLiveRestoreDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        check_daemons(ctx, &META, sink, "live-restore", |node| {
            match node.map(|n| n.as_bool()) {
            Some(Some(true)) => None,
            _ => Some("`live-restore` is not true: restarting the daemon stops every container (CIS Docker 2.15)".into()),
        }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check_file, lines};

    fn run(json: &str) -> Vec<crate::analyse::finding::Finding> {
        check_file(&DaemonLiveRestoreDisabled, "daemon.json", json)
    }

    #[test]
    fn reports_insecure_settings_at_their_line() {
        assert_eq!(
            lines(&run("{\n  \"icc\": false\n}")),
            Vec::<usize>::from([1]),
            "case 0"
        );
        assert_eq!(
            lines(&run("{\"live-restore\": true}")),
            Vec::<usize>::from([]),
            "case 1"
        );
    }
}
