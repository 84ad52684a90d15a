//! Built images read offline from `docker save` archives and OCI image
//! layouts: the image configuration, its history matched to layers, every
//! layer's entries (deleted files stay in the layer that added them) and the
//! merged file tree, plus the vulnerabilities that scanner reports attach.
//!
//! Read by [`crate::parse::image`]; linked to workloads in
//! [`super::resolve`].

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::source::Location;

/// One image found in an archive or layout (a `docker save` of several
/// images, or a multi-platform index, gives several).
#[derive(Debug, Clone, Default)]
pub struct ImageArchive {
    /// The archive file or layout directory, as the user named it.
    pub path: Arc<str>,
    /// `RepoTags` of `manifest.json`, or the `org.opencontainers.image.ref.name`
    /// / `io.containerd.image.name` annotations of `index.json`.
    pub repo_tags: Vec<String>,
    /// `sha256:…` of the image manifest, when the archive has one.
    pub manifest_digest: Option<String>,
    pub config_digest: Option<String>,
    /// `os/architecture[/variant]` from the config (or the index descriptor).
    pub platform: Option<String>,
    /// The `--platform` asked for, if any.
    pub requested_platform: Option<String>,
    pub config: ImageConfig,
    pub history: Vec<HistoryEntry>,
    pub layers: Vec<Layer>,
    /// The file tree a container sees: path → (layer index, entry index),
    /// after whiteouts and opaque directories.
    pub merged: BTreeMap<String, (usize, usize)>,
    /// Whole days between `config.created` and the analysis date; set by the
    /// scan when both are known.
    pub age_days: Option<i64>,
    /// Vulnerabilities from scanner reports about this image (indices into
    /// `System::vulnerability_reports`).
    pub vulnerability_reports: Vec<usize>,
}

/// The `config` part of the image configuration (plus top-level fields).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageConfig {
    /// `None`: not set (root). Empty strings are kept as `Some("")`.
    pub user: Option<String>,
    /// `NAME=value` split at the first `=`.
    pub env: Vec<(String, String)>,
    /// `80/tcp`, … as written.
    pub exposed_ports: Vec<String>,
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    /// `None`: no `Healthcheck`; `Some(test)`: the test (`["NONE"]` disables).
    pub healthcheck: Option<Vec<String>>,
    pub labels: BTreeMap<String, String>,
    pub volumes: Vec<String>,
    pub working_dir: Option<String>,
    /// RFC 3339, as written.
    pub created: Option<String>,
    pub os: Option<String>,
    pub architecture: Option<String>,
    pub variant: Option<String>,
    /// `rootfs.diff_ids`: the sha256 of each uncompressed layer.
    pub diff_ids: Vec<String>,
}

impl ImageConfig {
    /// `USER` unset, empty, `root`, `0`, `root:…`, `0:…`.
    pub fn runs_as_root(&self) -> bool {
        let user = self.user.as_deref().unwrap_or("");
        let name = user.split(':').next().unwrap_or("").trim();
        name.is_empty() || name == "root" || name == "0"
    }

    /// A healthcheck with a real test (not absent, not `NONE`).
    pub fn has_healthcheck(&self) -> bool {
        self.healthcheck
            .as_ref()
            .is_some_and(|t| !t.is_empty() && t.first().map(String::as_str) != Some("NONE"))
    }
}

/// One `history[]` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryEntry {
    pub created: Option<String>,
    pub created_by: String,
    pub comment: Option<String>,
    pub empty_layer: bool,
    /// The layer it made (the i-th non-empty entry ↔ the i-th layer).
    pub layer: Option<usize>,
}

/// How a layer blob is compressed, by its magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    #[default]
    None,
    Gzip,
    Zstd,
}

/// One layer and what it contained.
#[derive(Debug, Clone, Default)]
pub struct Layer {
    pub index: usize,
    /// `sha256:…` of the blob as stored (the descriptor digest), or the
    /// diff ID when the archive names layers by path only.
    pub digest: String,
    /// Where the blob is inside the archive or layout.
    pub blob_path: String,
    pub compression: Compression,
    /// The history entry that made it.
    pub history: Option<usize>,
    pub entries: Vec<LayerEntry>,
    /// The layer was read to its end (no limit hit, no error).
    pub complete: bool,
    /// Bytes of tar read (uncompressed).
    pub bytes: u64,
}

impl Layer {
    /// `sha256:0123456789ab` — short enough for messages.
    pub fn short_digest(&self) -> &str {
        short_digest(&self.digest)
    }
}

