//! Suppressions end to end: inline comments (ours and peers'), file-level
//! comments, config entries with paths and expiry, strict mode.

use std::path::Path;

use threatbox::config::Config;
use threatbox::source::SourceFile;
use threatbox::{ScanOptions, scan};

const DOCKERFILE: &str = "\
FROM alpine:3.20
# threatbox:ignore=TB108 the base image needs it for the vendor installer
RUN sudo true
# hadolint ignore=DL3004
RUN sudo false
RUN sudo ls
";

fn setup(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Dockerfile"), text).unwrap();
    dir
}

fn config(text: &str) -> Config {
    Config::parse(SourceFile::new(".threatbox.toml", text.to_string())).unwrap()
}

fn run(dir: &Path, config: &Config, strict: bool) -> threatbox::analyse::Analysis {
    let options = ScanOptions {
        paths: vec![dir.to_path_buf()],
        strict,
        // Fixed, so that expiry is judged the same on any day.
        today: Some("2026-06-01".to_string()),
        ..ScanOptions::default()
    };
    scan(&options, config)
}

fn sudo_lines(a: &threatbox::analyse::Analysis, suppressed: bool) -> Vec<usize> {
    a.findings
        .iter()
        .filter(|f| f.rule.code == "TB108" && f.suppression.is_some() == suppressed)
        .map(|f| f.location.start_line)
        .collect()
}

#[test]
fn inline_comments_cover_the_next_instruction_only() {
    let dir = setup(DOCKERFILE);
    let a = run(dir.path(), &Config::default(), false);
    assert_eq!(sudo_lines(&a, false), vec![6]);
    assert_eq!(sudo_lines(&a, true), vec![3, 5]);
    let reasons: Vec<&str> = a
        .suppressed()
        .filter(|f| f.rule.code == "TB108")
        .map(|f| f.suppression.as_ref().unwrap().reason.as_str())
        .collect();
    assert_eq!(
        reasons,
        vec!["the base image needs it for the vendor installer", ""]
    );
    // The hadolint pragma has no reason, as is hadolint's convention: honoured
    // and not reported (it was written for hadolint).
    assert!(
        a.diagnostics
            .iter()
            .all(|d| d.code != "suppression-without-reason")
    );
}

#[test]
fn our_suppressions_without_reason_are_reported() {
    let dir = setup(
        "FROM alpine:3.20\n# threatbox:ignore=TB108\nRUN sudo a\n# hadolint ignore=DL3999\nRUN sudo b\n",
    );
    let a = run(dir.path(), &Config::default(), false);
    assert_eq!(sudo_lines(&a, true), vec![3]);
    let diags: Vec<(&str, usize)> = a
        .diagnostics
        .iter()
        .map(|d| (d.code, d.location.start_line))
        .collect();
    assert_eq!(diags, vec![("suppression-without-reason", 2)]);
}

#[test]
fn strict_mode_ignores_every_suppression() {
    let dir = setup(DOCKERFILE);
    let a = run(
        dir.path(),
        &config("[[ignore]]\nrule = \"TB108\"\nreason = \"x\"\n"),
        true,
    );
    assert_eq!(sudo_lines(&a, false), vec![3, 5, 6]);
    assert_eq!(a.suppressed().count(), 0);
}

#[test]
fn file_level_comment_covers_the_whole_file() {
    let dir = setup(
        "FROM alpine:3.20\nRUN sudo a\n# threatbox:ignore-file=sudo-in-run vendor image, reviewed\nRUN sudo b\n",
    );
    let a = run(dir.path(), &Config::default(), false);
    assert_eq!(sudo_lines(&a, true), vec![2, 4]);
}

#[test]
fn config_entries_match_rule_and_path_until_they_expire() {
    let dir = setup("FROM alpine:3.20\nRUN sudo a\n");
    let c = config(
        "[[ignore]]\nrule = \"DL3004\"\npath = \"**/Dockerfile\"\nreason = \"legacy\"\nexpires = 2026-12-31\n",
    );
    let a = run(dir.path(), &c, false);
    assert_eq!(sudo_lines(&a, true), vec![2]);
    let s = a.suppressed().next().unwrap().suppression.clone().unwrap();
    assert_eq!(
        (s.kind, s.reason.as_str(), s.expires.as_deref()),
        ("config", "legacy", Some("2026-12-31"))
    );

    let expired =
        config("[[ignore]]\nrule = \"TB108\"\nreason = \"legacy\"\nexpires = 2026-01-31\n");
    let a = run(dir.path(), &expired, false);
    assert_eq!(
        sudo_lines(&a, false),
        vec![2],
        "an expired entry no longer applies"
    );
    let d = a
        .diagnostics
        .iter()
        .find(|d| d.code == "suppression-expired")
        .unwrap();
    assert_eq!(d.location.start_line, 1);
    assert!(d.message.contains("2026-01-31"));

    let other_path = config("[[ignore]]\nrule = \"TB108\"\npath = \"other/**\"\nreason = \"x\"\n");
    assert_eq!(
        sudo_lines(&run(dir.path(), &other_path, false), false),
        vec![2]
    );
}

#[test]
fn unknown_rule_names_are_reported() {
    let dir = setup("FROM alpine:3.20\n# threatbox:ignore=TB999 typo\nRUN sudo a\n");
    let a = run(
        dir.path(),
        &config("[[ignore]]\nrule = \"NOPE\"\nreason = \"x\"\n"),
        false,
    );
    let unknown: Vec<usize> = a
        .diagnostics
        .iter()
        .filter(|d| d.code == "unknown-rule")
        .map(|d| d.location.start_line)
        .collect();
    assert_eq!(unknown.len(), 2, "{:?}", a.diagnostics);
    assert_eq!(sudo_lines(&a, false), vec![3]);
}
