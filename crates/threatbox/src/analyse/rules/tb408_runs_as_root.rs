//! TB408 `container-runs-as-root`: a container runs as root after the
//! platform's resolution (container, pod, image `USER`).

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::container_support::subject;
use crate::model::runtime::{Platform, Workload};

pub struct ContainerRunsAsRoot;

pub static META: RuleMeta = RuleMeta {
    code: "TB408",
    slug: "container-runs-as-root",
    title: "Container runs as root",
    severity: Severity::High,
    stride: &[Stride::ElevationOfPrivilege],
    cwe: &[250],
    stage: LifecycleStage::Runtime,
    cis: &["CIS-Docker-4.1", "CIS-Kubernetes-5.2.7"],
    peers: &[
        "CKV_K8S_23",
        "KSV-0012",
        "KSV-0105",
        "KSV-0116",
        "C-0013",
        "run-as-non-root",
        "runAsRootAllowed",
    ],
    remediation: "Run as an unprivileged user: Kubernetes `securityContext: {runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001}` (pod or container level); compose `user: \"10001:10001\"`; or a numeric non-root `USER` in the Dockerfile the service builds.",
    docs: r#"
**What it detects.** A container whose effective user, after the platform
resolves it (container `securityContext`, else the pod's, else the image's
`USER` when the image is built in this repository; compose `user:`), is:
- UID 0 or `root` — high, at the setting;
- unknown with nothing guaranteeing non-root (`runAsNonRoot`, `user:`) —
  medium, "may run as root": most public images default to root;
- a non-root user whose primary group is 0 (`runAsGroup: 0`, `user: 1000:0`)
  or who joins group `0`/`root`/`docker` with compose `group_add` — low:
  root-group-owned files stay writable, the docker group opens the socket.

In a Kubernetes pod with `hostUsers: false` (its own user namespace) the
first two are low and the message says so: UID 0 inside maps to an
unprivileged UID on the node, so an escape lands as nobody (TB427 reports
pods that could use one and do not).

**Why it is a threat.** Root in a container is root on the host's kernel,
only fenced by namespaces and capabilities: a kernel or runtime escape
(runc CVE-2019-5736, Dirty Pipe) or one of TB401–TB407 turns it into root on
the node. Root in the container also rewrites the application's own files
(STRIDE: Elevation of privilege).

**Example.**
```yaml
    securityContext:
      runAsUser: 0
```
```yaml
services:
  app:
    user: root
```

**Fix.**
```yaml
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
    runAsGroup: 10001
```
```yaml
services:
  app:
    user: "10001:10001"
```
"#,
};

