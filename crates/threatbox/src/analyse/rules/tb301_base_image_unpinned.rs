//! TB301 `base-image-unpinned`: a base image with no tag or `:latest`.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleMeta, Sink};
use crate::analyse::rules::scope::{self, StageRole};
use crate::model::image::BuildImage;

pub struct BaseImageUnpinned;

pub static META: RuleMeta = RuleMeta {
    code: "TB301",
    slug: "base-image-unpinned",
    title: "Base image not pinned to a version",
    severity: Severity::Medium,
    stride: &[Stride::Tampering, Stride::Spoofing],
    cwe: &[1357, 494],
    stage: LifecycleStage::Registry,
    cis: &[],
    peers: &["DL3006", "DL3007", "CKV_DOCKER_7", "DS-0001"],
    remediation: "Pin the base image to a specific version tag and, better, to its digest: `FROM python:3.12.7-slim-bookworm@sha256:<digest>`.",
    docs: r#"
**What it detects.** A `FROM` of a registry image with no tag (which means
`:latest`) or with the `:latest` tag, and no `@sha256:` digest, in the final
stage (or the stage it is built from) and in stages whose files are copied
into the final image; likewise a registry image named by `COPY --from=` or
`RUN --mount=from=` in those stages. References built from build arguments are judged on
their default values (`ARG BASE=python:latest`); a reference whose argument
has no default cannot be judged and is not reported. `scratch` and
references to earlier stages are never reported.

**Why it is a threat.** `latest` is whatever the publisher, or anyone who
gains push access to the repository or sits between the builder and the
registry, pushed last. Every build may silently pull a different image: a
compromised or typosquatted push becomes part of your image at the next
build (STRIDE: Tampering, Spoofing), and a major upgrade can change users,
paths and libraries without review. Builds are not reproducible, so an
incident cannot be traced to the image that was actually used.

Base images of stages that only feed files to the final image are reported
one severity lower; stages that never reach the final image are not
reported. A tag that is set but not digest-pinned is TB302's.

**Example.**
```dockerfile
FROM node
FROM python:latest AS build
```

**Fix.**
```dockerfile
FROM node:22.11.0-bookworm-slim
FROM python:3.12.7-slim@sha256:<digest> AS build
```
"#,
};

impl Rule for BaseImageUnpinned {
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
            if reference.digest.is_some() {
                continue;
            }
            let what = match reference.tag.as_deref() {
                None => "has no tag, so it means `:latest`",
                Some(t) if t.eq_ignore_ascii_case("latest") => "uses the `:latest` tag",
                Some(_) => continue,
            };
            let via = if reference.from_variables {
                " (from build-argument defaults)"
            } else {
                ""
            };
            sink.push(
                Finding::new(
                    &META,
                    image.location(&used.span),
                    format!(
                        "{}{via} {what}: every build may pull a different image",
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
    fn flags_untagged_and_latest_bases_at_the_image_word() {
        let f = check(
            &BaseImageUnpinned,
            "FROM python:latest AS build\nRUN pip wheel .\nFROM node\nCOPY --from=build /w /w\n",
        );
        assert_eq!(lines(&f), vec![1, 3]);
        // The builder feeds the final image: one level lower.
        assert_eq!(f[0].severity, Severity::Low);
        assert_eq!(f[1].severity, Severity::Medium);
        assert_eq!(
            (f[1].location.start_column, f[1].location.end_column),
            (6, 10)
        );
    }

    #[test]
    fn flags_images_copied_or_mounted_from_but_not_stages() {
        let f = check(
            &BaseImageUnpinned,
            "FROM alpine:3.20 AS build\nFROM debian:12\nCOPY --from=nginx /etc/nginx /etc/nginx\nCOPY --from=build /a /a\nRUN --mount=type=bind,from=busybox:latest,target=/bb true\n",
        );
        assert_eq!(lines(&f), vec![3, 5]);
        assert!(
            f[0].message.contains("image `nginx` that stage 2 copies"),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].location.start_column, 6);
    }

    #[test]
    fn resolves_arg_defaults_and_skips_unknown_args() {
        let f = check(&BaseImageUnpinned, "ARG BASE=alpine:latest\nFROM ${BASE}\n");
        assert_eq!(lines(&f), vec![2]);
        assert!(f[0].message.contains("build-argument"));
        let f = check(&BaseImageUnpinned, "ARG BASE\nFROM ${BASE}\n");
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn ignores_tags_digests_scratch_stage_refs_and_unused_stages() {
        for text in [
            "FROM python:3.12-slim\n",
            "FROM python@sha256:0000000000000000000000000000000000000000000000000000000000000000\n",
            "FROM alpine:latest@sha256:0000000000000000000000000000000000000000000000000000000000000000\n",
            "FROM scratch\n",
            "FROM alpine:3.20 AS base\nFROM base\n",
            "FROM alpine AS lint\nRUN true\nFROM alpine:3.20\n",
        ] {
            assert!(check(&BaseImageUnpinned, text).is_empty(), "{text}");
        }
    }
}
