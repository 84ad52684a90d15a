//! TB426 `low-user-id`: a container runs with a UID or GID below 10000,
//! where it may collide with an account on the host.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::container_support::subject;
use crate::model::runtime::{Platform, Setting, Workload};

pub struct LowUserId;

pub static META: RuleMeta = RuleMeta {
    code: "TB426",
    slug: "low-user-id",
    title: "UID or GID below 10000",
    severity: Severity::Low,
    stride: &[Stride::ElevationOfPrivilege],
    cwe: &[653],
    stage: LifecycleStage::Runtime,
    cis: &[],
    peers: &[
        "user-group-id",
        "CKV_K8S_40",
        "KSV-0020",
        "KSV-0021",
        "RunAsUser",
        "RunAsGroup",
    ],
    remediation: "Run as a UID and GID of 10000 or more that no host account uses: Kubernetes `securityContext: {runAsUser: 10001, runAsGroup: 10001}` (or `hostUsers: false`, which maps the pod's IDs to an unused host range); compose `user: \"10001:10001\"` (or run the daemon with `userns-remap` / rootless).",
    docs: r#"
**What it detects.** A container whose effective UID or GID — after
inheritance from the pod's `securityContext` (Kubernetes), from compose
`user: uid:gid`, docker `Config.User`, or the numeric `USER` of an image
built here — is between 1 and 9999. UID/GID 0 is TB408's finding. Kubernetes
workloads with `hostUsers: false` are skipped: their IDs are mapped to a
range no host account uses.

Compose and docker are checked too: a container's UIDs are the host's
unless the daemon runs with `userns-remap` or rootless, which a compose file
cannot show (TB632 reports the daemon setting when `daemon.json` is
scanned). `user: "1000:1000"` is often written on purpose, to own files in a
bind mount like the developer's account does — and that is exactly the
collision: UID 1000 is the first human account on most Linux hosts, often
in `sudo` or `docker`.

**Why it is a threat.** Without a user namespace a UID in the container is
the same UID on the host. Low IDs are where host accounts live (system
users below 1000, people from 1000): a process that escapes the container,
or that reaches a host path through a mount, acts with that account's file
access — its home directory, its keys, its group's devices. IDs of 10000
and more are not normally given to host accounts (STRIDE: Elevation of
privilege).

**Example.**
```yaml
    securityContext:
      runAsUser: 1000
      runAsGroup: 1000
```
```yaml
services:
  app:
    user: "1000:1000"
```

**Fix.**
```yaml
    securityContext:
      runAsUser: 10001
      runAsGroup: 10001
```
```yaml
spec:
  hostUsers: false
```
"#,
};

/// An ID that is set and below 10000, but not root's 0 (TB408).
fn low(id: &Option<Setting<i64>>) -> Option<&Setting<i64>> {
    id.as_ref().filter(|s| (1..=9999).contains(&s.value))
}

