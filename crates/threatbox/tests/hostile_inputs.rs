//! Hostile inputs of every kind (issue 7), through the `threatbox` binary as
//! a CI job runs it. `hostile_yaml.rs` holds the YAML/JSON parser cases
//! (alias and merge bombs, deep YAML, 100 MB YAML, …); this file covers the
//! other input kinds and the file system: Dockerfiles, Kubernetes JSON,
//! `docker inspect`, `daemon.json`, KubeletConfiguration, static pods,
//! `.threatbox.toml`, suppression comments, symlinks, FIFOs, unreadable
//! files and directories named like inputs.
//!
//! Each case writes one hostile thing next to a set of good files (one of
//! each input kind, each with a known finding at a known line), scans the
//! whole directory with `--format json`, and checks:
//! - the process ended normally (exit 0, 1 or 2: never a panic or abort),
//! - the exit code is the documented one (2 when an input error was
//!   reported, else 1 because the good files have high findings),
//! - the hostile file's diagnostic (code and line, where a line exists),
//! - every known finding of the good files is still reported.
//!
//! Big inputs are generated in a temporary directory at test time. No case
//! asserts on time: a hang shows as a test that never ends.

use std::io::Write;
use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

/// The good files: path under the scanned root, content, and the finding
/// each must keep giving: (rule, line).
const GOOD: &[(&str, &str, &str, usize)] = &[
    (
        "good/Dockerfile",
        "FROM alpine:3.20\nRUN sudo true\n",
        "TB108",
        2,
    ),
    (
        "good/deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.25\n          securityContext:\n            privileged: true\n",
        "TB401",
        16,
    ),
    (
        "good/compose.yaml",
        "services:\n  web:\n    image: nginx:1.25\n    privileged: true\n",
        "TB401",
        4,
    ),
    (
        "good/pod.json",
        "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Pod\",\n  \"metadata\": {\"name\": \"p\"},\n  \"spec\": {\n    \"containers\": [\n      {\"name\": \"c\", \"image\": \"nginx:1.25\",\n       \"securityContext\": {\"privileged\": true}}\n    ]\n  }\n}\n",
        "TB401",
        8,
    ),
    (
        "good/daemon.json",
        "{\n  \"icc\": true,\n  \"insecure-registries\": [\"10.0.0.1:5000\"]\n}\n",
        "TB630",
        2,
    ),
    (
        "good/inspect.json",
        "[\n  {\n    \"Id\": \"abc\",\n    \"Name\": \"/web\",\n    \"Config\": {\"Image\": \"nginx:1.25\", \"User\": \"\"},\n    \"HostConfig\": {\n      \"Privileged\": true\n    }\n  }\n]\n",
        "TB401",
        7,
    ),
    (
        "good/kubelet-config.yaml",
        "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  anonymous:\n    enabled: true\n",
        "TB610",
        5,
    ),
    (
        "good/manifests/kube-apiserver.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver\n  namespace: kube-system\nspec:\n  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.0\n    command:\n    - kube-apiserver\n    - --anonymous-auth=true\n",
        "TB601",
        12,
    ),
];

/// A finished scan.
struct Run {
    code: i32,
    json: Value,
    stderr: String,
}

impl Run {
    fn findings(&self) -> &Vec<Value> {
        self.json["findings"].as_array().expect("findings")
    }

