//! TB215 `image-package-cache-left`: package manager caches and index lists
//! left in a built image.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::model::image_archive::{EntryKind, ImageArchive};

pub struct ImagePackageCacheLeft;

pub static META: RuleMeta = RuleMeta {
    code: "TB215",
    slug: "image-package-cache-left",
    title: "Package manager cache left in a built image",
    severity: Severity::Low,
    stride: &[Stride::Tampering, Stride::InformationDisclosure],
    cwe: &[459],
    stage: LifecycleStage::Image,
    cis: &["CIS-Docker-4.3"],
    peers: &["DKL-DI-0005", "DKL-DI-0004", "DL3009", "DL3019"],
    remediation: "Clean up in the same `RUN` that installs: `apt-get install … && rm -rf /var/lib/apt/lists/*`, `apk add --no-cache`, `dnf clean all`, `pip install --no-cache-dir`, `npm ci && npm cache clean --force` — or use a cache mount (`RUN --mount=type=cache,target=/var/cache/apt`).",
    docs: r#"
**What it detects.** Files left in the final file system of an image read
from an archive under the caches and package indexes of apt
(`/var/lib/apt/lists`, `/var/cache/apt/archives`), apk (`/var/cache/apk`),
yum/dnf (`/var/cache/yum`, `/var/cache/dnf`), pip (`/root/.cache/pip`) and
npm (`/root/.npm/_cacache`), with their total size.

**Why it is a threat.** Stale package indexes let anyone with a shell in the
container install tools from them without a network fetch of the index, and
tell an attacker the exact package versions (STRIDE: Information disclosure);
the cache also grows every pull and the attack surface of the image (a larger
image is slower to patch and redeploy). It shows that the image was not built
with clean-up in the same layer.

**Example.** `RUN apt-get update && apt-get install -y curl` without
`rm -rf /var/lib/apt/lists/*`.

**Fix.**
```dockerfile
RUN apt-get update && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*
```
"#,
};

/// (directory, what it is).
const CACHES: &[(&str, &str)] = &[
    ("var/lib/apt/lists/", "apt package lists"),
    ("var/cache/apt/archives/", "apt package cache"),
    ("var/cache/apk/", "apk cache"),
    ("var/cache/yum/", "yum cache"),
    ("var/cache/dnf/", "dnf cache"),
    ("root/.cache/pip/", "pip cache"),
    ("root/.npm/_cacache/", "npm cache"),
];

impl Rule for ImagePackageCacheLeft {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image_archive(&self, archive: &ImageArchive, _ctx: &RuleContext<'_>, sink: &mut Sink) {
        let mut parts = Vec::new();
        for (dir, what) in CACHES {
            let (files, bytes) = archive
                .merged
                .range(dir.to_string()..)
                .take_while(|(k, _)| k.starts_with(dir))
                .filter_map(|(_, &(l, e))| archive.layers.get(l)?.entries.get(e))
                .filter(|e| {
                    e.kind == EntryKind::File && !matches!(e.path.rsplit('/').next(), Some("lock"))
                })
                .fold((0u64, 0u64), |(n, b), e| (n + 1, b + e.size));
            if files > 0 {
                parts.push(format!(
                    "{what} (`/{dir}`: {files} files, {})",
                    human(bytes)
                ));
            }
        }
        if parts.is_empty() {
            return;
        }
        sink.push(Finding::new(
            &META,
            archive.location(),
            format!(
                "image {} keeps {}",
                archive.display_name(),
                parts.join("; ")
            ),
        ));
    }
}

fn human(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / f64::from(1 << 20)),
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / f64::from(1 << 10)),
        b => format!("{b} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::check_archive;
    use crate::parse::image::testing::{E, TestImage, read_image};

    #[test]
    fn flags_lists_and_caches_left() {
        let img = TestImage::new("api:1").layer(
            "RUN apt-get update && apt-get install -y curl",
            &[
                E::File("var/lib/apt/lists/lock", 0o640, vec![]),
                E::File(
                    "var/lib/apt/lists/deb.debian.org_dists_bookworm_InRelease",
                    0o644,
                    vec![0; 2048],
                ),
                E::File("root/.cache/pip/http/x", 0o644, vec![0; 10]),
            ],
        );
        let f = check_archive(&ImagePackageCacheLeft, &read_image(&img));
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].message,
            "image api:1 keeps apt package lists (`/var/lib/apt/lists/`: 1 files, 2.0 KiB); pip cache (`/root/.cache/pip/`: 1 files, 10 bytes)"
        );
    }

    #[test]
    fn cleaned_in_a_later_layer_or_only_lock_is_fine() {
        let img = TestImage::new("api:1")
            .layer(
                "RUN apt-get update",
                &[E::File("var/lib/apt/lists/x", 0o644, vec![1])],
            )
            .layer(
                "RUN rm -rf /var/lib/apt/lists/*",
                &[
                    E::Opaque("var/lib/apt/lists"),
                    E::File("var/lib/apt/lists/lock", 0o640, vec![]),
                ],
            );
        assert!(check_archive(&ImagePackageCacheLeft, &read_image(&img)).is_empty());
    }
}