impl Rule for LowUserId {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_workload(&self, workload: &Workload, _ctx: &RuleContext<'_>, sink: &mut Sink) {
        // `hostUsers: false`: the pod's IDs are mapped to an unused host
        // range, so no host account shares them.
        if workload.host_users.as_ref().is_some_and(|s| !s.value) {
            return;
        }
        let namespace_hint = match workload.platform {
            Platform::Kubernetes => "without `hostUsers: false`",
            Platform::Compose | Platform::Docker => "without a remapped user namespace",
        };
        for container in &workload.containers {
            let who = subject(workload, container);
            let uid = low(&container.run_as_user);
            let gid = low(&container.run_as_group);
            let mut push = |location: &crate::source::Location, what: String| {
                sink.push(Finding::new(
                    &META,
                    location.clone(),
                    format!(
                        "{who} runs as {what} (below 10000): {namespace_hint} the IDs are the host's, so after an escape it has the file access of the host account or group with the same ID"
                    ),
                ));
            };
            match (uid, gid) {
                (Some(u), Some(g)) if u.location == g.location => {
                    push(&u.location, format!("UID {} and GID {}", u.value, g.value));
                }
                _ => {
                    if let Some(u) = uid {
                        push(&u.location, format!("UID {}", u.value));
                    }
                    if let Some(g) = gid {
                        push(&g.location, format!("GID {}", g.value));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::container_support::test_support::{loc, run_all};
    use crate::analyse::rules::testing::{check_file, lines};
    use crate::model::runtime::Container;

    fn ids(uid: Option<(i64, usize)>, gid: Option<(i64, usize)>) -> Container {
        Container {
            run_as_user: uid.map(|(v, l)| Setting::new(v, loc(l))),
            run_as_group: gid.map(|(v, l)| Setting::new(v, loc(l))),
            ..Default::default()
        }
    }

    #[test]
    fn low_uid_and_gid_are_reported_at_their_settings() {
        for f in run_all(&LowUserId, ids(Some((1000, 6)), Some((3000, 7)))) {
            assert_eq!(lines(&f), vec![6, 7]);
            assert!(f.iter().all(|f| f.severity == Severity::Low));
            assert!(
                f[0].message.contains("UID 1000 (below 10000)"),
                "{}",
                f[0].message
            );
            assert!(f[1].message.contains("GID 3000"), "{}", f[1].message);
        }
        // Boundaries: 1 and 9999 are low.
        for f in run_all(&LowUserId, ids(Some((1, 6)), Some((9999, 7)))) {
            assert_eq!(lines(&f), vec![6, 7]);
        }
    }

    #[test]
    fn one_setting_giving_both_ids_gives_one_finding() {
        let [_, compose, _] = run_all(&LowUserId, ids(Some((1000, 4)), Some((1000, 4))));
        assert_eq!(lines(&compose), vec![4]);
        assert_eq!(
            compose[0].message,
            "service `app` runs as UID 1000 and GID 1000 (below 10000): without a remapped user namespace the IDs are the host's, so after an escape it has the file access of the host account or group with the same ID"
        );
    }

    #[test]
    fn root_high_and_unset_ids_are_not_this_rules_business() {
        for c in [
            ids(None, None),
            ids(Some((0, 6)), Some((0, 7))),
            ids(Some((10000, 6)), Some((10001, 7))),
            ids(Some((65534, 6)), None),
            ids(Some((-1, 6)), None),
            Container {
                user_name: Some(Setting::new("app:app".into(), loc(6))),
                ..Default::default()
            },
        ] {
            for f in run_all(&LowUserId, c.clone()) {
                assert!(f.is_empty(), "{c:?}: {f:?}");
            }
        }
    }

    #[test]
    fn user_namespace_skips_the_workload() {
        let mut w = crate::analyse::rules::container_support::test_support::workload(
            Platform::Kubernetes,
            ids(Some((1000, 6)), None),
        );
        w.host_users = Some(Setting::new(false, loc(5)));
        let f = crate::analyse::rules::container_support::test_support::run(&LowUserId, w.clone());
        assert!(f.is_empty());
        // `hostUsers: true` keeps the host's IDs.
        w.host_users = Some(Setting::new(true, loc(5)));
        let f = crate::analyse::rules::container_support::test_support::run(&LowUserId, w);
        assert_eq!(lines(&f), vec![6]);
    }

    const POD: &str = "\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  securityContext:
    runAsUser: 1000
    runAsGroup: 20000
  containers:
  - name: inherits
    image: x
  - name: overrides
    image: x
    securityContext:
      runAsUser: 12000
      runAsGroup: 2000
";

    #[test]
    fn kubernetes_pod_level_ids_are_inherited_and_overridden() {
        let f = check_file(&LowUserId, "pod.yaml", POD);
        assert_eq!(lines(&f), vec![6, 15]);
        assert!(
            f[0].message
                .starts_with("container `inherits` of Pod `p` runs as UID 1000")
        );
        assert!(
            f[1].message
                .starts_with("container `overrides` of Pod `p` runs as GID 2000")
        );
        let userns = POD.replace("spec:\n", "spec:\n  hostUsers: false\n");
        assert!(check_file(&LowUserId, "pod.yaml", &userns).is_empty());
    }

    #[test]
    fn malformed_ids_give_no_findings() {
        for sc in [
            "securityContext: {runAsUser: \"1000\", runAsGroup: [1000]}",
            "securityContext: [runAsUser, 1000]",
            "securityContext: runAsUser:1000",
            "securityContext: {runAsUser: 1000.5, runAsGroup: {a: 1}}",
            "securityContext: {runAsUser: ~, runAsGroup: \"\"}",
        ] {
            let text = format!(
                "apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  {sc}\n  containers:\n  - {{name: c, image: x}}\n"
            );
            assert!(check_file(&LowUserId, "pod.yaml", &text).is_empty(), "{sc}");
        }
        let compose = "services:\n  a:\n    image: x\n    user: \"${UID}:${GID}\"\n  b:\n    image: x\n    user: [1000]\n";
        assert!(check_file(&LowUserId, "docker-compose.yml", compose).is_empty());
    }

    #[test]
    fn compose_user_with_low_ids() {
        let text = "services:\n  a:\n    image: x\n    user: \"1000:1000\"\n  b:\n    image: x\n    user: \"10001\"\n";
        let f = check_file(&LowUserId, "docker-compose.yml", text);
        assert_eq!(lines(&f), vec![4]);
        assert!(
            f[0].message
                .starts_with("service `a` runs as UID 1000 and GID 1000")
        );
    }
}
