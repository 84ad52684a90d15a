//! Hostile YAML and JSON inputs (issue 3): each case is a directory holding
//! one hostile file next to a normal Deployment and a normal compose file,
//! both with `privileged: true`. The scan (through the library) must finish,
//! report the hostile file with a diagnostic of a sensible code at its line,
//! and still report TB401 at its line in both normal files.
//!
//! Every input is generated here at test time (nothing large is committed).
//! The inputs are kept small enough for a debug build to run the whole file
//! in a few seconds; no case asserts on time (a hang would show as a test
//! that never ends).

use std::io::Write;
use std::path::Path;

use threatbox::analyse::Analysis;
use threatbox::config::Config;
use threatbox::source::{Diagnostic, DiagnosticLevel};
use threatbox::{MAX_FILE_BYTES, ScanOptions, scan};

/// `privileged: true` is on line 16.
const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.25
          securityContext:
            privileged: true
";
const DEPLOYMENT_LINE: usize = 16;

/// `privileged: true` is on line 4.
const COMPOSE: &str = "\
services:
  web:
    image: nginx:1.25
    privileged: true
";
const COMPOSE_LINE: usize = 4;

/// Scans a directory holding the two normal files and whatever `write` adds,
/// checks the normal files' findings and returns the analysis.
fn scan_case(write: impl FnOnce(&Path)) -> Analysis {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    std::fs::write(root.join("deployment.yaml"), DEPLOYMENT).expect("write");
    std::fs::write(root.join("compose.yaml"), COMPOSE).expect("write");
    write(root);
    let options = ScanOptions {
        paths: vec![root.to_path_buf()],
        today: Some("2026-01-01".into()),
        ..ScanOptions::default()
    };
    let analysis = scan(&options, &Config::default());
    for (file, line) in [
        ("deployment.yaml", DEPLOYMENT_LINE),
        ("compose.yaml", COMPOSE_LINE),
    ] {
        assert!(
            analysis.active().any(|f| f.rule.code == "TB401"
                && f.location.path.ends_with(&format!("/{file}"))
                && f.location.start_line == line),
            "TB401 missing in {file}:{line}; diagnostics: {:?}",
            analysis.diagnostics
        );
        assert!(
            diagnostics_of(&analysis, file).is_empty(),
            "{file} has diagnostics: {:?}",
            diagnostics_of(&analysis, file)
        );
    }
    analysis
}

fn diagnostics_of<'a>(analysis: &'a Analysis, file: &str) -> Vec<&'a Diagnostic> {
    analysis
        .diagnostics
        .iter()
        .filter(|d| d.location.path.ends_with(&format!("/{file}")))
        .collect()
}

/// The one diagnostic of `file`: asserts its level, code and line.
fn only_diagnostic<'a>(
    analysis: &'a Analysis,
    file: &str,
    level: DiagnosticLevel,
    code: &str,
    line: usize,
) -> &'a Diagnostic {
    let found = diagnostics_of(analysis, file);
    assert_eq!(found.len(), 1, "{found:#?}");
    let d = found[0];
    assert_eq!(
        (d.level, d.code, d.location.start_line),
        (level, code, line),
        "{d:#?}"
    );
    d
}

/// Findings in `file`, as `(code, line)`.
fn findings_in(analysis: &Analysis, file: &str) -> Vec<(&'static str, usize)> {
    analysis
        .active()
        .filter(|f| f.location.path.ends_with(&format!("/{file}")))
        .map(|f| (f.rule.code, f.location.start_line))
        .collect()
}

const POD_HEAD: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hostile\ndata:\n";

