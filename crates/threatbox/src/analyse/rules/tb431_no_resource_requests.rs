//! TB431 `no-resource-requests`: a Kubernetes container with no CPU or no
//! memory request (and no limit for Kubernetes to default it from).

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::container_support::{is_zero_quantity, subject};
use crate::analyse::rules::limit_ranges::{ContainerDefaults, NamespaceDefaults};
use crate::model::runtime::{ContainerKind, Platform, Setting, Workload};

pub struct NoResourceRequests;

pub static META: RuleMeta = RuleMeta {
    code: "TB431",
    slug: "no-resource-requests",
    title: "No CPU or memory request",
    severity: Severity::Low,
    stride: &[Stride::DenialOfService],
    cwe: &[770],
    stage: LifecycleStage::Runtime,
    cis: &[],
    peers: &[
        "container-resources",
        "RequestsCPU",
        "RequestsMemory",
        "unset-cpu-requirements",
        "unset-memory-requirements",
        "cpuRequestsMissing",
        "memoryRequestsMissing",
        "CKV_K8S_10",
        "CKV_K8S_12",
        "KSV-0015",
        "KSV-0016",
        "C-0268",
        "C-0269",
    ],
    remediation: "Set `resources.requests: {cpu: 100m, memory: 128Mi}` on each container, sized from observed use (a limit alone also works: Kubernetes then requests the limit).",
    docs: r#"
**What it detects.** A Kubernetes container (regular or init) with no CPU
request, or no memory request, where the matching limit is absent too: when
only the limit is written, Kubernetes sets the request to the limit, so that
container is not reported. A request or limit of `0` counts as none (the
scheduler and the QoS class ignore zero). One finding per container, at the
container, naming the missing resource(s). Ephemeral containers cannot set
resources and are skipped. A `LimitRange` of the same namespace scanned in
the same run that gives containers a default for the resource
(`defaultRequest`, or `default`, `max` or `min`, from which the API server
derives one) fills the request at admission: not reported. Neither is a
container of a pod with a pod-level request or limit for the resource
(`spec.resources`, Kubernetes 1.32+), which reserves for the whole pod.

Compose and docker are not checked: a single engine does not schedule or
evict by request. Compose's `deploy.resources.reservations` (and
`mem_reservation`, `cpu_shares`) only place tasks in Swarm, or act as a soft
memory floor and a relative CPU weight under contention on one host; the
limits that protect a host are TB412.

**Why it is a threat.** Requests are what the scheduler reserves on a node.
A container without them is placed as if it needed nothing, so nodes are
overcommitted, and a pod whose containers request nothing is `BestEffort`:
the first evicted when the node runs short of memory or disk. A noisy
neighbour, or an attacker who makes one workload allocate, then pushes the
unreserved workloads off the node (STRIDE: Denial of service). CWE-770:
the cluster hands out node capacity without accounting for it.

**Example.**
```yaml
containers:
  - name: app
    image: registry.example/app:1.4
    resources:
      requests:
        memory: 128Mi
```

**Fix.**
```yaml
    resources:
      requests: { cpu: 100m, memory: 128Mi }
      limits: { memory: 256Mi }
```
"#,
};

/// Unset, empty or zero: the scheduler and the QoS class see nothing.
fn unset(value: &Option<Setting<String>>) -> bool {
    value.as_ref().is_none_or(|s| is_zero_quantity(&s.value))
}

impl Rule for NoResourceRequests {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    // Once per system: the namespaces' LimitRanges are read once, not per
    // workload.
    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        let defaults = NamespaceDefaults::of(ctx.system);
        for workload in &ctx.system.workloads {
            if workload.platform == Platform::Kubernetes {
                check(workload, defaults.for_workload(workload), sink);
            }
        }
    }
}

