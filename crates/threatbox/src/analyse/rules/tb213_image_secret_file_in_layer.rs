//! TB213 `image-secret-file-in-layer`: credential files and private keys in
//! any layer of a built image, including files a later layer deleted.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::image_support::layer_label;
use crate::analyse::secrets::secret_file_kind;
use crate::model::image_archive::{EntryKind, ImageArchive, LayerEntry, Removal};

pub struct ImageSecretFileInLayer;

pub static META: RuleMeta = RuleMeta {
    code: "TB213",
    slug: "image-secret-file-in-layer",
    title: "Secret file in an image layer",
    severity: Severity::High,
    stride: &[Stride::InformationDisclosure, Stride::Spoofing],
    cwe: &[538, 312],
    stage: LifecycleStage::Image,
    cis: &["CIS-Docker-4.10"],
    peers: &["CIS-DI-0010", "DKL-LI-0003"],
    remediation: "Never copy keys or credential files into a build step: use `RUN --mount=type=secret` / `--mount=type=ssh`, or a build stage whose files do not reach the final image. Deleting the file in a later layer does not help: rebuild without it, and rotate the credential.",
    docs: r#"
**What it detects.** In every layer of an image read from an archive — not
only the merged file system a container sees — files that are credentials
by name (`id_rsa`, `.npmrc`, `.aws/credentials`, `.env`, `*.key`, key stores…)
or small files whose content holds a PEM private key. When a later layer
deletes (whiteout, opaque directory) or overwrites the file, the finding names
both layers and their history steps. Package test fixtures and
documentation (`/usr/share`, `site-packages`, `node_modules`, `*/test*/`) are
left out.

**Why it is a threat.** Layers are tar files anyone who pulls the image can
extract; `RUN rm id_rsa` only adds a whiteout in a new layer, and the key
stays in the layer that added it (STRIDE: Information disclosure). With the
key or the credential, an attacker logs in as its owner (Spoofing).

**Example.**
```dockerfile
COPY id_rsa /root/.ssh/id_rsa
RUN git clone git@github.com:org/private.git && rm /root/.ssh/id_rsa
```

**Fix.**
```dockerfile
RUN --mount=type=ssh git clone git@github.com:org/private.git
```
"#,
};

/// At most this many findings per image (then one saying how many more).
const MAX_FINDINGS: usize = 50;

/// Paths where packages ship test keys and examples, not secrets.
fn is_vendored(path: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "usr/share/",
        "usr/lib/python",
        "usr/local/lib/python",
        "usr/lib/go",
        "usr/local/go/",
    ];
    const PARTS: &[&str] = &[
        "site-packages",
        "dist-packages",
        "node_modules",
        "test",
        "tests",
        "testdata",
        "fixtures",
        "examples",
        "vendor",
        "pkg/mod",
    ];
    PREFIXES.iter().any(|p| path.starts_with(p))
        || path.split('/').any(|part| PARTS.contains(&part))
        || path.contains("/pkg/mod/")
}

fn secret_kind(e: &LayerEntry) -> Option<&'static str> {
    if e.kind != EntryKind::File || is_vendored(&e.path) {
        return None;
    }
    // A `.pem`/`.key` that is not a private key by content is probably a
    // certificate; the content test decides when it is small enough.
    if e.private_key {
        return Some(secret_file_kind(&e.path).unwrap_or("PEM private key"));
    }
    let kind = secret_file_kind(&e.path)?;
    let content_checked = e.size > 0 && e.size <= 256 * 1024;
    if content_checked && (kind == "private key" || kind == "PEM key") {
        return None;
    }
    Some(kind)
}

