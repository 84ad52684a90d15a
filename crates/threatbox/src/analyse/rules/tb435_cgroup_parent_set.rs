//! TB435 `cgroup-parent-set`: a container placed under a cgroup of its own
//! choosing (compose `cgroup_parent`, docker `HostConfig.CgroupParent`).

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::container_support::subject;
use crate::model::runtime::Workload;

pub struct CgroupParentSet;

pub static META: RuleMeta = RuleMeta {
    code: "TB435",
    slug: "cgroup-parent-set",
    title: "Container placed under a custom cgroup parent",
    severity: Severity::Low,
    stride: &[Stride::DenialOfService],
    cwe: &[770],
    stage: LifecycleStage::Runtime,
    cis: &["CIS-Docker-5.25"],
    peers: &["cgroup_not_default"],
    remediation: "Remove `cgroup_parent` (compose) / `--cgroup-parent` (docker) and set the container's own limits (`mem_limit`, `cpus`, `pids_limit` or `deploy.resources.limits`); keep a custom parent only for a cgroup managed on purpose, and document it.",
    docs: r#"
**What it detects.** A compose service with `cgroup_parent`, or a docker
container whose `HostConfig.CgroupParent` is not empty, at the value.
Kubernetes has no such field (the kubelet places pods).

**Why it is a threat.** The container's cgroup is created under the named
parent instead of Docker's own: its CPU, memory and PID limits are then
capped and shared by a cgroup the engine does not manage, set up and
changed outside the compose file or `docker run` line that reviewers read.
A parent without limits, or shared with host services or other tenants,
lets the container starve them or be starved (STRIDE: Denial of service).
CIS asks to confirm the setting (5.25); the daemon-wide `cgroup-parent`
is TB643.

**Example.**
```yaml
services:
  worker:
    cgroup_parent: m-executor-abcd
```

**Fix.**
```yaml
services:
  worker:
    deploy:
      resources:
        limits: { memory: 512M, cpus: "1.0", pids: 256 }
```
"#,
};

impl Rule for CgroupParentSet {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_workload(&self, workload: &Workload, _ctx: &RuleContext<'_>, sink: &mut Sink) {
        for container in &workload.containers {
            let Some(parent) = &container.cgroup_parent else {
                continue;
            };
            let value = parent.value.trim();
            if value.is_empty() {
                continue;
            }
            sink.push(Finding::new(
                &META,
                parent.location.clone(),
                format!(
                    "{} runs under cgroup parent `{value}`: its limits come from a cgroup the engine does not manage",
                    subject(workload, container)
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check_file, lines};

    fn compose(extra: &str) -> Vec<Finding> {
        check_file(
            &CgroupParentSet,
            "compose.yaml",
            &format!("services:\n  a:\n    image: redis:7.2\n{extra}"),
        )
    }

    #[test]
    fn compose_cgroup_parent_is_reported_at_its_line() {
        let f = compose("    mem_limit: 1g\n    cgroup_parent: m-executor\n");
        assert_eq!(lines(&f), [5]);
        assert_eq!(
            f[0].message,
            "service `a` runs under cgroup parent `m-executor`: its limits come from a cgroup the engine does not manage"
        );
    }

    #[test]
    fn docker_inspect_cgroup_parent() {
        let text = "[{\"Name\": \"/x\", \"Config\": {}, \"HostConfig\": {\n  \"CgroupParent\": \"/batch\"\n}}]";
        assert_eq!(
            lines(&check_file(&CgroupParentSet, "inspect.json", text)),
            [2]
        );
        let empty =
            "[{\"Name\": \"/x\", \"Config\": {}, \"HostConfig\": {\"CgroupParent\": \"\"}}]";
        assert!(check_file(&CgroupParentSet, "inspect.json", empty).is_empty());
    }

    #[test]
    fn absent_or_empty_is_not_reported() {
        assert!(compose("    mem_limit: 1g\n").is_empty());
        assert!(compose("    cgroup_parent: \"\"\n").is_empty());
        assert!(compose("    cgroup_parent: \"  \"\n").is_empty());
    }

    #[test]
    fn malformed_values_give_no_finding() {
        for value in ["[a, b]", "{name: x}", "null", "~"] {
            let f = compose(&format!("    cgroup_parent: {value}\n"));
            assert!(f.is_empty(), "{value}: {f:?}");
        }
    }
}
