//! threatbox: a threat model of a containerised system from the files that
//! describe it.
//!
//! The pipeline, one module each: [`discover`] → [`parse`] → [`model`] →
//! [`analyse`] → [`report`].

pub mod analyse;
pub mod config;
pub mod discover;
pub mod model;
pub mod parse;
pub mod report;
pub mod source;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use analyse::{Analysis, Input};
use config::Config;
use discover::{Candidate, InputKind};
use model::System;
use model::image::BuildImage;
use source::{Diagnostic, Location, SourceFile};

/// Files larger than this are reported and skipped: no real Dockerfile,
/// manifest or compose file comes close, and it bounds memory.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// What to scan and how.
#[derive(Debug, Default)]
pub struct ScanOptions {
    pub paths: Vec<PathBuf>,
    pub excludes: Vec<String>,
    pub strict: bool,
    /// `YYYY-MM-DD` against which suppression expiry is judged; `None` for
    /// today (UTC, or `THREATBOX_TODAY` when set).
    pub today: Option<String>,
    /// `os/arch[/variant]`: the platform images should be built for; of a
    /// multi-platform image only this one is read.
    pub platform: Option<String>,
    /// Trivy / Grype JSON reports to attach to the images (`--vulns`).
    pub vulns: Vec<PathBuf>,
    /// Also run the attack analysis (default entry points and goals), so
    /// that the JSON and SARIF reports carry the attack paths.
    pub attack_paths: bool,
}

/// Lower-case hex of bytes (digests, fingerprints), written through a table:
/// a `format!` per byte showed up in profiles of large scans.
pub fn lower_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    out
}

/// Reads a text input: bounded size, no NUL bytes, UTF-8 (a BOM is dropped;
/// invalid sequences are replaced and reported).
pub fn read_text(path: &Path) -> Result<(String, Option<Diagnostic>), Diagnostic> {
    let display: Arc<str> = path.display().to_string().into();
    let err = |msg: String| Diagnostic::error("read-error", msg, Location::file(display.clone()));
    let meta = std::fs::metadata(path).map_err(|e| err(format!("cannot read: {e}")))?;
    if !meta.is_file() {
        // A FIFO would block and a device may never end.
        return Err(err("not a regular file; skipped".to_string()));
    }
    let too_big = |len: u64| {
        err(format!(
            "file is {len} bytes, over the {MAX_FILE_BYTES} byte limit; skipped"
        ))
    };
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_big(meta.len()));
    }
    // Read at most one byte past the limit: the file may have grown since.
    let file = std::fs::File::open(path).map_err(|e| err(format!("cannot read: {e}")))?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::io::Read::read_to_end(
        &mut std::io::Read::take(file, MAX_FILE_BYTES + 1),
        &mut bytes,
    )
    .map_err(|e| err(format!("cannot read: {e}")))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_big(bytes.len() as u64));
    }
    decode_text(bytes, display)
}

/// The decoding half of [`read_text`], for inputs already in memory.
pub fn decode_text(
    mut bytes: Vec<u8>,
    path: Arc<str>,
) -> Result<(String, Option<Diagnostic>), Diagnostic> {
    if let Some(pos) = bytes.iter().position(|&b| b == 0) {
        let line = bytes[..pos].iter().filter(|&&b| b == b'\n').count() + 1;
        return Err(Diagnostic::error(
            "binary-file",
            "file contains NUL bytes: not a text file; skipped",
            Location {
                path,
                start_line: line,
                start_column: 1,
                end_line: line,
                end_column: 1,
            },
        ));
    }
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.drain(..3);
    }
    match String::from_utf8(bytes) {
        Ok(s) => Ok((s, None)),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let line = bytes[..valid].iter().filter(|&&b| b == b'\n').count() + 1;
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let warning = Diagnostic::warning(
                "invalid-utf8",
                "file is not valid UTF-8; invalid bytes were replaced",
                Location {
                    path,
                    start_line: line,
                    start_column: 1,
                    end_line: line,
                    end_column: 1,
                },
            );
            Ok((text, Some(warning)))
        }
    }
}

