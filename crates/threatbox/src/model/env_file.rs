//! Compose `env_file` files: read the files a service names, so that their
//! variables join the container's environment with their own file:line, and
//! rules about literal secrets (TB414) see what the container will get.
//!
//! Only files inside the compose file's own directory tree are read (after
//! resolving symbolic links): a compose file from an untrusted repository
//! must not make the scan read, and quote, `~/.aws/credentials`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::model::System;
use crate::model::compose::has_interpolation;
use crate::model::resolve::normalise;
use crate::model::runtime::{EnvValue, EnvVar, Platform};
use crate::source::{Diagnostic, Location, SourceFile};

/// At most this many variables are read from one file (a hostile file must
/// not multiply into every service that names it).
const MAX_VARIABLES: usize = 10_000;

/// One env file named by every one of 10 000 services must not multiply
/// into 10 000 copies of its variables: past this many variables added in
/// all, the rest are not added (and a warning says so).
const MAX_VARIABLES_ADDED: usize = 100_000;

/// Env files are small; a bigger one is not read (and says so).
const MAX_ENV_FILE_BYTES: u64 = 1024 * 1024;

/// Parses an env file the way compose reads one: `KEY=value` per line,
/// `export ` allowed, `#` comments, blank lines; `'single'` quotes are
/// literal, `"double"` quotes may span lines and take `\n`-style escapes;
/// an unquoted value ends at ` #`. `KEY` alone takes the value from the
/// shell (not literal), as does any value compose would interpolate.
pub fn parse(source: &SourceFile) -> (Vec<EnvVar>, Vec<Diagnostic>) {
    let mut vars = Vec::new();
    let mut diagnostics = Vec::new();
    let lines: Vec<&str> = source.text.split('\n').collect();
    let mut index = 0;
    while index < lines.len() {
        let line_no = index + 1;
        let line = lines[index].trim_end_matches('\r');
        index += 1;
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let body = trimmed.strip_prefix("export ").unwrap_or(trimmed);
        let (key, raw) = match body.split_once('=') {
            Some((k, v)) => (k.trim(), Some(v)),
            None => (body.trim(), None),
        };
        let location = Location {
            path: source.path.clone(),
            start_line: line_no,
            start_column: 1 + line.len() - trimmed.len(),
            end_line: line_no,
            end_column: line.chars().count() + 1,
        };
        if key.is_empty() || key.contains(char::is_whitespace) {
            diagnostics.push(Diagnostic::warning(
                "invalid-env-file",
                "not `KEY=value`: line skipped",
                location,
            ));
            continue;
        }
        if vars.len() >= MAX_VARIABLES {
            diagnostics.push(Diagnostic::warning(
                "input-limit",
                format!("more than {MAX_VARIABLES} variables: the rest are not read"),
                location,
            ));
            break;
        }
        let (value, end_line) = match raw {
            None => (EnvValue::Other, line_no),
            Some(raw) => match read_value(raw, &lines, &mut index) {
                Ok((value, extra_lines)) => (value, line_no + extra_lines),
                Err(quote) => {
                    diagnostics.push(Diagnostic::warning(
                        "invalid-env-file",
                        format!(
                            "the value's {quote} quote is never closed: `{key}` is not checked"
                        ),
                        location,
                    ));
                    continue;
                }
            },
        };
        vars.push(EnvVar {
            name: key.to_string(),
            value,
            location: if end_line == line_no {
                location
            } else {
                Location {
                    end_line,
                    end_column: 1,
                    ..location
                }
            },
        });
    }
    (vars, diagnostics)
}

/// A value after `=`: literal unless compose would interpolate it or it is
/// empty of meaning. Returns the value and how many more lines it took, or
/// the quote left open.
fn read_value(raw: &str, lines: &[&str], index: &mut usize) -> Result<(EnvValue, usize), char> {
    let raw = raw.trim_start();
    if let Some(rest) = raw.strip_prefix('\'') {
        return match rest.find('\'') {
            Some(end) => Ok((EnvValue::Literal(rest[..end].to_string()), 0)),
            None => Err('\''),
        };
    }
    if let Some(rest) = raw.strip_prefix('"') {
        // A double-quoted value may continue on the next lines.
        let mut text = rest.to_string();
        let mut extra = 0;
        let value = loop {
            if let Some(value) = close_double_quote(&text) {
                break value;
            }
            let next = lines.get(*index).ok_or('"')?;
            text.push('\n');
            text.push_str(next.trim_end_matches('\r'));
            *index += 1;
            extra += 1;
        };
        return Ok((literal_unless_interpolated(value), extra));
    }
    let value = match raw.find(" #") {
        Some(i) => &raw[..i],
        None => raw,
    };
    Ok((literal_unless_interpolated(value.trim_end().to_string()), 0))
}

