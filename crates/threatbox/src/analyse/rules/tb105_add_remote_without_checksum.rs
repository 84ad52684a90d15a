//! TB105 `add-remote-without-checksum`: `ADD` of a URL without
//! `--checksum`, or of a Git repository not pinned to a commit.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleMeta, Sink};
use crate::analyse::rules::support::stage_severity;
use crate::model::image::BuildImage;
use crate::parse::dockerfile::{InstrKind, Instruction};

pub struct AddRemoteWithoutChecksum;

pub static META: RuleMeta = RuleMeta {
    code: "TB105",
    slug: "add-remote-without-checksum",
    title: "ADD of a remote file without checksum or pinned commit",
    severity: Severity::Medium,
    stride: &[Stride::Tampering],
    cwe: &[494, 353],
    stage: LifecycleStage::Build,
    cis: &["CIS-Docker-4.9"],
    peers: &[
        "DL3020 (related)",
        "CKV_DOCKER_4 (related)",
        "DS-0005 (related)",
    ],
    remediation: "Add `--checksum=sha256:<digest>` to `ADD <url>` (Dockerfile syntax 1.6+), and pin Git sources to a full commit hash (`ADD https://github.com/org/repo.git#<40-hex commit>` or `--checksum=<commit>`). Or download in a `RUN` step and verify with `sha256sum -c`.",
    docs: r#"
**What it detects.** `ADD https://…` (or `http://`) without `--checksum`, and
`ADD` of a Git repository (`git@…`, `git://…`, `https://….git`,
`github.com/…`) with no ref or with a branch/tag ref instead of a full commit
hash. Plain `http://` downloads are reported with a higher severity.

**Why it is a threat.** Without a checksum, the build takes whatever the
server returns today: a compromised or hijacked download site, a moved tag or
a force-pushed branch silently changes what goes into the image (STRIDE:
Tampering), and two builds of the same Dockerfile differ. Over plain HTTP
anyone on the network path can substitute the file.

**Example.**
```dockerfile
ADD https://github.com/org/tool/releases/download/v1.2.3/tool.tar.gz /tmp/
ADD https://github.com/org/repo.git#main /src
```

**Fix.**
```dockerfile
ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d \
    https://github.com/org/tool/releases/download/v1.2.3/tool.tar.gz /tmp/
ADD https://github.com/org/repo.git#4c8fb1e3a5d7f9b2c6e0d8a1b3f5e7c9d1a3b5c7 /src
```
"#,
};

/// A Git source as BuildKit recognises one, with its `#ref[:subdir]`.
fn git_ref(url: &str) -> Option<Option<&str>> {
    let (base, fragment) = match url.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (url, None),
    };
    let is_git = url.starts_with("git@")
        || url.starts_with("git://")
        || url.starts_with("ssh://")
        || url.starts_with("github.com/")
        || ((url.starts_with("https://") || url.starts_with("http://"))
            && base.trim_end_matches('/').ends_with(".git"));
    is_git.then(|| {
        fragment
            .map(|f| f.split(':').next().unwrap_or(""))
            .filter(|r| !r.is_empty())
    })
}

