//! TB643 `daemon-cgroup-parent-changed`: the docker daemon puts containers
//! under a cgroup of its user's choosing (`cgroup-parent` in `daemon.json`).

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};

pub struct DaemonCgroupParentChanged;

pub static META: RuleMeta = RuleMeta {
    code: "TB643",
    slug: "daemon-cgroup-parent-changed",
    title: "Docker daemon uses a non-default cgroup parent",
    severity: Severity::Low,
    stride: &[Stride::DenialOfService],
    cwe: &[770],
    stage: LifecycleStage::Host,
    cis: &["CIS-Docker-2.10"],
    peers: &[],
    remediation: "Remove `cgroup-parent` from `daemon.json` unless the cgroup it names is managed on purpose; then document which limits that cgroup sets and who maintains them.",
    docs: r#"
**What it detects.** A `daemon.json` whose `cgroup-parent` is set (not
empty), at its value. Docker's default parent (`/docker`, or
`system.slice` with the systemd driver) is not reported.

**Why it is a threat.** Every container's cgroup is created under the
parent: its CPU, memory and PID limits are capped by whatever that cgroup
allows, and it shares them with everything else placed there. A parent
that is not managed with containers in mind (no limits, or shared with
host services) lets containers starve each other or the host, and moves
the limits out of Docker's configuration where nobody reviews them
(STRIDE: Denial of service). CIS asks to confirm the setting: this is a
prompt to do so.

**Example.**
```json
{"cgroup-parent": "/batch-jobs"}
```

**Fix.**
```json
{}
```
"#,
};

impl Rule for DaemonCgroupParentChanged {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        for daemon in &ctx.system.daemons {
            let Some(parent) = daemon.cgroup_parent() else {
                continue;
            };
            let value = parent.value.trim();
            if value.is_empty() {
                continue;
            }
            sink.push(Finding::new(
                &META,
                parent.location.clone(),
                format!("`cgroup-parent` is `{value}`: every container's limits are capped and shared by a cgroup Docker does not manage; confirm it is meant (CIS Docker 2.10)"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check_file, lines};

    fn run(json: &str) -> Vec<Finding> {
        check_file(&DaemonCgroupParentChanged, "daemon.json", json)
    }

    #[test]
    fn a_cgroup_parent_is_reported_at_its_line() {
        let f = run("{\n  \"icc\": false,\n  \"cgroup-parent\": \"/batch\"\n}");
        assert_eq!(lines(&f), [3]);
        assert!(f[0].message.contains("`/batch`"), "{}", f[0].message);
    }

    #[test]
    fn absent_or_empty_is_not_reported() {
        assert!(run("{\"icc\": false}").is_empty());
        assert!(run("{\"cgroup-parent\": \"  \"}").is_empty());
    }

    #[test]
    fn wrong_types_give_no_finding() {
        for json in [
            "{\"cgroup-parent\": [\"/batch\"]}",
            "{\"cgroup-parent\": {\"path\": \"/batch\"}}",
            "{\"cgroup-parent\": 7}",
            "{\"cgroup-parent\": null}",
        ] {
            assert!(run(json).is_empty(), "{json}");
        }
    }
}