fn literal_unless_interpolated(value: String) -> EnvValue {
    if has_interpolation(&value) {
        EnvValue::Other
    } else {
        EnvValue::Literal(value)
    }
}

/// The value of a double-quoted string once its closing quote is in `text`
/// (escapes `\n`, `\t`, `\"`, `\\` applied), or `None` while it is open.
fn close_double_quote(text: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(out),
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some(other) => out.push(other),
                None => return None,
            },
            c => out.push(c),
        }
    }
    None
}

/// Reads the env files compose services name and adds their variables to
/// the services' containers (after the service's own `environment`, which
/// wins in compose). Each file is read once, added to `sources` (for
/// snippets) and returned to be listed as an input; a file that is missing, outside the
/// compose file's directory, too big or unreadable gets a note or warning
/// at the `env_file` entry, so nothing is skipped silently.
pub fn attach(system: &mut System) -> (Vec<Arc<SourceFile>>, Vec<Diagnostic>) {
    let mut sources = Vec::new();
    let mut diagnostics = Vec::new();
    let mut read: BTreeMap<PathBuf, Option<Vec<EnvVar>>> = BTreeMap::new();
    let (mut total, mut capped) = (0, false);
    for workload in &mut system.workloads {
        if workload.platform != Platform::Compose {
            continue;
        }
        let compose_dir = Path::new(&*workload.location.path)
            .parent()
            .unwrap_or(Path::new(""))
            .to_path_buf();
        for container in &mut workload.containers {
            let mut added = Vec::new();
            for entry in &container.env_files {
                // Only the entry is normalised (`./a.env` → `a.env`): the
                // compose file's own directory stays as the user gave it.
                let path = compose_dir.join(normalise(Path::new(&entry.value)));
                let vars = read.entry(path.clone()).or_insert_with(|| {
                    read_env_file(&path, &compose_dir, entry, &mut sources, &mut diagnostics)
                });
                let vars = vars.as_deref().unwrap_or_default();
                if total + vars.len() > MAX_VARIABLES_ADDED {
                    if !capped {
                        capped = true;
                        diagnostics.push(Diagnostic::warning(
                            "input-limit",
                            format!(
                                "env files would add more than {MAX_VARIABLES_ADDED} variables to the services: this one and the rest are not added"
                            ),
                            entry.location.clone(),
                        ));
                    }
                    continue;
                }
                total += vars.len();
                added.extend(vars.iter().cloned());
            }
            container.env.extend(added);
        }
    }
    (sources, diagnostics)
}

