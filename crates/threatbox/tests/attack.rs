//! `threatbox attack` end to end on the bundled example: the goal chain
//! through the orchestrator, the reported fix set applied to a copy of the
//! example (it cuts the goal, and no fix in it can be left out), and the
//! DOT and Mermaid outputs accepted by Graphviz and the mermaid parser.

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

/// Tools CI installs; locally a missing tool skips its check with a note,
/// in CI (`THREATBOX_REQUIRE_TOOLS=1`) it fails.
fn tool_missing(what: &str) -> bool {
    if std::env::var_os("THREATBOX_REQUIRE_TOOLS").is_some() {
        panic!("{what} is required (THREATBOX_REQUIRE_TOOLS is set) but missing");
    }
    eprintln!("skipped: {what} is not installed");
    true
}

fn attack_json(dir: &Path, goal: &str) -> Value {
    let out = threatbox()
        .arg("attack")
        .arg(dir)
        .args(["--format", "json", "--goal", goal])
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn step_ids(v: &Value, goal: &Value) -> Vec<String> {
    goal["path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let i = s.as_u64().unwrap() as usize;
            v["graph"]["steps"][i]["step"].as_str().unwrap().to_string()
        })
        .collect()
}

#[test]
fn cluster_control_is_reachable_through_the_orchestrator_in_every_format() {
    let v = attack_json(&examples(), "cluster-admin");
    let goal = &v["goals"][0];
    assert_eq!(goal["id"], "cluster-admin");
    assert_eq!(goal["reachable"], true);
    let steps = step_ids(&v, goal);
    assert!(steps.len() >= 3, "{steps:?}");
    assert_eq!(steps[0], "exploit-exposed-service", "{steps:?}");
    assert!(
        steps.contains(&"steal-service-account-token".to_string()),
        "{steps:?}"
    );
    assert_eq!(goal["fix_set"]["verified"], true);

    let text = threatbox()
        .arg("attack")
        .arg(examples())
        .args(["--goal", "cluster-admin"])
        .output()
        .unwrap();
    assert_eq!(
        text.status.code(),
        Some(1),
        "a reachable goal fails the gate"
    );
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("REACHABLE  Control the cluster API"),
        "{text}"
    );
    assert!(text.contains("k8s/api.yaml:14  (TB417)"), "{text}");
    assert!(
        text.contains("verified: the goal is unreachable without them"),
        "{text}"
    );

    for format in ["dot", "mermaid"] {
        let out = threatbox()
            .arg("attack")
            .arg(examples())
            .args(["--format", format])
            .output()
            .unwrap();
        let s = String::from_utf8(out.stdout).unwrap();
        assert!(s.contains("Control the cluster API"), "{format}");
        assert!(s.contains("reachable"), "{format}");
        // The catalogue trees are drawn too, after the goals' trees.
        assert!(s.contains("tree seed-kubernetes"), "{format}");
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// How a developer applies each fix the example's plan names: the edit to
/// the file. A fix not listed here fails the test, so that a change in the
/// reported set is reviewed.
fn apply(dir: &Path, code: &str, path: &str) {
    let (file, from, to) = match (code, path) {
        ("TB417", p) if p.ends_with("k8s/api.yaml") => (
            "k8s/api.yaml",
            "      serviceAccountName: api\n",
            "      serviceAccountName: api\n      automountServiceAccountToken: false\n",
        ),
        ("TB602", p) if p.ends_with("k8s/kube-apiserver.yaml") => (
            "k8s/kube-apiserver.yaml",
            "--authorization-mode=AlwaysAllow",
            "--authorization-mode=Node,RBAC",
        ),
        other => panic!("no edit known for fix {other:?}: add it after reviewing the plan"),
    };
    let p = dir.join(file);
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains(from), "{file} no longer contains {from:?}");
    std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn the_reported_fix_set_cuts_the_goal_and_none_of_it_can_be_left_out() {
    let v = attack_json(&examples(), "cluster-admin");
    let fixes: Vec<(String, String)> = v["goals"][0]["fix_set"]["fixes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let f = &v["fixes"][i.as_u64().unwrap() as usize];
            (
                f["code"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(!fixes.is_empty());

    let all = tempfile::tempdir().unwrap();
    copy_dir(&examples(), all.path());
    for (code, path) in &fixes {
        apply(all.path(), code, path);
    }
    let after = attack_json(all.path(), "cluster-admin");
    assert_eq!(
        after["goals"][0]["reachable"], false,
        "fixed copy still reaches the goal"
    );

    // Minimality: leaving out any one fix leaves the goal reachable.
    for left_out in 0..fixes.len() {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&examples(), dir.path());
        for (i, (code, path)) in fixes.iter().enumerate() {
            if i != left_out {
                apply(dir.path(), code, path);
            }
        }
        let partial = attack_json(dir.path(), "cluster-admin");
        assert_eq!(
            partial["goals"][0]["reachable"], true,
            "the set without {:?} still cuts the goal: not minimal",
            fixes[left_out]
        );
    }
}

#[test]
fn dot_output_is_accepted_by_graphviz() {
    let out = threatbox()
        .arg("attack")
        .arg(examples())
        .args(["--format", "dot"])
        .output()
        .unwrap();
    let Ok(mut dot) = std::process::Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    else {
        tool_missing("Graphviz `dot`");
        return;
    };
    use std::io::Write;
    dot.stdin.take().unwrap().write_all(&out.stdout).unwrap();
    let result = dot.wait_with_output().unwrap();
    assert!(
        result.status.success(),
        "dot rejected the output: {}",
        String::from_utf8_lossy(&result.stderr)
    );
    assert!(String::from_utf8_lossy(&result.stdout).contains("<svg"));
}

#[test]
fn mermaid_output_is_accepted_by_the_mermaid_parser() {
    let tool = std::env::var_os("MERMAID_TOOL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/mermaid-tool"));
    if !tool.join("node_modules/mermaid").is_dir() || !tool.join("node_modules/jsdom").is_dir() {
        tool_missing("the mermaid and jsdom npm packages (target/mermaid-tool)");
        return;
    }
    let script = tool.join("check-mermaid.mjs");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/check-mermaid.mjs"),
        &script,
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("trees.mmd");
    let out = threatbox()
        .arg("attack")
        .arg(examples())
        .args(["--format", "mermaid", "--output"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let check = std::process::Command::new("node")
        .arg(&script)
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "mermaid rejected the output: {}",
        String::from_utf8_lossy(&check.stderr)
    );
    // The parser does reject broken input (the check is not vacuous).
    let broken = dir.path().join("broken.mmd");
    std::fs::write(&broken, "flowchart TD\n  a[\"x\"] -->\n").unwrap();
    let check = std::process::Command::new("node")
        .arg(&script)
        .arg(&broken)
        .output()
        .unwrap();
    assert!(!check.status.success());
}

#[test]
fn explain_documents_attack_steps_and_bad_goals_are_usage_errors() {
    let out = threatbox()
        .args(["explain", "escape-runtime-socket"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc = String::from_utf8(out.stdout).unwrap();
    assert!(
        doc.contains("T1611") && doc.contains("Requires: code-exec AND runtime-socket"),
        "{doc}"
    );

    let out = threatbox()
        .arg("attack")
        .arg(examples())
        .args(["--goal", "world-domination"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown goal `world-domination`"));
}

#[test]
fn assume_breach_starts_from_a_named_workload_only() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("pods.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: quiet, namespace: a}\nspec:\n  automountServiceAccountToken: false\n  containers:\n  - {name: c, image: x@sha256:4f5ca1c8b7abe2bd1162e629cafbd824c303b98954b1a168a6e5c45c7e6e1d9b}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: loud, namespace: a}\nspec:\n  automountServiceAccountToken: false\n  containers:\n  - name: c\n    image: x@sha256:4f5ca1c8b7abe2bd1162e629cafbd824c303b98954b1a168a6e5c45c7e6e1d9b\n    securityContext: {privileged: true}\n",
    )
    .unwrap();
    let run = |breach: &str| -> Value {
        let out = threatbox()
            .arg("attack")
            .arg(dir.path())
            .args([
                "--format",
                "json",
                "--goal",
                "node-root",
                "--assume-breach",
                breach,
            ])
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    assert_eq!(run("a/quiet")["goals"][0]["reachable"], false);
    assert_eq!(run("loud")["goals"][0]["reachable"], true);
    assert_eq!(run("all")["goals"][0]["reachable"], true);
}

fn scan(format: &str, extra: &[&str]) -> Value {
    let out = threatbox()
        .arg("scan")
        .arg(examples())
        .args(["--format", format])
        .args(extra)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn scan_json_carries_the_attack_paths_and_matches_the_schema() {
    let v = scan("json", &[]);
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/threatbox.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&v).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    let paths = v["attack_paths"].as_array().unwrap();
    let admin = paths.iter().find(|p| p["goal"] == "cluster-admin").unwrap();
    let hops = admin["hops"].as_array().unwrap();
    assert!(hops.len() >= 3);
    assert_eq!(hops[1]["step"], "steal-service-account-token");
    let token = &hops[1]["facts"][0];
    assert_eq!(token["fix"]["code"], "TB417");
    assert!(
        token["evidence"][0]["path"]
            .as_str()
            .unwrap()
            .ends_with("k8s/api.yaml")
    );
    // The fix's fingerprint is a finding of the same report.
    let fingerprint = token["fix"]["fingerprint"].as_str().unwrap();
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["fingerprint"] == fingerprint)
    );

    let without = scan("json", &["--no-attack-paths"]);
    assert!(without.get("attack_paths").is_none());
}

#[test]
fn scan_sarif_carries_each_reachable_goal_as_a_code_flow() {
    let v = scan("sarif", &[]);
    let run = &v["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let index = rules.iter().position(|r| r["id"] == "TB900").unwrap();
    let results: Vec<&Value> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ruleId"] == "TB900")
        .collect();
    assert!(!results.is_empty());
    let admin = results
        .iter()
        .find(|r| r["properties"]["goal"] == "cluster-admin")
        .unwrap();
    assert_eq!(admin["ruleIndex"], index);
    assert_eq!(admin["level"], "error");
    let flow = admin["codeFlows"][0]["threadFlows"][0]["locations"]
        .as_array()
        .unwrap();
    assert!(flow.len() >= 3, "one location per hop");
    for hop in flow {
        assert!(
            hop["location"]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap()
                > 0
        );
        assert!(
            !hop["location"]["message"]["text"]
                .as_str()
                .unwrap()
                .is_empty()
        );
    }
}

#[test]
fn the_readme_shows_the_real_attack_output() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let section = readme.split("## Attack paths").nth(1).unwrap();
    let block = section
        .split("```text\n")
        .nth(1)
        .and_then(|b| b.split("\n```").next())
        .unwrap();
    let out = threatbox()
        .current_dir(&root)
        .args(["attack", "examples/", "--goal", "cluster-admin"])
        .output()
        .unwrap();
    let real = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        block.trim_end(),
        real.trim_end(),
        "update the README's attack block"
    );
}

#[test]
fn names_that_match_nothing_are_usage_errors_not_unreachable_goals() {
    for args in [
        &["--assume-breach", "no-such-workload"][..],
        &["--goal", "workload:shop/nope"][..],
        &["--goal", "secret:shop/nope"][..],
    ] {
        let out = threatbox()
            .arg("attack")
            .arg(examples())
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("nope") || err.contains("no-such-workload"),
            "{err}"
        );
        assert!(err.contains("in the input"), "{err}");
    }
    // Names that exist are accepted (the api Deployment, a Secret it uses
    // or one declared).
    let out = threatbox()
        .arg("attack")
        .arg(examples())
        .args(["--assume-breach", "shop/api", "--goal", "workload:worker"])
        .output()
        .unwrap();
    assert_ne!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
