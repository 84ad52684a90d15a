//! Builds small image archives and OCI layouts in memory for tests: layer
//! tars (with hostile entries the `tar` builder would refuse), gzip and zstd
//! compression, image configs, and the three container forms.

use std::io::Write;
use std::path::Path;

use serde_json::{Value, json};

use super::layer::sha256;

/// One entry of a test layer.
#[derive(Debug, Clone)]
pub enum E {
    File(&'static str, u32, Vec<u8>),
    Dir(&'static str),
    Symlink(&'static str, &'static str),
    /// `.wh.<name>` deleting the path.
    Whiteout(&'static str),
    /// `.wh..wh..opq` in the directory.
    Opaque(&'static str),
    /// A regular file whose header declares `declared` bytes but holds `data`.
    Lying(&'static str, u64, Vec<u8>),
    /// A GNU long-name entry (type `L`) of `n` bytes, then a file.
    LongName(usize),
}

/// Appends a header with a raw name (no validation: tests need `..` and
/// absolute names).
fn raw_entry(
    out: &mut Vec<u8>,
    name: &str,
    kind: tar::EntryType,
    mode: u32,
    data: &[u8],
    link: Option<&str>,
    declared: Option<u64>,
) {
    let mut h = tar::Header::new_gnu();
    {
        let old = h.as_old_mut();
        let bytes = name.as_bytes();
        let n = bytes.len().min(old.name.len());
        old.name[..n].copy_from_slice(&bytes[..n]);
        if let Some(l) = link {
            let lb = l.as_bytes();
            let n = lb.len().min(old.linkname.len());
            old.linkname[..n].copy_from_slice(&lb[..n]);
        }
    }
    h.set_entry_type(kind);
    h.set_mode(mode);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(0);
    h.set_size(declared.unwrap_or(data.len() as u64));
    h.set_cksum();
    out.extend_from_slice(h.as_bytes());
    out.extend_from_slice(data);
    let pad = (512 - data.len() % 512) % 512;
    out.extend(std::iter::repeat_n(0u8, pad));
}

/// An uncompressed layer tar.
pub fn layer_tar(entries: &[E]) -> Vec<u8> {
    let mut out = Vec::new();
    for e in entries {
        match e {
            E::File(p, mode, data) => raw_entry(
                &mut out,
                p,
                tar::EntryType::Regular,
                *mode,
                data,
                None,
                None,
            ),
            E::Dir(p) => raw_entry(
                &mut out,
                &format!("{}/", p.trim_end_matches('/')),
                tar::EntryType::Directory,
                0o755,
                &[],
                None,
                None,
            ),
            E::Symlink(p, t) => raw_entry(
                &mut out,
                p,
                tar::EntryType::Symlink,
                0o777,
                &[],
                Some(t),
                None,
            ),
            E::Whiteout(p) => {
                let (dir, base) = p.rsplit_once('/').unwrap_or(("", p));
                let name = if dir.is_empty() {
                    format!(".wh.{base}")
                } else {
                    format!("{dir}/.wh.{base}")
                };
                raw_entry(
                    &mut out,
                    &name,
                    tar::EntryType::Regular,
                    0o644,
                    &[],
                    None,
                    None,
                )
            }
            E::Opaque(dir) => raw_entry(
                &mut out,
                &format!("{dir}/.wh..wh..opq"),
                tar::EntryType::Regular,
                0o644,
                &[],
                None,
                None,
            ),
            E::LongName(n) => {
                let mut name = vec![b'a'; *n];
                name.push(0);
                raw_entry(
                    &mut out,
                    "././@LongLink",
                    tar::EntryType::GNULongName,
                    0o644,
                    &name,
                    None,
                    None,
                );
                raw_entry(
                    &mut out,
                    "short",
                    tar::EntryType::Regular,
                    0o644,
                    b"x",
                    None,
                    None,
                );
            }
            E::Lying(p, declared, data) => {
                raw_entry(
                    &mut out,
                    p,
                    tar::EntryType::Regular,
                    0o644,
                    data,
                    None,
                    Some(*declared),
                );
                return out; // the archive ends mid-entry
            }
        }
    }
    out.extend(std::iter::repeat_n(0u8, 1024));
    out
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).expect("in memory");
    enc.finish().expect("in memory")
}

pub fn zstd(bytes: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(bytes, ruzstd::encoding::CompressionLevel::Fastest)
}

fn hex(digest: &str) -> &str {
    digest.strip_prefix("sha256:").unwrap_or(digest)
}

/// An image to write: layers as (uncompressed tar, blob as stored),
/// history, and config fields.
#[derive(Debug, Clone)]
pub struct TestImage {
    pub tags: Vec<String>,
    /// (tar, blob): the blob is the tar, gzip'd or zstd'd.
    pub layers: Vec<(Vec<u8>, Vec<u8>)>,
    /// `config` object (User, Env, …).
    pub config: Value,
    /// (created_by, empty_layer).
    pub history: Vec<(String, bool)>,
    pub created: String,
    pub os: String,
    pub arch: String,
}

impl TestImage {
    pub fn new(tag: &str) -> Self {
        TestImage {
            tags: vec![tag.to_string()],
            layers: Vec::new(),
            config: json!({}),
            history: Vec::new(),
            created: "2026-01-01T00:00:00Z".into(),
            os: "linux".into(),
            arch: "amd64".into(),
        }
    }

    /// Adds a plain layer and its history entry.
    pub fn layer(mut self, created_by: &str, entries: &[E]) -> Self {
        let tar = layer_tar(entries);
        self.layers.push((tar.clone(), tar));
        self.history.push((created_by.to_string(), false));
        self
    }

    /// Adds a layer stored with `compress`.
    pub fn layer_with(
        mut self,
        created_by: &str,
        entries: &[E],
        compress: fn(&[u8]) -> Vec<u8>,
    ) -> Self {
        let tar = layer_tar(entries);
        let blob = compress(&tar);
        self.layers.push((tar, blob));
        self.history.push((created_by.to_string(), false));
        self
    }

    pub fn empty(mut self, created_by: &str) -> Self {
        self.history.push((created_by.to_string(), true));
        self
    }

    pub fn config(mut self, config: Value) -> Self {
        self.config = config;
        self
    }

    pub fn config_json(&self) -> Vec<u8> {
        let diff_ids: Vec<String> = self.layers.iter().map(|(t, _)| sha256(t)).collect();
        let history: Vec<Value> = self
            .history
            .iter()
            .map(|(c, e)| {
                if *e {
                    json!({"created": self.created, "created_by": c, "empty_layer": true})
                } else {
                    json!({"created": self.created, "created_by": c})
                }
            })
            .collect();
        serde_json::to_vec(&json!({
            "architecture": self.arch,
            "os": self.os,
            "created": self.created,
            "config": self.config,
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "history": history,
        }))
        .expect("JSON")
    }

    /// The OCI manifest for this image.
    fn manifest(&self, config: &[u8]) -> Vec<u8> {
        let layers: Vec<Value> = self
            .layers
            .iter()
            .map(|(_, b)| json!({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": sha256(b), "size": b.len()}))
            .collect();
        serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha256(config), "size": config.len()},
            "layers": layers,
        }))
        .expect("JSON")
    }
}

/// A tar archive of (name, bytes) members.
pub fn archive(members: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, data) in members {
        raw_entry(
            &mut out,
            name,
            tar::EntryType::Regular,
            0o644,
            data,
            None,
            None,
        );
    }
    out.extend(std::iter::repeat_n(0u8, 1024));
    out
}

/// The members of a legacy (before Docker 25) `docker save`:
/// `<hex>.json`, `<id>/layer.tar`, `manifest.json`.
pub fn legacy_members(img: &TestImage) -> Vec<(String, Vec<u8>)> {
    let config = img.config_json();
    let config_name = format!("{}.json", hex(&sha256(&config)));
    let mut members = vec![(config_name.clone(), config)];
    let mut layer_paths = Vec::new();
    for (i, (tar, _)) in img.layers.iter().enumerate() {
        let path = format!("{i:064x}/layer.tar");
        members.push((path.clone(), tar.clone()));
        layer_paths.push(path);
    }
    let manifest = json!([{"Config": config_name, "RepoTags": img.tags, "Layers": layer_paths}]);
    members.push((
        "manifest.json".into(),
        serde_json::to_vec(&manifest).expect("JSON"),
    ));
    members
}

/// The members of a current `docker save` / OCI layout: blobs, index.json,
/// oci-layout and (when `docker_manifest`) manifest.json.
pub fn oci_members(
    images: &[TestImage],
    platforms: bool,
    docker_manifest: bool,
) -> Vec<(String, Vec<u8>)> {
    let mut members: Vec<(String, Vec<u8>)> = vec![(
        "oci-layout".into(),
        br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
    )];
    let mut descriptors = Vec::new();
    let mut docker = Vec::new();
    for img in images {
        let config = img.config_json();
        let manifest = img.manifest(&config);
        members.push((
            format!("blobs/sha256/{}", hex(&sha256(&config))),
            config.clone(),
        ));
        let mut layer_paths = Vec::new();
        for (_, blob) in &img.layers {
            let p = format!("blobs/sha256/{}", hex(&sha256(blob)));
            layer_paths.push(p.clone());
            members.push((p, blob.clone()));
        }
        members.push((
            format!("blobs/sha256/{}", hex(&sha256(&manifest))),
            manifest.clone(),
        ));
        let mut d = json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": sha256(&manifest),
            "size": manifest.len(),
            "annotations": {"io.containerd.image.name": img.tags.first().cloned().unwrap_or_default()},
        });
        if platforms {
            d["platform"] = json!({"os": img.os, "architecture": img.arch});
        }
        descriptors.push(d);
        docker.push(json!({"Config": format!("blobs/sha256/{}", hex(&sha256(&config))), "RepoTags": img.tags, "Layers": layer_paths}));
    }
    let index = json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": descriptors});
    members.push((
        "index.json".into(),
        serde_json::to_vec(&index).expect("JSON"),
    ));
    if docker_manifest {
        members.push((
            "manifest.json".into(),
            serde_json::to_vec(&docker).expect("JSON"),
        ));
    }
    members
}

/// Writes members as files under `dir` (an OCI layout directory).
pub fn write_dir(dir: &Path, members: &[(String, Vec<u8>)]) {
    for (name, data) in members {
        let p = dir.join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("temp dir");
        }
        std::fs::write(p, data).expect("temp dir");
    }
}

/// Writes a tar archive of `members` to `dir/name` and returns its path.
pub fn write_archive(dir: &Path, name: &str, members: &[(String, Vec<u8>)]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, archive(members)).expect("temp dir");
    p
}

/// Writes `img` as a legacy `docker save` archive named `image.tar` and
/// reads it back (the archive's path is `image.tar`).
pub fn read_image(img: &TestImage) -> crate::model::image_archive::ImageArchive {
    let dir = tempfile::tempdir().expect("temp dir");
    let p = write_archive(dir.path(), "image.tar", &legacy_members(img));
    let read = super::read_archive(&p, "image.tar".into(), &super::ImageReadOptions::default());
    assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
    read.images.into_iter().next().expect("one image")
}
