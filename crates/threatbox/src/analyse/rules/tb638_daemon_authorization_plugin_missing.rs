//! TB638 `daemon-authorization-plugin-missing`: docker daemon without an authorization plugin (`daemon.json`).

use crate::analyse::finding::{LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::cluster::check_daemons;

pub struct DaemonAuthorizationPluginMissing;

pub static META: RuleMeta = RuleMeta {
    code: "TB638",
    slug: "daemon-authorization-plugin-missing",
    title: "Docker daemon without an authorization plugin",
    severity: Severity::Low,
    stride: &[Stride::ElevationOfPrivilege, Stride::Repudiation],
    cwe: &[862],
    stage: LifecycleStage::Host,
    cis: &["CIS-Docker-2.12"],
    peers: &[],
    remediation: "Where several people or tools use one daemon, configure an authorization plugin (`authorization-plugins`) that limits which API calls each may make.",
    docs: r#"
**What it detects.** A `daemon.json` without `authorization-plugins`, or with an empty list. A rule about a missing key points at the
file's first line.

**Why it is a threat.** Anyone who can reach the Docker socket may make every API call: start privileged containers, mount the host, read other containers' environment. An authorization plugin is the only way to give users less than root and to record who did what (STRIDE: Elevation of privilege, Repudiation). Reported at low severity: single-user hosts often do without.

**Example.**
```json
{"icc": false}
```

**Fix.**
```json
{"icc": false, "authorization-plugins": ["opa-docker-authz"]}
```
"#,
};

impl Rule for DaemonAuthorizationPluginMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        check_daemons(ctx, &META, sink, "authorization-plugins", |node| {
            let empty = node.and_then(|n| n.as_seq()).is_none_or(|s| s.is_empty());
            empty.then(|| "no `authorization-plugins`: every client of the socket may make every API call (CIS Docker 2.12)".to_string())
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check_file, lines};

    fn run(json: &str) -> Vec<crate::analyse::finding::Finding> {
        check_file(&DaemonAuthorizationPluginMissing, "daemon.json", json)
    }

    #[test]
    fn reports_insecure_settings_at_their_line() {
        assert_eq!(
            lines(&run("{\n  \"icc\": false\n}")),
            Vec::<usize>::from([1]),
            "case 0"
        );
        assert_eq!(
            lines(&run("{\"authorization-plugins\": [\"authz\"]}")),
            Vec::<usize>::from([]),
            "case 1"
        );
    }
}
