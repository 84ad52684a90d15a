//! TB642 `daemon-default-ulimits-missing`: the docker daemon sets no
//! default ulimits (`default-ulimits` in `daemon.json`).

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};

pub struct DaemonDefaultUlimitsMissing;

pub static META: RuleMeta = RuleMeta {
    code: "TB642",
    slug: "daemon-default-ulimits-missing",
    title: "Docker daemon sets no default ulimits",
    severity: Severity::Info,
    stride: &[Stride::DenialOfService],
    cwe: &[770, 774],
    stage: LifecycleStage::Host,
    cis: &["CIS-Docker-2.8"],
    peers: &[],
    remediation: "Set `default-ulimits` in `daemon.json` for at least `nofile` and `nproc`, e.g. `{\"nofile\": {\"Name\": \"nofile\", \"Soft\": 65536, \"Hard\": 65536}}`; containers that need more override it with `--ulimit` / compose `ulimits`.",
    docs: r#"
**What it detects.** A scanned `daemon.json` without `default-ulimits`, or
with an empty one (`{}`). Reported only when a `daemon.json` is part of the
scan: without one nothing is known about the daemon. A missing key points
at the file's first line. The values themselves are not judged.

**Why it is a threat.** Without default ulimits every container inherits
the limits of the daemon process, which service managers set very high
(systemd's unit for dockerd uses `LimitNOFILE=infinity` on many
distributions): one container can then open file descriptors or start
processes until the host runs out, starving every other container and the
host's own services (STRIDE: Denial of service). CIS marks this check
manual; it is informational here.

**Example.**
```json
{"icc": false, "log-driver": "journald"}
```

**Fix.**
```json
{
  "default-ulimits": {
    "nofile": {"Name": "nofile", "Soft": 65536, "Hard": 65536},
    "nproc": {"Name": "nproc", "Soft": 4096, "Hard": 8192}
  }
}
```
"#,
};

impl Rule for DaemonDefaultUlimitsMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        for daemon in &ctx.system.daemons {
            if daemon.node.as_map().is_none() {
                continue; // not an object: nothing to say (the loader warns)
            }
            let (location, message) = match daemon.node.get("default-ulimits") {
                None => (
                    daemon.location.clone(),
                    "no `default-ulimits`: containers inherit the daemon's own limits, often unlimited file descriptors (CIS Docker 2.8)",
                ),
                Some(n) => match n.as_map() {
                    Some([]) => (
                        daemon.source.location(&n.span),
                        "`default-ulimits` is empty: containers inherit the daemon's own limits, often unlimited file descriptors (CIS Docker 2.8)",
                    ),
                    // Set, or of the wrong type (a load warning).
                    _ => continue,
                },
            };
            sink.push(Finding::new(&META, location, message));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check_file, lines};

    fn run(json: &str) -> Vec<Finding> {
        check_file(&DaemonDefaultUlimitsMissing, "daemon.json", json)
    }

    #[test]
    fn missing_or_empty_default_ulimits_are_info() {
        let f = run("{\n  \"icc\": false\n}");
        assert_eq!(lines(&f), [1]);
        assert_eq!(f[0].severity, Severity::Info);
        assert_eq!(
            lines(&run("{\n  \"icc\": false,\n  \"default-ulimits\": {}\n}")),
            [3]
        );
    }

    #[test]
    fn set_default_ulimits_are_not_reported() {
        let f = run(
            "{\"default-ulimits\": {\"nofile\": {\"Name\": \"nofile\", \"Soft\": 64000, \"Hard\": 64000}}}",
        );
        assert!(f.is_empty());
    }

    #[test]
    fn no_daemon_json_no_finding() {
        let f = check_file(
            &DaemonDefaultUlimitsMissing,
            "compose.yaml",
            "services:\n  a:\n    image: nginx:1.27\n",
        );
        assert!(f.is_empty());
    }

    #[test]
    fn wrong_types_give_no_finding() {
        for json in [
            "{\"default-ulimits\": [\"nofile=1024\"]}",
            "{\"default-ulimits\": \"nofile=1024\"}",
            "{\"default-ulimits\": 1024}",
            "[{\"default-ulimits\": {}}]",
        ] {
            assert!(run(json).is_empty(), "{json}");
        }
    }
}