impl Rule for ContainerRunsAsRoot {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_workload(&self, workload: &Workload, _ctx: &RuleContext<'_>, sink: &mut Sink) {
        let hint = match workload.platform {
            Platform::Kubernetes => "`runAsNonRoot: true` with a non-zero `runAsUser`",
            Platform::Compose => "`user:` with a non-root UID",
            Platform::Docker => "`--user` with a non-root UID",
        };
        // `hostUsers: false`: UID 0 in the pod maps to an unprivileged UID
        // on the node, so root inside is contained root.
        let own_user_namespace = workload.host_users.as_ref().is_some_and(|h| !h.value);
        let userns_note = if own_user_namespace {
            " (in its own user namespace: UID 0 maps to an unprivileged UID on the node)"
        } else {
            ""
        };
        let capped = |severity: Severity| {
            if own_user_namespace {
                Severity::Low
            } else {
                severity
            }
        };
        for container in &workload.containers {
            let who = subject(workload, container);
            match container.runs_as_root() {
                Some(true) => {
                    let location = container
                        .run_as_user
                        .as_ref()
                        .map(|s| &s.location)
                        .or(container.user_name.as_ref().map(|s| &s.location))
                        .unwrap_or(&container.location)
                        .clone();
                    sink.push(
                        Finding::new(&META, location, format!("{who} runs as root{userns_note}"))
                            .with_severity(capped(Severity::High)),
                    );
                }
                None => sink.push(
                    Finding::new(
                        &META,
                        container.location.clone(),
                        format!(
                            "{who} may run as root: nothing sets a non-root user ({hint}){userns_note}"
                        ),
                    )
                    .with_severity(capped(Severity::Medium)),
                ),
                Some(false) => {
                    let root_group = container.run_as_group.as_ref().filter(|g| g.value == 0);
                    let named_root_group = container
                        .user_name
                        .as_ref()
                        .filter(|u| matches!(u.value.split_once(':'), Some((_, "0" | "root"))));
                    if let Some(location) = root_group
                        .map(|g| &g.location)
                        .or(named_root_group.map(|u| &u.location))
                    {
                        sink.push(
                            Finding::new(
                                &META,
                                location.clone(),
                                format!("{who} runs with the root group (GID 0)"),
                            )
                            .with_severity(Severity::Low),
                        );
                    }
                }
            }
            if container.runs_as_root() != Some(true) {
                for group in &container.group_add {
                    let what = match group.value.trim() {
                        "0" | "root" => "the root group (GID 0)",
                        "docker" => "the `docker` group (the runtime socket's group)",
                        _ => continue,
                    };
                    sink.push(
                        Finding::new(
                            &META,
                            group.location.clone(),
                            format!("{who} joins {what} through `group_add`"),
                        )
                        .with_severity(Severity::Low),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::container_support::test_support::{loc, run_all};
    use crate::analyse::rules::testing::lines;
    use crate::model::runtime::{Container, Setting};

    #[test]
    fn explicit_root_is_high_at_the_setting() {
        let uid0 = Container {
            run_as_user: Some(Setting::new(0, loc(6))),
            ..Default::default()
        };
        let named = Container {
            user_name: Some(Setting::new("root".into(), loc(7))),
            ..Default::default()
        };
        for (c, line) in [(uid0, 6), (named, 7)] {
            for f in run_all(&ContainerRunsAsRoot, c.clone()) {
                assert_eq!(lines(&f), vec![line]);
                assert_eq!(f[0].severity, Severity::High);
            }
        }
    }

    #[test]
    fn unknown_user_is_medium_at_the_container() {
        for f in run_all(&ContainerRunsAsRoot, Container::default()) {
            assert_eq!(lines(&f), vec![3]);
            assert_eq!(f[0].severity, Severity::Medium);
            assert!(f[0].message.contains("may run as root"));
        }
    }

    #[test]
    fn root_group_is_low() {
        let c = Container {
            run_as_user: Some(Setting::new(1000, loc(6))),
            run_as_group: Some(Setting::new(0, loc(8))),
            ..Default::default()
        };
        for f in run_all(&ContainerRunsAsRoot, c.clone()) {
            assert_eq!(lines(&f), vec![8]);
            assert_eq!(f[0].severity, Severity::Low);
        }
        let compose = Container {
            user_name: Some(Setting::new("app:0".into(), loc(9))),
            ..Default::default()
        };
        for f in run_all(&ContainerRunsAsRoot, compose) {
            assert_eq!(lines(&f), vec![9]);
        }
    }

    #[test]
    fn root_and_docker_supplementary_groups_are_low() {
        let c = Container {
            run_as_user: Some(Setting::new(1000, loc(6))),
            group_add: vec![
                Setting::new("docker".into(), loc(10)),
                Setting::new("video".into(), loc(11)),
                Setting::new("0".into(), loc(12)),
            ],
            ..Default::default()
        };
        for f in run_all(&ContainerRunsAsRoot, c.clone()) {
            assert_eq!(lines(&f), vec![10, 12]);
        }
    }

    #[test]
    fn ignores_non_root_users() {
        for c in [
            Container {
                run_as_user: Some(Setting::new(10001, loc(6))),
                ..Default::default()
            },
            Container {
                run_as_non_root: Some(Setting::new(true, loc(6))),
                ..Default::default()
            },
            Container {
                user_name: Some(Setting::new("app".into(), loc(6))),
                ..Default::default()
            },
        ] {
            for f in run_all(&ContainerRunsAsRoot, c.clone()) {
                assert!(f.is_empty());
            }
        }
    }

    #[test]
    fn root_in_its_own_user_namespace_is_low() {
        let f = crate::analyse::rules::testing::check_file(
            &ContainerRunsAsRoot,
            "pod.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostUsers: false\n  containers:\n    - name: root\n      image: a:1\n      securityContext: {runAsUser: 0}\n    - name: unknown\n      image: a:1\n",
        );
        assert_eq!(lines(&f), vec![9, 10]);
        assert!(f.iter().all(|f| f.severity == Severity::Low), "{f:?}");
        assert!(f.iter().all(|f| f.message.contains("own user namespace")));
    }
}
