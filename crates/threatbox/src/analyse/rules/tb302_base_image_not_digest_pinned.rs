//! TB302 `base-image-not-digest-pinned`: a base image pinned by tag only.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleMeta, Sink};
use crate::analyse::rules::scope::{self, StageRole};
use crate::model::image::BuildImage;

pub struct BaseImageNotDigestPinned;

pub static META: RuleMeta = RuleMeta {
    code: "TB302",
    slug: "base-image-not-digest-pinned",
    title: "Base image pinned by tag, not by digest",
    severity: Severity::Low,
    stride: &[Stride::Spoofing, Stride::Tampering],
    cwe: &[494],
    stage: LifecycleStage::Registry,
    cis: &["CIS-Docker-4.5"],
    peers: &[],
    remediation: "Add the digest of the tested image to the reference (`FROM python:3.12-slim@sha256:<digest>`), let a bot such as Renovate or Dependabot update it, and verify the publisher's signature (cosign, Notation, Docker Content Trust) before building.",
    docs: r#"
**What it detects.** A `FROM` of a registry image that names a tag (other
than `latest`, which is TB301's) but no `@sha256:` digest, in the final stage
(or the stage it is built from) and in stages whose files are copied into the
final image; likewise a registry image named by `COPY --from=` or
`RUN --mount=from=` in those stages. References from build-argument defaults are judged on the
default; unresolvable ones, `scratch` and stage references are not.

**Why it is a threat.** A tag is a mutable pointer: the publisher, anyone
who obtains push rights to the repository, or a compromised or spoofed
registry mirror can re-point `python:3.12-slim` to different content, and the
next build takes it with no change to the Dockerfile (STRIDE: Spoofing,
Tampering). A digest names the exact content: a build with a digest either
gets the image that was reviewed or fails. Pinning does not say *who* built
the image; that is what signature verification adds (the seed's "sign and
verify images" practice).

Stages that only feed files to the final image are reported at info; stages
that never reach it are not reported.

**Example.**
```dockerfile
FROM python:3.12-slim
```

**Fix.**
```dockerfile
FROM python:3.12-slim@sha256:<digest>
```
and in CI, before the build:
`cosign verify --certificate-identity-regexp … python:3.12-slim`, or
`export DOCKER_CONTENT_TRUST=1`.
"#,
};

impl Rule for BaseImageNotDigestPinned {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image(&self, image: &BuildImage, sink: &mut Sink) {
        for used in scope::external_images(image) {
            let severity = match used.role {
                StageRole::Final | StageRole::Parent => META.severity,
                StageRole::Feeds => META.severity.lowered(),
                StageRole::Unused => continue,
            };
            let reference = &used.reference;
            // No tag or `latest` is TB301's finding; one is enough.
            let Some(tag) = reference.tag.as_deref() else {
                continue;
            };
            if reference.digest.is_some() || tag.eq_ignore_ascii_case("latest") {
                continue;
            }
            sink.push(
                Finding::new(
                    &META,
                    image.location(&used.span),
                    format!(
                        "{} is pinned by tag only: the tag can be re-pointed to other content; pin its digest and verify its signature",
                        used.describe()
                    ),
                )
                .with_severity(severity),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check, lines};

    #[test]
    fn flags_tag_without_digest() {
        let f = check(
            &BaseImageNotDigestPinned,
            "FROM golang:1.23 AS build\nFROM debian:12-slim\nCOPY --from=build /app /app\n",
        );
        assert_eq!(lines(&f), vec![1, 2]);
        assert_eq!(f[0].severity, Severity::Info);
        assert_eq!(f[1].severity, Severity::Low);
        assert_eq!(f[1].location.start_column, 6);
    }

    #[test]
    fn flags_copy_from_images() {
        let f = check(
            &BaseImageNotDigestPinned,
            "FROM scratch\nCOPY --from=busybox:1.36 /bin/busybox /busybox\n",
        );
        assert_eq!(lines(&f), vec![2]);
        assert_eq!(f[0].location.start_column, 6);
    }

    #[test]
    fn latest_untagged_digest_and_unknown_are_not_reported() {
        for text in [
            "FROM debian\n",
            "FROM debian:latest\n",
            "FROM debian:12@sha256:0000000000000000000000000000000000000000000000000000000000000000\n",
            "ARG BASE\nFROM $BASE\n",
            "FROM scratch\n",
        ] {
            assert!(check(&BaseImageNotDigestPinned, text).is_empty(), "{text}");
        }
    }
}
