//! Streaming one layer: blob bytes → sha256 → decompression chosen by magic
//! bytes → sha256 of the tar (the diff ID) → tar entries recorded in memory.
//! Nothing is unpacked; byte and entry budgets stop tar bombs.

use std::cell::Cell;
use std::io::{self, BufRead, BufReader, Read};
use std::rc::Rc;

use aho_corasick::AhoCorasick;
use sha2::{Digest, Sha256};

use super::ImageLimits;
use super::store::normalise;
use crate::model::image_archive::{Compression, EntryKind, LayerEntry};

/// Files whose small content rules read.
const CONTENT_FILES: &[&str] = &[
    "etc/passwd",
    "etc/group",
    "etc/os-release",
    "usr/lib/os-release",
];

/// What reading a layer gave.
#[derive(Debug, Default)]
pub(crate) struct LayerRead {
    pub entries: Vec<LayerEntry>,
    pub compression: Compression,
    /// `sha256:…` of the blob bytes, when the blob was read to its end.
    pub blob_digest: Option<String>,
    /// `sha256:…` of the uncompressed tar, when read to its end.
    pub diff_id: Option<String>,
    pub tar_bytes: u64,
    /// Problems, as messages (the caller adds file and layer).
    pub problems: Vec<String>,
    /// Read to its end without a limit or an error.
    pub complete: bool,
    /// Stopped by the byte budget or the compression-ratio guard.
    pub bomb: bool,
}

/// Budgets shared by the layers of one image.
pub(crate) struct Budget {
    pub tar_bytes_left: u64,
    pub entries_left: usize,
}

/// Counts (and optionally hashes) what passes through; fails once a byte
/// limit is passed, or once the ratio to `compressed` exceeds the guard.
struct Meter<R> {
    inner: R,
    hasher: Option<Sha256>,
    count: Rc<Cell<u64>>,
    limit: u64,
    /// (compressed-byte counter, max ratio, floor below which any ratio is fine).
    ratio: Option<(Rc<Cell<u64>>, u64, u64)>,
    tripped: Rc<Cell<bool>>,
}

impl<R: Read> Read for Meter<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(h) = &mut self.hasher {
            h.update(&buf[..n]);
        }
        let total = self.count.get().saturating_add(n as u64);
        self.count.set(total);
        let over_ratio = self.ratio.as_ref().is_some_and(|(compressed, max, floor)| {
            total > *floor && total / compressed.get().max(1) > *max
        });
        if total > self.limit || over_ratio {
            self.tripped.set(true);
            return Err(io::Error::other("byte budget exceeded"));
        }
        Ok(n)
    }
}

/// A zstd stream of one or more frames (zstd:chunked layers have many, and
/// skippable frames for their table of contents), with a bounded window.
struct ZstdFrames<R> {
    source: R,
    decoder: ruzstd::decoding::FrameDecoder,
    in_frame: bool,
}

impl<R: BufRead> ZstdFrames<R> {
    fn new(source: R, max_window: u64) -> Self {
        let mut decoder = ruzstd::decoding::FrameDecoder::new();
        decoder.set_max_window_size(max_window);
        ZstdFrames {
            source,
            decoder,
            in_frame: false,
        }
    }
}

impl<R: BufRead> Read for ZstdFrames<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        use ruzstd::decoding::errors::{FrameDecoderError, ReadFrameHeaderError};
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if !self.in_frame {
                if self.source.fill_buf()?.is_empty() {
                    return Ok(0);
                }
                match self.decoder.reset(&mut self.source) {
                    Ok(()) => self.in_frame = true,
                    Err(FrameDecoderError::ReadFrameHeaderError(
                        ReadFrameHeaderError::SkipFrame { length, .. },
                    )) => {
                        let skipped = io::copy(
                            &mut (&mut self.source).take(u64::from(length)),
                            &mut io::sink(),
                        )?;
                        if skipped < u64::from(length) {
                            return Err(io::Error::other("zstd skippable frame is truncated"));
                        }
                        continue;
                    }
                    Err(e) => return Err(io::Error::other(format!("zstd: {e}"))),
                }
            }
            while self.decoder.can_collect() == 0 && !self.decoder.is_finished() {
                self.decoder
                    .decode_blocks(
                        &mut self.source,
                        ruzstd::decoding::BlockDecodingStrategy::UptoBlocks(1),
                    )
                    .map_err(|e| io::Error::other(format!("zstd: {e}")))?;
            }
            let n = self.decoder.read(buf)?;
            if n > 0 {
                return Ok(n);
            }
            if self.decoder.is_finished() {
                // This frame is done: go on with the next one, if any.
                self.in_frame = false;
            }
        }
    }
}

