//! Where blobs come from: the members of a tar archive (indexed once, then
//! read in place by offset) or the files of an OCI layout directory. Paths
//! are normalised and never trusted: nothing outside the archive or the
//! layout directory is ever opened, and nothing is written anywhere.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::ImageLimits;

/// A blob opened for reading, with its size.
pub(crate) type Blob<'a> = (Box<dyn Read + 'a>, u64);

pub(crate) trait Store {
    /// Opens a member by its normalised path.
    fn open(&self, path: &str) -> Result<Blob<'_>, String>;
    fn has(&self, path: &str) -> bool;
}

/// Normalises a path found in an archive or a JSON document: strips `./`
/// and repeated `/`; rejects absolute paths and `..` (never followed).
pub(crate) fn normalise(raw: &str) -> Result<String, &'static str> {
    if raw.starts_with('/') {
        return Err("absolute path");
    }
    let mut parts = Vec::new();
    for part in raw.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err("path with `..`"),
            p => parts.push(p),
        }
    }
    Ok(parts.join("/"))
}

/// A member of an outer tar archive.
#[derive(Debug, Clone)]
struct Member {
    offset: u64,
    size: u64,
    /// Symlink / hardlink target, normalised against the archive root.
    link: Option<String>,
}

/// A `docker save` archive, indexed without reading member data.
pub(crate) struct TarStore {
    file: PathBuf,
    members: HashMap<String, Member>,
}

/// What indexing an archive found.
pub(crate) struct TarIndex {
    pub store: TarStore,
    /// Problems with single members (unsafe paths, truncation), as messages.
    pub problems: Vec<String>,
}

impl TarStore {
    /// Reads the tar headers (seeking over the data). Fails when the file
    /// is not a tar archive at all.
    pub(crate) fn index(path: &Path, limits: &ImageLimits) -> Result<TarIndex, String> {
        let file = File::open(path).map_err(|e| format!("cannot read: {e}"))?;
        let len = file
            .metadata()
            .map_err(|e| format!("cannot read: {e}"))?
            .len();
        let tripped = std::rc::Rc::new(std::cell::Cell::new(false));
        let mut archive = tar::Archive::new(super::layer::TarGuard::new(
            BufReader::new(file),
            limits.max_extension_header,
            tripped.clone(),
        ));
        let entries = archive
            .entries_with_seek()
            .map_err(|e| format!("not a tar archive: {e}"))?;
        let mut members = HashMap::new();
        let mut problems = Vec::new();
        for (count, entry) in entries.enumerate() {
            if count >= limits.max_archive_members {
                problems.push(format!(
                    "more than {} members; the rest is not read",
                    limits.max_archive_members
                ));
                break;
            }
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    if tripped.get() {
                        problems.push(format!("archive member refused: {e}"));
                        break;
                    }
                    if count == 0 {
                        return Err(format!("not a tar archive: {e}"));
                    }
                    problems.push(format!("archive is truncated or malformed: {e}"));
                    break;
                }
            };
            let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let name = match normalise(&raw) {
                Ok(n) if !n.is_empty() => n,
                Ok(_) => continue,
                Err(why) => {
                    problems.push(format!("member `{raw}` ignored: {why}"));
                    continue;
                }
            };
            let header = entry.header();
            let kind = header.entry_type();
            let link = if kind.is_symlink() || kind.is_hard_link() {
                let target = entry
                    .link_name_bytes()
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default();
                // Symlinks are relative to their directory, hard links to the root.
                let joined = if kind.is_symlink() {
                    match name.rsplit_once('/') {
                        Some((dir, _)) => format!("{dir}/{target}"),
                        None => target.clone(),
                    }
                } else {
                    target.clone()
                };
                match normalise(&joined) {
                    Ok(t) => Some(t),
                    Err(why) => {
                        problems.push(format!(
                            "member `{name}` links to `{target}` ({why}); not followed"
                        ));
                        continue;
                    }
                }
            } else if kind.is_file() || kind == tar::EntryType::Continuous {
                None
            } else {
                continue;
            };
            let offset = entry.raw_file_position();
            let size = entry.size();
            if link.is_none() && offset.saturating_add(size) > len {
                problems.push(format!(
                    "member `{name}` declares {size} bytes but the archive ends first (truncated)"
                ));
                continue;
            }
            members.insert(name, Member { offset, size, link });
        }
        Ok(TarIndex {
            store: TarStore {
                file: path.to_path_buf(),
                members,
            },
            problems,
        })
    }

    /// Follows links (at most 8) to a member with data.
    fn resolve(&self, path: &str) -> Option<&Member> {
        let mut current = self.members.get(path)?;
        for _ in 0..8 {
            match &current.link {
                None => return Some(current),
                Some(target) => current = self.members.get(target)?,
            }
        }
        None
    }
}

impl Store for TarStore {
    fn open(&self, path: &str) -> Result<Blob<'_>, String> {
        let member = self
            .resolve(path)
            .ok_or_else(|| format!("`{path}` is not in the archive"))?;
        let mut file = File::open(&self.file).map_err(|e| format!("cannot read: {e}"))?;
        file.seek(SeekFrom::Start(member.offset))
            .map_err(|e| format!("cannot read `{path}`: {e}"))?;
        Ok((
            Box::new(BufReader::with_capacity(64 * 1024, file.take(member.size))),
            member.size,
        ))
    }

    fn has(&self, path: &str) -> bool {
        self.resolve(path).is_some()
    }
}

/// An OCI layout directory.
pub(crate) struct DirStore {
    root: PathBuf,
}

impl DirStore {
    pub(crate) fn new(root: &Path) -> Result<DirStore, String> {
        let root = root
            .canonicalize()
            .map_err(|e| format!("cannot read: {e}"))?;
        Ok(DirStore { root })
    }

    /// The file for a member: a regular file (not a symlink) inside the root.
    fn file(&self, path: &str) -> Result<(PathBuf, u64), String> {
        let rel = normalise(path).map_err(|why| format!("`{path}`: {why}"))?;
        let full = self.root.join(&rel);
        let meta = std::fs::symlink_metadata(&full)
            .map_err(|e| format!("`{rel}` is not in the layout: {e}"))?;
        if !meta.is_file() {
            return Err(format!("`{rel}` is not a regular file; not read"));
        }
        // A symlinked parent directory could still lead outside.
        let canonical = full
            .canonicalize()
            .map_err(|e| format!("cannot read `{rel}`: {e}"))?;
        if !canonical.starts_with(&self.root) {
            return Err(format!("`{rel}` resolves outside the layout; not read"));
        }
        Ok((canonical, meta.len()))
    }
}

impl Store for DirStore {
    fn open(&self, path: &str) -> Result<Blob<'_>, String> {
        let (full, size) = self.file(path)?;
        let file = File::open(&full).map_err(|e| format!("cannot read `{path}`: {e}"))?;
        Ok((Box::new(BufReader::with_capacity(64 * 1024, file)), size))
    }

    fn has(&self, path: &str) -> bool {
        self.file(path).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_rejects_escapes() {
        assert_eq!(normalise("./a//b/./c"), Ok("a/b/c".to_string()));
        assert_eq!(normalise("a/../../etc"), Err("path with `..`"));
        assert_eq!(normalise("/etc/passwd"), Err("absolute path"));
        assert_eq!(normalise("./"), Ok(String::new()));
    }
}