    /// `(level, code, line)` of the diagnostics whose path ends with `file`.
    fn diagnostics(&self, file: &str) -> Vec<(String, String, u64)> {
        self.json["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .filter(|d| ends_with(&d["location"]["path"], file))
            .map(|d| {
                (
                    d["level"].as_str().unwrap_or_default().to_string(),
                    d["code"].as_str().unwrap_or_default().to_string(),
                    d["location"]["start_line"].as_u64().unwrap_or_default(),
                )
            })
            .collect()
    }

    /// The diagnostics of `file` are exactly `expected` (level, code, line).
    fn assert_diagnostics(&self, file: &str, expected: &[(&str, &str, u64)]) {
        let mut found = self.diagnostics(file);
        found.sort();
        let mut want: Vec<(String, String, u64)> = expected
            .iter()
            .map(|(l, c, n)| (l.to_string(), c.to_string(), *n))
            .collect();
        want.sort();
        assert_eq!(
            found, want,
            "diagnostics of {file}: {:#}",
            self.json["diagnostics"]
        );
    }

    /// `(rule, line)` of the findings whose path ends with `file`.
    fn findings_in(&self, file: &str) -> Vec<(String, u64)> {
        self.findings()
            .iter()
            .filter(|f| ends_with(&f["location"]["path"], file))
            .map(|f| {
                (
                    f["code"].as_str().unwrap_or_default().to_string(),
                    f["location"]["start_line"].as_u64().unwrap_or_default(),
                )
            })
            .collect()
    }

    fn has_finding(&self, file: &str, rule: &str, line: u64) -> bool {
        self.findings_in(file)
            .iter()
            .any(|(r, l)| r == rule && *l == line)
    }

    fn has_error(&self) -> bool {
        self.json["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .any(|d| d["level"] == "error")
    }
}

fn ends_with(path: &Value, file: &str) -> bool {
    let p = path.as_str().unwrap_or_default();
    p == file || p.ends_with(&format!("/{file}"))
}

fn threatbox() -> Command {
    let mut c = Command::cargo_bin("threatbox").expect("binary");
    c.env_remove("NO_COLOR")
        .env("THREATBOX_TODAY", "2026-06-01");
    c
}

/// Checks that the process ended on its own terms and parses its report.
fn finish(out: Output) -> Run {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let code = out.status.code().unwrap_or(-1);
    assert!(
        matches!(code, 0..=2) && !stderr.contains("panicked"),
        "abnormal end (status {:?}): {stderr}",
        out.status
    );
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    Run { code, json, stderr }
}

fn write_good(root: &Path) {
    for (path, text, _, _) in GOOD {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }
}

fn assert_good(run: &Run) {
    for (path, _, rule, line) in GOOD {
        assert!(
            run.has_finding(path, rule, *line as u64),
            "{rule} missing at {path}:{line}; diagnostics: {:#}",
            run.json["diagnostics"]
        );
        assert!(
            run.diagnostics(path).is_empty(),
            "{path} has diagnostics: {:?}",
            run.diagnostics(path)
        );
    }
}

/// Scans `root` (holding the good files and whatever `write` added under
/// `hostile/`) from inside it, with `args` after `scan --format json`.
fn scan_with(args: &[&str], write: impl FnOnce(&Path)) -> Run {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    write_good(root);
    let hostile = root.join("hostile");
    std::fs::create_dir_all(&hostile).expect("mkdir");
    write(&hostile);
    let out = threatbox()
        .current_dir(root)
        .args(["scan", "--format", "json", "--color", "never"])
        .args(args)
        .output()
        .expect("run threatbox");
    finish(out)
}

/// The usual case: scan everything, the good findings stay, the exit code
/// follows the diagnostics.
fn case(write: impl FnOnce(&Path)) -> Run {
    let run = scan_with(&["."], write);
    assert_good(&run);
    let expected = if run.has_error() { 2 } else { 1 };
    assert_eq!(run.code, expected, "{}", run.stderr);
    run
}

fn put(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, bytes).expect("write");
}

// ---------------------------------------------------------------- Dockerfile

#[test]
fn dockerfile_truncated_in_a_heredoc() {
    let run = case(|d| put(d, "Dockerfile", "FROM alpine:3.20\nRUN <<EOF\nsudo tr"));
    run.assert_diagnostics("hostile/Dockerfile", &[("error", "parse-error", 3)]);
    assert_eq!(run.code, 2);
    // What came before the cut is still analysed.
    assert!(run.has_finding("hostile/Dockerfile", "TB201", 1));
}

#[test]
fn dockerfile_truncated_after_a_continuation() {
    // Docker accepts a trailing `\`: so do we, silently.
    let run = case(|d| put(d, "Dockerfile", "FROM alpine:3.20\nRUN sudo true \\"));
    run.assert_diagnostics("hostile/Dockerfile", &[]);
    assert!(run.has_finding("hostile/Dockerfile", "TB108", 2));
}

#[test]
fn dockerfile_unknown_instruction_keeps_the_rest() {
    let run = case(|d| {
        put(
            d,
            "Dockerfile",
            "FROM alpine:3.20\nFROBNICATE x\nRUN sudo true\n",
        )
    });
    run.assert_diagnostics("hostile/Dockerfile", &[("error", "parse-error", 2)]);
    assert!(run.has_finding("hostile/Dockerfile", "TB108", 3));
}

#[test]
fn dockerfile_10_000_nested_variable_defaults() {
    // Regression: `${X:-${X:-…}}` 10 000 deep overflowed the stack.
    let n = 10_000;
    let text = format!(
        "FROM alpine:3.20\nRUN sudo true\nENV A={}v{}\nRUN echo $A\n",
        "${X:-".repeat(n),
        "}".repeat(n)
    );
    let run = case(|d| put(d, "Dockerfile", &text));
    run.assert_diagnostics("hostile/Dockerfile", &[]);
    assert!(run.has_finding("hostile/Dockerfile", "TB108", 2));
}

#[test]
fn dockerfile_10_000_nested_command_substitutions() {
    let n = 10_000;
    let text = format!(
        "FROM alpine:3.20\nRUN sudo true\nRUN {}echo{}\n",
        "$(".repeat(n),
        ")".repeat(n)
    );
    let run = case(|d| put(d, "Dockerfile", &text));
    run.assert_diagnostics("hostile/Dockerfile", &[]);
    assert!(run.has_finding("hostile/Dockerfile", "TB108", 2));
}

#[test]
fn dockerfile_10_000_nested_sh_c() {
    let text = format!(
        "FROM alpine:3.20\nRUN sudo true\nRUN {}true\n",
        "sh -c \"".repeat(10_000)
    );
    let run = case(|d| put(d, "Dockerfile", &text));
    assert!(run.has_finding("hostile/Dockerfile", "TB108", 2));
}

#[test]
fn dockerfile_chain_of_10_000_stages() {
    // Regression: quadratic (stage lookup per instruction, inherited ENV
    // collected up the whole chain).
    let mut text = String::from("FROM alpine:3.20 AS s0\n");
    for i in 0..10_000 {
        text.push_str(&format!("FROM s{i} AS s{}\n", i + 1));
    }
    text.push_str("RUN sudo true\n");
    let run = case(|d| put(d, "Dockerfile", &text));
    run.assert_diagnostics("hostile/Dockerfile", &[]);
    assert!(run.has_finding("hostile/Dockerfile", "TB108", 10_002));
}

#[test]
fn dockerfile_of_20_000_runs() {
    // Regression: TB204 expanded a variable for every RUN (quadratic).
    let text = format!("FROM alpine:3.20\n{}", "RUN sudo true\n".repeat(20_000));
    let run = case(|d| put(d, "Dockerfile", &text));
    let sudo = run
        .findings_in("hostile/Dockerfile")
        .iter()
        .filter(|(r, _)| r == "TB108")
        .count();
    assert_eq!(sudo, 20_000);
}

#[test]
fn dockerfile_of_100_mb_is_skipped_unread() {
    let run = case(|d| {
        let mut f = std::fs::File::create(d.join("Dockerfile")).expect("create");
        f.write_all(b"FROM alpine:3.20\nRUN sudo true\n")
            .expect("write");
        f.set_len(100 * 1024 * 1024).expect("grow");
    });
    run.assert_diagnostics("hostile/Dockerfile", &[("error", "read-error", 1)]);
    assert!(run.findings_in("hostile/Dockerfile").is_empty());
}

#[test]
fn dockerfile_line_of_10_mb() {
    let text = format!(
        "FROM alpine:3.20\nRUN sudo true && echo {}\n",
        "x".repeat(10 * 1024 * 1024)
    );
    let run = case(|d| put(d, "Dockerfile", &text));
    run.assert_diagnostics("hostile/Dockerfile", &[]);
    assert!(run.has_finding("hostile/Dockerfile", "TB108", 2));
}

#[test]
fn dockerfile_instruction_of_100_000_continuation_lines() {
    let text = format!(
        "FROM alpine:3.20\nRUN sudo true \\\n{}  && echo done\n",
        "  && echo x \\\n".repeat(100_000)
    );
    let run = case(|d| put(d, "Dockerfile", &text));
    run.assert_diagnostics("hostile/Dockerfile", &[]);
    assert!(run.has_finding("hostile/Dockerfile", "TB108", 2));
}

#[test]
fn dockerfile_invalid_utf8() {
    let run = case(|d| {
        put(
            d,
            "Dockerfile",
            b"FROM alpine:3.20\nRUN sudo true\nLABEL x=\xff\xfe\n",
        )
    });
    run.assert_diagnostics("hostile/Dockerfile", &[("warning", "invalid-utf8", 3)]);
    assert!(run.has_finding("hostile/Dockerfile", "TB108", 2));
}

#[test]
fn dockerfile_nul_byte() {
    let run = case(|d| {
        put(
            d,
            "Dockerfile",
            b"FROM alpine:3.20\nRUN sudo true\nRUN \0\n",
        )
    });
    run.assert_diagnostics("hostile/Dockerfile", &[("error", "binary-file", 3)]);
    assert_eq!(run.code, 2);
}

#[test]
fn binary_file_named_dockerfile() {
    // An ELF header, then every byte value.
    let mut bytes = b"\x7fELF\x02\x01\x01\x00".to_vec();
    bytes.extend((0..=255u8).cycle().take(64 * 1024));
    let run = case(|d| put(d, "Containerfile", &bytes));
    run.assert_diagnostics("hostile/Containerfile", &[("error", "binary-file", 1)]);
}

#[test]
fn dockerfile_with_bom() {
    let run = case(|d| put(d, "Dockerfile", "\u{FEFF}FROM alpine:3.20\nRUN sudo true\n"));
    run.assert_diagnostics("hostile/Dockerfile", &[]);
    assert!(run.has_finding("hostile/Dockerfile", "TB108", 2));
}

#[test]
fn dockerfile_with_crlf_line_endings() {
    let run = case(|d| {
        put(
            d,
            "crlf/Dockerfile",
            "FROM alpine:3.20\r\nRUN sudo true\r\n",
        );
        put(d, "lf/Dockerfile", "FROM alpine:3.20\nRUN sudo true\n");
    });
    run.assert_diagnostics("crlf/Dockerfile", &[]);
    let columns = |file: &str| -> Vec<(String, u64, u64, u64)> {
        let mut v: Vec<_> = run
            .findings()
            .iter()
            .filter(|f| ends_with(&f["location"]["path"], file))
            .map(|f| {
                let l = &f["location"];
                (
                    f["code"].as_str().unwrap_or_default().to_string(),
                    l["start_line"].as_u64().unwrap_or_default(),
                    l["start_column"].as_u64().unwrap_or_default(),
                    l["end_column"].as_u64().unwrap_or_default(),
                )
            })
            .collect();
        v.sort();
        v
    };
    assert!(!columns("crlf/Dockerfile").is_empty());
    assert_eq!(columns("crlf/Dockerfile"), columns("lf/Dockerfile"));
}

#[test]
fn empty_dockerfile() {
    let run = case(|d| put(d, "Dockerfile", ""));
    run.assert_diagnostics("hostile/Dockerfile", &[("warning", "empty-dockerfile", 1)]);
    assert!(run.findings_in("hostile/Dockerfile").is_empty());
}

#[test]
fn dockerfile_of_only_comments() {
    let run = case(|d| {
        put(
            d,
            "Dockerfile",
            "# syntax=docker/dockerfile:1\n# FROM alpine\n\n   # RUN sudo true\n",
        )
    });
    run.assert_diagnostics("hostile/Dockerfile", &[("warning", "empty-dockerfile", 1)]);
    assert!(run.findings_in("hostile/Dockerfile").is_empty());
}

#[test]
fn binary_dockerignore_is_reported_and_the_dockerfile_still_analysed() {
    let run = case(|d| {
        put(d, "Dockerfile", "FROM alpine:3.20\nRUN sudo true\n");
        put(d, ".dockerignore", b"\x00\x01\x02");
    });
    run.assert_diagnostics("hostile/.dockerignore", &[("error", "binary-file", 1)]);
    assert!(run.has_finding("hostile/Dockerfile", "TB108", 2));
}

// ------------------------------------------------------- Kubernetes as JSON

#[test]
fn kubernetes_json_nested_10_000_deep() {
    let text = format!(
        "{{\"apiVersion\": \"v1\", \"kind\": \"Pod\",\n \"x\": {}{}}}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let run = case(|d| put(d, "pod.json", &text));
    let found = run.diagnostics("hostile/pod.json");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "error");
    assert!(
        ["parse-error", "yaml-limit"].contains(&found[0].1.as_str()),
        "{found:?}"
    );
}

#[test]
fn kubernetes_json_with_trailing_garbage() {
    let run = case(|d| {
        put(
            d,
            "pod.json",
            "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"p\"}}\n{\"x\": 1}\n",
        )
    });
    run.assert_diagnostics("hostile/pod.json", &[("error", "parse-error", 2)]);
}

#[test]
fn kubernetes_json_string_of_10_mb() {
    let text = format!(
        "{{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {{\"name\": \"p\", \"annotations\": {{\"n\": \"{}\"}}}},\n\"spec\": {{\"containers\": [{{\"name\": \"c\", \"image\": \"nginx:1.25\", \"securityContext\": {{\"privileged\": true}}}}]}}}}\n",
        "x".repeat(10 * 1024 * 1024)
    );
    let run = case(|d| put(d, "pod.json", &text));
    run.assert_diagnostics("hostile/pod.json", &[]);
    assert!(run.has_finding("hostile/pod.json", "TB401", 2));
}

#[test]
fn kubernetes_json_with_bom_and_crlf() {
    let (_, good, _, _) = GOOD[3];
    let text = format!("\u{FEFF}{}", good.replace('\n', "\r\n"));
    let run = case(|d| put(d, "pod.json", &text));
    run.assert_diagnostics("hostile/pod.json", &[]);
    assert!(run.has_finding("hostile/pod.json", "TB401", 8));
}

#[test]
fn kubernetes_json_invalid_utf8() {
    let (_, good, _, _) = GOOD[3];
    let bytes = good
        .replace("\"p\"", "\"p\u{1}\"")
        .replace('\u{1}', "\u{FFFD}");
    // A lone continuation byte where the replacement character stood.
    let bytes = bytes.replace('\u{FFFD}', "\u{1}").into_bytes();
    let bytes: Vec<u8> = bytes
        .into_iter()
        .map(|b| if b == 1 { 0x80 } else { b })
        .collect();
    let run = case(|d| put(d, "pod.json", &bytes));
    run.assert_diagnostics("hostile/pod.json", &[("warning", "invalid-utf8", 4)]);
    assert!(run.has_finding("hostile/pod.json", "TB401", 8));
}

// ------------------------------------------------------------ docker inspect

#[test]
fn docker_inspect_with_wrong_types() {
    let run = case(|d| {
        put(
            d,
            "inspect.json",
            "[\n{\"Config\": [], \"HostConfig\": \"x\"},\n{\"Config\": {\"Image\": 5},\n \"HostConfig\": {\"Privileged\": true,\n  \"Binds\": [1, null, {}],\n  \"CapAdd\": 7}}\n]\n",
        )
    });
    // Each bad value is a warning at its line; the good parts are used.
    let found = run.diagnostics("hostile/inspect.json");
    assert!(!found.is_empty());
    assert!(
        found
            .iter()
            .all(|(l, c, _)| l == "warning" && c == "invalid-value"),
        "{found:?}"
    );
    assert!(found.iter().any(|(_, _, line)| *line == 6), "{found:?}");
    assert!(run.has_finding("hostile/inspect.json", "TB401", 4));
}

#[test]
fn docker_inspect_truncated() {
    let (_, good, _, _) = GOOD[5];
    let cut = good.find("true").expect("true") + 2;
    let run = case(|d| put(d, "inspect.json", &good[..cut]));
    run.assert_diagnostics("hostile/inspect.json", &[("error", "parse-error", 7)]);
}

#[test]
fn docker_inspect_of_20_000_records() {
    let mut text = String::from("[\n");
    for i in 0..20_000 {
        if i > 0 {
            text.push_str(",\n");
        }
        text.push_str(&format!(
            "{{\"Id\": \"{i}\", \"Name\": \"/c{i}\", \"Config\": {{\"Image\": \"nginx:1.25\"}}, \"HostConfig\": {{\"Privileged\": true}}}}"
        ));
    }
    text.push_str("\n]\n");
    let run = case(|d| put(d, "inspect.json", &text));
    // Bounded work: 10 000 records are modelled, the rest skipped with a
    // warning at the first one skipped.
    run.assert_diagnostics(
        "hostile/inspect.json",
        &[("warning", "input-limit", 10_002)],
    );
    let privileged = run
        .findings_in("hostile/inspect.json")
        .iter()
        .filter(|(r, _)| r == "TB401")
        .count();
    assert_eq!(privileged, 10_000);
}

// ---------------------------------------------------------------- daemon.json

#[test]
fn daemon_json_with_wrong_types() {
    let run = case(|d| {
        put(
            d,
            "daemon.json",
            "{\n\"icc\": \"maybe\",\n\"insecure-registries\": \"x\",\n\"hosts\": [1, {}],\n\"log-driver\": [],\n\"default-ulimits\": 5\n}\n",
        )
    });
    let mut lines: Vec<u64> = run
        .diagnostics("hostile/daemon.json")
        .iter()
        .map(|(l, c, line)| {
            assert_eq!((l.as_str(), c.as_str()), ("warning", "invalid-value"));
            *line
        })
        .collect();
    lines.sort();
    assert_eq!(lines, vec![2, 3, 4, 5, 6]);
}

#[test]
fn daemon_json_truncated() {
    let run = case(|d| {
        put(
            d,
            "daemon.json",
            "{\n  \"icc\": true,\n  \"hosts\": [\"tcp://",
        )
    });
    run.assert_diagnostics("hostile/daemon.json", &[("error", "parse-error", 3)]);
}

#[test]
fn daemon_json_with_nul_byte() {
    let run = case(|d| put(d, "daemon.json", b"{\n  \"icc\": true\0\n}\n"));
    run.assert_diagnostics("hostile/daemon.json", &[("error", "binary-file", 2)]);
}

// ----------------------------------------------------- KubeletConfiguration

#[test]
fn kubelet_configuration_with_wrong_types() {
    let run = case(|d| {
        put(
            d,
            "kubelet.yaml",
            "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication: [1]\nauthorization: {mode: [x]}\nreadOnlyPort: \"abc\"\n",
        )
    });
    // Nothing in it can be trusted to be safe: the defaults apply, and no
    // value of the wrong type is taken for a setting.
    assert!(
        run.diagnostics("hostile/kubelet.yaml")
            .iter()
            .all(|(l, _, _)| l != "error")
    );
    assert!(!run.findings_in("hostile/kubelet.yaml").is_empty());
}

#[test]
fn kubelet_configuration_truncated() {
    let run = case(|d| {
        put(
            d,
            "kubelet.yaml",
            "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  anonymous: {enabled: tr",
        )
    });
    let found = run.diagnostics("hostile/kubelet.yaml");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].1.as_str(), found[0].2), ("parse-error", 4));
}

