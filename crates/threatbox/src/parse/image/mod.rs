//! Built images, read offline: `docker save` archives (the legacy
//! `manifest.json` + `<id>/layer.tar` form and the current OCI layout plus
//! `manifest.json`) and OCI image layout directories (`oci-layout`,
//! `index.json`, `blobs/sha256/…`), multi-platform indexes included.
//!
//! Everything is hostile until checked: member paths are normalised and
//! never used on disk, JSON documents and byte counts are bounded, blob
//! digests are verified, layers are streamed (gzip, zstd or plain tar,
//! decided by magic bytes) and never unpacked. Problems become diagnostics
//! naming the file and the member; nothing panics.

mod layer;
mod store;

use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use crate::model::image_archive::{HistoryEntry, ImageArchive, ImageConfig, Layer};
use crate::source::{Diagnostic, Location};
use layer::{Budget, read_layer, sha256};
use store::{DirStore, Store, TarStore, normalise};

/// Bounds on what one input may make threatbox read.
#[derive(Debug, Clone)]
pub struct ImageLimits {
    /// `manifest.json`, `index.json`, manifests and configs.
    pub max_json_bytes: u64,
    /// Members of an outer `docker save` archive.
    pub max_archive_members: usize,
    /// Tar entries over all layers of one image.
    pub max_entries: usize,
    /// Uncompressed layer bytes over all layers of one image.
    pub max_tar_bytes: u64,
    /// Uncompressed / compressed above this (once past `ratio_floor_bytes`)
    /// is taken as a bomb.
    pub max_compression_ratio: u64,
    pub ratio_floor_bytes: u64,
    /// Regular files up to this size are read for content checks.
    pub max_content_bytes: u64,
    pub max_zstd_window: u64,
    /// GNU long-name / long-link and PAX extension entries (which the `tar`
    /// crate reads whole into memory).
    pub max_extension_header: u64,
    /// Images per archive (index entries, `manifest.json` items).
    pub max_images: usize,
    pub max_layers: usize,
}

impl Default for ImageLimits {
    fn default() -> Self {
        ImageLimits {
            max_json_bytes: 8 * 1024 * 1024,
            max_archive_members: 100_000,
            max_entries: 1_000_000,
            max_tar_bytes: 64 * 1024 * 1024 * 1024,
            max_compression_ratio: 200,
            ratio_floor_bytes: 512 * 1024 * 1024,
            max_content_bytes: 256 * 1024,
            max_zstd_window: 64 * 1024 * 1024,
            max_extension_header: 1024 * 1024,
            max_images: 64,
            max_layers: 512,
        }
    }
}

/// How to read images.
#[derive(Debug, Clone, Default)]
pub struct ImageReadOptions {
    /// `os/arch[/variant]`: read only this platform of a multi-platform index.
    pub platform: Option<String>,
    pub limits: ImageLimits,
}

/// What one archive or layout gave.
#[derive(Debug, Default)]
pub struct ImageRead {
    pub images: Vec<ImageArchive>,
    pub diagnostics: Vec<Diagnostic>,
    /// The input is an image archive or layout (even a damaged one).
    pub is_image: bool,
}

/// Cheap check that a tar file holds an image: `manifest.json` or
/// `oci-layout` among its first members (headers only).
pub fn looks_like_image_archive(path: &Path) -> bool {
    let Ok(file) = std::fs::File::open(path) else {
        return false;
    };
    let mut archive = tar::Archive::new(std::io::BufReader::new(file));
    let Ok(entries) = archive.entries_with_seek() else {
        return false;
    };
    for entry in entries.take(10_000) {
        let Ok(entry) = entry else { return false };
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        if matches!(
            normalise(&name).as_deref(),
            Ok("manifest.json" | "oci-layout" | "index.json")
        ) {
            return true;
        }
    }
    false
}

/// Context for diagnostics about one input.
struct Reader<'a> {
    display: Arc<str>,
    options: &'a ImageReadOptions,
    diagnostics: Vec<Diagnostic>,
}