/// The `tar` crate reads GNU long-name/long-link and PAX extension entries
/// whole into memory, whatever size their header declares. This guard
/// follows the tar block structure as it streams past and fails on an
/// extension entry above `max_extension` bytes, before `tar` sees it.
pub(crate) struct TarGuard<R> {
    inner: R,
    /// Data and padding bytes left before the next header.
    remaining: u64,
    header: [u8; 512],
    filled: usize,
    /// GNU sparse extension blocks follow the current header.
    sparse_extensions: bool,
    max_extension: u64,
    tripped: Rc<Cell<bool>>,
}

impl<R> TarGuard<R> {
    pub(crate) fn new(inner: R, max_extension: u64, tripped: Rc<Cell<bool>>) -> Self {
        TarGuard {
            inner,
            remaining: 0,
            header: [0; 512],
            filled: 0,
            sparse_extensions: false,
            max_extension,
            tripped,
        }
    }

    /// Handles one complete 512-byte header block.
    fn on_header(&mut self) -> io::Result<()> {
        let h = &self.header;
        if self.sparse_extensions {
            // `isextended` of a GNU sparse extension block.
            self.sparse_extensions = h[504] != 0;
            return Ok(());
        }
        if h.iter().all(|&b| b == 0) {
            return Ok(());
        }
        let size = header_size(&h[124..136]);
        let kind = h[156];
        if matches!(kind, b'L' | b'K' | b'x' | b'g') && size > self.max_extension {
            self.tripped.set(true);
            return Err(io::Error::other(format!(
                "extension header of {size} bytes (over {})",
                self.max_extension
            )));
        }
        self.sparse_extensions = kind == b'S' && h[482] != 0;
        self.remaining = size.div_ceil(512).saturating_mul(512);
        Ok(())
    }
}

/// The outer archive is indexed with seeks over member data (`tar` skips
/// with `SeekFrom::Current`): a skip consumes data bytes like a read.
impl<R: io::Seek> io::Seek for TarGuard<R> {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        let new = self.inner.seek(pos)?;
        match pos {
            io::SeekFrom::Current(d) if d >= 0 && self.filled == 0 => {
                let d = d.unsigned_abs();
                if d <= self.remaining {
                    self.remaining -= d;
                } else {
                    // Past the entry: realign on the next block boundary.
                    let over = d - self.remaining;
                    self.remaining = (512 - over % 512) % 512;
                }
            }
            _ => {
                self.remaining = 0;
                self.filled = 0;
            }
        }
        Ok(new)
    }
}

/// A tar size field: octal text, or base-256 when the high bit is set.
fn header_size(field: &[u8]) -> u64 {
    if field.first().is_some_and(|b| b & 0x80 != 0) {
        return field.iter().skip(1).fold(0u64, |acc, &b| {
            acc.saturating_mul(256).saturating_add(u64::from(b))
        });
    }
    field
        .iter()
        .skip_while(|b| **b == b' ')
        .take_while(|b| (b'0'..=b'7').contains(*b))
        .fold(0u64, |acc, &b| {
            acc.saturating_mul(8).saturating_add(u64::from(b - b'0'))
        })
}

impl<R: Read> Read for TarGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut i = 0;
        while i < n {
            if self.remaining > 0 {
                let take = self.remaining.min((n - i) as u64);
                self.remaining -= take;
                i += take as usize;
                continue;
            }
            let take = (512 - self.filled).min(n - i);
            self.header[self.filled..self.filled + take].copy_from_slice(&buf[i..i + take]);
            self.filled += take;
            i += take;
            if self.filled == 512 {
                self.filled = 0;
                self.on_header()?;
            }
        }
        Ok(n)
    }
}

fn hex(digest: &[u8]) -> String {
    format!("sha256:{}", crate::lower_hex(digest))
}