impl Rule for ImageSecretFileInLayer {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image_archive(&self, archive: &ImageArchive, _ctx: &RuleContext<'_>, sink: &mut Sink) {
        let name = archive.display_name();
        let mut count = 0;
        for layer in &archive.layers {
            // A copied `.git` directory is one finding, not one per object.
            let mut git_dirs: Vec<&str> = Vec::new();
            for e in &layer.entries {
                let Some(kind) = secret_kind(e) else { continue };
                if let Some(i) = e.path.find(".git/") {
                    let dir = &e.path[..i + 4];
                    if git_dirs.contains(&dir) {
                        continue;
                    }
                    git_dirs.push(dir);
                }
                count += 1;
                if count > MAX_FINDINGS {
                    continue;
                }
                let added = layer_label(archive, layer.index);
                let removal = archive.removed_by(layer.index, &e.path);
                let state = match removal {
                    None => "and is in the final image".to_string(),
                    Some((later, how)) => {
                        let verb = match how {
                            Removal::Whiteout => "deleted",
                            Removal::Opaque => "hidden by an opaque directory",
                            Removal::Overwritten => "overwritten",
                        };
                        format!(
                            "{verb} by layer {} but still extractable from layer {}",
                            later + 1,
                            layer.index + 1
                        )
                    }
                };
                let mut f = Finding::new(
                    &META,
                    archive.location(),
                    format!(
                        "image {name}: {kind} `/{}` added by {added} {state}",
                        e.path
                    ),
                )
                .with_related(archive.location(), format!("added by {added}"));
                if let Some((later, _)) = removal {
                    f = f.with_related(
                        archive.location(),
                        format!("removed by {}", layer_label(archive, later)),
                    );
                }
                sink.push(f);
            }
        }
        if count > MAX_FINDINGS {
            sink.push(Finding::new(
                &META,
                archive.location(),
                format!(
                    "image {name}: {} more secret files in its layers not listed",
                    count - MAX_FINDINGS
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::check_archive;
    use crate::parse::image::testing::{E, TestImage, read_image};

    const KEY: &[u8] = b"-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n";

    #[test]
    fn key_added_then_deleted_names_both_layers() {
        let img = TestImage::new("api:1")
            .layer(
                "/bin/sh -c #(nop) ADD file:abc in /",
                &[E::File("bin/sh", 0o755, vec![1])],
            )
            .layer(
                "COPY id_rsa /root/.ssh/id_rsa # buildkit",
                &[E::File("root/.ssh/id_rsa", 0o600, KEY.to_vec())],
            )
            .layer(
                "RUN /bin/sh -c rm /root/.ssh/id_rsa # buildkit",
                &[E::Whiteout("root/.ssh/id_rsa")],
            );
        let archive = read_image(&img);
        let f = check_archive(&ImageSecretFileInLayer, &archive);
        assert_eq!(f.len(), 1);
        let m = &f[0].message;
        assert!(
            m.contains("SSH key `/root/.ssh/id_rsa` added by layer 2 (sha256:"),
            "{m}"
        );
        assert!(m.contains("`COPY id_rsa /root/.ssh/id_rsa`"), "{m}");
        assert!(
            m.contains("deleted by layer 3 but still extractable from layer 2"),
            "{m}"
        );
        assert_eq!(f[0].related.len(), 2);
        assert!(f[0].related[1].message.contains("removed by layer 3"));
        assert!(f[0].related[1].message.contains("rm /root/.ssh/id_rsa"));
        assert_eq!(&*f[0].location.path, "image.tar");
    }

    #[test]
    fn finds_keys_by_content_and_files_kept_in_the_final_image() {
        let img = TestImage::new("api:1").layer(
            "COPY . /app",
            &[
                E::File("app/.env", 0o644, b"X=1".to_vec()),
                E::File("app/conf/server.pem", 0o644, KEY.to_vec()),
                E::File("etc/ssh/ssh_host_ed25519_key", 0o600, KEY.to_vec()),
            ],
        );
        let f = check_archive(&ImageSecretFileInLayer, &read_image(&img));
        let msgs: Vec<&str> = f.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(f.len(), 3, "{msgs:?}");
        assert!(msgs.iter().all(|m| m.contains("is in the final image")));
    }

    #[test]
    fn a_git_directory_is_one_finding() {
        let img = TestImage::new("api:1").layer(
            "COPY . /app",
            &[
                E::File("app/.git/config", 0o644, b"[core]".to_vec()),
                E::File("app/.git/HEAD", 0o644, b"ref".to_vec()),
                E::File("app/.git/objects/ab/cdef", 0o644, vec![1]),
            ],
        );
        let f = check_archive(&ImageSecretFileInLayer, &read_image(&img));
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("Git metadata"), "{}", f[0].message);
    }

    #[test]
    fn ignores_certificates_public_keys_and_vendored_test_keys() {
        let img = TestImage::new("api:1").layer(
            "COPY . /",
            &[
                E::File(
                    "etc/ssl/certs/ca.pem",
                    0o644,
                    b"-----BEGIN CERTIFICATE-----".to_vec(),
                ),
                E::File(
                    "app/tls.key",
                    0o644,
                    b"-----BEGIN CERTIFICATE-----".to_vec(),
                ),
                E::File("root/.ssh/id_rsa.pub", 0o644, b"ssh-rsa AAAA".to_vec()),
                E::File("usr/lib/python3.12/test/keycert.pem", 0o644, KEY.to_vec()),
                E::File(
                    "app/node_modules/x/test/fixtures/key.pem",
                    0o644,
                    KEY.to_vec(),
                ),
                E::Dir("root/.ssh"),
            ],
        );
        let f = check_archive(&ImageSecretFileInLayer, &read_image(&img));
        assert!(
            f.is_empty(),
            "{:?}",
            f.iter().map(|f| &f.message).collect::<Vec<_>>()
        );
    }
}