// --------------------------------------------------------------- static pod

#[test]
fn static_pod_with_command_of_the_wrong_type() {
    let run = case(|d| {
        put(
            d,
            "manifests/kube-apiserver.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver, namespace: kube-system}\nspec:\n  containers:\n  - name: a\n    image: x\n    command: kube-apiserver --anonymous-auth=true\n    args: {a: b}\n",
        )
    });
    run.assert_diagnostics(
        "hostile/manifests/kube-apiserver.yaml",
        &[
            ("warning", "invalid-value", 8),
            ("warning", "invalid-value", 9),
        ],
    );
}

#[test]
fn static_pod_with_100_000_flags() {
    let mut text = String::from(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver, namespace: kube-system}\nspec:\n  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.0\n    command:\n    - kube-apiserver\n    - --anonymous-auth=true\n",
    );
    for i in 0..100_000 {
        text.push_str(&format!("    - --flag-{i}=x\n"));
    }
    let run = case(|d| put(d, "manifests/kube-apiserver.yaml", &text));
    run.assert_diagnostics("hostile/manifests/kube-apiserver.yaml", &[]);
    assert!(run.has_finding("hostile/manifests/kube-apiserver.yaml", "TB601", 10));
}

// ------------------------------------------------------ .threatbox.toml