#[test]
fn alias_bomb() {
    // Billion laughs: ten levels of ten aliases, 10^10 nodes if expanded.
    let mut text = String::from(POD_HEAD);
    text.push_str("  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];
    for pair in names.windows(2) {
        let refs = vec![format!("*{}", pair[0]); 10].join(", ");
        text.push_str(&format!("  {}: &{} [{refs}]\n", pair[1], pair[1]));
    }
    let analysis = scan_case(|d| std::fs::write(d.join("bomb.yaml"), &text).unwrap());
    // Level k holds 10^k nodes (plus the kept copy of each anchor): the
    // budget of 10^6 is passed while level f (line 11) is being built.
    let d = only_diagnostic(
        &analysis,
        "bomb.yaml",
        DiagnosticLevel::Error,
        "yaml-limit",
        11,
    );
    assert!(d.message.contains("alias bomb"), "{}", d.message);
}

#[test]
fn merge_key_bomb() {
    // Each level merges the previous one and adds ten aliases to it.
    let mut text = String::from(POD_HEAD);
    text.push_str(
        "  m0: &m0 {k0: x, k1: x, k2: x, k3: x, k4: x, k5: x, k6: x, k7: x, k8: x, k9: x}\n",
    );
    for level in 1..12 {
        let prev = level - 1;
        let aliases: Vec<String> = (0..10).map(|i| format!("l{level}k{i}: *m{prev}")).collect();
        text.push_str(&format!(
            "  m{level}: &m{level} {{<<: [*m{prev}, *m{prev}, *m{prev}], {}}}\n",
            aliases.join(", ")
        ));
    }
    let analysis = scan_case(|d| std::fs::write(d.join("merge.yaml"), &text).unwrap());
    let found = diagnostics_of(&analysis, "merge.yaml");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].code, "yaml-limit");
    assert!(found[0].location.start_line > 5);
}

#[test]
fn wide_merge_of_a_big_map() {
    // One map of 2 000 keys merged 400 times: the merge must not compare
    // every key with every other.
    let mut text = String::from(POD_HEAD);
    let keys: Vec<String> = (0..2000).map(|i| format!("k{i}: v")).collect();
    text.push_str(&format!("  big: &big {{{}}}\n", keys.join(", ")));
    let merges = vec!["*big"; 400].join(", ");
    text.push_str(&format!("  all: {{<<: [{merges}]}}\n"));
    let analysis = scan_case(|d| std::fs::write(d.join("wide.yaml"), &text).unwrap());
    let found = diagnostics_of(&analysis, "wide.yaml");
    // 400 copies of 4 001 nodes pass the alias budget.
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].code, "yaml-limit");
    assert_eq!(found[0].location.start_line, 7);
}

#[test]
fn wide_merge_under_the_budget() {
    // 2 000 keys merged 200 times (800 000 nodes, under the budget): read,
    // each key once, in time linear in the merged entries.
    let mut text = String::from(POD_HEAD);
    let keys: Vec<String> = (0..2000).map(|i| format!("k{i}: v")).collect();
    text.push_str(&format!("  big: &big {{{}}}\n", keys.join(", ")));
    let merges = vec!["*big"; 200].join(", ");
    text.push_str(&format!("  all: {{<<: [{merges}], k0: mine}}\n"));
    let analysis = scan_case(|d| std::fs::write(d.join("wide.yaml"), &text).unwrap());
    assert!(diagnostics_of(&analysis, "wide.yaml").is_empty());
    assert!(
        analysis
            .inputs
            .iter()
            .any(|i| i.path.ends_with("/wide.yaml"))
    );
}