fn is_commit(reference: &str) -> bool {
    matches!(reference.len(), 40 | 64) && reference.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Expansion walks the stage up to the instruction; a bound keeps a file
/// with thousands of `ADD $X` linear.
const MAX_EXPANSIONS: usize = 64;

fn check_add(
    image: &BuildImage,
    index: usize,
    instr: &Instruction,
    expansions: &mut usize,
    sink: &mut Sink,
) {
    let InstrKind::Add(add) = &instr.kind else {
        return;
    };
    let has_checksum = instr
        .flag("checksum")
        .is_some_and(|f| f.value.as_deref().is_some_and(|v| !v.is_empty()));
    for src in &add.sources {
        // `ADD ${TOOL_URL} /x`: judge the URL once expanded.
        let value = match image.stage_of(index) {
            Some(stage) if src.value.contains('$') && *expansions < MAX_EXPANSIONS => {
                *expansions += 1;
                image.expand(stage, index, &src.value).value
            }
            _ => src.value.clone(),
        };
        let location = image.location(&src.span);
        if let Some(reference) = git_ref(&value) {
            if has_checksum {
                continue;
            }
            let (severity, message) = match reference {
                Some(r) if is_commit(r) => continue,
                Some(r) => (
                    Severity::Low,
                    format!("ADD of Git repository pinned to `{r}`, a branch or tag that can move: pin a full commit hash"),
                ),
                None => (
                    META.severity,
                    "ADD of Git repository without a ref: the build takes whatever the default branch holds".to_string(),
                ),
            };
            sink.push(
                Finding::new(&META, location, message)
                    .with_severity(stage_severity(image, index, severity)),
            );
            continue;
        }
        let lower = value.to_ascii_lowercase();
        let plain_http = lower.starts_with("http://");
        if !(plain_http || lower.starts_with("https://")) || has_checksum {
            continue;
        }
        let (severity, message) = if plain_http {
            (
                Severity::High,
                "ADD downloads over plain HTTP without --checksum: anyone on the network path can replace the file",
            )
        } else {
            (
                META.severity,
                "ADD downloads a URL without --checksum: the build takes whatever the server returns",
            )
        };
        sink.push(
            Finding::new(&META, location, message)
                .with_severity(stage_severity(image, index, severity)),
        );
    }
}

impl Rule for AddRemoteWithoutChecksum {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image(&self, image: &BuildImage, sink: &mut Sink) {
        let mut expansions = 0;
        for (index, instr) in image.dockerfile.instructions.iter().enumerate() {
            match &instr.kind {
                InstrKind::Onbuild(inner) => check_add(image, index, inner, &mut expansions, sink),
                _ => check_add(image, index, instr, &mut expansions, sink),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check, lines};

    #[test]
    fn flags_urls_without_checksum() {
        let f = check(
            &AddRemoteWithoutChecksum,
            "FROM a\nADD https://example.com/tool.tgz /tmp/\nADD http://example.com/tool.tgz /tmp/\nARG URL=https://example.com/x.tgz\nADD ${URL} /tmp/\nONBUILD ADD https://example.com/y /y\n",
        );
        assert_eq!(lines(&f), vec![2, 3, 5, 6]);
        assert_eq!(f[0].severity, Severity::Medium);
        assert_eq!(f[1].severity, Severity::High);
        assert_eq!(
            (f[0].location.start_column, f[0].location.end_column),
            (5, 33)
        );
    }

    #[test]
    fn flags_unpinned_git_sources() {
        let f = check(
            &AddRemoteWithoutChecksum,
            "FROM a\nADD https://github.com/o/r.git /src\nADD git@github.com:o/r.git#main /src\nADD https://github.com/o/r.git#v1.2.3:sub /src\nADD https://github.com/o/r.git#4c8fb1e3a5d7f9b2c6e0d8a1b3f5e7c9d1a3b5c7 /src\nADD --checksum=4c8fb1e3a5d7f9b2c6e0d8a1b3f5e7c9d1a3b5c7 https://github.com/o/r.git /src\n",
        );
        assert_eq!(lines(&f), vec![2, 3, 4]);
        assert_eq!(f[0].severity, Severity::Medium);
        assert_eq!(f[1].severity, Severity::Low);
        assert!(f[2].message.contains("`v1.2.3`"));
    }

    #[test]
    fn ignores_local_sources_and_checksummed_urls() {
        let f = check(
            &AddRemoteWithoutChecksum,
            "FROM a\nADD rootfs.tar.xz /\nADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/x.tgz /tmp/\nCOPY https.txt /x\nADD ./http /x\n",
        );
        assert!(f.is_empty(), "{:?}", lines(&f));
    }
}