/// What one candidate file gave.
#[derive(Default)]
struct Loaded {
    image: Option<BuildImage>,
    fragment: model::Fragment,
    source: Option<Arc<SourceFile>>,
    /// The kinds of input found in the file (empty: not an input after all).
    kinds: Vec<InputKind>,
    diagnostics: Vec<Diagnostic>,
    /// Images read from an archive or layout (their input is listed by
    /// `archive_input`, as they have no text source).
    archives: Vec<model::image_archive::ImageArchive>,
    archive_input: Option<Input>,
    vulnerability_report: Option<model::image_archive::VulnerabilityReport>,
}

/// Reads an image archive or OCI layout.
fn load_image(candidate: &Candidate, options: &parse::image::ImageReadOptions) -> Loaded {
    let mut loaded = Loaded::default();
    let display: Arc<str> = candidate.path.display().to_string().into();
    let read = if matches!(
        candidate.kind,
        InputKind::OciLayout | InputKind::ImageDirectory
    ) {
        parse::image::read_layout(&candidate.path, display.clone(), options)
    } else {
        // A tar found while walking that holds no image is not ours.
        if !candidate.explicit && !parse::image::looks_like_image_archive(&candidate.path) {
            return loaded;
        }
        parse::image::read_archive(&candidate.path, display.clone(), options)
    };
    if read.is_image || candidate.explicit {
        loaded.diagnostics = read.diagnostics;
    }
    if read.is_image {
        loaded.archive_input = Some(Input {
            path: display,
            kind: candidate.kind,
        });
    }
    loaded.archives = read.images;
    loaded
}

/// Reads, parses and models one candidate file.
fn load(candidate: &Candidate, image_options: &parse::image::ImageReadOptions) -> Loaded {
    if matches!(
        candidate.kind,
        InputKind::ImageArchive | InputKind::OciLayout | InputKind::ImageDirectory
    ) {
        return load_image(candidate, image_options);
    }
    match read_text(&candidate.path) {
        Ok((text, warning)) => {
            let mut loaded = load_text(candidate, text);
            loaded.diagnostics.extend(warning);
            loaded
        }
        Err(d) => Loaded {
            diagnostics: vec![d],
            ..Loaded::default()
        },
    }
}

/// Parses and models one candidate file's text.
fn load_text(candidate: &Candidate, text: String) -> Loaded {
    let mut loaded = Loaded::default();
    let display = candidate.path.display().to_string();
    let kind = if candidate.explicit && discover::kind_by_name(&candidate.path).is_none() {
        // Not a Dockerfile by its content: let the YAML/JSON loader decide
        // (and report it when it is nothing threatbox reads).
        discover::kind_by_content(&text).unwrap_or(InputKind::Yaml)
    } else {
        candidate.kind
    };
    let source = Arc::new(SourceFile::new(display, text));
    match kind {
        InputKind::Dockerfile => {
            let dockerfile = parse::dockerfile::parse(source.clone());
            loaded
                .diagnostics
                .extend(dockerfile.diagnostics.iter().cloned());
            let dockerignore = match parse::dockerignore::find_for(&candidate.path) {
                Some(Ok(ig)) => {
                    // Bad patterns are skipped; say so.
                    loaded.diagnostics.extend(ig.warnings.iter().cloned());
                    Some(ig)
                }
                Some(Err(d)) => {
                    loaded.diagnostics.push(d);
                    None
                }
                None => None,
            };
            loaded.image = Some(model::build::build_image(dockerfile, dockerignore));
            loaded.kinds.push(InputKind::Dockerfile);
        }
        InputKind::Json if parse::vulns::sniff(&source.text).is_some() => {
            match parse::vulns::parse(&source.text, source.path.clone()) {
                Ok(report) => {
                    loaded.vulnerability_report = Some(report);
                    loaded.kinds.push(InputKind::VulnerabilityReport);
                }
                Err(d) => loaded.diagnostics.push(d),
            }
        }
        _ => {
            let json = kind == InputKind::Json;
            let (fragment, kinds) = model::load::load(&source, json, candidate.explicit);
            loaded.fragment = fragment;
            loaded.kinds = kinds;
        }
    }
    if !loaded.kinds.is_empty() {
        loaded.source = Some(source);
    }
    loaded
}

