//! TB109 `insecure-build-privileges`: `RUN --security=insecure` or
//! `RUN --network=host`.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleMeta, Sink};
use crate::analyse::rules::scope;
use crate::model::image::BuildImage;
use crate::parse::dockerfile::InstrKind;

pub struct InsecureBuildPrivileges;

pub static META: RuleMeta = RuleMeta {
    code: "TB109",
    slug: "insecure-build-privileges",
    title: "RUN with insecure build privileges",
    severity: Severity::High,
    stride: &[Stride::ElevationOfPrivilege, Stride::Tampering],
    cwe: &[250],
    stage: LifecycleStage::Build,
    cis: &[],
    peers: &[],
    remediation: "Remove `--security=insecure` and `--network=host` from `RUN`; if a step truly needs a device or a host service, give it exactly that (a `--mount` of a file or secret, a build-time proxy) instead of the host's privileges.",
    docs: r#"
**What it detects.** A `RUN` instruction (also inside `ONBUILD`) with
`--security=insecure`, which runs the step in a *privileged* container
(all capabilities, no seccomp/AppArmor, host devices), or with
`--network=host`, which puts the step in the build host's network namespace.

**Why it is a threat.** Every package script, `curl | sh` and test suite that
the step runs gets the build host's privileges (STRIDE: Elevation of
privilege): a malicious or compromised dependency can escape the build
container, read other builds' caches and credentials, and tamper with the
images the builder produces (Tampering). `--network=host` is less severe but
still lets the step reach services that listen on the builder's loopback
interface (the Docker API on `localhost:2375`, cloud metadata endpoints,
CI agents) and bypass network policy. Both need an entitlement
(`--allow security.insecure` / `network.host`) that CI systems often grant
globally. Every stage is judged alike: builder stages run on the same host.

**Example.**
```dockerfile
# syntax=docker/dockerfile:1-labs
FROM debian:12
RUN --security=insecure mount -t tmpfs none /mnt && ./build.sh
RUN --network=host ./fetch-deps.sh
```

**Fix.** Drop the flags. Mount what the step needs (`RUN --mount=type=secret`,
`--mount=type=cache`), fetch dependencies through the default network, and
keep privileged work (loop devices, kernel modules) out of image builds.
"#,
};

impl Rule for InsecureBuildPrivileges {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image(&self, image: &BuildImage, sink: &mut Sink) {
        for item in scope::instructions(image) {
            if !matches!(item.instr.kind, InstrKind::Run(_)) {
                continue;
            }
            let trigger = if item.onbuild {
                " (ONBUILD trigger)"
            } else {
                ""
            };
            for flag in &item.instr.flags {
                let value = flag.value.as_deref().unwrap_or("").trim();
                let name = flag.name.to_ascii_lowercase();
                if name == "security" && value.eq_ignore_ascii_case("insecure") {
                    sink.push(Finding::new(
                        &META,
                        image.location(&flag.span),
                        format!("`RUN --security=insecure`{trigger}: the step runs in a privileged container with the build host's capabilities and devices"),
                    ));
                } else if name == "network" && value.eq_ignore_ascii_case("host") {
                    sink.push(
                        Finding::new(
                            &META,
                            image.location(&flag.span),
                            format!("`RUN --network=host`{trigger}: the step shares the build host's network namespace and can reach its local services"),
                        )
                        .with_severity(Severity::Medium),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check, lines};

    #[test]
    fn flags_insecure_security_high_and_host_network_medium() {
        let f = check(
            &InsecureBuildPrivileges,
            "FROM debian:12 AS build\nRUN --security=insecure make\nFROM debian:12\nRUN --network=host ./fetch.sh\n",
        );
        assert_eq!(lines(&f), vec![2, 4]);
        assert_eq!(f[0].severity, Severity::High);
        assert_eq!(f[1].severity, Severity::Medium);
        // The span is the flag itself.
        assert_eq!(f[0].location.start_column, 5);
        assert_eq!(f[0].location.end_column, 5 + "--security=insecure".len());
    }

    #[test]
    fn flags_onbuild_triggers() {
        let f = check(
            &InsecureBuildPrivileges,
            "FROM debian:12\nONBUILD RUN --security=insecure make\n",
        );
        assert_eq!(lines(&f), vec![2]);
        assert!(f[0].message.contains("ONBUILD"));
    }

    #[test]
    fn ignores_sandbox_default_network_and_other_flags() {
        let f = check(
            &InsecureBuildPrivileges,
            "FROM debian:12\nRUN --security=sandbox --network=none --mount=type=cache,target=/root/.cache make\nRUN --network=default true\n",
        );
        assert!(f.is_empty(), "{f:?}");
    }
}
