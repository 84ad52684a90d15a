//! TB633 `daemon-no-new-privileges-default`: docker daemon does not default containers to no-new-privileges (`daemon.json`).

use crate::analyse::finding::{LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::cluster::check_daemons;

pub struct DaemonNoNewPrivilegesDefault;

pub static META: RuleMeta = RuleMeta {
    code: "TB633",
    slug: "daemon-no-new-privileges-default",
    title: "Docker daemon does not default containers to no-new-privileges",
    severity: Severity::Low,
    stride: &[Stride::ElevationOfPrivilege],
    cwe: &[250, 269],
    stage: LifecycleStage::Host,
    cis: &["CIS-Docker-2.14"],
    peers: &[],
    remediation: "Set `\"no-new-privileges\": true` in `daemon.json`.",
    docs: r#"
**What it detects.** A `daemon.json` where `no-new-privileges` is missing or false. A rule about a missing key points at the
file's first line.

**Why it is a threat.** Processes in containers can then gain privileges through setuid and setgid binaries or file capabilities, which turns a foothold as an unprivileged user into root inside the container, one step from the host (STRIDE: Elevation of privilege). Containers started without `--security-opt no-new-privileges` are unprotected.

**Example.**
```json
{"icc": false}
```

**Fix.**
```json
{"icc": false, "no-new-privileges": true}
```
"#,
};

impl Rule for DaemonNoNewPrivilegesDefault {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        check_daemons(ctx, &META, sink, "no-new-privileges", |node| {
            match node.map(|n| n.as_bool()) {
            Some(Some(true)) => None,
            _ => Some("`no-new-privileges` is not true: setuid binaries can raise privileges in every container (CIS Docker 2.14)".into()),
        }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check_file, lines};

    fn run(json: &str) -> Vec<crate::analyse::finding::Finding> {
        check_file(&DaemonNoNewPrivilegesDefault, "daemon.json", json)
    }

    #[test]
    fn reports_insecure_settings_at_their_line() {
        assert_eq!(
            lines(&run("{\n  \"icc\": false\n}")),
            Vec::<usize>::from([1]),
            "case 0"
        );
        assert_eq!(
            lines(&run(
                "{\n  \"icc\": false,\n  \"no-new-privileges\": false\n}"
            )),
            Vec::<usize>::from([3]),
            "case 1"
        );
        assert_eq!(
            lines(&run("{\"no-new-privileges\": true}")),
            Vec::<usize>::from([]),
            "case 2"
        );
    }
}