impl Reader<'_> {
    fn loc(&self) -> Location {
        Location::file(self.display.clone())
    }
    fn error(&mut self, code: &'static str, msg: impl Into<String>) {
        let d = Diagnostic::error(code, msg, self.loc());
        self.diagnostics.push(d);
    }
    fn warning(&mut self, code: &'static str, msg: impl Into<String>) {
        let d = Diagnostic::warning(code, msg, self.loc());
        self.diagnostics.push(d);
    }

    /// Reads and parses a bounded JSON member; returns it with its sha256.
    fn json(&mut self, store: &dyn Store, path: &str) -> Option<(Value, String)> {
        let max = self.options.limits.max_json_bytes;
        let (mut reader, size) = match store.open(path) {
            Ok(b) => b,
            Err(e) => {
                self.error("image-read-error", e);
                return None;
            }
        };
        if size > max {
            self.error(
                "image-limit",
                format!("`{path}` is {size} bytes, over the {max} byte limit for JSON documents; not read"),
            );
            return None;
        }
        let mut bytes = Vec::new();
        if let Err(e) = std::io::Read::read_to_end(&mut (&mut reader).take(max), &mut bytes) {
            self.error("image-read-error", format!("cannot read `{path}`: {e}"));
            return None;
        }
        let digest = sha256(&bytes);
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(v) => Some((v, digest)),
            Err(e) => {
                self.error("image-format", format!("`{path}` is not valid JSON: {e}"));
                None
            }
        }
    }

    /// Compares a computed digest with the expected one.
    fn check_digest(&mut self, what: &str, expected: Option<&str>, actual: &str) {
        if let Some(expected) = expected
            && !expected.eq_ignore_ascii_case(actual)
        {
            self.error(
                "image-digest-mismatch",
                format!(
                    "{what}: content digest is {actual}, expected {expected} (corrupt or tampered)"
                ),
            );
        }
    }
}

use std::io::Read as _;

/// Reads a `docker save` archive (or a tar of an OCI layout).
pub fn read_archive(path: &Path, display: Arc<str>, options: &ImageReadOptions) -> ImageRead {
    let mut r = Reader {
        display,
        options,
        diagnostics: Vec::new(),
    };
    let mut out = ImageRead::default();
    // A compressed `docker save | gzip` cannot be indexed in place.
    if let Ok(mut f) = std::fs::File::open(path) {
        let mut magic = [0u8; 4];
        if f.read_exact(&mut magic).is_ok()
            && (magic.starts_with(&[0x1f, 0x8b]) || magic == [0x28, 0xb5, 0x2f, 0xfd])
        {
            r.error(
                "image-format",
                "compressed archive: decompress it first (`gunzip -k` / `zstd -d`), then scan the .tar",
            );
            out.is_image = true;
            out.diagnostics = r.diagnostics;
            return out;
        }
    }
    let index = match TarStore::index(path, &options.limits) {
        Ok(i) => i,
        Err(e) => {
            r.warning("image-format", format!("{e}; not read as an image"));
            out.diagnostics = r.diagnostics;
            return out;
        }
    };
    for p in index.problems {
        r.warning("image-unsafe-entry", p);
    }
    let store = index.store;
    if store.has("manifest.json") {
        out.is_image = true;
        out.images = read_docker_manifest(&mut r, &store);
    } else if store.has("index.json") || store.has("oci-layout") {
        out.is_image = true;
        out.images = read_oci_index(&mut r, &store);
    } else {
        r.warning(
            "image-format",
            "tar archive without manifest.json or index.json: not an image archive; not read",
        );
    }
    out.diagnostics = r.diagnostics;
    out
}

/// Reads an OCI image layout directory.
pub fn read_layout(dir: &Path, display: Arc<str>, options: &ImageReadOptions) -> ImageRead {
    let mut r = Reader {
        display,
        options,
        diagnostics: Vec::new(),
    };
    let mut out = ImageRead {
        is_image: true,
        ..Default::default()
    };
    match DirStore::new(dir) {
        Ok(store) => {
            out.images = if store.has("index.json") {
                read_oci_index(&mut r, &store)
            } else if store.has("manifest.json") {
                read_docker_manifest(&mut r, &store)
            } else {
                r.error("image-format", "OCI layout without index.json; not read");
                Vec::new()
            };
        }
        Err(e) => r.error("image-read-error", e),
    }
    out.diagnostics = r.diagnostics;
    out
}

fn str_of(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// `blobs/sha256/<hex>` or `<hex>.json` → `sha256:<hex>`.
fn digest_from_path(path: &str) -> Option<String> {
    let is_hex = |s: &str| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit());
    if let Some(hex) = path.strip_prefix("blobs/sha256/")
        && is_hex(hex)
    {
        return Some(format!("sha256:{hex}"));
    }
    let hex = path.strip_suffix(".json")?;
    is_hex(hex).then(|| format!("sha256:{hex}"))
}

