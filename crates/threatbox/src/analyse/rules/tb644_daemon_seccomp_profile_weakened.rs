//! TB644 `daemon-seccomp-profile-weakened`: the docker daemon's default
//! seccomp profile is turned off (`unconfined`) or replaced by a custom
//! file (`seccomp-profile` in `daemon.json`).

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};

pub struct DaemonSeccompProfileWeakened;

pub static META: RuleMeta = RuleMeta {
    code: "TB644",
    slug: "daemon-seccomp-profile-weakened",
    title: "Docker daemon's default seccomp profile disabled or replaced",
    severity: Severity::High,
    stride: &[Stride::ElevationOfPrivilege],
    cwe: &[653],
    stage: LifecycleStage::Host,
    cis: &["CIS-Docker-2.17"],
    peers: &[],
    remediation: "Remove `seccomp-profile` from `daemon.json` (or set it to `builtin`) so that every container gets Docker's default profile; give the few containers that need more syscalls their own profile with `--security-opt seccomp=profile.json`.",
    docs: r#"
**What it detects.** `seccomp-profile` in `daemon.json`:
- `unconfined` — high: no container gets a seccomp filter unless it asks
  for one;
- a path to a custom profile — info: it replaces Docker's default for every
  container and should be reviewed against it.

`builtin`, an empty value or no key keep Docker's default profile and are
not reported. (A container-level `seccomp=unconfined` is TB410.)

**Why it is a threat.** Docker's default profile blocks about 50 system
calls (`keyctl`, `add_key`, `bpf`, `mount`, `unshare` in some forms,
`ptrace` on old kernels…) that most kernel privilege escalations and
container escapes go through. Daemon-wide `unconfined` removes that filter
from every container on the host at once; a custom profile may allow what
the default blocks (STRIDE: Elevation of privilege).

**Example.**
```json
{"seccomp-profile": "unconfined"}
```

**Fix.**
```json
{"seccomp-profile": "builtin"}
```
"#,
};

impl Rule for DaemonSeccompProfileWeakened {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        for daemon in &ctx.system.daemons {
            let Some(profile) = daemon.seccomp_profile() else {
                continue;
            };
            let value = profile.value.trim();
            let finding = if value.eq_ignore_ascii_case("unconfined") {
                Finding::new(
                    &META,
                    profile.location.clone(),
                    "`seccomp-profile` is `unconfined`: containers run without a seccomp filter unless they set one, the whole syscall surface of the kernel is reachable (CIS Docker 2.17)",
                )
            } else if value.is_empty() || value.eq_ignore_ascii_case("builtin") {
                continue;
            } else {
                Finding::new(
                    &META,
                    profile.location.clone(),
                    format!("`seccomp-profile` is the custom profile `{value}`: it replaces Docker's default for every container; review what it allows against the default (CIS Docker 2.17)"),
                )
                .with_severity(Severity::Info)
            };
            sink.push(finding);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check_file, lines};

    fn run(json: &str) -> Vec<Finding> {
        check_file(&DaemonSeccompProfileWeakened, "daemon.json", json)
    }

    #[test]
    fn unconfined_is_high_and_a_custom_profile_info() {
        let f = run("{\n  \"icc\": false,\n  \"seccomp-profile\": \"unconfined\"\n}");
        assert_eq!(lines(&f), [3]);
        assert_eq!(f[0].severity, Severity::High);
        let f = run("{\n  \"seccomp-profile\": \"/etc/docker/seccomp.json\"\n}");
        assert_eq!(lines(&f), [2]);
        assert_eq!(f[0].severity, Severity::Info);
        assert!(f[0].message.contains("/etc/docker/seccomp.json"));
    }

    #[test]
    fn default_profile_is_not_reported() {
        for json in [
            "{\"seccomp-profile\": \"builtin\"}",
            "{\"seccomp-profile\": \"\"}",
            "{\"icc\": false}",
        ] {
            assert!(run(json).is_empty(), "{json}");
        }
    }

    #[test]
    fn wrong_types_give_no_finding() {
        for json in [
            "{\"seccomp-profile\": [\"unconfined\"]}",
            "{\"seccomp-profile\": {\"defaultAction\": \"SCMP_ACT_ALLOW\"}}",
            "{\"seccomp-profile\": false}",
            "{\"seccomp-profile\": null}",
        ] {
            assert!(run(json).is_empty(), "{json}");
        }
    }
}