/// A config error stops the run before anything is scanned (exit 2, the
/// file and line on standard error).
fn bad_config(text: impl AsRef<[u8]>, line: usize) -> Run {
    let run = scan_with(&["--config", "hostile/cfg.toml", "."], |d| {
        put(d, "cfg.toml", text)
    });
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("hostile/cfg.toml:{line}:")),
        "{}",
        run.stderr
    );
    run
}

#[test]
fn config_syntax_error() {
    bad_config("fail-on = \"high\"\n[rules\ndisable = []\n", 2);
}

#[test]
fn config_nested_10_000_deep() {
    bad_config(
        format!(
            "fail-on = \"high\"\nx = {}{}\n",
            "[".repeat(10_000),
            "]".repeat(10_000)
        ),
        2,
    );
}

#[test]
fn config_invalid_utf8() {
    // Regression: reported without a line.
    let run = bad_config(b"fail-on = \"high\"\n# caf\xe9\n".as_slice(), 2);
    assert!(run.stderr.contains("UTF-8"), "{}", run.stderr);
}

#[test]
fn config_with_nul_byte() {
    bad_config(b"fail-on = \"high\"\n\0\n".as_slice(), 2);
}

#[test]
fn config_of_100_mb_is_not_read() {
    let run = scan_with(&["--config", "hostile/cfg.toml", "."], |d| {
        let f = std::fs::File::create(d.join("cfg.toml")).expect("create");
        f.set_len(100 * 1024 * 1024).expect("grow");
    });
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("byte limit"), "{}", run.stderr);
}