fn read_env_file(
    path: &Path,
    compose_dir: &Path,
    entry: &crate::model::runtime::Setting<String>,
    sources: &mut Vec<Arc<SourceFile>>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Vec<EnvVar>> {
    let shown = path.display().to_string();
    let note =
        |message: String| Diagnostic::note("env-file-not-read", message, entry.location.clone());
    if has_interpolation(&entry.value) {
        diagnostics.push(note(format!(
            "env_file `{}` depends on the environment: its variables are not checked",
            entry.value
        )));
        return None;
    }
    // Symbolic links resolved on both sides: the file must lie under the
    // compose file's directory.
    let dir = if compose_dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        compose_dir
    };
    let (Ok(real_dir), Ok(real_file)) = (dir.canonicalize(), path.canonicalize()) else {
        diagnostics.push(note(format!(
            "env_file `{shown}` was not found: its variables are not checked"
        )));
        return None;
    };
    if !real_file.starts_with(&real_dir) {
        diagnostics.push(note(format!(
            "env_file `{shown}` is outside the compose file's directory: not read"
        )));
        return None;
    }
    if let Ok(meta) = std::fs::metadata(&real_file)
        && meta.is_file()
        && meta.len() > MAX_ENV_FILE_BYTES
    {
        diagnostics.push(Diagnostic::warning(
            "input-limit",
            format!(
                "env_file `{shown}` is {} bytes, over the {MAX_ENV_FILE_BYTES} byte limit for env files: not read",
                meta.len()
            ),
            entry.location.clone(),
        ));
        return None;
    }
    let (text, warning) = match crate::read_text(path) {
        Ok(read) => read,
        Err(d) => {
            diagnostics.push(d);
            return None;
        }
    };
    diagnostics.extend(warning);
    let source = Arc::new(SourceFile::new(shown, text));
    let (vars, problems) = parse(&source);
    diagnostics.extend(problems);
    sources.push(source);
    Some(vars)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::discover::InputKind;
    use crate::{ScanOptions, scan};

    /// Name, value, first and last line.
    type Read = (String, EnvValue, usize, usize);

    fn vars(text: &str) -> (Vec<Read>, Vec<Diagnostic>) {
        let source = SourceFile::new("app.env", text.to_string());
        let (vars, diagnostics) = parse(&source);
        let vars = vars
            .into_iter()
            .map(|v| (v.name, v.value, v.location.start_line, v.location.end_line))
            .collect();
        (vars, diagnostics)
    }

    fn lit(s: &str) -> EnvValue {
        EnvValue::Literal(s.to_string())
    }

    #[test]
    fn reads_compose_env_file_syntax() {
        let (v, d) = vars(
            "# comment\n\nDB_HOST=db\nexport API_KEY=abc # trailing comment\nQUOTED='a # b $X'\nDOUBLE=\"x\\ty\"\nFROM_SHELL\nINTERP=${HOME}/x\nEMPTY=\r\n  INDENTED = spaced \n",
        );
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(
            v,
            vec![
                ("DB_HOST".into(), lit("db"), 3, 3),
                ("API_KEY".into(), lit("abc"), 4, 4),
                ("QUOTED".into(), lit("a # b $X"), 5, 5),
                ("DOUBLE".into(), lit("x\ty"), 6, 6),
                ("FROM_SHELL".into(), EnvValue::Other, 7, 7),
                ("INTERP".into(), EnvValue::Other, 8, 8),
                ("EMPTY".into(), lit(""), 9, 9),
                ("INDENTED".into(), lit("spaced"), 10, 10),
            ]
        );
    }

    #[test]
    fn a_double_quoted_value_spans_lines() {
        let (v, d) = vars("KEY=\"-----BEGIN KEY-----\nabc\n-----END KEY-----\"\nNEXT=1\n");
        assert!(d.is_empty());
        assert_eq!(
            v[0],
            (
                "KEY".into(),
                lit("-----BEGIN KEY-----\nabc\n-----END KEY-----"),
                1,
                3
            )
        );
        assert_eq!(v[1], ("NEXT".into(), lit("1"), 4, 4));
    }

    #[test]
    fn bad_lines_are_reported_and_the_rest_is_read() {
        let (v, d) = vars("=nokey\nTWO WORDS=x\nOPEN='abc\nOK=1\nLAST=\"never closed\n");
        assert_eq!(v, vec![("OK".into(), lit("1"), 4, 4)]);
        let lines: Vec<(usize, &str)> = d.iter().map(|d| (d.location.start_line, d.code)).collect();
        assert_eq!(
            lines,
            vec![
                (1, "invalid-env-file"),
                (2, "invalid-env-file"),
                (3, "invalid-env-file"),
                (5, "invalid-env-file"),
            ]
        );
    }

    #[test]
    fn hostile_files_are_bounded() {
        let text = "A=1\n".repeat(MAX_VARIABLES + 5);
        let (v, d) = vars(&text);
        assert_eq!(v.len(), MAX_VARIABLES);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].code, "input-limit");
        // Multi-byte characters and a lone backslash at the end never split
        // a character or panic.
        let (v, _) = vars("É=é\nK=\"é\\");
        assert_eq!(v, vec![("É".into(), lit("é"), 1, 1)]);
    }

    fn scan_dir(dir: &Path) -> crate::analyse::Analysis {
        let options = ScanOptions {
            paths: vec![dir.join("compose.yaml")],
            today: Some("2026-01-01".into()),
            ..ScanOptions::default()
        };
        scan(&options, &Config::default())
    }

    #[test]
    fn secrets_in_a_named_env_file_are_found_at_their_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("compose.yaml"),
            "services:\n  app:\n    image: app:1\n    env_file: [.env, conf/app.env, missing.env]\n  worker:\n    image: app:1\n    env_file: .env\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join(".env"),
            "MODE=prod\nDB_PASSWORD=hunter2-prod\n",
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("conf")).unwrap();
        std::fs::write(
            dir.path().join("conf/app.env"),
            "API_TOKEN='s3cr3t-t0k3n-value'\n",
        )
        .unwrap();
        let analysis = scan_dir(dir.path());
        let found: Vec<(String, usize)> = analysis
            .active()
            .filter(|f| f.rule.code == "TB414")
            .map(|f| {
                let file = Path::new(&*f.location.path).file_name().unwrap();
                (file.to_string_lossy().into_owned(), f.location.start_line)
            })
            .collect();
        // The shared .env is read once but reported for each service.
        assert_eq!(
            found,
            vec![
                (".env".to_string(), 2),
                (".env".to_string(), 2),
                ("app.env".to_string(), 1)
            ]
        );
        let kinds: Vec<_> = analysis
            .inputs
            .iter()
            .filter(|i| i.kind == InputKind::EnvFile)
            .collect();
        assert_eq!(kinds.len(), 2);
        assert!(analysis.sources.keys().any(|k| k.ends_with("app.env")));
        let notes: Vec<_> = analysis
            .diagnostics
            .iter()
            .filter(|d| d.code == "env-file-not-read")
            .collect();
        assert_eq!(notes.len(), 1);
        assert!(notes[0].message.contains("missing.env"));
        assert_eq!(notes[0].location.start_line, 4);
    }

    #[test]
    fn files_outside_the_compose_directory_are_not_read() {
        let outer = tempfile::tempdir().unwrap();
        std::fs::write(
            outer.path().join("credentials"),
            "AWS_SECRET_ACCESS_KEY=abc\n",
        )
        .unwrap();
        let dir = outer.path().join("repo");
        std::fs::create_dir(&dir).unwrap();
        let mut compose =
            "services:\n  app:\n    image: app:1\n    env_file:\n      - ../credentials\n      - ${HOME}/x.env\n"
                .to_string();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(outer.path().join("credentials"), dir.join("link.env"))
                .unwrap();
            compose.push_str("      - link.env\n");
        }
        std::fs::write(dir.join("compose.yaml"), compose).unwrap();
        let analysis = scan_dir(&dir);
        assert!(!analysis.active().any(|f| f.rule.code == "TB414"));
        assert!(!analysis.inputs.iter().any(|i| i.kind == InputKind::EnvFile));
        let notes: Vec<&str> = analysis
            .diagnostics
            .iter()
            .filter(|d| d.code == "env-file-not-read")
            .map(|d| d.message.as_str())
            .collect();
        assert!(
            notes
                .iter()
                .any(|m| m.contains("outside") && m.contains("credentials"))
        );
        assert!(
            notes
                .iter()
                .any(|m| m.contains("depends on the environment"))
        );
        #[cfg(unix)]
        assert!(
            notes
                .iter()
                .any(|m| m.contains("outside") && m.contains("link.env"))
        );
    }

    #[test]
    fn a_shared_env_file_does_not_multiply_without_bound() {
        let dir = tempfile::tempdir().unwrap();
        let services = 30;
        let mut compose = String::from("services:\n");
        for i in 0..services {
            compose.push_str(&format!("  s{i}:\n    image: a:1\n    env_file: big.env\n"));
        }
        std::fs::write(dir.path().join("compose.yaml"), compose).unwrap();
        std::fs::write(dir.path().join("big.env"), "A=1\n".repeat(MAX_VARIABLES)).unwrap();
        let analysis = scan_dir(dir.path());
        let added: usize = analysis
            .system
            .workloads
            .iter()
            .flat_map(|w| &w.containers)
            .map(|c| c.env.len())
            .sum();
        assert_eq!(added, MAX_VARIABLES_ADDED);
        let limits: Vec<_> = analysis
            .diagnostics
            .iter()
            .filter(|d| d.code == "input-limit")
            .collect();
        assert_eq!(limits.len(), 1, "{limits:?}");
    }
}