/// `sha256:<hex>` → `blobs/sha256/<hex>` (only well-formed digests).
fn blob_path(digest: &str) -> Option<String> {
    let (alg, hex) = digest.split_once(':')?;
    let ok = matches!(alg, "sha256" | "sha512")
        && !hex.is_empty()
        && hex.len() <= 128
        && hex.bytes().all(|b| b.is_ascii_hexdigit());
    ok.then(|| format!("blobs/{alg}/{hex}"))
}

/// `manifest.json`: `[{Config, RepoTags, Layers}]`.
fn read_docker_manifest(r: &mut Reader<'_>, store: &dyn Store) -> Vec<ImageArchive> {
    let Some((manifest, _)) = r.json(store, "manifest.json") else {
        return Vec::new();
    };
    let Some(items) = manifest.as_array() else {
        r.error("image-format", "manifest.json is not an array; not read");
        return Vec::new();
    };
    let mut images = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if i >= r.options.limits.max_images {
            r.warning(
                "image-limit",
                format!(
                    "more than {} images in manifest.json; the rest is not read",
                    r.options.limits.max_images
                ),
            );
            break;
        }
        let Some(config_path) = str_of(item, "Config") else {
            r.error(
                "image-format",
                format!("manifest.json item {i} has no Config"),
            );
            continue;
        };
        let config_path = match normalise(&config_path) {
            Ok(p) => p,
            Err(why) => {
                r.warning(
                    "image-unsafe-entry",
                    format!("manifest.json Config `{config_path}`: {why}; not read"),
                );
                continue;
            }
        };
        let layers: Vec<(String, Option<String>, Option<String>)> = strings(item.get("Layers"))
            .into_iter()
            .map(|p| {
                let d = digest_from_path(&p);
                (p, d, None)
            })
            .collect();
        let image = ImageArchive {
            path: r.display.clone(),
            repo_tags: strings(item.get("RepoTags")),
            ..Default::default()
        };
        if let Some(image) = read_image(
            r,
            store,
            image,
            &config_path,
            digest_from_path(&config_path),
            layers,
        ) {
            images.push(image);
        }
    }
    images
}

/// `index.json` → manifests (nested indexes followed, platform chosen).
fn read_oci_index(r: &mut Reader<'_>, store: &dyn Store) -> Vec<ImageArchive> {
    let Some((index, _)) = r.json(store, "index.json") else {
        return Vec::new();
    };
    let mut found = Vec::new();
    collect_manifests(r, store, &index, &[], 0, &mut found);
    // Keep the requested platform when the index offers it.
    if let Some(want) = &r.options.platform {
        let matching: Vec<_> = found
            .iter()
            .filter(|(_, p, _)| p.as_deref().is_some_and(|p| platform_matches(p, want)))
            .cloned()
            .collect();
        if !matching.is_empty() {
            found = matching;
        }
    }
    let mut images = Vec::new();
    for (descriptor, platform, tags) in found.into_iter().take(r.options.limits.max_images) {
        if let Some(image) = read_oci_manifest(r, store, &descriptor, platform, tags) {
            images.push(image);
        }
    }
    images
}

/// Image-manifest descriptors under an index, with their platform and the
/// names the index gives them.
fn collect_manifests(
    r: &mut Reader<'_>,
    store: &dyn Store,
    index: &Value,
    inherited_tags: &[String],
    depth: usize,
    found: &mut Vec<(Value, Option<String>, Vec<String>)>,
) {
    let Some(manifests) = index.get("manifests").and_then(Value::as_array) else {
        r.error("image-format", "index has no manifests[]; not read");
        return;
    };
    for d in manifests {
        let annotations = d.get("annotations");
        let mut tags: Vec<String> = inherited_tags.to_vec();
        for key in [
            "io.containerd.image.name",
            "org.opencontainers.image.ref.name",
        ] {
            if let Some(name) = annotations.and_then(|a| a.get(key)).and_then(Value::as_str)
                && !tags
                    .iter()
                    .any(|t| t == name || t.ends_with(&format!(":{name}")))
            {
                tags.push(name.to_string());
            }
        }
        // Attestations (BuildKit provenance, SBOM) are not images.
        if annotations
            .and_then(|a| a.get("vnd.docker.reference.type"))
            .is_some()
        {
            continue;
        }
        let platform = d.get("platform").map(platform_string);
        if platform.as_deref() == Some("unknown/unknown") {
            continue;
        }
        let media = str_of(d, "mediaType").unwrap_or_default();
        let is_index = if media.contains("index") || media.contains("manifest.list") {
            true
        } else if media.is_empty() {
            // mediaType is optional in old layouts: look at the blob, quietly
            // (a broken one is reported when it is read as a manifest).
            let quiet = r.diagnostics.len();
            let nested =
                read_blob_json(r, store, d).is_some_and(|(v, _)| v.get("manifests").is_some());
            r.diagnostics.truncate(quiet);
            nested
        } else {
            false
        };
        if is_index {
            if depth >= 4 {
                r.warning(
                    "image-limit",
                    "indexes nested more than 4 deep; not followed",
                );
                continue;
            }
            if let Some((nested, _)) = read_blob_json(r, store, d) {
                collect_manifests(r, store, &nested, &tags, depth + 1, found);
            }
            continue;
        }
        found.push((d.clone(), platform, tags));
    }
}