#[test]
fn deep_flow_sequence() {
    let text = format!(
        "{POD_HEAD}  x: {}{}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let analysis = scan_case(|d| std::fs::write(d.join("deep.yaml"), &text).unwrap());
    only_diagnostic(
        &analysis,
        "deep.yaml",
        DiagnosticLevel::Error,
        "parse-error",
        6,
    );
}

#[test]
fn deep_flow_mapping() {
    let text = format!(
        "{POD_HEAD}  x: {}1{}\n",
        "{a: ".repeat(10_000),
        "}".repeat(10_000)
    );
    let analysis = scan_case(|d| std::fs::write(d.join("deep.yaml"), &text).unwrap());
    only_diagnostic(
        &analysis,
        "deep.yaml",
        DiagnosticLevel::Error,
        "yaml-limit",
        6,
    );
}

#[test]
fn deep_block_sequence() {
    // `- - - … x`: compact nested block sequences, 10 000 levels on a line.
    let text = format!("{POD_HEAD}  x:\n    {}x\n", "- ".repeat(10_000));
    let analysis = scan_case(|d| std::fs::write(d.join("deep.yaml"), &text).unwrap());
    only_diagnostic(
        &analysis,
        "deep.yaml",
        DiagnosticLevel::Error,
        "yaml-limit",
        7,
    );
}

#[test]
fn deep_block_mapping() {
    // 10 000 nested block maps, each line one space deeper (50 MB): too big
    // to generate here, so 2 000 levels (2 MB) stand for it.
    let mut text = String::from(POD_HEAD);
    for depth in 0..2_000 {
        text.push_str(&" ".repeat(depth + 2));
        text.push_str("a:\n");
    }
    let analysis = scan_case(|d| std::fs::write(d.join("deep.yaml"), &text).unwrap());
    let d = only_diagnostic(
        &analysis,
        "deep.yaml",
        DiagnosticLevel::Error,
        "yaml-limit",
        261,
    );
    assert!(d.message.contains("nested deeper"), "{}", d.message);
}

#[test]
fn file_of_100_mb_is_skipped_unread() {
    let analysis = scan_case(|d| {
        // Sparse: a manifest's first line, then a hole up to 100 MB. The
        // size limit is checked before reading, so this costs nothing.
        let mut f = std::fs::File::create(d.join("huge.yaml")).unwrap();
        f.write_all(b"apiVersion: v1\n").unwrap();
        f.set_len(100 * 1024 * 1024).unwrap();
    });
    let d = only_diagnostic(
        &analysis,
        "huge.yaml",
        DiagnosticLevel::Error,
        "read-error",
        1,
    );
    assert!(d.message.contains("byte limit"), "{}", d.message);
}

#[test]
fn file_just_over_the_limit_is_skipped() {
    // A real (not sparse) file one chunk over the limit, written a chunk at
    // a time so that it is never whole in memory here.
    let analysis = scan_case(|d| {
        let mut f = std::io::BufWriter::new(std::fs::File::create(d.join("big.yaml")).unwrap());
        let chunk = "- name: x\n".repeat(1024);
        let mut written = 0;
        while written <= MAX_FILE_BYTES as usize {
            f.write_all(chunk.as_bytes()).unwrap();
            written += chunk.len();
        }
    });
    only_diagnostic(
        &analysis,
        "big.yaml",
        DiagnosticLevel::Error,
        "read-error",
        1,
    );
}

#[test]
fn single_line_of_10_mb() {
    // A Pod written as one 10 MB line of flow YAML (a 10 MB annotation): it
    // is read, and its own privileged container is found on line 1.
    let text = format!(
        "{{apiVersion: v1, kind: Pod, metadata: {{name: p, annotations: {{note: {}}}}}, spec: {{containers: [{{name: c, image: nginx:1.25, securityContext: {{privileged: true}}}}]}}}}",
        "x".repeat(10 * 1024 * 1024)
    );
    assert!(!text.contains('\n'));
    let analysis = scan_case(|d| std::fs::write(d.join("line.yaml"), &text).unwrap());
    assert!(diagnostics_of(&analysis, "line.yaml").is_empty());
    assert!(findings_in(&analysis, "line.yaml").contains(&("TB401", 1)));
}

#[test]
fn single_line_with_many_entries() {
    // 1 MB on one line, 65 536 annotations: each node's column is on the
    // same line, and the map is big.
    let padding: String = (0..65_536).map(|i| format!("k{i:07}: vvvvvv, ")).collect();
    let text = format!(
        "{{apiVersion: v1, kind: Pod, metadata: {{name: p, annotations: {{{padding}end: x}}}}, spec: {{containers: [{{name: c, image: nginx:1.25, securityContext: {{privileged: true}}}}]}}}}"
    );
    let analysis = scan_case(|d| std::fs::write(d.join("line.yaml"), &text).unwrap());
    assert!(diagnostics_of(&analysis, "line.yaml").is_empty());
    assert!(findings_in(&analysis, "line.yaml").contains(&("TB401", 1)));
}

#[test]
fn single_line_of_10_mb_unterminated() {
    // One 10 MB line that never closes its quote.
    let text = format!("{POD_HEAD}  x: \"{}", "a".repeat(10 * 1024 * 1024));
    let analysis = scan_case(|d| std::fs::write(d.join("line.yaml"), &text).unwrap());
    let found = diagnostics_of(&analysis, "line.yaml");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].code, "parse-error");
    assert_eq!(found[0].location.start_line, 6);
}

#[test]
fn invalid_utf8_is_read_with_a_warning() {
    let mut bytes = DEPLOYMENT
        .replace("name: web\n", "name: w\u{1}\n")
        .into_bytes();
    // Replace the placeholder byte by a lone continuation byte, on line 4.
    let at = bytes.iter().position(|&b| b == 1).unwrap();
    bytes[at] = 0x80;
    let analysis = scan_case(|d| std::fs::write(d.join("latin.yaml"), &bytes).unwrap());
    only_diagnostic(
        &analysis,
        "latin.yaml",
        DiagnosticLevel::Warning,
        "invalid-utf8",
        4,
    );
    assert!(findings_in(&analysis, "latin.yaml").contains(&("TB401", DEPLOYMENT_LINE)));
}

