//! TB217 `image-no-healthcheck`: a built image whose configuration has no
//! health check.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::model::image_archive::ImageArchive;

pub struct ImageNoHealthcheck;

pub static META: RuleMeta = RuleMeta {
    code: "TB217",
    slug: "image-no-healthcheck",
    title: "Built image has no health check",
    severity: Severity::Info,
    stride: &[Stride::DenialOfService],
    cwe: &[754],
    stage: LifecycleStage::Image,
    cis: &["CIS-Docker-4.6"],
    peers: &["CIS-DI-0006", "DS-0026"],
    remediation: "Add `HEALTHCHECK CMD …` to the Dockerfile (a command the image has: no `curl` in a distroless image), or define the check where the container runs (compose `healthcheck:`, Kubernetes liveness/readiness probes).",
    docs: r#"
**What it detects.** An image read from an archive whose configuration has no
`Healthcheck`, or one that disables it (`NONE`).

**Why it is a threat.** Without a health check the engine only knows whether
the process exists: a hung or deadlocked service keeps receiving traffic and
is never restarted (STRIDE: Denial of service). Kubernetes ignores the image
health check, so there the probes of the manifest matter instead (TB418).

**Example.** `docker inspect --format '{{.Config.Healthcheck}}' api:1.0`
prints `<nil>`.

**Fix.**
```dockerfile
HEALTHCHECK --interval=30s --timeout=3s CMD ["/app/healthcheck"]
```
"#,
};

impl Rule for ImageNoHealthcheck {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image_archive(&self, archive: &ImageArchive, _ctx: &RuleContext<'_>, sink: &mut Sink) {
        if archive.config.has_healthcheck() {
            return;
        }
        let how = if archive.config.healthcheck.is_some() {
            "disables its health check (`NONE`)"
        } else {
            "has no health check"
        };
        sink.push(Finding::new(
            &META,
            archive.location(),
            format!("image {} {how}", archive.display_name()),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::check_archive;
    use crate::model::image_archive::ImageConfig;

    fn with(healthcheck: Option<&[&str]>) -> ImageArchive {
        ImageArchive {
            path: "a.tar".into(),
            repo_tags: vec!["a:1".into()],
            config: ImageConfig {
                healthcheck: healthcheck.map(|t| t.iter().map(|s| s.to_string()).collect()),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn flags_missing_and_disabled() {
        assert_eq!(
            check_archive(&ImageNoHealthcheck, &with(None))[0].message,
            "image a:1 has no health check"
        );
        assert!(
            check_archive(&ImageNoHealthcheck, &with(Some(&["NONE"])))[0]
                .message
                .contains("NONE")
        );
    }

    #[test]
    fn accepts_a_real_check() {
        assert!(check_archive(&ImageNoHealthcheck, &with(Some(&["CMD", "/hc"]))).is_empty());
    }
}
