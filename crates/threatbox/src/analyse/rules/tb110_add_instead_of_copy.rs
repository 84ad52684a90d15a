//! TB110 `add-instead-of-copy`: `ADD` of local files where `COPY` does.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleMeta, Sink};
use crate::analyse::rules::scope::{self, StageRole};
use crate::model::image::BuildImage;
use crate::parse::dockerfile::InstrKind;

pub struct AddInsteadOfCopy;

pub static META: RuleMeta = RuleMeta {
    code: "TB110",
    slug: "add-instead-of-copy",
    title: "ADD used where COPY suffices",
    severity: Severity::Low,
    stride: &[Stride::Tampering],
    cwe: &[829],
    stage: LifecycleStage::Build,
    cis: &["CIS-Docker-4.9"],
    peers: &["DL3020", "CKV_DOCKER_4", "DS-0005"],
    remediation: "Replace `ADD` with `COPY` for local files and directories; keep `ADD` only for a local tar archive you mean to extract.",
    docs: r#"
**What it detects.** An `ADD` (also inside `ONBUILD`) whose sources are all
local files or directories of the build context that are not tar archives,
i.e. where `COPY` does exactly the same.

**Why it is a threat.** `ADD` has implicit behaviours that `COPY` lacks: it
fetches URLs and Git repositories and silently *extracts* any source that
turns out to be a tar archive (whatever its name), writing wherever the
archive's paths point. When a build-context file is replaced, or the source
is later changed to a variable or a URL, the same instruction starts pulling
in and unpacking content from outside the intended control sphere without
any visible change to the Dockerfile (STRIDE: Tampering). `COPY` states the
intent and has none of these side effects.

Not reported, on purpose:
- sources that are URLs or Git repositories: TB105 judges remote `ADD`
  (checksums, signatures);
- local archives (`*.tar`, `*.tar.gz`, `*.tgz`, `*.tar.xz`, `*.tar.zst`…):
  extraction is the documented reason to use `ADD`, and peers exempt them too;
- sources that use a build argument without a default: they may be URLs.

Stages whose files never reach the final image are reported one severity
lower.

**Example.**
```dockerfile
FROM python:3.12-slim
ADD requirements.txt app/ /srv/
```

**Fix.**
```dockerfile
COPY requirements.txt app/ /srv/
```
"#,
};

/// Would `ADD` extract this source (judged by its name, as users write it)?
fn is_archive_name(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    [
        ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz", ".tar.zst",
        ".tzst", ".tar.lz4", ".tar.z",
    ]
    .iter()
    .any(|ext| lower.ends_with(ext))
}

/// A URL or a Git remote: TB105's business.
fn is_remote(source: &str) -> bool {
    source.contains("://") || source.starts_with("git@")
}

impl Rule for AddInsteadOfCopy {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image(&self, image: &BuildImage, sink: &mut Sink) {
        for item in scope::instructions(image) {
            let InstrKind::Add(add) = &item.instr.kind else {
                continue;
            };
            let mut locals = Vec::new();
            let mut judgeable = !add.sources.is_empty();
            for source in &add.sources {
                let expanded = image.expand(item.stage.index, item.index, &source.value);
                if !expanded.complete || is_remote(&expanded.value) {
                    judgeable = false;
                    break;
                }
                if !is_archive_name(&expanded.value) {
                    locals.push(expanded.value);
                }
            }
            // Every source must be local and at least one must not be an
            // archive: a mix of archive and plain file still needs ADD.
            if !judgeable || locals.len() != add.sources.len() {
                continue;
            }
            let trigger = if item.onbuild {
                " (ONBUILD trigger)"
            } else {
                ""
            };
            let mut finding = Finding::new(
                &META,
                image.location(&item.instr.keyword_span),
                format!(
                    "`ADD` of local {}{trigger}: `COPY` does the same without ADD's implicit URL fetching and archive extraction",
                    locals
                        .iter()
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            if item.role == StageRole::Unused {
                finding = finding.with_severity(META.severity.lowered());
            }
            sink.push(finding);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check, lines};

    #[test]
    fn flags_add_of_local_files_at_the_keyword() {
        let f = check(
            &AddInsteadOfCopy,
            "FROM alpine:3.20\nADD requirements.txt app/ /srv/\nONBUILD ADD . /app\n",
        );
        assert_eq!(lines(&f), vec![2, 3]);
        assert_eq!(
            (f[0].location.start_column, f[0].location.end_column),
            (1, 4)
        );
        assert!(f[0].message.contains("`requirements.txt`, `app/`"));
        assert!(f[1].message.contains("ONBUILD"));
        assert_eq!(f[0].severity, Severity::Low);
    }

    #[test]
    fn skips_urls_git_archives_and_unknown_variables() {
        let f = check(
            &AddInsteadOfCopy,
            "FROM alpine:3.20\nARG SRC\nADD https://example.com/x.bin /x\nADD git@github.com:a/b.git /b\nADD rootfs.tar.gz /\nADD ${SRC} /s\nCOPY a /a\n",
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn lowers_severity_in_stages_that_do_not_ship() {
        let f = check(
            &AddInsteadOfCopy,
            "FROM alpine:3.20 AS unused\nADD a.txt /a\nFROM alpine:3.20\nADD b.txt /b\n",
        );
        assert_eq!(lines(&f), vec![2, 4]);
        assert_eq!(f[0].severity, Severity::Info);
        assert_eq!(f[1].severity, Severity::Low);
    }
}
