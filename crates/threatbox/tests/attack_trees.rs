//! `threatbox attack --trees FILE` end to end: a good file's trees are
//! evaluated and shown next to the catalogue's; a bad file's problems are
//! printed with file:line:column, the rest of the report still appears, and
//! the exit code is 2.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn threatbox() -> Command {
    let mut c = Command::cargo_bin("threatbox").unwrap();
    c.env("THREATBOX_TODAY", "2026-06-01");
    c
}

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

const GOOD: &str = r#"
[[tree]]
id = "token-and-always-allow"
title = "A mounted token meets an API server without authorisation"
goal = "Cluster control"
root = { and = [ { leaf = "token-mounted" }, { leaf = "authz-always-allow" } ] }
"#;

const BAD: &str = r#"
[[tree]]
id = "typo"
title = "Typo"
goal = "G"
root = { leaf = "privilegd" }

[[tree]]
id = "fine"
title = "Fine"
goal = "G"
root = { leaf = "privileged" }
"#;

#[test]
fn a_good_tree_file_is_evaluated_next_to_the_catalogue() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("good.toml");
    std::fs::write(&file, GOOD).unwrap();
    let out = threatbox()
        .arg("attack")
        .arg(examples())
        .arg("--trees")
        .arg(&file)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let trees = v["trees"].as_array().unwrap();
    let ids: Vec<&str> = trees.iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "seed-kubernetes-cluster",
            "container-escape",
            "secrets-theft",
            "supply-chain",
            "token-and-always-allow"
        ]
    );
    let user = &trees[4];
    assert_eq!(user["reachable"], true);
    assert_eq!(user["source"], file.display().to_string());
    assert_eq!(user["fixes"]["verified"], true);
    // The text report has a section for the file.
    let out = threatbox()
        .arg("attack")
        .arg(examples())
        .arg("--trees")
        .arg(&file)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Catalogue trees"), "{text}");
    assert!(text.contains(&format!("Trees from {}", file.display())));
    assert!(text.contains("REACHABLE  A mounted token meets an API server without authorisation"));
}

#[test]
fn a_bad_tree_file_exits_2_with_located_messages_after_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, BAD).unwrap();
    let out = threatbox()
        .arg("attack")
        .arg(examples())
        .arg("--trees")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let expected = format!(
        "{}:6:17: tree `typo`: unknown predicate `privilegd`",
        file.display()
    );
    assert!(stderr.contains(&expected), "{stderr}");
    assert!(stderr.contains("did you mean `privileged`?"));
    // The report still appears, with the good tree of the same file.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Catalogue trees"), "{stdout}");
    assert!(stdout.contains("REACHABLE  Fine [fine]"), "{stdout}");
    // Bad syntax and a missing file are errors too.
    std::fs::write(&file, "[[tree]\n").unwrap();
    let out = threatbox()
        .arg("attack")
        .arg(examples())
        .arg("--trees")
        .arg(&file)
        .arg("--trees")
        .arg(dir.path().join("missing.toml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{}:1:", file.display())),
        "{stderr}"
    );
    assert!(stderr.contains("invalid TOML"));
    assert!(stderr.contains("missing.toml: cannot read the tree file"));
}