#[test]
fn config_bad_trusted_registry_glob() {
    // Regression: a bad pattern was dropped silently.
    let run = bad_config("trusted-registries = [\n  \"ok/*\",\n  \"a/[b\",\n]\n", 3);
    assert!(run.stderr.contains("a/[b"), "{}", run.stderr);
}

#[test]
fn config_expiry_with_a_time() {
    bad_config(
        "[[ignore]]\nrule = \"TB108\"\nreason = \"r\"\n\n[[ignore]]\nrule = \"TB401\"\nexpires = 2027-01-01T00:00:00\n",
        5,
    );
}

#[test]
fn config_with_bom_is_read() {
    let run = scan_with(&["--config", "hostile/cfg.toml", "."], |d| {
        put(d, "cfg.toml", "\u{FEFF}fail-on = \"critical\"\n")
    });
    assert_good(&run);
    assert_eq!(run.code, 1, "{}", run.stderr);
}

#[test]
fn config_path_that_is_a_directory() {
    let run = scan_with(&["--config", "hostile/cfg.toml", "."], |d| {
        std::fs::create_dir(d.join("cfg.toml")).expect("mkdir")
    });
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("hostile/cfg.toml:1:1"),
        "{}",
        run.stderr
    );
}

#[test]
fn default_config_name_taken_by_a_directory_is_ignored() {
    // `.threatbox.toml` in the working directory is read only if it is a file.
    let run = scan_with(&["."], |d| {
        std::fs::create_dir(d.join("../.threatbox.toml")).expect("mkdir")
    });
    assert_good(&run);
    assert_eq!(run.code, 1, "{}", run.stderr);
}

