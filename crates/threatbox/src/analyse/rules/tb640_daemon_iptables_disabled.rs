//! TB640 `daemon-iptables-disabled`: the docker daemon does not manage
//! iptables (`"iptables": false` in `daemon.json`).

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};

pub struct DaemonIptablesDisabled;

pub static META: RuleMeta = RuleMeta {
    code: "TB640",
    slug: "daemon-iptables-disabled",
    title: "Docker daemon does not manage iptables",
    severity: Severity::Medium,
    stride: &[Stride::InformationDisclosure, Stride::Tampering],
    cwe: &[923],
    stage: LifecycleStage::Host,
    cis: &["CIS-Docker-2.4"],
    peers: &[],
    remediation: "Remove `\"iptables\": false` from `daemon.json` (the default is true). If a host firewall must stay in charge, keep `iptables` on and add your own rules to the `DOCKER-USER` chain, which Docker leaves alone.",
    docs: r#"
**What it detects.** A `daemon.json` with `"iptables": false`. A missing
key is Docker's default (`true`) and is not reported; a value that is not a
JSON boolean is a load warning, not a finding.

**Why it is a threat.** With `iptables` on, dockerd writes the rules that
isolate its networks from each other, enforce `icc: false`, and publish
only the ports asked for. Turned off, none of these rules exist: whether
containers on different networks reach each other, whether `icc: false`
means anything and which published ports are reachable from outside is
whatever the host's own firewall happens to allow, and it was not written
with Docker's networks in mind (STRIDE: Information disclosure,
Tampering — traffic between networks that were meant to be separate).

**Example.**
```json
{"iptables": false, "icc": false}
```

**Fix.**
```json
{"icc": false}
```
"#,
};

impl Rule for DaemonIptablesDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        for daemon in &ctx.system.daemons {
            if let Some(off) = daemon.iptables().filter(|s| !s.value) {
                sink.push(Finding::new(
                    &META,
                    off.location,
                    "`iptables` is false: dockerd sets up no network isolation, `icc` or published-port rules; the host firewall decides alone (CIS Docker 2.4)",
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
        check_file(&DaemonIptablesDisabled, "daemon.json", json)
    }

    #[test]
    fn iptables_false_is_reported_at_its_line() {
        let f = run("{\n  \"icc\": false,\n  \"iptables\": false\n}");
        assert_eq!(lines(&f), [3]);
        assert_eq!(f[0].severity, Severity::Medium);
    }

    #[test]
    fn default_or_true_is_not_reported() {
        assert!(run("{\"iptables\": true}").is_empty());
        assert!(run("{\"icc\": false}").is_empty());
    }

    #[test]
    fn wrong_types_give_no_finding() {
        for json in [
            "{\"iptables\": \"false\"}",
            "{\"iptables\": 0}",
            "{\"iptables\": [false]}",
            "{\"iptables\": null}",
            "{\"iptables\": {}}",
        ] {
            assert!(run(json).is_empty(), "{json}");
        }
    }
}
