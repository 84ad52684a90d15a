//! The command line as a user drives it: subcommands, formats, exit codes.

use assert_cmd::Command;
use predicates::prelude::*;

fn threatbox() -> Command {
    let mut c = Command::cargo_bin("threatbox").unwrap();
    c.env_remove("NO_COLOR")
        .env("THREATBOX_TODAY", "2026-06-01");
    c
}

fn write(dir: &std::path::Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

#[test]
fn rules_lists_the_catalogue_in_every_format() {
    threatbox()
        .args(["rules"])
        .assert()
        .success()
        .stdout(predicate::str::contains("TB108"));
    let out = threatbox()
        .args(["rules", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules = v.as_array().unwrap();
    assert!(!rules.is_empty());
    for r in rules {
        assert!(!r["stride"].as_array().unwrap().is_empty());
        for c in r["cwe"].as_array().unwrap() {
            assert!(c.as_str().unwrap().starts_with("CWE-"));
        }
        assert!(r["docs"].as_str().unwrap().len() > 100);
    }
    threatbox()
        .args(["rules", "--format", "markdown"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("# Rules"));
}

#[test]
fn explain_by_code_slug_and_peer_id() {
    for name in ["TB108", "tb108", "sudo-in-run", "DL3004"] {
        threatbox()
            .args(["explain", name])
            .assert()
            .success()
            .stdout(predicate::str::contains("TB108 sudo-in-run"))
            .stdout(predicate::str::contains("CWE-250"));
    }
    threatbox()
        .args(["explain", "TB999"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no rule or attack step named"));
}

#[test]
fn usage_errors_exit_2() {
    threatbox()
        .args(["scan", "--format", "pdf"])
        .assert()
        .code(2);
    threatbox().args(["frobnicate"]).assert().code(2);
    threatbox().args(["--version"]).assert().success();
}

#[test]
fn missing_path_exits_2_and_still_reports() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "ok/Dockerfile",
        "FROM alpine:3.20\nRUN sudo true\n",
    );
    let out = threatbox()
        .args(["scan", "--format", "json"])
        .arg(dir.path().join("ok"))
        .arg(dir.path().join("missing"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let diags = v["diagnostics"].as_array().unwrap();
    assert!(diags.iter().any(|d| d["code"] == "read-error"), "{diags:?}");
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "TB108")
    );
}

#[test]
fn config_errors_name_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "cfg.toml",
        "fail-on = \"high\"\nnonsense = true\n",
    );
    threatbox()
        .current_dir(dir.path())
        .args(["scan", "--config", "cfg.toml", "."])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cfg.toml:2:"));
}

#[test]
fn exit_code_follows_fail_on() {
    let dir = tempfile::tempdir().unwrap();
    // sudo-in-run is medium.
    write(
        dir.path(),
        "Dockerfile",
        "FROM alpine:3.20@sha256:0000000000000000000000000000000000000000000000000000000000000000\nUSER 1000\nHEALTHCHECK NONE\nRUN sudo true\n",
    );
    let run = |level: &str| {
        threatbox()
            .current_dir(dir.path())
            .args(["scan", "--color", "never", "--fail-on", level, "."])
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(run("medium"), Some(1));
    assert_eq!(run("critical"), Some(0));
}

#[test]
fn output_file_and_formats() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "Dockerfile",
        "FROM alpine:3.20\nRUN sudo true\n",
    );
    let report = dir.path().join("out.sarif");
    threatbox()
        .current_dir(dir.path())
        .args([
            "scan",
            "--format",
            "sarif",
            "--fail-on",
            "critical",
            "--output",
        ])
        .arg(&report)
        .arg(".")
        .assert()
        .success()
        .stdout(predicate::str::is_empty());
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(v["version"], "2.1.0");
}

#[test]
fn exclude_and_gitignore_are_honoured() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a/Dockerfile",
        "FROM alpine:3.20\nRUN sudo true\n",
    );
    write(
        dir.path(),
        "b/Dockerfile",
        "FROM alpine:3.20\nRUN sudo true\n",
    );
    write(
        dir.path(),
        "c/Dockerfile",
        "FROM alpine:3.20\nRUN sudo true\n",
    );
    write(dir.path(), ".gitignore", "c/\n");
    let out = threatbox()
        .current_dir(dir.path())
        .args([
            "scan",
            "--format",
            "json",
            "--fail-on",
            "critical",
            "--exclude",
            "b/**",
            ".",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let paths: Vec<&str> = v["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, vec!["./a/Dockerfile"]);
}
