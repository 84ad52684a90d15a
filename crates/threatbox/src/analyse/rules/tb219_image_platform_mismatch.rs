//! TB219 `image-platform-mismatch`: an image built for another platform
//! than the one asked for with `--platform`.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::model::image_archive::ImageArchive;
use crate::parse::image::platform_matches;

pub struct ImagePlatformMismatch;

pub static META: RuleMeta = RuleMeta {
    code: "TB219",
    slug: "image-platform-mismatch",
    title: "Image built for another platform than requested",
    severity: Severity::Medium,
    stride: &[Stride::DenialOfService, Stride::Tampering],
    cwe: &[758],
    stage: LifecycleStage::Image,
    cis: &[],
    peers: &[],
    remediation: "Build (or pull) the image for the platform it runs on: `docker buildx build --platform linux/amd64,linux/arm64 …` publishes a multi-platform index; check the platform the registry serves with `docker buildx imagetools inspect`.",
    docs: r#"
**What it detects.** With `threatbox scan --platform OS/ARCH[/VARIANT]`, an
image read from an archive whose configuration (or index entry) names
another platform; for a multi-platform index that offers the requested
platform only that one is read, so this fires when none matches.

**Why it is a threat.** An image for the wrong architecture either fails to
start (STRIDE: Denial of service) or runs under user-mode emulation
(`binfmt_misc`/QEMU), slower and outside the behaviour the image was tested
with; a platform that differs from the one the pipeline built can also mean
the image was replaced by another build (Tampering).

**Example.** `threatbox scan --platform linux/amd64 api.tar` on an image
whose config says `linux/arm64`.

**Fix.** Rebuild or pull the image for the right platform.
"#,
};

impl Rule for ImagePlatformMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image_archive(&self, archive: &ImageArchive, _ctx: &RuleContext<'_>, sink: &mut Sink) {
        let (Some(want), Some(have)) = (&archive.requested_platform, &archive.platform) else {
            return;
        };
        if platform_matches(have, want) {
            return;
        }
        sink.push(Finding::new(
            &META,
            archive.location(),
            format!(
                "image {} is built for {have}, not the requested {want}",
                archive.display_name()
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::check_archive;

    fn with(want: Option<&str>, have: Option<&str>) -> ImageArchive {
        ImageArchive {
            path: "a.tar".into(),
            repo_tags: vec!["a:1".into()],
            requested_platform: want.map(str::to_string),
            platform: have.map(str::to_string),
            ..Default::default()
        }
    }

    #[test]
    fn flags_other_platforms() {
        let f = check_archive(
            &ImagePlatformMismatch,
            &with(Some("linux/amd64"), Some("linux/arm64/v8")),
        );
        assert_eq!(
            f[0].message,
            "image a:1 is built for linux/arm64/v8, not the requested linux/amd64"
        );
    }

    #[test]
    fn same_platform_or_nothing_requested_is_fine() {
        assert!(
            check_archive(
                &ImagePlatformMismatch,
                &with(Some("linux/arm64"), Some("linux/arm64/v8"))
            )
            .is_empty()
        );
        assert!(check_archive(&ImagePlatformMismatch, &with(None, Some("linux/arm64"))).is_empty());
        assert!(check_archive(&ImagePlatformMismatch, &with(Some("linux/arm64"), None)).is_empty());
    }
}