/// The whole pipeline: discover → parse → model → analyse.
pub fn scan(options: &ScanOptions, config: &Config) -> Analysis {
    let paths = if options.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        options.paths.clone()
    };
    let (candidates, diagnostics) = discover::discover(&paths, &options.excludes);
    let image_options = parse::image::ImageReadOptions {
        platform: options.platform.clone(),
        ..Default::default()
    };
    let loaded: Vec<Loaded> = candidates
        .par_iter()
        .map(|c| load(c, &image_options))
        .collect();
    finish(loaded, diagnostics, options, config)
}

/// The pipeline over texts already in memory, each taken as a file named on
/// the command line (kind by name, else by content): for fuzzing and tests.
/// `options.paths` and `options.excludes` are not used. No file is read,
/// except a `.dockerignore` next to a Dockerfile path that exists on disk.
pub fn scan_texts(
    files: &[(PathBuf, Vec<u8>)],
    options: &ScanOptions,
    config: &Config,
) -> Analysis {
    let loaded: Vec<Loaded> = files
        .par_iter()
        .map(|(path, bytes)| {
            let candidate = Candidate {
                path: path.clone(),
                kind: discover::kind_by_name(path).unwrap_or(InputKind::Dockerfile),
                explicit: true,
            };
            match decode_text(bytes.clone(), path.display().to_string().into()) {
                Ok((text, warning)) => {
                    let mut l = load_text(&candidate, text);
                    l.diagnostics.extend(warning);
                    l
                }
                Err(d) => Loaded {
                    diagnostics: vec![d],
                    ..Loaded::default()
                },
            }
        })
        .collect();
    finish(loaded, Vec::new(), options, config)
}

/// Model, resolve and analyse what the files gave.
fn finish(
    loaded: Vec<Loaded>,
    mut diagnostics: Vec<Diagnostic>,
    options: &ScanOptions,
    config: &Config,
) -> Analysis {
    let mut system = System::default();
    let mut inputs = Vec::new();
    let mut sources = std::collections::BTreeMap::new();
    for mut l in loaded {
        diagnostics.append(&mut l.diagnostics);
        if let Some(source) = l.source {
            for kind in l.kinds {
                inputs.push(Input {
                    path: source.path.clone(),
                    kind,
                });
            }
            sources.insert(source.path.clone(), source);
        }
        system.images.extend(l.image);
        system.image_archives.append(&mut l.archives);
        inputs.extend(l.archive_input);
        system.vulnerability_reports.extend(l.vulnerability_report);
        diagnostics.extend(system.add(l.fragment));
    }
    // A report named with --vulns that the walk also found is read once.
    let canonical = |p: &Path| std::fs::canonicalize(p).ok();
    let seen: Vec<PathBuf> = system
        .vulnerability_reports
        .iter()
        .filter_map(|r| canonical(Path::new(&*r.path)))
        .collect();
    for path in &options.vulns {
        if canonical(path).is_some_and(|c| seen.contains(&c)) {
            continue;
        }
        match parse::vulns::read_file(path) {
            Ok(report) => {
                inputs.push(Input {
                    path: report.path.clone(),
                    kind: InputKind::VulnerabilityReport,
                });
                system.vulnerability_reports.push(report);
            }
            Err(d) => diagnostics.push(d),
        }
    }
    let today = options
        .today
        .clone()
        .unwrap_or_else(analyse::suppress::today);
    for archive in &mut system.image_archives {
        archive.age_days = archive
            .config
            .created
            .as_deref()
            .and_then(|c| days_between(c, &today));
    }
    let (env_files, env_file_diagnostics) = model::env_file::attach(&mut system);
    diagnostics.extend(env_file_diagnostics);
    for source in env_files {
        inputs.push(Input {
            path: source.path.clone(),
            kind: InputKind::EnvFile,
        });
        sources.insert(source.path.clone(), source);
    }
    model::resolve::resolve(&mut system);

    let findings = analyse::analyse(
        &system,
        config,
        options.strict,
        &today,
        &sources,
        &mut diagnostics,
    );
    let attack = options
        .attack_paths
        .then(|| analyse::attack::analyse_goals(&system, &findings, &Default::default()));
    diagnostics.sort();
    diagnostics.dedup();
    inputs.sort();
    Analysis {
        findings,
        diagnostics,
        inputs,
        rules: analyse::rules::enabled(config)
            .iter()
            .map(|r| r.meta())
            .collect(),
        sources,
        system,
        attack,
    }
}