/// sha256 of bytes already in memory, as `sha256:…`.
pub(crate) fn sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn private_key_finder() -> &'static AhoCorasick {
    static CELL: std::sync::OnceLock<AhoCorasick> = std::sync::OnceLock::new();
    CELL.get_or_init(|| {
        AhoCorasick::new(["PRIVATE KEY-----", "PRIVATE KEY BLOCK-----"])
            .expect("fixed patterns are valid")
    })
}

/// Reads one layer blob from `blob`.
pub(crate) fn read_layer(blob: impl Read, limits: &ImageLimits, budget: &mut Budget) -> LayerRead {
    let mut out = LayerRead::default();
    let compressed = Rc::new(Cell::new(0u64));
    let tripped = Rc::new(Cell::new(false));
    let mut raw = BufReader::with_capacity(
        64 * 1024,
        Meter {
            inner: blob,
            hasher: Some(Sha256::new()),
            count: compressed.clone(),
            limit: u64::MAX,
            ratio: None,
            tripped: tripped.clone(),
        },
    );
    let magic = match raw.fill_buf() {
        Ok(b) => b.get(..4).unwrap_or(b).to_vec(),
        Err(e) => {
            out.problems.push(format!("cannot read the layer: {e}"));
            return out;
        }
    };
    out.compression = if magic.starts_with(&[0x1f, 0x8b]) {
        Compression::Gzip
    } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Compression::Zstd
    } else {
        Compression::None
    };
    let decoder: Box<dyn Read + '_> = match out.compression {
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(&mut raw)),
        Compression::Zstd => Box::new(ZstdFrames::new(&mut raw, limits.max_zstd_window)),
        Compression::None => Box::new(&mut raw),
    };
    let tar_count = Rc::new(Cell::new(0u64));
    let mut tar_side = Meter {
        inner: decoder,
        // An uncompressed blob's digest is already its diff ID.
        hasher: (out.compression != Compression::None).then(Sha256::new),
        count: tar_count.clone(),
        limit: budget.tar_bytes_left,
        ratio: (out.compression != Compression::None).then(|| {
            (
                compressed.clone(),
                limits.max_compression_ratio,
                limits.ratio_floor_bytes,
            )
        }),
        tripped: tripped.clone(),
    };
    let mut ended = false;
    let guard_tripped = Rc::new(Cell::new(false));
    {
        let mut archive = tar::Archive::new(TarGuard::new(
            &mut tar_side,
            limits.max_extension_header,
            guard_tripped.clone(),
        ));
        match archive.entries() {
            Ok(entries) => {
                ended = read_entries(entries, limits, budget, &mut out);
            }
            Err(e) => out.problems.push(format!("not a tar layer: {e}")),
        }
    }
    if guard_tripped.get() {
        out.bomb = true;
        out.problems.push(format!(
            "a GNU long-name or PAX header declares more than {} bytes: reading stopped",
            limits.max_extension_header
        ));
    } else if tripped.get() {
        out.bomb = true;
    } else if ended {
        // Drain the end-of-archive padding so that both digests cover
        // everything (still within the budgets).
        let drained = io::copy(&mut tar_side, &mut io::sink());
        match drained {
            Ok(_) => {
                out.complete = true;
            }
            Err(e) => {
                if tripped.get() {
                    out.bomb = true;
                } else {
                    out.problems
                        .push(format!("layer data is truncated or corrupt: {e}"));
                }
            }
        }
    }
    out.tar_bytes = tar_count.get();
    budget.tar_bytes_left = budget.tar_bytes_left.saturating_sub(out.tar_bytes);
    if out.bomb && !guard_tripped.get() {
        out.problems.push(format!(
            "reading stopped after {} uncompressed bytes from {} compressed ones: over the byte budget or a compression ratio above {} (a tar bomb?)",
            tar_count.get(),
            compressed.get(),
            limits.max_compression_ratio
        ));
    }
    if out.complete {
        let diff = tar_side.hasher.take().map(|h| hex(&h.finalize()));
        drop(tar_side);
        // Anything after the compressed stream still belongs to the blob.
        if io::copy(&mut raw, &mut io::sink()).is_ok() {
            let meter = raw.into_inner();
            let blob = meter.hasher.map(|h| hex(&h.finalize()));
            out.diff_id = diff.or_else(|| blob.clone());
            out.blob_digest = blob;
        } else {
            out.complete = false;
        }
    }
    out
}

