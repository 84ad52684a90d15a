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

/// Reads a text input: bounded size, no NUL bytes, UTF-8 (a BOM is dropped;
/// invalid sequences are replaced and reported).
pub fn read_text(path: &Path) -> Result<(String, Option<Diagnostic>), Diagnostic> {
    let display: Arc<str> = path.display().to_string().into();
    let err = |msg: String| Diagnostic::error("read-error", msg, Location::file(display.clone()));
    let meta = std::fs::metadata(path).map_err(|e| err(format!("cannot read: {e}")))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(err(format!(
            "file is {} bytes, over the {} byte limit; skipped",
            meta.len(),
            MAX_FILE_BYTES
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| err(format!("cannot read: {e}")))?;
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
    let read = if candidate.kind == InputKind::OciLayout {
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
        InputKind::ImageArchive | InputKind::OciLayout
    ) {
        return load_image(candidate, image_options);
    }
    let mut loaded = Loaded::default();
    let (text, warning) = match read_text(&candidate.path) {
        Ok(t) => t,
        Err(d) => {
            loaded.diagnostics.push(d);
            return loaded;
        }
    };
    loaded.diagnostics.extend(warning);
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
    let (candidates, mut diagnostics) = discover::discover(&paths, &options.excludes);

    let image_options = parse::image::ImageReadOptions {
        platform: options.platform.clone(),
        ..Default::default()
    };
    let loaded: Vec<Loaded> = candidates
        .par_iter()
        .map(|c| load(c, &image_options))
        .collect();
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
        .then(|| analyse::attack::analyse(&system, &findings, &Default::default()));
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
