//! TB203 `missing-healthcheck`: the shipped image declares no HEALTHCHECK.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleMeta, Sink};
use crate::analyse::rules::scope;
use crate::model::image::BuildImage;
use crate::parse::dockerfile::InstrKind;

pub struct MissingHealthcheck;

pub static META: RuleMeta = RuleMeta {
    code: "TB203",
    slug: "missing-healthcheck",
    title: "No HEALTHCHECK in the image",
    severity: Severity::Info,
    stride: &[Stride::DenialOfService],
    cwe: &[754],
    stage: LifecycleStage::Image,
    cis: &["CIS-Docker-4.6"],
    peers: &["DL3057", "CKV_DOCKER_2", "DS-0026"],
    remediation: "Add a `HEALTHCHECK` that exercises the service (e.g. `HEALTHCHECK CMD [\"/app\", \"healthcheck\"]`), or `HEALTHCHECK NONE` to state that the orchestrator's probes are the health check.",
    docs: r#"
**What it detects.** A final stage that, together with the stages it is
built `FROM`, has no `HEALTHCHECK` instruction. `HEALTHCHECK NONE` is an
explicit decision and is not reported. The finding points at the final
stage's `FROM` line.

**Why it is a threat.** Without a health check, Docker and Swarm only notice
a container that has exited: a process that is hung, deadlocked or stuck in
a crash loop behind a live PID 1 keeps receiving traffic and is never
restarted (STRIDE: Denial of service). Exhaustion attacks (slowloris, thread
pool starvation) then take the service down silently.

**When to ignore it.** Kubernetes ignores `HEALTHCHECK`: it uses the pod's
liveness, readiness and startup probes instead. For images that only run on
Kubernetes, define probes and either add `HEALTHCHECK NONE` or disable this
rule; that is why its severity is info. A health check set by the base image
is not known here.

**Example.**
```dockerfile
FROM nginx:1.27
COPY site/ /usr/share/nginx/html/
```

**Fix.**
```dockerfile
FROM nginx:1.27
COPY site/ /usr/share/nginx/html/
HEALTHCHECK --interval=30s --timeout=3s CMD curl -fsS http://localhost/ || exit 1
```
"#,
};

impl Rule for MissingHealthcheck {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image(&self, image: &BuildImage, sink: &mut Sink) {
        let Some(final_stage) = image.final_stage() else {
            return;
        };
        let has_healthcheck = scope::shipped_instructions(image)
            .iter()
            .any(|i| matches!(i.instr.kind, InstrKind::Healthcheck(_)));
        if has_healthcheck {
            return;
        }
        let from = image.instruction(final_stage.from);
        sink.push(Finding::new(
            &META,
            image.location(&from.span),
            "the shipped image has no HEALTHCHECK: a hung service is not detected or restarted by Docker (Kubernetes uses probes instead)",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check, lines};

    #[test]
    fn flags_final_from_line_when_no_healthcheck() {
        let f = check(
            &MissingHealthcheck,
            "FROM golang:1.23 AS build\nHEALTHCHECK CMD true\nFROM debian:12-slim\nCMD [\"/app\"]\n",
        );
        assert_eq!(lines(&f), vec![3]);
        assert_eq!(f[0].severity, Severity::Info);
    }

    #[test]
    fn healthcheck_or_none_in_final_chain_is_enough() {
        for text in [
            "FROM nginx:1.27\nHEALTHCHECK CMD curl -f http://localhost/\n",
            "FROM nginx:1.27\nHEALTHCHECK NONE\n",
            "FROM nginx:1.27 AS base\nHEALTHCHECK CMD true\nFROM base\nRUN true\n",
        ] {
            assert!(check(&MissingHealthcheck, text).is_empty(), "{text}");
        }
    }

    #[test]
    fn onbuild_healthcheck_does_not_count() {
        let f = check(
            &MissingHealthcheck,
            "FROM nginx:1.27\nONBUILD HEALTHCHECK CMD true\n",
        );
        assert_eq!(lines(&f), vec![1]);
    }
}
