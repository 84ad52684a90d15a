//! TB401 `privileged-container`: a container runs privileged (or, on
//! Windows, as a HostProcess container).

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::container_support::subject;
use crate::model::runtime::Workload;

pub struct PrivilegedContainer;

pub static META: RuleMeta = RuleMeta {
    code: "TB401",
    slug: "privileged-container",
    title: "Privileged container",
    severity: Severity::Critical,
    stride: &[Stride::ElevationOfPrivilege],
    cwe: &[250],
    stage: LifecycleStage::Runtime,
    cis: &["CIS-Docker-5.5", "CIS-Kubernetes-5.2.2"],
    peers: &[
        "CKV_K8S_16",
        "KSV-0017",
        "C-0057",
        "privileged-container",
        "runAsPrivileged",
        "hostProcess",
        "KSV-0103",
        "C-0202",
    ],
    remediation: "Remove `privileged: true` (Kubernetes `securityContext.privileged`, compose `privileged`, `docker run --privileged`); grant the one capability or device the workload really needs instead. On Windows, remove `windowsOptions.hostProcess: true` unless the pod is a node-management agent that must run on the host.",
    docs: r#"
**What it detects.** A container with `privileged: true`: a Kubernetes
`securityContext.privileged`, a compose service's `privileged`, or
`HostConfig.Privileged` in `docker inspect` output. Also a Windows
HostProcess container: Kubernetes `securityContext.windowsOptions.hostProcess:
true` at container level, or at pod level when the container does not set
it to `false` — the Windows counterpart of privileged.

**Why it is a threat.** A privileged container gets every capability, every
host device, no seccomp or AppArmor filtering and a writable `/sys`: root in
it is root on the node. Anyone who gets code execution in it (a vulnerable
dependency, an exposed debug endpoint) mounts the host disk or loads a kernel
module and owns the node and every other container on it (STRIDE: Elevation
of privilege). A HostProcess container is not isolated at all: it runs on the
Windows node as a host process, in the host's network, with the node's file
system and the rights of its (host) user account.

**Example.**
```yaml
containers:
  - name: app
    image: registry.example/app:1.4
    securityContext:
      privileged: true
```
```yaml
services:
  app:
    privileged: true
```
```yaml
spec:
  securityContext:
    windowsOptions:
      hostProcess: true
  hostNetwork: true
```

**Fix.** Drop the flag and add only what is needed:
```yaml
    securityContext:
      privileged: false
      capabilities: { drop: [ALL], add: [NET_BIND_SERVICE] }
```
```yaml
services:
  app:
    cap_drop: [ALL]
    cap_add: [NET_BIND_SERVICE]
```
"#,
};

impl Rule for PrivilegedContainer {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_workload(&self, workload: &Workload, _ctx: &RuleContext<'_>, sink: &mut Sink) {
        for container in &workload.containers {
            if let Some(privileged) = container.privileged.as_ref().filter(|s| s.value) {
                sink.push(Finding::new(
                    &META,
                    privileged.location.clone(),
                    format!(
                        "{} is privileged: root in it is root on the host",
                        subject(workload, container)
                    ),
                ));
            }
            if let Some(host_process) = container.host_process.as_ref().filter(|s| s.value) {
                sink.push(Finding::new(
                    &META,
                    host_process.location.clone(),
                    format!(
                        "{} is a Windows HostProcess container (`hostProcess: true`): it runs on the node as a host process, with the host's file system and network",
                        subject(workload, container)
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::container_support::test_support::{loc, run_all};
    use crate::analyse::rules::testing::{check_file, lines};
    use crate::model::runtime::{Container, Setting};

    #[test]
    fn flags_privileged_on_every_platform_at_the_setting() {
        let c = Container {
            privileged: Some(Setting::new(true, loc(7))),
            ..Default::default()
        };
        for f in run_all(&PrivilegedContainer, c) {
            assert_eq!(lines(&f), vec![7]);
            assert_eq!(f[0].severity, Severity::Critical);
        }
    }

    #[test]
    fn ignores_unset_and_false() {
        let off = Container {
            privileged: Some(Setting::new(false, loc(7))),
            ..Default::default()
        };
        for f in run_all(&PrivilegedContainer, off) {
            assert!(f.is_empty());
        }
        for f in run_all(&PrivilegedContainer, Container::default()) {
            assert!(f.is_empty());
        }
    }

    #[test]
    fn host_process_is_reported_like_privileged() {
        let c = Container {
            host_process: Some(Setting::new(true, loc(9))),
            ..Default::default()
        };
        let [kube, ..] = run_all(&PrivilegedContainer, c);
        assert_eq!(lines(&kube), vec![9]);
        assert_eq!(kube[0].severity, Severity::Critical);
        assert!(
            kube[0].message.contains("HostProcess"),
            "{}",
            kube[0].message
        );
        let both = Container {
            privileged: Some(Setting::new(true, loc(7))),
            host_process: Some(Setting::new(true, loc(9))),
            ..Default::default()
        };
        let [kube, ..] = run_all(&PrivilegedContainer, both);
        assert_eq!(lines(&kube), vec![7, 9]);
        let off = Container {
            host_process: Some(Setting::new(false, loc(9))),
            ..Default::default()
        };
        assert!(run_all(&PrivilegedContainer, off).iter().all(Vec::is_empty));
    }

    /// Pod- and container-level `hostProcess`, as in Polaris' fixtures.
    const WINDOWS_POD: &str = "\
apiVersion: v1
kind: Pod
metadata: {name: win}
spec:
  containers:
  - name: agent
    image: mcr.microsoft.com/windows/nanoserver:ltsc2022
    securityContext:
      windowsOptions:
        hostProcess: CONTAINER
  - name: second
    image: mcr.microsoft.com/windows/nanoserver:ltsc2022
  securityContext:
    windowsOptions:
      hostProcess: POD
  hostNetwork: true
";

    #[test]
    fn kubernetes_host_process_at_pod_and_container_level() {
        let case = |container: &str, pod: &str| {
            let text = WINDOWS_POD
                .replace("CONTAINER", container)
                .replace("POD", pod);
            lines(&check_file(&PrivilegedContainer, "pod.yaml", &text))
        };
        // The pod's setting reaches `second`; `agent` overrides it.
        assert_eq!(case("false", "true"), vec![15]);
        assert_eq!(case("true", "false"), vec![10]);
        assert_eq!(case("true", "true"), vec![10, 15]);
        assert!(case("false", "false").is_empty());
        // Wrong types are ignored (the API server would reject them).
        assert!(case("\"yes please\"", "[true]").is_empty());
        let f = check_file(
            &PrivilegedContainer,
            "pod.yaml",
            &WINDOWS_POD
                .replace("CONTAINER", "true")
                .replace("POD", "false"),
        );
        assert_eq!(
            f[0].message,
            "container `agent` of Pod `win` is a Windows HostProcess container (`hostProcess: true`): it runs on the node as a host process, with the host's file system and network"
        );
    }
}