fn platform_string(p: &Value) -> String {
    let mut s = format!(
        "{}/{}",
        str_of(p, "os").unwrap_or_default(),
        str_of(p, "architecture").unwrap_or_default()
    );
    if let Some(v) = str_of(p, "variant").filter(|v| !v.is_empty()) {
        s.push('/');
        s.push_str(&v);
    }
    s
}

/// `linux/arm64/v8` matches `linux/arm64`; a variant asked for must match.
pub fn platform_matches(have: &str, want: &str) -> bool {
    let h: Vec<&str> = have.split('/').collect();
    let w: Vec<&str> = want.split('/').collect();
    w.iter()
        .enumerate()
        .all(|(i, part)| h.get(i).is_some_and(|x| x.eq_ignore_ascii_case(part)))
}

/// Reads the JSON blob a descriptor points at, verifying its digest.
fn read_blob_json(r: &mut Reader<'_>, store: &dyn Store, d: &Value) -> Option<(Value, String)> {
    let digest = str_of(d, "digest").unwrap_or_default();
    let Some(path) = blob_path(&digest) else {
        r.error(
            "image-format",
            format!("descriptor digest `{digest}` is malformed; not read"),
        );
        return None;
    };
    let (value, actual) = r.json(store, &path)?;
    r.check_digest(&format!("`{path}`"), Some(&digest), &actual);
    Some((value, actual))
}

fn read_oci_manifest(
    r: &mut Reader<'_>,
    store: &dyn Store,
    descriptor: &Value,
    platform: Option<String>,
    tags: Vec<String>,
) -> Option<ImageArchive> {
    let (manifest, digest) = read_blob_json(r, store, descriptor)?;
    let Some(config) = manifest.get("config") else {
        r.error(
            "image-format",
            format!("manifest {digest} has no config; not read"),
        );
        return None;
    };
    let config_digest = str_of(config, "digest").unwrap_or_default();
    let Some(config_path) = blob_path(&config_digest) else {
        r.error(
            "image-format",
            format!("config digest `{config_digest}` is malformed; not read"),
        );
        return None;
    };
    let mut layers = Vec::new();
    for l in manifest
        .get("layers")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let d = str_of(l, "digest").unwrap_or_default();
        match blob_path(&d) {
            Some(p) => layers.push((p, Some(d), str_of(l, "mediaType"))),
            None => r.error(
                "image-format",
                format!("layer digest `{d}` is malformed; layer not read"),
            ),
        }
    }
    let image = ImageArchive {
        path: r.display.clone(),
        repo_tags: tags,
        manifest_digest: Some(digest),
        platform,
        ..Default::default()
    };
    read_image(r, store, image, &config_path, Some(config_digest), layers)
}