fn check(workload: &Workload, defaults: ContainerDefaults, sink: &mut Sink) {
    for container in &workload.containers {
        if container.kind == ContainerKind::Ephemeral {
            continue;
        }
        let r = &container.resources;
        let mut missing = Vec::new();
        // Pod-level requests or limits (`spec.resources`) reserve for the
        // whole pod.
        let pod = &workload.pod_resources;
        let pod_cpu = !unset(&pod.cpu_request) || !unset(&pod.cpu_limit);
        let pod_memory = !unset(&pod.memory_request) || !unset(&pod.memory_limit);
        if !defaults.cpu_request && !pod_cpu && unset(&r.cpu_request) && unset(&r.cpu_limit) {
            missing.push("CPU");
        }
        if !defaults.memory_request
            && !pod_memory
            && unset(&r.memory_request)
            && unset(&r.memory_limit)
        {
            missing.push("memory");
        }
        if missing.is_empty() {
            continue;
        }
        let what = missing.join(" or ");
        sink.push(Finding::new(
                &META,
                container.location.clone(),
                format!(
                    "{} has no {what} request (nor a limit to default it from): the scheduler reserves nothing for it",
                    subject(workload, container)
                ),
            ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::container_support::test_support::{loc, run_all};
    use crate::analyse::rules::testing::{check_file, lines};
    use crate::model::runtime::{Container, Resources};

    fn pod(resources: &str) -> Vec<Finding> {
        let text = format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  containers:\n  - name: a\n    image: nginx\n{resources}"
        );
        check_file(&NoResourceRequests, "pod.yaml", &text)
    }

    #[test]
    fn names_the_missing_resource_at_the_container() {
        let f = pod("");
        assert_eq!(lines(&f), vec![6]);
        assert_eq!(
            f[0].message,
            "container `a` of Pod `p` has no CPU or memory request (nor a limit to default it from): the scheduler reserves nothing for it"
        );
        assert_eq!(f[0].severity, Severity::Low);
        let f = pod("    resources:\n      requests:\n        memory: 128Mi\n");
        assert!(
            f[0].message.contains("has no CPU request"),
            "{}",
            f[0].message
        );
        let f = pod("    resources:\n      requests:\n        cpu: 100m\n");
        assert!(f[0].message.contains("has no memory request"));
        // Zero is no request.
        let f = pod("    resources:\n      requests: {cpu: \"0\", memory: 128Mi}\n");
        assert!(f[0].message.contains("has no CPU request"));
    }

    #[test]
    fn a_limit_stands_in_for_the_request() {
        assert!(pod("    resources:\n      limits: {cpu: 500m, memory: 256Mi}\n").is_empty());
        let f = pod("    resources:\n      limits: {cpu: 500m}\n      requests: {}\n");
        assert_eq!(lines(&f), vec![6]);
        assert!(f[0].message.contains("has no memory request"));
        assert!(pod("    resources:\n      requests: {cpu: 0.1, memory: 64Mi}\n").is_empty());
    }

    #[test]
    fn init_containers_count_ephemeral_and_other_platforms_do_not() {
        let c = Container {
            kind: ContainerKind::Init,
            ..Default::default()
        };
        let [k, compose, docker] = run_all(&NoResourceRequests, c);
        assert_eq!(lines(&k), vec![3]);
        assert!(k[0].message.starts_with("init container `app`"));
        assert!(compose.is_empty() && docker.is_empty());
        let c = Container {
            kind: ContainerKind::Ephemeral,
            ..Default::default()
        };
        assert!(run_all(&NoResourceRequests, c)[0].is_empty());
        let c = Container {
            resources: Resources {
                cpu_request: Some(Setting::new("250m".into(), loc(5))),
                memory_request: Some(Setting::new("64Mi".into(), loc(6))),
                ..Default::default()
            },
            ..Default::default()
        };
        assert!(run_all(&NoResourceRequests, c)[0].is_empty());
    }

    #[test]
    fn a_limit_range_of_the_namespace_fills_the_request() {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: team}\nspec:\n  containers:\n  - name: a\n    image: nginx\n";
        let lr = |ns: &str, body: &str| {
            format!(
                "apiVersion: v1\nkind: LimitRange\nmetadata: {{name: l, namespace: {ns}}}\nspec:\n  limits:\n  - type: Container\n{body}"
            )
        };
        let run = |lr: &str| {
            let system =
                crate::analyse::rules::testing::system(&[("pod.yaml", pod), ("lr.yaml", lr)]);
            crate::analyse::rules::testing::check_system(&NoResourceRequests, &system)
        };
        let both = lr("team", "    defaultRequest: {cpu: 100m, memory: 64Mi}\n");
        assert!(run(&both).is_empty());
        let cpu = lr("team", "    default: {cpu: 500m}\n");
        let f = run(&cpu);
        assert_eq!(lines(&f), vec![6]);
        assert!(
            f[0].message.contains("has no memory request"),
            "{}",
            f[0].message
        );
        let elsewhere = lr("other", "    defaultRequest: {cpu: 100m, memory: 64Mi}\n");
        assert!(
            run(&elsewhere)[0]
                .message
                .contains("no CPU or memory request")
        );
    }

    #[test]
    fn malformed_resources_do_not_panic() {
        for resources in [
            "    resources: [cpu, memory]\n",
            "    resources: 7\n",
            "    resources:\n      requests: [{cpu: 1}]\n",
            "    resources:\n      requests: {cpu: [1], memory: {a: b}}\n",
            "    resources:\n      requests: {cpu: \"\", memory: \"\"}\n",
        ] {
            let f = pod(resources);
            assert_eq!(lines(&f), vec![6], "{resources}");
            assert!(f[0].message.contains("no CPU or memory request"));
        }
    }

    #[test]
    fn pod_level_resources_count_for_every_container() {
        let pod = |resources: &str| {
            crate::analyse::rules::container_support::test_support::two_container_pod_with(
                &NoResourceRequests,
                resources,
            )
        };
        assert_eq!(pod("").len(), 2);
        let covered = pod("  resources:\n    limits: {cpu: \"1\", memory: 1Gi}\n");
        assert!(covered.is_empty(), "{covered:?}");
        // Only memory at pod level: the CPU request is still missing.
        let half = pod("  resources:\n    limits: {memory: 1Gi}\n");
        assert_eq!(half.len(), 2);
        assert!(
            half.iter()
                .all(|f| f.message.contains("CPU") && !f.message.contains("memory")),
            "{half:?}"
        );
    }
}
