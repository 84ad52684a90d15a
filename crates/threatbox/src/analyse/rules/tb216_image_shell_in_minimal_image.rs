//! TB216 `image-shell-in-minimal-image`: a shell or package manager in an
//! image that claims to be minimal (distroless, "minimal" labels, or a base
//! layer without a shell).

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::image_support::layer_label;
use crate::model::image_archive::{EntryKind, ImageArchive};

pub struct ImageShellInMinimalImage;

pub static META: RuleMeta = RuleMeta {
    code: "TB216",
    slug: "image-shell-in-minimal-image",
    title: "Shell or package manager in an image that claims to be minimal",
    severity: Severity::Low,
    stride: &[Stride::ElevationOfPrivilege, Stride::Tampering],
    cwe: &[1068],
    stage: LifecycleStage::Image,
    cis: &["CIS-Docker-4.3"],
    peers: &[],
    remediation: "Keep the final stage shell-less: copy only the built artefacts onto the distroless / static base (`COPY --from=build`), do debugging with an ephemeral debug container (`kubectl debug`, `docker debug`) instead of a shell in the image, and drop labels that claim what the image is not.",
    docs: r#"
**What it detects.** An image read from an archive that claims to be minimal
— a label or tag naming `distroless`, `minimal`, `chainguard` or `wolfi`, or
a first (base) layer that has no shell — whose final file system still has a
shell (`sh`, `bash`, `ash`, `dash`, `busybox`) or a package manager (`apt`,
`apt-get`, `dpkg`, `apk`, `yum`, `dnf`, `microdnf`, `rpm`, `zypper`). The
layer that added each is named. This is hardening advice.

**Why it is a threat.** The point of a minimal image is that an attacker who
gets code execution has no shell to script with and no package manager to
fetch tools (STRIDE: Elevation of privilege, Tampering). A shell added on top
of a distroless base silently gives that back, while reviewers believe the
image is minimal.

**Example.** `FROM gcr.io/distroless/static` then `COPY --from=busybox
/bin/busybox /bin/sh`.

**Fix.** Remove the tool from the final stage; debug with an ephemeral
container.
"#,
};

const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh", "busybox"];
const PACKAGE_MANAGERS: &[&str] = &[
    "apt", "apt-get", "dpkg", "apk", "yum", "dnf", "microdnf", "rpm", "zypper",
];

fn is_tool(path: &str) -> Option<&'static str> {
    let (dir, base) = path.rsplit_once('/')?;
    if !matches!(
        dir,
        "bin" | "usr/bin" | "sbin" | "usr/sbin" | "usr/local/bin"
    ) {
        return None;
    }
    if SHELLS.contains(&base) {
        Some("shell")
    } else if PACKAGE_MANAGERS.contains(&base) {
        Some("package manager")
    } else {
        None
    }
}

/// Why the image counts as minimal, if it does.
fn minimal_claim(archive: &ImageArchive) -> Option<String> {
    const WORDS: &[&str] = &["distroless", "minimal", "chainguard", "wolfi"];
    for (k, v) in &archive.config.labels {
        let text = format!("{k}={v}").to_ascii_lowercase();
        if let Some(w) = WORDS.iter().find(|w| text.contains(*w)) {
            return Some(format!("its label `{k}` says {w}"));
        }
    }
    for t in &archive.repo_tags {
        let lower = t.to_ascii_lowercase();
        if let Some(w) = WORDS.iter().find(|w| lower.contains(*w)) {
            return Some(format!("its name `{t}` says {w}"));
        }
    }
    let base = archive.layers.first()?;
    let base_has_shell = base
        .entries
        .iter()
        .any(|e| e.kind != EntryKind::Dir && is_tool(&e.path) == Some("shell"));
    (!base_has_shell && archive.layers.len() > 1 && !base.entries.is_empty())
        .then(|| "its base layer has no shell".to_string())
}

impl Rule for ImageShellInMinimalImage {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image_archive(&self, archive: &ImageArchive, _ctx: &RuleContext<'_>, sink: &mut Sink) {
        let Some(claim) = minimal_claim(archive) else {
            return;
        };
        let tools: Vec<(usize, String)> = archive
            .final_files()
            .filter(|(_, e)| e.kind != EntryKind::Dir)
            .filter_map(|(l, e)| Some((l, format!("{} `/{}`", is_tool(&e.path)?, e.path))))
            .collect();
        let Some((first_layer, _)) = tools.first() else {
            return;
        };
        let list: Vec<&str> = tools.iter().take(8).map(|(_, t)| t.as_str()).collect();
        sink.push(
            Finding::new(
                &META,
                archive.location(),
                format!(
                    "image {} claims to be minimal ({claim}) but ships {}",
                    archive.display_name(),
                    list.join(", ")
                ),
            )
            .with_related(
                archive.location(),
                format!("first added by {}", layer_label(archive, *first_layer)),
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::check_archive;
    use crate::parse::image::testing::{E, TestImage, read_image};
    use serde_json::json;

    #[test]
    fn shell_added_on_a_shell_less_base() {
        let img = TestImage::new("api:1")
            .layer(
                "ADD static base",
                &[E::Dir("etc"), E::File("etc/passwd", 0o644, vec![])],
            )
            .layer(
                "COPY /bin/busybox /bin/sh",
                &[E::File("bin/sh", 0o755, vec![])],
            );
        let f = check_archive(&ImageShellInMinimalImage, &read_image(&img));
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].message,
            "image api:1 claims to be minimal (its base layer has no shell) but ships shell `/bin/sh`"
        );
        assert!(f[0].related[0].message.contains("layer 2"));
    }

    #[test]
    fn distroless_label_with_package_manager() {
        let img = TestImage::new("api:1")
            .layer(
                "ADD base",
                &[
                    E::File("bin/sh", 0o755, vec![]),
                    E::File("usr/bin/apt-get", 0o755, vec![]),
                ],
            )
            .config(
                json!({"Labels": {"org.opencontainers.image.base.name": "gcr.io/distroless/base"}}),
            );
        let f = check_archive(&ImageShellInMinimalImage, &read_image(&img));
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message
                .contains("label `org.opencontainers.image.base.name` says distroless")
        );
        assert!(
            f[0].message
                .contains("shell `/bin/sh`, package manager `/usr/bin/apt-get`")
        );
    }

    #[test]
    fn ordinary_images_and_clean_minimal_ones_are_fine() {
        let debian = TestImage::new("api:1")
            .layer("ADD base", &[E::File("bin/sh", 0o755, vec![])])
            .layer("RUN x", &[E::File("app", 0o755, vec![])]);
        assert!(check_archive(&ImageShellInMinimalImage, &read_image(&debian)).is_empty());
        let clean =
            TestImage::new("app:distroless").layer("ADD base", &[E::File("app", 0o755, vec![])]);
        assert!(check_archive(&ImageShellInMinimalImage, &read_image(&clean)).is_empty());
    }
}