#[cfg(unix)]
#[test]
fn config_that_is_a_fifo_does_not_block() {
    // Regression: `--config` read a FIFO, which blocks until a writer comes.
    let run = scan_with(&["--config", "hostile/cfg.toml", "."], |d| {
        mkfifo(&d.join("cfg.toml"))
    });
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("not a regular file"), "{}", run.stderr);
}

// --------------------------------------------------- suppression comments

#[test]
fn malformed_suppression_comments_in_a_dockerfile() {
    let run = case(|d| {
        put(
            d,
            "Dockerfile",
            "# threatbox:ignore=\n# threatbox:ignore=,,,\n# threatbox:ignore-file=\u{e9}\u{200b} TB1\nFROM alpine:3.20\n# checkov:skip=\n# trivy:ignore:\nRUN sudo true\n# threatbox:ignore=TB108 dangling at the end\n",
        )
    });
    // The empty ones are no suppressions at all; the one naming garbage is
    // reported at its line; the one with no instruction after it is inert.
    run.assert_diagnostics("hostile/Dockerfile", &[("warning", "unknown-rule", 3)]);
    assert!(run.has_finding("hostile/Dockerfile", "TB108", 7));
}

#[test]
fn suppression_naming_100_000_rules() {
    let text = format!(
        "FROM alpine:3.20\n# threatbox:ignore={} reason\nRUN sudo true\nRUN sudo true\n",
        vec!["TB108"; 100_000].join(",")
    );
    let run = case(|d| put(d, "Dockerfile", &text));
    run.assert_diagnostics("hostile/Dockerfile", &[]);
    // Line 3 is suppressed, line 4 is not.
    assert!(!run.has_finding("hostile/Dockerfile", "TB108", 3));
    assert!(run.has_finding("hostile/Dockerfile", "TB108", 4));
}

