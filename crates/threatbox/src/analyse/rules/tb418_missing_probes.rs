//! TB418 `missing-probes`: a long-running Kubernetes container without
//! liveness or readiness probes.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::container_support::subject;
use crate::model::runtime::{ContainerKind, Platform, Workload};

pub struct MissingProbes;

pub static META: RuleMeta = RuleMeta {
    code: "TB418",
    slug: "missing-probes",
    title: "Liveness / readiness probe missing",
    severity: Severity::Info,
    stride: &[Stride::DenialOfService],
    cwe: &[754],
    stage: LifecycleStage::Orchestrator,
    cis: &["CIS-Docker-5.27"],
    peers: &[
        "CKV_K8S_8",
        "CKV_K8S_9",
        "C-0056",
        "C-0018",
        "no-liveness-probe",
        "no-readiness-probe",
        "livenessProbeMissing",
        "readinessProbeMissing",
    ],
    remediation: "Add `livenessProbe` and `readinessProbe` (HTTP `/healthz`, TCP or exec) to each long-running container; in compose, a `healthcheck:`.",
    docs: r#"
**What it detects.** A regular container of a long-running Kubernetes
workload (not a Job or CronJob, which run to completion) without a `livenessProbe` or a
`readinessProbe`; a compose service or docker container whose health check
is disabled (`healthcheck: {disable: true}`, test `NONE`); a docker
container whose inspect record has no `Config.Healthcheck` at all (the
record merges the image's, so neither the image nor `docker run` set one:
CIS Docker 5.27). A compose service without `healthcheck:` falls back to
the image's (TB203).

**Why it is a threat.** Without a readiness probe a Service sends traffic to
pods that cannot serve it yet; without a liveness probe a hung process
(deadlock, exhausted pool — or an attacker's slow-request flood) stays in
rotation until someone notices (STRIDE: Denial of service).

**Example.**
```yaml
      containers:
        - name: api
          image: registry.example/api:1.4
```
```yaml
services:
  api:
    image: registry.example/api:1.4
```

**Fix.**
```yaml
          readinessProbe: { httpGet: { path: /ready, port: 8080 } }
          livenessProbe: { httpGet: { path: /healthz, port: 8080 } }
```
```yaml
    healthcheck:
      test: ["CMD", "wget", "-qO-", "http://localhost:8080/healthz"]
```
"#,
};

impl Rule for MissingProbes {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_workload(&self, workload: &Workload, _ctx: &RuleContext<'_>, sink: &mut Sink) {
        if workload.platform != Platform::Kubernetes {
            // Compose: only an explicitly disabled health check; a missing
            // one falls back to the image's (TB203). Docker inspect shows the
            // image's health check merged in, so none there means none at all.
            for container in &workload.containers {
                match &container.healthcheck {
                    Some(check) if !check.value => sink.push(Finding::new(
                        &META,
                        check.location.clone(),
                        format!("{} disables its health check", subject(workload, container)),
                    )),
                    None if workload.platform == Platform::Docker => sink.push(Finding::new(
                        &META,
                        container.location.clone(),
                        format!(
                            "{} runs without a health check: neither its image nor `docker run` set one",
                            subject(workload, container)
                        ),
                    )),
                    _ => {}
                }
            }
            return;
        }
        if matches!(workload.kind.as_str(), "Job" | "CronJob") {
            return;
        }
        for container in &workload.containers {
            if container.kind != ContainerKind::Regular {
                continue;
            }
            let missing = match (container.liveness_probe, container.readiness_probe) {
                (true, true) => continue,
                (false, false) => "liveness and readiness probes",
                (false, true) => "liveness probe",
                (true, false) => "readiness probe",
            };
            sink.push(Finding::new(
                &META,
                container.location.clone(),
                format!("{} has no {missing}", subject(workload, container)),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::container_support::test_support::{run, workload};
    use crate::analyse::rules::testing::lines;
    use crate::model::runtime::Container;

    #[test]
    fn flags_deployments_without_probes() {
        let mut w = workload(Platform::Kubernetes, Container::default());
        w.kind = "Deployment".into();
        let f = run(&MissingProbes, w.clone());
        assert_eq!(lines(&f), vec![3]);
        assert!(f[0].message.contains("liveness and readiness"));
        w.containers[0].liveness_probe = true;
        assert!(
            run(&MissingProbes, w)
                .remove(0)
                .message
                .ends_with("has no readiness probe")
        );
    }

    #[test]
    fn ignores_jobs_probed_containers_and_compose() {
        for kind in ["Job", "CronJob"] {
            let mut job = workload(Platform::Kubernetes, Container::default());
            job.kind = kind.into();
            assert!(run(&MissingProbes, job).is_empty());
        }
        let mut ok = workload(Platform::Kubernetes, Container::default());
        ok.kind = "Deployment".into();
        ok.containers[0].liveness_probe = true;
        ok.containers[0].readiness_probe = true;
        assert!(run(&MissingProbes, ok).is_empty());
        assert!(
            run(
                &MissingProbes,
                workload(Platform::Compose, Container::default())
            )
            .is_empty()
        );
    }

    #[test]
    fn flags_disabled_compose_healthcheck() {
        let f = crate::analyse::rules::testing::check_file(
            &MissingProbes,
            "compose.yaml",
            "services:\n  app:\n    image: alpine:3.20\n    healthcheck:\n      disable: true\n",
        );
        assert_eq!(lines(&f), vec![5], "{f:?}");
        assert!(f[0].message.contains("disables its health check"));
    }

    #[test]
    fn flags_inspected_container_without_any_health_check() {
        let inspect = |config: &str| {
            crate::analyse::rules::testing::check_file(
                &MissingProbes,
                "inspect.json",
                &format!(
                    "[{{\"Id\": \"abc\", \"Name\": \"/web\", \"Config\": {{\"Image\": \"nginx:1.27\"{config}}}, \"HostConfig\": {{}}}}]"
                ),
            )
        };
        let f = inspect("");
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].message.contains("without a health check"),
            "{}",
            f[0].message
        );
        let with_check = inspect(", \"Healthcheck\": {\"Test\": [\"CMD\", \"true\"]}");
        assert!(with_check.is_empty(), "{with_check:?}");
        let disabled = inspect(", \"Healthcheck\": {\"Test\": [\"NONE\"]}");
        assert!(disabled[0].message.contains("disables"));
    }
}
