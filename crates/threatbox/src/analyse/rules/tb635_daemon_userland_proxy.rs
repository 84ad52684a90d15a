//! TB635 `daemon-userland-proxy`: docker daemon uses the userland proxy (`daemon.json`).

use crate::analyse::finding::{LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::cluster::check_daemons;

pub struct DaemonUserlandProxy;

pub static META: RuleMeta = RuleMeta {
    code: "TB635",
    slug: "daemon-userland-proxy",
    title: "Docker daemon uses the userland proxy",
    severity: Severity::Low,
    stride: &[Stride::InformationDisclosure, Stride::ElevationOfPrivilege],
    cwe: &[1188],
    stage: LifecycleStage::Host,
    cis: &["CIS-Docker-2.16"],
    peers: &[],
    remediation: "Set `\"userland-proxy\": false` so that published ports use hairpin NAT in iptables.",
    docs: r#"
**What it detects.** A `daemon.json` where `userland-proxy` is missing or true. A rule about a missing key points at the
file's first line.

**Why it is a threat.** The userland proxy (`docker-proxy`) is one more root process per published port on the host, with its own attack surface and bugs, and it hides the client's source address from the container's logs (STRIDE: Information disclosure, Elevation of privilege).

**Example.**
```json
{"icc": false}
```

**Fix.**
```json
{"icc": false, "userland-proxy": false}
```
"#,
};

impl Rule for DaemonUserlandProxy {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        check_daemons(ctx, &META, sink, "userland-proxy", |node| {
            match node.map(|n| n.as_bool()) {
            Some(Some(false)) => None,
            _ => Some("`userland-proxy` is not false: a root proxy process runs for every published port (CIS Docker 2.16)".into()),
        }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check_file, lines};

    fn run(json: &str) -> Vec<crate::analyse::finding::Finding> {
        check_file(&DaemonUserlandProxy, "daemon.json", json)
    }

    #[test]
    fn reports_insecure_settings_at_their_line() {
        assert_eq!(
            lines(&run("{\n  \"icc\": false\n}")),
            Vec::<usize>::from([1]),
            "case 0"
        );
        assert_eq!(
            lines(&run("{\n  \"userland-proxy\": true\n}")),
            Vec::<usize>::from([2]),
            "case 1"
        );
        assert_eq!(
            lines(&run("{\"userland-proxy\": false}")),
            Vec::<usize>::from([]),
            "case 2"
        );
    }
}