/// `sha256:` plus the first 12 hex digits.
pub fn short_digest(d: &str) -> &str {
    let end = d.find(':').map_or(0, |i| i + 1) + 12;
    d.get(..end).unwrap_or(d)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EntryKind {
    #[default]
    File,
    Dir,
    Symlink,
    Hardlink,
    /// Device, FIFO, …
    Other,
    /// `.wh.<name>`: `path` is the path it deletes from lower layers.
    Whiteout,
    /// `.wh..wh..opq`: `path` is the directory whose lower content is hidden.
    OpaqueDir,
}

/// A tar entry of a layer, its path normalised (no leading `/` or `./`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LayerEntry {
    pub path: String,
    pub kind: EntryKind,
    /// Permission bits including setuid (0o4000) and setgid (0o2000).
    pub mode: u32,
    pub size: u64,
    pub uid: u64,
    pub gid: u64,
    pub link_target: Option<String>,
    /// A small regular file whose content holds a PEM private key.
    pub private_key: bool,
    /// Content of a few small files rules read (`etc/passwd`, os-release).
    pub content: Option<String>,
}

impl LayerEntry {
    pub fn is_setuid(&self) -> bool {
        self.kind == EntryKind::File && self.mode & 0o4000 != 0
    }
    pub fn is_setgid(&self) -> bool {
        self.kind == EntryKind::File && self.mode & 0o2000 != 0
    }
}

/// How a later layer removed (or replaced) a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    /// A `.wh.` whiteout of the file or of a parent directory.
    Whiteout,
    /// An opaque directory above it.
    Opaque,
    /// The same path written again.
    Overwritten,
}

impl ImageArchive {
    /// A name for messages: the first tag, else the short manifest or config
    /// digest, else the path.
    pub fn display_name(&self) -> String {
        if let Some(t) = self.repo_tags.first() {
            return t.clone();
        }
        match self
            .manifest_digest
            .as_ref()
            .or(self.config_digest.as_ref())
        {
            Some(d) => short_digest(d).to_string(),
            None => self.path.to_string(),
        }
    }

    /// Every finding about the archive points at the archive itself.
    pub fn location(&self) -> Location {
        Location::file(self.path.clone())
    }

    /// The history entry's `created_by` for a layer.
    pub fn created_by(&self, layer: usize) -> Option<&str> {
        let h = self.layers.get(layer)?.history?;
        self.history.get(h).map(|h| h.created_by.as_str())
    }

    /// The entries of the final file tree, in path order.
    pub fn final_files(&self) -> impl Iterator<Item = (usize, &LayerEntry)> + '_ {
        self.merged.values().filter_map(|&(l, e)| {
            let entry = self.layers.get(l)?.entries.get(e)?;
            Some((l, entry))
        })
    }

    /// The final-tree entry at `path`, if present.
    pub fn final_file(&self, path: &str) -> Option<&LayerEntry> {
        let &(l, e) = self.merged.get(path)?;
        self.layers.get(l)?.entries.get(e)
    }

    /// The first layer after `layer` that removes or replaces `path`.
    pub fn removed_by(&self, layer: usize, path: &str) -> Option<(usize, Removal)> {
        for later in self.layers.iter().skip(layer + 1) {
            for e in &later.entries {
                let covers = e.path == path || is_under(path, &e.path);
                match e.kind {
                    EntryKind::Whiteout if covers => return Some((later.index, Removal::Whiteout)),
                    EntryKind::OpaqueDir if is_under(path, &e.path) => {
                        return Some((later.index, Removal::Opaque));
                    }
                    EntryKind::File | EntryKind::Symlink | EntryKind::Hardlink
                        if e.path == path =>
                    {
                        return Some((later.index, Removal::Overwritten));
                    }
                    _ => {}
                }
            }
        }
        None
    }

    /// Applies the layers in order: whiteouts of a layer hide lower layers
    /// only, then its entries are added.
    pub fn compute_merged(&mut self) {
        let mut merged: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for (li, layer) in self.layers.iter().enumerate() {
            for e in &layer.entries {
                match e.kind {
                    EntryKind::Whiteout => {
                        merged.remove(&e.path);
                        remove_under(&mut merged, &e.path);
                    }
                    EntryKind::OpaqueDir => remove_under(&mut merged, &e.path),
                    _ => {}
                }
            }
            for (ei, e) in layer.entries.iter().enumerate() {
                if !matches!(e.kind, EntryKind::Whiteout | EntryKind::OpaqueDir) {
                    merged.insert(e.path.clone(), (li, ei));
                }
            }
        }
        self.merged = merged;
    }
}