#[test]
fn binary_file_named_yaml() {
    // Bytes of every value, NUL first on line 3.
    let mut bytes = b"apiVersion: v1\nkind: Pod\n".to_vec();
    bytes.extend((0..=255u8).cycle().take(64 * 1024));
    let analysis = scan_case(|d| std::fs::write(d.join("x.yaml"), &bytes).unwrap());
    only_diagnostic(
        &analysis,
        "x.yaml",
        DiagnosticLevel::Error,
        "binary-file",
        3,
    );
}

#[test]
fn nul_byte_in_json() {
    let text = "{\"apiVersion\": \"v1\",\n \"kind\": \"Pod\\u0000\0\"}\n";
    let analysis = scan_case(|d| std::fs::write(d.join("x.json"), text).unwrap());
    only_diagnostic(
        &analysis,
        "x.json",
        DiagnosticLevel::Error,
        "binary-file",
        2,
    );
}

#[test]
fn bom_is_invisible() {
    let text = format!("\u{FEFF}{DEPLOYMENT}");
    let analysis = scan_case(|d| std::fs::write(d.join("bom.yaml"), &text).unwrap());
    assert!(diagnostics_of(&analysis, "bom.yaml").is_empty());
    assert!(findings_in(&analysis, "bom.yaml").contains(&("TB401", DEPLOYMENT_LINE)));
}

#[test]
fn crlf_line_endings() {
    let text = DEPLOYMENT.replace('\n', "\r\n");
    let compose = COMPOSE.replace('\n', "\r\n");
    let analysis = scan_case(|d| {
        std::fs::create_dir(d.join("crlf")).unwrap();
        std::fs::write(d.join("crlf/deployment.yaml"), &text).unwrap();
        std::fs::write(d.join("crlf/docker-compose.yml"), &compose).unwrap();
    });
    let crlf: Vec<_> = analysis
        .active()
        .filter(|f| f.rule.code == "TB401" && f.location.path.contains("/crlf/"))
        .map(|f| {
            (
                f.location.start_line,
                f.location.start_column,
                f.location.end_column,
            )
        })
        .collect();
    // The same lines and columns as with `\n` (the `\r` is not in the span).
    let lf: Vec<_> = analysis
        .active()
        .filter(|f| f.rule.code == "TB401" && !f.location.path.contains("/crlf/"))
        .map(|f| {
            (
                f.location.start_line,
                f.location.start_column,
                f.location.end_column,
            )
        })
        .collect();
    assert_eq!(crlf.len(), 2, "{crlf:?}");
    let mut sorted = (crlf.clone(), lf.clone());
    sorted.0.sort();
    sorted.1.sort();
    assert_eq!(sorted.0, sorted.1);
    assert!(
        analysis.diagnostics.is_empty(),
        "{:?}",
        analysis.diagnostics
    );
}

#[test]
fn empty_file_and_comments_only() {
    let analysis = scan_case(|d| {
        std::fs::write(d.join("empty.yaml"), "").unwrap();
        std::fs::write(d.join("empty.json"), "").unwrap();
        std::fs::write(
            d.join("comments.yaml"),
            "# nothing\n# apiVersion: v1\n# kind: Pod\n---\n# more\n",
        )
        .unwrap();
    });
    // Nothing to report: these are not inputs.
    assert!(
        analysis.diagnostics.is_empty(),
        "{:?}",
        analysis.diagnostics
    );
    assert!(
        analysis
            .inputs
            .iter()
            .all(|i| !i.path.contains("empty") && !i.path.contains("comments"))
    );
}

#[test]
fn truncated_document() {
    // The Deployment cut in the middle of its container's image.
    let cut = DEPLOYMENT.find("image: ").unwrap() + "image: \"ngi".len();
    let text = DEPLOYMENT
        .replace("image: ", "image: \"")
        .get(..cut)
        .unwrap()
        .to_string();
    let analysis = scan_case(|d| std::fs::write(d.join("cut.yaml"), &text).unwrap());
    let found = diagnostics_of(&analysis, "cut.yaml");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        (found[0].code, found[0].location.start_line),
        ("parse-error", 14)
    );
}

#[test]
fn truncated_second_document_keeps_the_first() {
    let cut = DEPLOYMENT.len() / 2;
    let text = format!("{DEPLOYMENT}---\n{}: [\n", DEPLOYMENT.get(..cut).unwrap());
    let analysis = scan_case(|d| std::fs::write(d.join("two.yaml"), &text).unwrap());
    let found = diagnostics_of(&analysis, "two.yaml");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].code, "parse-error");
    assert!(found[0].location.start_line > 17);
    assert!(findings_in(&analysis, "two.yaml").contains(&("TB401", DEPLOYMENT_LINE)));
}