/// Whole days from an RFC 3339 timestamp to a `YYYY-MM-DD` date (negative
/// when the timestamp is later).
pub fn days_between(created: &str, today: &str) -> Option<i64> {
    let created =
        time::OffsetDateTime::parse(created, &time::format_description::well_known::Rfc3339)
            .ok()?;
    let today = time::Date::parse(
        today,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()?;
    Some((today - created.date()).whole_days())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_texts_gives_what_a_scan_of_the_files_gives() {
        let dir = tempfile::tempdir().unwrap();
        let files: Vec<(PathBuf, Vec<u8>)> = vec![
            (
                dir.path().join("Dockerfile"),
                b"FROM alpine:3.20\nRUN sudo true\n".to_vec(),
            ),
            (
                dir.path().join("compose.yaml"),
                b"services:\n  web:\n    image: nginx:1.25\n    privileged: true\n".to_vec(),
            ),
            (dir.path().join("bad.json"), b"{\"icc\": true\0".to_vec()),
        ];
        for (path, bytes) in &files {
            std::fs::write(path, bytes).unwrap();
        }
        let options = ScanOptions {
            paths: files.iter().map(|(p, _)| p.clone()).collect(),
            today: Some("2026-01-01".into()),
            ..ScanOptions::default()
        };
        let config = Config::default();
        let on_disk = scan(&options, &config);
        let in_memory = scan_texts(&files, &options, &config);
        let render = |a: &Analysis| report::render(a, report::Format::Json, false);
        assert_eq!(render(&on_disk), render(&in_memory));
        assert!(in_memory.active().any(|f| f.rule.code == "TB108"));
        assert_eq!(in_memory.diagnostics[0].code, "binary-file");
    }

    #[test]
    fn lower_hex_writes_two_digits_a_byte() {
        assert_eq!(lower_hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        assert_eq!(lower_hex(&[]), "");
    }

    #[test]
    fn image_age_in_days() {
        assert_eq!(days_between("2026-01-01T10:00:00Z", "2026-03-02"), Some(60));
        assert_eq!(
            days_between("2026-01-01T10:00:00.123456789+02:00", "2026-01-01"),
            Some(0)
        );
        assert_eq!(days_between("yesterday", "2026-01-01"), None);
    }

    #[test]
    fn nul_bytes_are_rejected_with_their_line() {
        let err = decode_text(b"FROM a\nRUN \0".to_vec(), "f".into()).unwrap_err();
        assert_eq!(err.code, "binary-file");
        assert_eq!(err.location.start_line, 2);
    }

    #[test]
    fn bom_is_dropped_and_invalid_utf8_replaced() {
        let (t, w) = decode_text(b"\xEF\xBB\xBFFROM a".to_vec(), "f".into()).unwrap();
        assert_eq!(t, "FROM a");
        assert!(w.is_none());
        let (t, w) = decode_text(b"FROM a\nRUN \xFF".to_vec(), "f".into()).unwrap();
        assert!(t.contains('\u{FFFD}'));
        assert_eq!(w.unwrap().location.start_line, 2);
    }
}