/// `path` is strictly inside directory `dir` (`dir` empty: the root).
fn is_under(path: &str, dir: &str) -> bool {
    dir.is_empty()
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}

fn remove_under(map: &mut BTreeMap<String, (usize, usize)>, dir: &str) {
    if dir.is_empty() {
        map.clear();
        return;
    }
    let prefix = format!("{dir}/");
    let doomed: Vec<String> = map
        .range(prefix.clone()..)
        .take_while(|(k, _)| k.starts_with(&prefix))
        .map(|(k, _)| k.clone())
        .collect();
    for k in doomed {
        map.remove(&k);
    }
}

/// A vulnerability as a scanner reported it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Vulnerability {
    /// `CVE-2024-1234`, `GHSA-…`.
    pub id: String,
    pub package: String,
    pub installed_version: String,
    /// Versions that fix it (empty: no fix known).
    pub fixed_versions: Vec<String>,
    /// `critical`, `high`, `medium`, `low`, `negligible`/`unknown` as given,
    /// lower-cased.
    pub severity: String,
    /// `CWE-79`, … when the report gives them.
    pub cwe: Vec<String>,
}

impl Vulnerability {
    pub fn has_fix(&self) -> bool {
        !self.fixed_versions.is_empty()
    }
    /// Critical with a fixed version available: what the attack analysis
    /// takes as an entry point in an exposed workload.
    pub fn is_critical_with_fix(&self) -> bool {
        self.severity_rank() == 4 && self.has_fix()
    }
    /// 4 critical, 3 high, 2 medium, 1 low, 0 anything else.
    pub fn severity_rank(&self) -> u8 {
        match self.severity.as_str() {
            "critical" => 4,
            "high" => 3,
            "medium" => 2,
            "low" => 1,
            _ => 0,
        }
    }
}

/// A Trivy or Grype JSON report.
#[derive(Debug, Clone, Default)]
pub struct VulnerabilityReport {
    pub path: Arc<str>,
    /// `trivy` or `grype`.
    pub scanner: &'static str,
    /// The image the report is about (`ArtifactName`, `source.target`).
    pub target: String,
    /// The image's repo tags / digests when the report lists them.
    pub target_aliases: Vec<String>,
    pub vulnerabilities: Vec<Vulnerability>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, kind: EntryKind) -> LayerEntry {
        LayerEntry {
            path: path.into(),
            kind,
            ..Default::default()
        }
    }

    fn layer(index: usize, entries: Vec<LayerEntry>) -> Layer {
        Layer {
            index,
            entries,
            ..Default::default()
        }
    }

    #[test]
    fn whiteouts_and_opaque_dirs_hide_lower_layers_only() {
        let mut a = ImageArchive {
            layers: vec![
                layer(
                    0,
                    vec![
                        entry("etc", EntryKind::Dir),
                        entry("etc/a", EntryKind::File),
                        entry("etc/b", EntryKind::File),
                        entry("var/x/y", EntryKind::File),
                    ],
                ),
                layer(
                    1,
                    vec![
                        entry("etc/a", EntryKind::Whiteout),
                        entry("var/x", EntryKind::OpaqueDir),
                        entry("var/x/z", EntryKind::File),
                    ],
                ),
            ],
            ..Default::default()
        };
        a.compute_merged();
        let paths: Vec<&str> = a.merged.keys().map(String::as_str).collect();
        assert_eq!(paths, vec!["etc", "etc/b", "var/x/z"]);
        assert_eq!(a.removed_by(0, "etc/a"), Some((1, Removal::Whiteout)));
        assert_eq!(a.removed_by(0, "var/x/y"), Some((1, Removal::Opaque)));
        assert_eq!(a.removed_by(0, "etc/b"), None);
    }

    #[test]
    fn root_checks() {
        let mut c = ImageConfig::default();
        assert!(c.runs_as_root());
        for (u, root) in [("", true), ("0:0", true), ("root", true), ("app", false)] {
            c.user = Some(u.into());
            assert_eq!(c.runs_as_root(), root, "{u}");
        }
        assert_eq!(
            short_digest("sha256:0123456789abcdef0123"),
            "sha256:0123456789ab"
        );
        assert_eq!(short_digest("x"), "x");
    }
}
