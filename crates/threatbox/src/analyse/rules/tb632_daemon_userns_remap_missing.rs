//! TB632 `daemon-userns-remap-missing`: docker daemon without user-namespace remapping (`daemon.json`).

use crate::analyse::finding::{LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::cluster::check_daemons;

pub struct DaemonUsernsRemapMissing;

pub static META: RuleMeta = RuleMeta {
    code: "TB632",
    slug: "daemon-userns-remap-missing",
    title: "Docker daemon without user-namespace remapping",
    severity: Severity::Medium,
    stride: &[Stride::ElevationOfPrivilege],
    cwe: &[250, 653],
    stage: LifecycleStage::Host,
    cis: &["CIS-Docker-2.9"],
    peers: &[],
    remediation: "Set `\"userns-remap\": \"default\"` (or a dedicated user) so that root in a container is an unprivileged UID on the host.",
    docs: r#"
**What it detects.** A `daemon.json` without `userns-remap`, or with it empty. A rule about a missing key points at the
file's first line.

**Why it is a threat.** Without remapping, UID 0 in a container is UID 0 on the host: a container escape, a writable host mount or a mounted socket gives the attacker root on the node (STRIDE: Elevation of privilege).

**Example.**
```json
{"icc": false}
```

**Fix.**
```json
{"icc": false, "userns-remap": "default"}
```
"#,
};

impl Rule for DaemonUsernsRemapMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        check_daemons(ctx, &META, sink, "userns-remap", |node| {
            match node.and_then(|n| n.as_str()) {
                Some(v) if !v.trim().is_empty() => None,
                _ => Some(
                    "no `userns-remap`: root in a container is root on the host (CIS Docker 2.9)"
                        .into(),
                ),
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check_file, lines};

    fn run(json: &str) -> Vec<crate::analyse::finding::Finding> {
        check_file(&DaemonUsernsRemapMissing, "daemon.json", json)
    }

    #[test]
    fn reports_insecure_settings_at_their_line() {
        assert_eq!(
            lines(&run("{\n  \"icc\": false\n}")),
            Vec::<usize>::from([1]),
            "case 0"
        );
        assert_eq!(
            lines(&run("{\n  \"icc\": false,\n  \"userns-remap\": \"\"\n}")),
            Vec::<usize>::from([3]),
            "case 1"
        );
        assert_eq!(
            lines(&run("{\"userns-remap\": \"default\"}")),
            Vec::<usize>::from([]),
            "case 2"
        );
    }
}