/// The config and the layers of one image.
fn read_image(
    r: &mut Reader<'_>,
    store: &dyn Store,
    mut image: ImageArchive,
    config_path: &str,
    config_digest: Option<String>,
    layers: Vec<(String, Option<String>, Option<String>)>,
) -> Option<ImageArchive> {
    let (config, actual) = r.json(store, config_path)?;
    r.check_digest(
        &format!("config `{config_path}`"),
        config_digest.as_deref(),
        &actual,
    );
    image.config_digest = Some(actual);
    image.requested_platform = r.options.platform.clone();
    read_config(&config, &mut image);
    if image.platform.is_none() {
        image.platform = image.config.os.as_ref().map(|os| {
            let mut p = format!(
                "{os}/{}",
                image.config.architecture.as_deref().unwrap_or("")
            );
            if let Some(v) = &image.config.variant {
                p.push('/');
                p.push_str(v);
            }
            p
        });
    }
    let name = image.display_name();
    let options = r.options;
    let limits = &options.limits;
    let mut budget = Budget {
        tar_bytes_left: limits.max_tar_bytes,
        entries_left: limits.max_entries,
    };
    if layers.len() > limits.max_layers {
        r.warning(
            "image-limit",
            format!(
                "{name}: {} layers, over the limit of {}; the rest is not read",
                layers.len(),
                limits.max_layers
            ),
        );
    }
    for (i, (path, expected_blob, _media)) in layers.into_iter().take(limits.max_layers).enumerate()
    {
        let path = match normalise(&path) {
            Ok(p) => p,
            Err(why) => {
                r.warning(
                    "image-unsafe-entry",
                    format!("{name}: layer path `{path}`: {why}; not read"),
                );
                continue;
            }
        };
        let expected_diff = image.config.diff_ids.get(i).cloned();
        let mut layer = Layer {
            index: image.layers.len(),
            digest: expected_blob
                .clone()
                .or_else(|| expected_diff.clone())
                .unwrap_or_else(|| path.clone()),
            blob_path: path.clone(),
            ..Default::default()
        };
        let read = match store.open(&path) {
            Ok((reader, _)) => read_layer(reader, limits, &mut budget),
            Err(e) => {
                r.error("image-read-error", format!("{name}: layer {}: {e}", i + 1));
                image.layers.push(layer);
                continue;
            }
        };
        let what = format!("{name}: layer {} (`{path}`)", i + 1);
        for p in &read.problems {
            let code = if read.bomb {
                "image-limit"
            } else {
                "image-unsafe-entry"
            };
            if read.bomb || !read.complete {
                r.error(
                    if read.bomb { code } else { "image-read-error" },
                    format!("{what}: {p}"),
                );
            } else {
                r.warning(code, format!("{what}: {p}"));
            }
        }
        if read.complete {
            if let Some(actual) = &read.blob_digest {
                r.check_digest(&what, expected_blob.as_deref(), actual);
            }
            if let Some(actual) = &read.diff_id {
                r.check_digest(
                    &format!("{what} uncompressed"),
                    expected_diff.as_deref(),
                    actual,
                );
            }
        }
        layer.compression = read.compression;
        layer.entries = read.entries;
        layer.complete = read.complete;
        layer.bytes = read.tar_bytes;
        image.layers.push(layer);
        if budget.entries_left == 0 || read.bomb {
            break;
        }
    }
    // The i-th history entry that is not `empty_layer` made the i-th layer.
    let mut next = 0;
    for (h, entry) in image.history.iter_mut().enumerate() {
        if entry.empty_layer {
            continue;
        }
        if let Some(layer) = image.layers.get_mut(next) {
            entry.layer = Some(next);
            layer.history = Some(h);
        }
        next += 1;
    }
    image.compute_merged();
    Some(image)
}

/// The image configuration (`config.md`, plus Docker's `Healthcheck`).
fn read_config(v: &Value, image: &mut ImageArchive) {
    let c = v.get("config").or_else(|| v.get("container_config"));
    let mut config = ImageConfig {
        created: str_of(v, "created"),
        os: str_of(v, "os"),
        architecture: str_of(v, "architecture"),
        variant: str_of(v, "variant"),
        diff_ids: strings(v.get("rootfs").and_then(|r| r.get("diff_ids"))),
        ..Default::default()
    };
    if let Some(c) = c {
        config.user = str_of(c, "User");
        config.env = strings(c.get("Env"))
            .into_iter()
            .map(|kv| match kv.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (kv, String::new()),
            })
            .collect();
        config.exposed_ports = keys(c.get("ExposedPorts"));
        config.volumes = keys(c.get("Volumes"));
        config.entrypoint = strings(c.get("Entrypoint"));
        config.cmd = strings(c.get("Cmd"));
        config.working_dir = str_of(c, "WorkingDir").filter(|w| !w.is_empty());
        config.healthcheck = c
            .get("Healthcheck")
            .filter(|h| !h.is_null())
            .map(|h| strings(h.get("Test")));
        if let Some(labels) = c.get("Labels").and_then(Value::as_object) {
            config.labels = labels
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect();
        }
    }
    image.history = v
        .get("history")
        .and_then(Value::as_array)
        .map(|h| {
            h.iter()
                .map(|e| HistoryEntry {
                    created: str_of(e, "created"),
                    created_by: str_of(e, "created_by").unwrap_or_default(),
                    comment: str_of(e, "comment"),
                    empty_layer: e
                        .get("empty_layer")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                    layer: None,
                })
                .collect()
        })
        .unwrap_or_default();
    image.config = config;
}

fn keys(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_object)
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
pub(crate) mod tests;