#[test]
fn suppression_annotation_of_the_wrong_type() {
    let run = case(|d| {
        put(
            d,
            "pod.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    threatbox.io/ignore: [TB401]\nspec:\n  containers:\n  - name: c\n    image: nginx:1.25\n    securityContext: {privileged: true}\n",
        )
    });
    let found = run.diagnostics("hostile/pod.yaml");
    assert!(!found.is_empty());
    assert!(
        found
            .iter()
            .all(|(l, _, line)| l == "warning" && *line == 6),
        "{found:?}"
    );
    // Not honoured: the finding stays.
    assert!(run.has_finding("hostile/pod.yaml", "TB401", 11));
}

#[test]
fn suppression_annotation_naming_nothing() {
    let run = case(|d| {
        put(
            d,
            "pod.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    threatbox.io/ignore: \" , \"\nspec:\n  containers:\n  - name: c\n    image: nginx:1.25\n    securityContext: {privileged: true}\n",
        )
    });
    run.assert_diagnostics("hostile/pod.yaml", &[("warning", "invalid-suppression", 6)]);
    assert!(run.has_finding("hostile/pod.yaml", "TB401", 11));
}

// ------------------------------------------------------------- file system

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo");
    assert!(status.success());
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_not_followed() {
    let run = case(|d| {
        std::fs::create_dir(d.join("loop")).expect("mkdir");
        std::os::unix::fs::symlink("..", d.join("loop/up")).expect("symlink");
        std::os::unix::fs::symlink("self.yaml", d.join("self.yaml")).expect("symlink");
        std::os::unix::fs::symlink("b/Dockerfile", d.join("a")).expect("symlink");
        std::os::unix::fs::symlink("a", d.join("b")).expect("symlink");
    });
    assert!(run.diagnostics("hostile").is_empty());
    // Each good file is read once (no second visit through `loop/up`).
    assert_eq!(
        run.json["inputs"].as_array().map(Vec::len),
        Some(GOOD.len())
    );
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_root_are_not_followed() {
    let outside = tempfile::tempdir().expect("temp dir");
    put(
        outside.path(),
        "Dockerfile",
        "FROM alpine:3.20\nRUN sudo true\n",
    );
    put(outside.path(), "deploy/pod.yaml", GOOD[1].1);
    let run = case(|d| {
        std::os::unix::fs::symlink(outside.path().join("Dockerfile"), d.join("Dockerfile"))
            .expect("symlink");
        std::os::unix::fs::symlink(outside.path().join("deploy"), d.join("deploy"))
            .expect("symlink");
        std::os::unix::fs::symlink("/etc/passwd", d.join("passwd.yaml")).expect("symlink");
        std::os::unix::fs::symlink("/dev/zero", d.join("zero.json")).expect("symlink");
    });
    assert!(run.findings_in("hostile/Dockerfile").is_empty());
    assert!(run.findings_in("hostile/deploy/pod.yaml").is_empty());
    assert!(run.diagnostics("hostile").is_empty());
    assert_eq!(
        run.json["inputs"].as_array().map(Vec::len),
        Some(GOOD.len())
    );
}

#[cfg(unix)]
#[test]
fn symlink_named_on_the_command_line_is_followed() {
    // Asked for by name: read (the user chose it).
    let outside = tempfile::tempdir().expect("temp dir");
    put(
        outside.path(),
        "Dockerfile",
        "FROM alpine:3.20\nRUN sudo true\n",
    );
    let link = outside.path().join("link.Dockerfile");
    std::os::unix::fs::symlink(outside.path().join("Dockerfile"), &link).expect("symlink");
    let run = finish(
        threatbox()
            .args(["scan", "--format", "json"])
            .arg(&link)
            .output()
            .expect("run"),
    );
    assert!(run.has_finding("link.Dockerfile", "TB108", 2));
}

#[cfg(unix)]
#[test]
fn fifo_named_like_an_input_in_a_tree_is_skipped() {
    let run = case(|d| {
        mkfifo(&d.join("Dockerfile"));
        mkfifo(&d.join("pod.yaml"));
    });
    assert!(run.diagnostics("hostile/Dockerfile").is_empty());
    assert!(run.findings_in("hostile/Dockerfile").is_empty());
}

#[cfg(unix)]
#[test]
fn fifo_and_device_named_on_the_command_line_are_errors() {
    // Regression: skipped silently (exit 0); reading them would block or
    // never end.
    let run = scan_with(&[".", "hostile/fifo.yaml", "/dev/zero"], |d| {
        mkfifo(&d.join("fifo.yaml"))
    });
    assert_good(&run);
    assert_eq!(run.code, 2);
    run.assert_diagnostics("hostile/fifo.yaml", &[("error", "read-error", 1)]);
    run.assert_diagnostics("/dev/zero", &[("error", "read-error", 1)]);
}

/// Is `path` readable by this process right now? (Root reads mode 000.)
#[cfg(unix)]
fn readable(path: &Path) -> bool {
    std::fs::read(path).is_ok() || std::fs::read_dir(path).is_ok()
}

#[cfg(unix)]
#[test]
fn unreadable_file() {
    use std::os::unix::fs::PermissionsExt;
    let mut can_read = false;
    let run = case(|d| {
        put(d, "Dockerfile", "FROM alpine:3.20\nRUN sudo true\n");
        let p = d.join("Dockerfile");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).expect("chmod");
        can_read = readable(&p);
    });
    if can_read {
        // Running as root: mode 000 does not stop reads, so the file is
        // analysed like any other.
        assert!(run.has_finding("hostile/Dockerfile", "TB108", 2));
    } else {
        run.assert_diagnostics("hostile/Dockerfile", &[("error", "read-error", 1)]);
        assert_eq!(run.code, 2);
    }
}