#[test]
fn helm_template() {
    let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include \"app.fullname\" . }}\nspec:\n  {{- if .Values.replicas }}\n  replicas: {{ .Values.replicas }}\n  {{- end }}\n";
    let analysis = scan_case(|d| {
        std::fs::create_dir(d.join("templates")).unwrap();
        std::fs::write(d.join("templates/deploy.yaml"), text).unwrap();
    });
    let found: Vec<_> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.location.path.contains("/templates/"))
        .collect();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        (found[0].code, found[0].location.start_line),
        ("helm-template", 4)
    );
}

#[test]
fn truncated_json() {
    let text = "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Pod\",\n  \"spec\": {\"containers\": [{\"name\": \"c\", \"image\": \"nginx\"";
    let analysis = scan_case(|d| std::fs::write(d.join("pod.json"), text).unwrap());
    let found = diagnostics_of(&analysis, "pod.json");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        (found[0].code, found[0].location.start_line),
        ("parse-error", 4)
    );
    assert!(found[0].message.contains("JSON"), "{}", found[0].message);
}

#[test]
fn compose_with_20_000_services() {
    let mut text = String::from("services:\n");
    for i in 0..20_000 {
        text.push_str(&format!(
            "  s{i}:\n    image: registry.example/app:1\n    privileged: true\n"
        ));
    }
    let analysis = scan_case(|d| std::fs::write(d.join("docker-compose.yml"), &text).unwrap());
    // Work is bounded: the first 10 000 services are modelled, the rest
    // skipped with a warning at the first one skipped (line 30 002).
    let d = only_diagnostic(
        &analysis,
        "docker-compose.yml",
        DiagnosticLevel::Warning,
        "input-limit",
        30_002,
    );
    assert!(d.message.contains("10000 services"), "{}", d.message);
    let privileged = findings_in(&analysis, "docker-compose.yml")
        .into_iter()
        .filter(|(code, _)| *code == "TB401")
        .count();
    assert_eq!(privileged, 10_000);
}

#[test]
fn compose_with_port_ranges() {
    // Every port, many times over: bounded model, one finding per entry.
    let mut text = String::from("services:\n  web:\n    image: nginx:1.25\n    ports:\n");
    for _ in 0..200 {
        text.push_str("      - \"1-65535:1-65535\"\n");
    }
    text.push_str("    expose:\n      - \"1-65535\"\n");
    let analysis = scan_case(|d| std::fs::write(d.join("docker-compose.yml"), &text).unwrap());
    assert!(diagnostics_of(&analysis, "docker-compose.yml").is_empty());
    let findings = findings_in(&analysis, "docker-compose.yml");
    assert!(findings.len() < 1_000, "{} findings", findings.len());
}

#[test]
fn deeply_nested_lists() {
    // A List in a List … 100 levels (200 YAML levels), a privileged Pod at
    // the bottom: lists deeper than 8 are not unwrapped, with a warning.
    let pod = "{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: c, image: nginx:1.25, securityContext: {privileged: true}}]}}";
    let mut text = String::new();
    for depth in 0..100 {
        text.push_str(&" ".repeat(depth * 2));
        text.push_str(if depth == 0 { "" } else { "- " });
        text.push_str("apiVersion: v1\n");
        text.push_str(&" ".repeat(depth * 2 + if depth == 0 { 0 } else { 2 }));
        text.push_str("kind: List\n");
        text.push_str(&" ".repeat(depth * 2 + if depth == 0 { 0 } else { 2 }));
        text.push_str("items:\n");
    }
    text.push_str(&format!("{}- {pod}\n", " ".repeat(200)));
    // And a shallow one whose Pod is found.
    let shallow = format!(
        "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: PodList\n  items:\n  - {pod}\n"
    );
    let analysis = scan_case(|d| {
        std::fs::write(d.join("deep-list.yaml"), &text).unwrap();
        std::fs::write(d.join("list.yaml"), &shallow).unwrap();
    });
    let found = diagnostics_of(&analysis, "deep-list.yaml");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].code, "nesting-limit");
    assert!(diagnostics_of(&analysis, "list.yaml").is_empty());
    assert!(findings_in(&analysis, "list.yaml").contains(&("TB401", 7)));
}
