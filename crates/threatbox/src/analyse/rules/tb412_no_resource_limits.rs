//! TB412 `no-resource-limits`: a container without memory, CPU or PID
//! limits.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::container_support::subject;
use crate::model::runtime::{ContainerKind, Platform, Setting, Workload};

pub struct NoResourceLimits;

pub static META: RuleMeta = RuleMeta {
    code: "TB412",
    slug: "no-resource-limits",
    title: "No memory, CPU or PID limits",
    severity: Severity::Medium,
    stride: &[Stride::DenialOfService],
    cwe: &[770],
    stage: LifecycleStage::Runtime,
    cis: &["CIS-Docker-5.11", "CIS-Docker-5.12", "CIS-Docker-5.29"],
    peers: &[
        "CKV_K8S_11",
        "CKV_K8S_13",
        "KSV-0011",
        "KSV-0018",
        "C-0004",
        "C-0050",
        "cpuLimitsMissing",
        "memoryLimitsMissing",
        "unset-cpu-requirements",
        "unset-memory-requirements",
    ],
    remediation: "Kubernetes: `resources.limits: {memory: 256Mi, cpu: 500m}` on each container (PID limits are a kubelet setting, `podPidsLimit`). Compose: `deploy.resources.limits: {memory: 256M, cpus: \"0.5\", pids: 200}` (or `mem_limit`, `cpus`, `pids_limit`).",
    docs: r#"
**What it detects.** A container missing a memory limit (medium), a CPU
limit or — in compose and docker, where it is a container setting — a PID
limit (low when only those are missing). A limit of `0` or `-1` counts as
none. `oom_kill_disable: true` without a memory limit is high, at the
setting. One finding per container lists what is missing. Ephemeral
containers cannot set resources and are skipped. A Kubernetes pod-level
limit (`spec.resources`, Kubernetes 1.32+) counts for every container of
the pod.

**Why it is a threat.** Limits are the cgroups the seed recommends against
denial of service: without them one container — a memory leak, a fork
bomb, a crafted request that allocates — starves every other container on
the node, and on Kubernetes the kubelet then evicts its neighbours (STRIDE:
Denial of service).

**Example.**
```yaml
containers:
  - name: app
    image: registry.example/app:1.4
```
```yaml
services:
  app:
    image: registry.example/app:1.4
```

**Fix.**
```yaml
    resources:
      limits: { memory: 256Mi, cpu: 500m }
```
```yaml
services:
  app:
    deploy:
      resources:
        limits: { memory: 256M, cpus: "0.5", pids: 200 }
```
"#,
};

fn unlimited(limit: &Option<Setting<String>>) -> bool {
    limit
        .as_ref()
        .is_none_or(|s| matches!(s.value.trim(), "" | "0" | "-1"))
}

impl Rule for NoResourceLimits {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_workload(&self, workload: &Workload, _ctx: &RuleContext<'_>, sink: &mut Sink) {
        for container in &workload.containers {
            if container.kind == ContainerKind::Ephemeral {
                continue;
            }
            let r = &container.resources;
            let mut missing = Vec::new();
            // A pod-level limit bounds every container of the pod.
            let pod = &workload.pod_resources;
            let no_memory = unlimited(&r.memory_limit) && unlimited(&pod.memory_limit);
            if no_memory {
                missing.push("memory");
            }
            if unlimited(&r.cpu_limit) && unlimited(&pod.cpu_limit) {
                missing.push("CPU");
            }
            // Kubernetes sets PID limits per node (kubelet `podPidsLimit`).
            if workload.platform != Platform::Kubernetes
                && r.pids_limit.as_ref().is_none_or(|p| p.value <= 0)
            {
                missing.push("PID");
            }
            if no_memory && let Some(oom) = container.oom_kill_disable.as_ref().filter(|o| o.value)
            {
                sink.push(
                    Finding::new(
                        &META,
                        oom.location.clone(),
                        format!(
                            "{} disables the OOM killer without a memory limit: it can exhaust the host's memory",
                            subject(workload, container)
                        ),
                    )
                    .with_severity(Severity::High),
                );
            }
            if missing.is_empty() {
                continue;
            }
            let severity = if no_memory {
                Severity::Medium
            } else {
                Severity::Low
            };
            sink.push(
                Finding::new(
                    &META,
                    container.location.clone(),
                    format!(
                        "{} has no {} limit",
                        subject(workload, container),
                        missing.join(", ")
                    ),
                )
                .with_severity(severity),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::container_support::test_support::{loc, run_all};
    use crate::analyse::rules::testing::lines;
    use crate::model::runtime::{Container, Resources};

    #[test]
    fn lists_missing_limits_per_platform() {
        let [k, c, d] = run_all(&NoResourceLimits, Container::default());
        assert_eq!(lines(&k), vec![3]);
        assert_eq!(
            k[0].message,
            "container `app` of Pod `app` has no memory, CPU limit"
        );
        assert_eq!(c[0].message, "service `app` has no memory, CPU, PID limit");
        assert_eq!(d[0].severity, Severity::Medium);
    }

    #[test]
    fn cpu_only_missing_is_low_and_zero_is_none() {
        let c = Container {
            resources: Resources {
                memory_limit: Some(Setting::new("256Mi".into(), loc(5))),
                cpu_limit: Some(Setting::new("0".into(), loc(6))),
                pids_limit: Some(Setting::new(100, loc(7))),
                ..Default::default()
            },
            ..Default::default()
        };
        for f in run_all(&NoResourceLimits, c) {
            assert_eq!(f[0].severity, Severity::Low);
            assert!(f[0].message.ends_with("no CPU limit"));
        }
    }

    #[test]
    fn oom_killer_disabled_without_memory_limit_is_high() {
        let c = Container {
            oom_kill_disable: Some(Setting::new(true, loc(8))),
            ..Default::default()
        };
        let [_, compose, _] = run_all(&NoResourceLimits, c);
        assert_eq!(lines(&compose), vec![3, 8]);
        assert_eq!(compose[1].severity, Severity::High);
    }

    #[test]
    fn ignores_limited_containers() {
        let c = Container {
            resources: Resources {
                memory_limit: Some(Setting::new("256Mi".into(), loc(5))),
                cpu_limit: Some(Setting::new("500m".into(), loc(6))),
                pids_limit: Some(Setting::new(100, loc(7))),
                ..Default::default()
            },
            ..Default::default()
        };
        for f in run_all(&NoResourceLimits, c) {
            assert!(f.is_empty());
        }
    }

    #[test]
    fn pod_level_resources_count_for_every_container() {
        let pod = |resources: &str| {
            crate::analyse::rules::container_support::test_support::two_container_pod_with(
                &NoResourceLimits,
                resources,
            )
        };
        assert_eq!(pod("").len(), 2);
        let covered = pod("  resources:\n    limits: {cpu: \"1\", memory: 1Gi}\n");
        assert!(covered.is_empty(), "{covered:?}");
        // Only memory at pod level: the CPU limit is still missing.
        let half = pod("  resources:\n    limits: {memory: 1Gi}\n");
        assert_eq!(half.len(), 2);
        assert!(
            half.iter()
                .all(|f| f.message.contains("CPU") && !f.message.contains("memory")),
            "{half:?}"
        );
    }
}