#[cfg(unix)]
#[test]
fn unreadable_directory() {
    use std::os::unix::fs::PermissionsExt;
    let mut can_read = false;
    let run = scan_with(&["."], |d| {
        put(d, "locked/Dockerfile", "FROM alpine:3.20\nRUN sudo true\n");
        let p = d.join("locked");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).expect("chmod");
        can_read = readable(&p);
    });
    assert_good(&run);
    if can_read {
        assert!(run.has_finding("hostile/locked/Dockerfile", "TB108", 2));
        assert_eq!(run.code, 1);
    } else {
        // A warning names what the walk skipped.
        let walk: Vec<_> = run.json["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .filter(|d| d["code"] == "walk-error")
            .collect();
        assert_eq!(walk.len(), 1, "{walk:?}");
    }
}

#[test]
fn directories_named_like_inputs() {
    let run = case(|d| {
        for name in [
            "Dockerfile",
            "x.yaml",
            "daemon.json",
            "compose.yml",
            "Containerfile.prod",
        ] {
            std::fs::create_dir_all(d.join(name)).expect("mkdir");
        }
        // And a real input inside one of them.
        put(d, "x.yaml/Dockerfile", "FROM alpine:3.20\nRUN sudo true\n");
    });
    assert!(run.diagnostics("hostile").is_empty());
    assert!(run.has_finding("hostile/x.yaml/Dockerfile", "TB108", 2));
}

#[test]
fn directory_named_like_an_input_on_the_command_line() {
    let run = scan_with(&[".", "hostile/Dockerfile"], |d| {
        std::fs::create_dir(d.join("Dockerfile")).expect("mkdir")
    });
    assert_good(&run);
    assert_eq!(run.code, 1, "{}", run.stderr);
}

#[test]
fn binary_file_named_on_the_command_line() {
    let run = scan_with(&[".", "hostile/a.out"], |d| {
        put(d, "a.out", b"\x7fELF\x02\x01\x01\x00\x00\x00")
    });
    assert_good(&run);
    run.assert_diagnostics("hostile/a.out", &[("error", "binary-file", 1)]);
    assert_eq!(run.code, 2);
}

#[test]
fn text_file_that_is_no_input_named_on_the_command_line() {
    let run = scan_with(&[".", "hostile/README"], |d| {
        put(d, "README", "hello world\nthis is not yaml: [\n")
    });
    assert_good(&run);
    run.assert_diagnostics("hostile/README", &[("error", "parse-error", 2)]);
    assert_eq!(run.code, 2);
}

#[test]
fn same_file_named_twice_is_read_once() {
    let run = scan_with(&[".", "good/Dockerfile", "./good/Dockerfile"], |_| {});
    assert_good(&run);
    let sudo = run
        .findings_in("good/Dockerfile")
        .iter()
        .filter(|(r, _)| r == "TB108")
        .count();
    assert_eq!(sudo, 1);
}

#[test]
fn many_empty_inputs() {
    let run = case(|d| {
        for i in 0..500 {
            put(d, &format!("e{i}/Dockerfile"), "");
            put(d, &format!("e{i}/pod.yaml"), "");
            put(d, &format!("e{i}/daemon.json"), "");
        }
    });
    let empty = run.json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["code"] == "empty-dockerfile")
        .count();
    assert_eq!(empty, 500);
}
