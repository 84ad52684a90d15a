//! TB220 `image-too-old`: a built image older than `max-image-age-days`.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::config::DEFAULT_MAX_IMAGE_AGE_DAYS;
use crate::model::image_archive::ImageArchive;

pub struct ImageTooOld;

pub static META: RuleMeta = RuleMeta {
    code: "TB220",
    slug: "image-too-old",
    title: "Built image older than the allowed age",
    severity: Severity::Medium,
    stride: &[Stride::Tampering, Stride::ElevationOfPrivilege],
    cwe: &[1104],
    stage: LifecycleStage::Image,
    cis: &["CIS-Docker-4.4"],
    peers: &[],
    remediation: "Rebuild images on a schedule (and whenever the base image is updated) so that they pick up security fixes; set `max-image-age-days` in `.threatbox.toml` to the rebuild cadence you promise.",
    docs: r#"
**What it detects.** An image read from an archive whose configuration
`created` date is more than `max-image-age-days` (`.threatbox.toml`, default
365) before the analysis date.

**Why it is a threat.** An image that was not rebuilt for a year carries a
year of unpatched vulnerabilities in its base and packages: known exploits
for them are public (STRIDE: Tampering, Elevation of privilege). Images are
immutable; only a rebuild brings the fixes in.

**Example.** `"created": "2023-04-01T10:00:00Z"` scanned in 2026.

**Fix.** Rebuild from an updated base and redeploy; automate it (scheduled CI
builds, Renovate/Dependabot on base images).
"#,
};

impl Rule for ImageTooOld {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image_archive(&self, archive: &ImageArchive, ctx: &RuleContext<'_>, sink: &mut Sink) {
        let max = ctx
            .config
            .max_image_age_days
            .unwrap_or(DEFAULT_MAX_IMAGE_AGE_DAYS);
        let Some(age) = archive.age_days else { return };
        if age <= i64::from(max) {
            return;
        }
        let created = archive.config.created.as_deref().unwrap_or("?");
        let date = created.get(..10).unwrap_or(created);
        sink.push(Finding::new(
            &META,
            archive.location(),
            format!(
                "image {} was built {age} days ago ({date}), more than the {max} days allowed",
                archive.display_name()
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check_archive, check_archive_with};
    use crate::config::Config;
    use crate::model::image_archive::ImageConfig;

    fn aged(days: Option<i64>) -> ImageArchive {
        ImageArchive {
            path: "a.tar".into(),
            repo_tags: vec!["a:1".into()],
            age_days: days,
            config: ImageConfig {
                created: Some("2024-01-02T03:04:05Z".into()),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn flags_images_past_the_default_age() {
        let f = check_archive(&ImageTooOld, &aged(Some(400)));
        assert_eq!(
            f[0].message,
            "image a:1 was built 400 days ago (2024-01-02), more than the 365 days allowed"
        );
        assert!(check_archive(&ImageTooOld, &aged(Some(365))).is_empty());
        assert!(check_archive(&ImageTooOld, &aged(None)).is_empty());
    }

    #[test]
    fn age_is_configurable() {
        let config = Config {
            max_image_age_days: Some(30),
            ..Config::default()
        };
        assert_eq!(
            check_archive_with(&ImageTooOld, &aged(Some(31)), &config).len(),
            1
        );
        assert!(check_archive_with(&ImageTooOld, &aged(Some(30)), &config).is_empty());
    }
}
