//! TB434 `ulimit-unlimited`: a container ulimit raised to unlimited (or
//! past what the kernel can enforce), so the container can take the host's
//! file descriptors, processes or locked memory.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::container_support::subject;
use crate::model::runtime::{Container, Ulimit, Workload};

pub struct UlimitUnlimited;

pub static META: RuleMeta = RuleMeta {
    code: "TB434",
    slug: "ulimit-unlimited",
    title: "Container ulimit set to unlimited",
    severity: Severity::Low,
    stride: &[Stride::DenialOfService],
    cwe: &[770, 774],
    stage: LifecycleStage::Runtime,
    cis: &["CIS-Docker-5.19"],
    peers: &[],
    remediation: "Give the limit a number the workload needs (e.g. `nofile: {soft: 65536, hard: 65536}`, `nproc: 4096`) instead of -1; for locked memory or processes that must stay unbounded, set a memory limit or a PIDs limit on the container so that the cgroup bounds them.",
    docs: r#"
**What it detects.** A compose `ulimits` entry or docker
`HostConfig.Ulimits` item whose soft or hard value is
- `-1` (unlimited), for any limit (`nofile`, `nproc`, `memlock`, `core`,
  `stack`, `rtprio`, `sigpending`, …);
- above what the kernel can enforce anyway: `nofile` above 1048576 (the
  default `fs.nr_open`), `nproc` or `sigpending` above 4194304 (the
  largest `pid_max`).

Not reported: `memlock` unlimited when the container has a memory limit,
and `nproc` unlimited when it has a PIDs limit (the cgroup then bounds
them: this is what Elasticsearch's `memlock: -1` usually comes with);
finite values, however large for the workload; and a container without
`ulimits` — it gets the daemon's `default-ulimits` (TB642 reports a daemon
without them). CIS 5.19 asks to review the ulimits containers override; it
is a manual check, and only the unbounded case is decided here. Kubernetes
has no per-container ulimits.

**Why it is a threat.** A ulimit is the last per-process bound on file
descriptors, processes (counted per user across every container running
as that UID), locked memory and realtime priority. Unlimited, one
compromised or buggy container can exhaust the host's file table, fork
until no PID is left, lock memory the host cannot reclaim or monopolise a
CPU at realtime priority, taking the other containers down with it
(STRIDE: Denial of service).

**Example.**
```yaml
services:
  worker:
    ulimits:
      nproc: -1
      nofile: { soft: -1, hard: -1 }
```

**Fix.**
```yaml
services:
  worker:
    ulimits:
      nproc: 4096
      nofile: { soft: 65536, hard: 65536 }
```
"#,
};

/// Largest `fs.nr_open` default: `nofile` above it is refused unless the
/// host raised it, and means "no bound" to whoever wrote it.
const NOFILE_CEILING: i64 = 1_048_576;
/// `PID_MAX_LIMIT` on 64-bit kernels: no more processes can exist.
const PID_CEILING: i64 = 4_194_304;

/// Why the limit is unbounded, if it is.
fn unbounded(limit: &Ulimit, container: &Container) -> Option<String> {
    let name = limit.name.trim().to_ascii_lowercase();
    let values = [limit.soft, limit.hard];
    let unlimited = values.iter().flatten().any(|v| *v < 0);
    let ceiling = match name.as_str() {
        "nofile" => Some(NOFILE_CEILING),
        "nproc" | "sigpending" => Some(PID_CEILING),
        _ => None,
    };
    let above = ceiling.and_then(|c| values.iter().flatten().copied().find(|v| *v > c));
    if !unlimited && above.is_none() {
        return None;
    }
    // The cgroup bounds the same resource.
    let memory_limited = container
        .resources
        .memory_limit
        .as_ref()
        .is_some_and(|m| !matches!(m.value.trim(), "" | "0" | "-1"));
    let pids_limited = container
        .resources
        .pids_limit
        .as_ref()
        .is_some_and(|p| p.value > 0);
    if (name == "memlock" && memory_limited) || (name == "nproc" && pids_limited) {
        return None;
    }
    let what = match name.as_str() {
        "nofile" => "open file descriptors",
        "nproc" => "processes of its user, across every container running as that UID",
        "memlock" => "locked memory the host cannot swap or reclaim",
        "core" => "core dump size (memory, with its secrets, written to disk)",
        "rtprio" => "realtime priority",
        "sigpending" => "queued signals",
        "fsize" => "file size",
        "stack" => "stack size",
        "msgqueue" => "POSIX message queue memory",
        _ => "this resource",
    };
    Some(match above {
        Some(v) if !unlimited => format!(
            "ulimit `{}` to {v}, above what the kernel enforces: no bound on {what}",
            limit.name
        ),
        _ => format!(
            "ulimit `{}` to unlimited (-1): no bound on {what}",
            limit.name
        ),
    })
}