/// Records the entries; `true` when the tar ended normally.
fn read_entries<R: Read>(
    entries: tar::Entries<'_, R>,
    limits: &ImageLimits,
    budget: &mut Budget,
    out: &mut LayerRead,
) -> bool {
    let mut content = Vec::new();
    for entry in entries {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                out.problems
                    .push(format!("layer tar is truncated or corrupt: {e}"));
                return false;
            }
        };
        if budget.entries_left == 0 {
            out.problems.push(format!(
                "more than {} entries in the image; the rest is not read",
                limits.max_entries
            ));
            out.bomb = true;
            return false;
        }
        budget.entries_left -= 1;
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let path = match normalise(&raw) {
            Ok(p) if p.is_empty() => continue,
            Ok(p) => p,
            Err(why) => {
                out.problems.push(format!("entry `{raw}` ignored: {why}"));
                continue;
            }
        };
        let header = entry.header();
        let kind = header.entry_type();
        let mode = header.mode().unwrap_or(0) & 0o7777;
        let uid = header.uid().unwrap_or(0);
        let gid = header.gid().unwrap_or(0);
        let size = entry.size();
        let link_target = entry
            .link_name_bytes()
            .map(|b| String::from_utf8_lossy(&b).into_owned());
        let (dir, base) = match path.rsplit_once('/') {
            Some((d, b)) => (d, b),
            None => ("", path.as_str()),
        };
        let mut record = LayerEntry {
            path: path.clone(),
            mode,
            size,
            uid,
            gid,
            ..Default::default()
        };
        if let Some(hidden) = base.strip_prefix(".wh.") {
            if hidden == ".wh..opq" {
                record.kind = EntryKind::OpaqueDir;
                record.path = dir.to_string();
            } else {
                record.kind = EntryKind::Whiteout;
                record.path = if dir.is_empty() {
                    hidden.to_string()
                } else {
                    format!("{dir}/{hidden}")
                };
            }
            out.entries.push(record);
            continue;
        }
        record.kind = if kind.is_dir() {
            EntryKind::Dir
        } else if kind.is_symlink() {
            EntryKind::Symlink
        } else if kind.is_hard_link() {
            EntryKind::Hardlink
        } else if kind.is_file() || kind == tar::EntryType::Continuous {
            EntryKind::File
        } else {
            EntryKind::Other
        };
        if let Some(target) = &link_target
            && matches!(record.kind, EntryKind::Symlink | EntryKind::Hardlink)
        {
            let escapes = if target.starts_with('/') {
                // Absolute targets resolve inside the container's root.
                false
            } else if record.kind == EntryKind::Symlink {
                climbs_out(dir, target)
            } else {
                normalise(target).is_err()
            };
            if escapes {
                out.problems.push(format!(
                    "entry `{path}` links to `{target}`, outside the image root (recorded, never followed)"
                ));
            }
            record.link_target = Some(target.clone());
        }
        if record.kind == EntryKind::File && size <= limits.max_content_bytes {
            content.clear();
            if let Err(e) = (&mut entry).take(size).read_to_end(&mut content) {
                out.problems
                    .push(format!("entry `{path}` cannot be read: {e}"));
                return false;
            }
            record.private_key = private_key_finder().is_match(&content);
            if CONTENT_FILES.contains(&path.as_str()) {
                record.content = Some(String::from_utf8_lossy(&content).into_owned());
            }
        }
        out.entries.push(record);
    }
    true
}

/// Does a relative link target climb above the root from directory `dir`?
fn climbs_out(dir: &str, target: &str) -> bool {
    let mut depth = dir.split('/').filter(|p| !p.is_empty()).count();
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if depth == 0 {
                    return true;
                }
                depth -= 1;
            }
            _ => depth += 1,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_sizes_octal_and_base256() {
        assert_eq!(header_size(b"00000001750\0"), 1000);
        assert_eq!(header_size(b"  17 \0\0\0\0\0\0\0"), 15);
        assert_eq!(header_size(&[0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]), 256);
        assert_eq!(header_size(b"garbage!!!!!"), 0);
    }

    #[test]
    fn link_escape_is_lexical() {
        assert!(climbs_out("etc", "../../x"));
        assert!(!climbs_out("usr/bin", "../lib/x"));
        assert!(climbs_out("", ".."));
    }
}
