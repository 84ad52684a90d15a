//! TB113 `copy-whole-stage-filesystem`: `COPY --from=<stage> / …`.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleMeta, Sink};
use crate::analyse::rules::scope::{self, StageRole};
use crate::model::image::BuildImage;
use crate::parse::dockerfile::InstrKind;

pub struct CopyWholeStageFilesystem;

pub static META: RuleMeta = RuleMeta {
    code: "TB113",
    slug: "copy-whole-stage-filesystem",
    title: "COPY --from copies a whole filesystem",
    severity: Severity::Medium,
    stride: &[Stride::InformationDisclosure, Stride::ElevationOfPrivilege],
    cwe: &[538],
    stage: LifecycleStage::Build,
    cis: &[],
    peers: &["DL3067"],
    remediation: "Copy only the artefacts the image needs (`COPY --from=build /out/app /usr/local/bin/app`), never the root of another stage or image.",
    docs: r#"
**What it detects.** `COPY --from=<stage or image> / <dest>` (also `/.` and
`/*`): the root filesystem of another stage or image copied into this one.

**Why it is a threat.** A builder stage's filesystem holds everything the
build used: compilers and package managers, caches, `.git` directories,
`~/.npmrc`, `~/.ssh`, cloud credentials left by tools, and any secret that a
`RUN` wrote to disk. Copying `/` ships all of it (STRIDE: Information
disclosure), plus setuid binaries and shells that the multi-stage build was
meant to leave behind (Elevation of privilege). It silently defeats the point
of a multi-stage build.

Only copies that land in a stage that ships (the final stage or one it is
built `FROM`) are reported at full severity; a copy into a stage that only
feeds files to the final image is reported one level lower, and a copy into a
stage that never reaches it is not reported.

**Example.**
```dockerfile
FROM golang:1.23 AS build
RUN go build -o /out/app ./cmd/app
FROM gcr.io/distroless/static-debian12
COPY --from=build / /
```

**Fix.**
```dockerfile
COPY --from=build /out/app /app
```
"#,
};

/// `/`, `/.`, `/*`, `//`: the root of the source filesystem.
fn is_root(source: &str) -> bool {
    let trimmed = source.trim_end_matches(['/', '*', '.']);
    trimmed.is_empty() && source.starts_with('/')
}

impl Rule for CopyWholeStageFilesystem {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image(&self, image: &BuildImage, sink: &mut Sink) {
        for item in scope::instructions(image) {
            let InstrKind::Copy(copy) = &item.instr.kind else {
                continue;
            };
            let Some(from) = item.instr.flag("from") else {
                continue;
            };
            let severity = match item.role {
                StageRole::Final | StageRole::Parent => META.severity,
                StageRole::Feeds => META.severity.lowered(),
                StageRole::Unused => continue,
            };
            let from_name = from.value.as_deref().unwrap_or("").trim();
            for source in &copy.sources {
                let expanded = image.expand(item.stage.index, item.index, &source.value);
                if !expanded.complete || !is_root(&expanded.value) {
                    continue;
                }
                let mut finding = Finding::new(
                    &META,
                    image.location(&source.span),
                    format!("`COPY --from={from_name} {}` copies the whole filesystem of `{from_name}`, with its tools, caches and any secret left on disk", source.value),
                )
                .with_severity(severity);
                let source_stage = image
                    .stage_by_reference(from_name, item.stage.index)
                    .and_then(|i| image.stages.get(i));
                if let Some(stage) = source_stage {
                    let from_instr = image.instruction(stage.from);
                    finding = finding.with_related(
                        image.location(&from_instr.span),
                        format!("{} starts here", scope::stage_label(stage)),
                    );
                }
                sink.push(finding);
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check, lines};

    #[test]
    fn flags_copy_of_root_from_stage_with_related_from() {
        let f = check(
            &CopyWholeStageFilesystem,
            "FROM golang:1.23 AS build\nRUN go build -o /out/app .\nFROM debian:12-slim\nCOPY --from=build / /\n",
        );
        assert_eq!(lines(&f), vec![4]);
        assert_eq!(f[0].location.start_column, 19);
        assert_eq!(f[0].related.len(), 1);
        assert_eq!(f[0].related[0].location.start_line, 1);
        assert_eq!(f[0].severity, Severity::Medium);
    }

    #[test]
    fn flags_root_variants_and_external_images() {
        let f = check(
            &CopyWholeStageFilesystem,
            "FROM alpine:3.20\nCOPY --from=busybox:1.36 /. /rootfs/\nCOPY --from=0 /* /x/\n",
        );
        assert_eq!(lines(&f), vec![2, 3]);
    }

    #[test]
    fn ignores_specific_paths_and_plain_copies() {
        let f = check(
            &CopyWholeStageFilesystem,
            "FROM golang:1.23 AS build\nFROM debian:12-slim\nCOPY --from=build /out/app /app\nCOPY / /x\nCOPY --from=build /usr/ /usr/\n",
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn stage_that_never_ships_is_not_reported() {
        let f = check(
            &CopyWholeStageFilesystem,
            "FROM golang:1.23 AS build\nFROM debian:12 AS scratchpad\nCOPY --from=build / /\nFROM debian:12-slim\nRUN true\n",
        );
        assert!(f.is_empty(), "{f:?}");
    }
}