impl Rule for UlimitUnlimited {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_workload(&self, workload: &Workload, _ctx: &RuleContext<'_>, sink: &mut Sink) {
        for container in &workload.containers {
            for limit in &container.ulimits {
                if let Some(why) = unbounded(limit, container) {
                    sink.push(Finding::new(
                        &META,
                        limit.location.clone(),
                        format!("{} sets {why}", subject(workload, container)),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check_file, lines};

    fn compose(ulimits: &str, extra: &str) -> Vec<Finding> {
        check_file(
            &UlimitUnlimited,
            "compose.yaml",
            &format!("services:\n  a:\n    image: redis:7.2\n{extra}    ulimits:\n{ulimits}"),
        )
    }

    #[test]
    fn unlimited_values_are_reported_at_the_limit() {
        let f = compose(
            "      nproc: -1\n      nofile:\n        soft: 1024\n        hard: -1\n      core: 0\n      memlock: {soft: -1, hard: -1}\n",
            "",
        );
        assert_eq!(lines(&f), [5, 7, 10]);
        assert_eq!(
            f[0].message,
            "service `a` sets ulimit `nproc` to unlimited (-1): no bound on processes of its user, across every container running as that UID"
        );
        assert!(f.iter().all(|f| f.severity == Severity::Low));
    }

    #[test]
    fn values_above_the_kernel_ceiling_are_reported() {
        let f = compose(
            "      nofile: 2000000\n      nproc: 5000000\n      stack: 99999999\n",
            "",
        );
        assert_eq!(lines(&f), [5, 6]);
        assert!(
            f[0].message
                .contains("`nofile` to 2000000, above what the kernel enforces"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn finite_values_and_cgroup_bounded_ones_are_not_reported() {
        assert!(
            compose(
                "      nofile: {soft: 65536, hard: 1048576}\n      nproc: 65535\n",
                ""
            )
            .is_empty()
        );
        let f = compose(
            "      memlock: {soft: -1, hard: -1}\n      nproc: -1\n",
            "    mem_limit: 2g\n    pids_limit: 512\n",
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn docker_inspect_ulimits() {
        let f = check_file(
            &UlimitUnlimited,
            "inspect.json",
            "[{\"Name\": \"/x\", \"Config\": {}, \"HostConfig\": {\"Ulimits\": [\n  {\"Name\": \"nofile\", \"Soft\": 1024, \"Hard\": 4096},\n  {\"Name\": \"rtprio\", \"Soft\": -1, \"Hard\": -1}\n]}}]",
        );
        assert_eq!(lines(&f), [3]);
        assert!(f[0].message.contains("realtime priority"));
    }

    #[test]
    fn malformed_ulimits_give_no_finding() {
        for ulimits in [
            "      - nofile=-1\n",
            "      nofile: unlimited\n",
            "      nofile: [-1, -1]\n",
            "      nofile: {soft: [-1], hard: {x: -1}}\n",
            "      nofile: {}\n",
            "      nofile: null\n",
        ] {
            assert!(compose(ulimits, "").is_empty(), "{ulimits}");
        }
        let f = check_file(
            &UlimitUnlimited,
            "inspect.json",
            "[{\"Name\": \"/x\", \"Config\": {}, \"HostConfig\": {\"Ulimits\": [{\"Soft\": -1}, {\"Name\": [\"nofile\"], \"Hard\": -1}, \"nofile=-1\"]}}]",
        );
        assert!(f.is_empty(), "{f:?}");
    }
}
