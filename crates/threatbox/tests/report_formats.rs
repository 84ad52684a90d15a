//! The three `scan` output formats rendered from one hand-made analysis, so
//! that these tests depend on no parser or rule: snapshots (reviewed by hand),
//! schema validation and the invariants consumers rely on.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;
use threatbox::analyse::finding::{Finding, LifecycleStage, Severity, Stride, Suppression};
use threatbox::analyse::rule::RuleMeta;
use threatbox::analyse::{Analysis, Input};
use threatbox::discover::InputKind;
use threatbox::report::{self, Format};
use threatbox::source::{Diagnostic, Location, SourceFile};

static ROOT_USER: RuleMeta = RuleMeta {
    code: "TB901",
    slug: "test-root-user",
    title: "Final stage runs as root",
    severity: Severity::High,
    stride: &[Stride::ElevationOfPrivilege],
    cwe: &[250],
    stage: LifecycleStage::Build,
    cis: &["CIS-Docker-4.1"],
    peers: &["DL3002"],
    remediation: "Add `USER app` (a non-root user)\nafter the last step that needs root.",
    docs: "\n**What it detects.** An image whose final `USER` is root.\n\n**Why it is a threat.** A compromised process owns the container (STRIDE: Elevation of privilege).\n",
};

static SECRET_ENV: RuleMeta = RuleMeta {
    code: "TB902",
    slug: "test-secret-in-env",
    title: "Secret in ENV",
    severity: Severity::Critical,
    stride: &[Stride::InformationDisclosure, Stride::Spoofing],
    cwe: &[798],
    stage: LifecycleStage::Image,
    cis: &["CIS-Docker-4.10"],
    peers: &[],
    remediation: "Pass the secret at run time or with a build secret mount.",
    docs: "**What it detects.** `ENV` or `ARG` holding a credential.",
};

static NO_RECOMMENDS: RuleMeta = RuleMeta {
    code: "TB903",
    slug: "test-install-recommends",
    title: "apt-get install without --no-install-recommends",
    severity: Severity::Low,
    stride: &[Stride::Tampering],
    cwe: &[1164],
    stage: LifecycleStage::Build,
    cis: &[],
    peers: &["DL3015"],
    remediation: "Add `--no-install-recommends`.",
    docs: "",
};

static NO_HEALTHCHECK: RuleMeta = RuleMeta {
    code: "TB904",
    slug: "test-no-healthcheck",
    title: "No HEALTHCHECK",
    severity: Severity::Info,
    stride: &[Stride::DenialOfService],
    cwe: &[754],
    stage: LifecycleStage::Runtime,
    cis: &["CIS-Docker-4.6"],
    peers: &[],
    remediation: "Add a `HEALTHCHECK`.",
    docs: "**What it detects.** An image without a `HEALTHCHECK`.",
};

static SUDO: RuleMeta = RuleMeta {
    code: "TB905",
    slug: "test-sudo",
    title: "sudo used in RUN",
    severity: Severity::Medium,
    stride: &[Stride::ElevationOfPrivilege],
    cwe: &[250, 269],
    stage: LifecycleStage::Build,
    cis: &[],
    peers: &["DL3004"],
    remediation: "Drop `sudo`.",
    docs: "**What it detects.** A `RUN` that calls `sudo`.",
};

const ROOT_DOCKERFILE: &str = "FROM debian:12\nENV API_TOKEN=hunter2\nRUN apt-get update && \\\n    apt-get install -y curl\nUSER root\nRUN sudo make install\n";
const WEB_PATH: &str = "services/web app/Dockerfile";
const WEB_DOCKERFILE: &str = "FROM node:20\n\tRUN sudo npm ci\n";

fn at(path: &str, start: (usize, usize), end: (usize, usize)) -> Location {
    Location {
        path: path.into(),
        start_line: start.0,
        start_column: start.1,
        end_line: end.0,
        end_column: end.1,
    }
}

fn finding(rule: &'static RuleMeta, location: Location, message: &str, fp: &str) -> Finding {
    let mut f = Finding::new(rule, location, message);
    f.fingerprint = fp.to_string();
    f
}

fn sources(files: &[(&str, &str)]) -> BTreeMap<Arc<str>, Arc<SourceFile>> {
    files
        .iter()
        .map(|(p, t)| {
            let s = Arc::new(SourceFile::new(*p, t.to_string()));
            (s.path.clone(), s)
        })
        .collect()
}

fn input(path: &str) -> Input {
    Input {
        path: path.into(),
        kind: InputKind::Dockerfile,
    }
}

/// Two files with findings of every severity, one multi-line span, one
/// related location, one file-level finding, one suppressed finding, and
/// one input error, one warning and one note.
fn sample() -> Analysis {
    let mut suppressed = finding(
        &SUDO,
        at("Dockerfile", (6, 5), (6, 9)),
        "`sudo` in RUN",
        "5d41402abc4b2a76b9719d911017c592",
    );
    suppressed.suppression = Some(Suppression {
        kind: "inline",
        reason: "legacy build needs it".to_string(),
        expires: Some("2027-01-01".to_string()),
    });
    let findings = vec![
        finding(
            &SECRET_ENV,
            at("Dockerfile", (2, 5), (2, 22)),
            "ENV sets API_TOKEN, which looks like a credential",
            "0cc175b9c0f1b6a831c399e269772661",
        ),
        finding(
            &NO_RECOMMENDS,
            at("Dockerfile", (3, 5), (4, 28)),
            "apt-get install without --no-install-recommends",
            "92eb5ffee6ae2fec3ad71c777531578f",
        ),
        finding(
            &ROOT_USER,
            at("Dockerfile", (5, 1), (5, 10)),
            "the final stage runs as root",
            "4a8a08f09d37b73795649038408b5f33",
        )
        .with_related(
            at("Dockerfile", (1, 1), (1, 15)),
            "debian:12 runs as root by default",
        ),
        suppressed,
        finding(
            &NO_HEALTHCHECK,
            Location::file(WEB_PATH.into()),
            "the image has no HEALTHCHECK",
            "8277e0910d750195b448797616e091ad",
        ),
        finding(
            &SUDO,
            at(WEB_PATH, (2, 6), (2, 10)),
            "`sudo` in RUN",
            "e1671797c52e15f763380b45e841ec32",
        ),
    ];
    let mut diagnostics = vec![
        Diagnostic::error(
            "parse-error",
            "unknown instruction FORM",
            at("broken/Dockerfile", (3, 1), (3, 5)),
        ),
        Diagnostic::warning(
            "invalid-utf8",
            "file is not valid UTF-8; invalid bytes were replaced",
            at(WEB_PATH, (1, 1), (1, 1)),
        ),
        Diagnostic::note(
            "suppressed",
            "TB905 suppressed: legacy build needs it",
            at("Dockerfile", (6, 1), (6, 22)),
        ),
    ];
    diagnostics.sort();
    Analysis {
        findings,
        diagnostics,
        inputs: vec![
            input("Dockerfile"),
            input("broken/Dockerfile"),
            input(WEB_PATH),
        ],
        rules: vec![
            &ROOT_USER,
            &SECRET_ENV,
            &NO_RECOMMENDS,
            &NO_HEALTHCHECK,
            &SUDO,
        ],
        sources: sources(&[
            ("Dockerfile", ROOT_DOCKERFILE),
            ("broken/Dockerfile", "FROM a\nRUN b\nFORM c\n"),
            (WEB_PATH, WEB_DOCKERFILE),
        ]),
        system: Default::default(),
        attack: None,
    }
}

fn clean() -> Analysis {
    Analysis {
        inputs: vec![input("Dockerfile")],
        rules: vec![&ROOT_USER],
        sources: sources(&[("Dockerfile", "FROM scratch\n")]),
        ..Analysis::default()
    }
}

fn repo_file(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

fn parse(s: &str) -> Value {
    serde_json::from_str(s).expect("report is JSON")
}

fn validate(schema: &Value, instance: &Value) -> Vec<String> {
    let validator = jsonschema::validator_for(schema).expect("schema compiles");
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

// ---------------------------------------------------------------- text

#[test]
fn text_report_snapshot() {
    let out = report::render(&sample(), Format::Text, false);
    assert!(!out.contains('\u{1b}'), "no escape codes without colour");
    insta::assert_snapshot!("text", out);
}

#[test]
fn text_report_colours_only_when_asked() {
    let a = sample();
    let plain = report::render(&a, Format::Text, false);
    let coloured = report::render(&a, Format::Text, true);
    // Stripping the styles gives back the plain report exactly.
    let stripped = strip_ansi(&coloured);
    assert_eq!(stripped, plain);
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn text_report_of_a_clean_run() {
    let out = report::render(&clean(), Format::Text, false);
    assert_eq!(
        out,
        "No findings, 0 suppressed, in 1 file; 0 input errors\n"
    );
}

#[test]
fn text_report_escapes_control_characters_from_input() {
    let mut a = clean();
    let path = "evil\u{1b}]0;pwned\u{7}/Dockerfile";
    a.sources = sources(&[(path, "RUN echo \u{1b}[2J\n")]);
    a.findings = vec![finding(
        &SUDO,
        at(path, (1, 1), (1, 4)),
        "message with \u{1b}[31m escape",
        "",
    )];
    let out = report::render(&a, Format::Text, false);
    assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
    assert!(out.contains("message with \u{FFFD}[31m escape"));
}

// ---------------------------------------------------------------- json

#[test]
fn json_report_snapshot() {
    insta::assert_snapshot!("json", report::render(&sample(), Format::Json, false));
}

#[test]
fn json_report_matches_the_published_schema() {
    let schema_text = std::fs::read_to_string(repo_file("docs/threatbox.schema.json"))
        .expect("docs/threatbox.schema.json is readable");
    let schema = parse(&schema_text);
    for a in [sample(), clean()] {
        let doc = parse(&report::render(&a, Format::Json, false));
        let errors = validate(&schema, &doc);
        assert!(errors.is_empty(), "{errors:#?}");
    }
    // The schema is strict: an undocumented field is an error.
    let mut doc = parse(&report::render(&sample(), Format::Json, false));
    doc["findings"][0]["extra"] = Value::Bool(true);
    assert!(!validate(&schema, &doc).is_empty());
    // And a suppression on an active finding is rejected.
    let mut doc = parse(&report::render(&sample(), Format::Json, false));
    doc["findings"][0]["suppression"] = doc["suppressed"][0]["suppression"].clone();
    assert!(!validate(&schema, &doc).is_empty());
}

#[test]
fn json_example_in_the_docs_matches_the_schema() {
    let schema = parse(&std::fs::read_to_string(repo_file("docs/threatbox.schema.json")).unwrap());
    let docs = std::fs::read_to_string(repo_file("docs/json-schema.md")).unwrap();
    let start = docs.find("```json\n").expect("docs have a JSON example") + "```json\n".len();
    let len = docs[start..].find("```").expect("example is closed");
    let example = parse(&docs[start..start + len]);
    let errors = validate(&schema, &example);
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn json_counts_are_consistent() {
    let doc = parse(&report::render(&sample(), Format::Json, false));
    let s = &doc["summary"];
    assert_eq!(doc["schema_version"], "1.0");
    assert_eq!(doc["tool"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(doc["findings"].as_array().unwrap().len(), 5);
    assert_eq!(s["findings"], 5);
    assert_eq!(doc["suppressed"].as_array().unwrap().len(), 1);
    assert_eq!(s["suppressed"], 1);
    assert_eq!(
        s["by_severity"],
        serde_json::json!({"critical": 1, "high": 1, "medium": 1, "low": 1, "info": 1})
    );
    // TB902 is S+I; the suppressed TB905 does not count.
    assert_eq!(
        s["by_stride"],
        serde_json::json!({"S": 1, "T": 1, "R": 0, "I": 1, "D": 1, "E": 2})
    );
    assert_eq!(
        s["by_stage"],
        serde_json::json!({"build": 3, "image": 1, "registry": 0, "orchestrator": 0, "runtime": 1, "host": 0})
    );
    assert_eq!(s["inputs"], 3);
    assert_eq!(
        s["diagnostics"],
        serde_json::json!({"error": 1, "warning": 1, "note": 1})
    );
    let sup = &doc["suppressed"][0];
    assert_eq!(sup["code"], "TB905");
    assert_eq!(
        sup["suppression"],
        serde_json::json!({"kind": "inline", "reason": "legacy build needs it", "expires": "2027-01-01"})
    );
    assert!(doc["findings"][0].get("suppression").is_none());
}

#[test]
fn json_of_a_clean_run_has_every_summary_key() {
    let doc = parse(&report::render(&clean(), Format::Json, false));
    assert_eq!(doc["findings"], serde_json::json!([]));
    assert_eq!(doc["summary"]["by_severity"]["critical"], 0);
    assert_eq!(doc["summary"]["by_stride"]["R"], 0);
    assert_eq!(doc["summary"]["by_stage"]["host"], 0);
}

// ---------------------------------------------------------------- sarif

#[test]
fn sarif_report_snapshot() {
    insta::assert_snapshot!("sarif", report::render(&sample(), Format::Sarif, false));
}

#[test]
fn sarif_results_point_at_their_rules_and_places() {
    let doc = parse(&report::render(&sample(), Format::Sarif, false));
    assert_eq!(doc["version"], "2.1.0");
    let runs = doc["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["TB901", "TB902", "TB903", "TB904", "TB905"]);
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 6, "suppressed findings are included");
    for r in results {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
    }
    let levels: Vec<&str> = results
        .iter()
        .map(|r| r["level"].as_str().unwrap())
        .collect();
    assert_eq!(
        levels,
        ["error", "note", "error", "warning", "note", "warning"]
    );

    let secret = &results[0];
    let region = &secret["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 2);
    assert_eq!(region["startColumn"], 5);
    assert_eq!(region["endColumn"], 22);
    assert_eq!(region["snippet"]["text"], "ENV API_TOKEN=hunter2");
    assert_eq!(
        secret["partialFingerprints"]["threatbox/v1"],
        "0cc175b9c0f1b6a831c399e269772661"
    );
    // Multi-line span: the snippet holds both lines.
    assert_eq!(
        results[1]["locations"][0]["physicalLocation"]["region"]["snippet"]["text"],
        "RUN apt-get update && \\\n    apt-get install -y curl"
    );
    assert_eq!(
        results[2]["relatedLocations"][0]["message"]["text"],
        "debian:12 runs as root by default"
    );
    let sup = &results[3];
    assert_eq!(sup["suppressions"][0]["kind"], "inSource");
    assert_eq!(
        sup["suppressions"][0]["justification"],
        "legacy build needs it"
    );
    // File-level finding: the region is the whole file; path percent-encoded.
    let file_level = &results[4]["locations"][0]["physicalLocation"];
    assert_eq!(
        file_level["artifactLocation"]["uri"],
        "services/web%20app/Dockerfile"
    );
    assert_eq!(
        file_level["region"],
        serde_json::json!({"startLine": 1, "startColumn": 1, "endLine": 2, "endColumn": 17})
    );

    let tb902 = &rules[1];
    assert_eq!(tb902["name"], "test-secret-in-env");
    assert_eq!(tb902["properties"]["security-severity"], "9.5");
    assert_eq!(tb902["defaultConfiguration"]["level"], "error");
    let tags: Vec<&str> = tb902["properties"]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    for t in [
        "security",
        "CWE-798",
        "external/cwe/cwe-798",
        "STRIDE-I",
        "STRIDE-S",
    ] {
        assert!(tags.contains(&t), "{t} missing from {tags:?}");
    }

    // CWE ids also as a taxonomy that rules relate to.
    let cwe = &run["taxonomies"][0];
    assert_eq!(cwe["name"], "CWE");
    let taxa: Vec<&str> = cwe["taxa"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(taxa, ["250", "269", "754", "798", "1164"]);
    let sudo_rel = &rules[4]["relationships"];
    assert_eq!(sudo_rel[1]["target"]["id"], "269");
    assert_eq!(sudo_rel[1]["target"]["toolComponent"]["name"], "CWE");
    assert_eq!(sudo_rel[1]["kinds"], serde_json::json!(["superset"]));

    let invocation = &run["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notes = invocation["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notes.len(), 3);
    assert_eq!(notes[0]["level"], "error");
    assert_eq!(notes[0]["descriptor"]["id"], "parse-error");
    assert_eq!(
        notes[0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        3
    );
}

#[test]
fn sarif_of_a_clean_run_succeeds() {
    let doc = parse(&report::render(&clean(), Format::Sarif, false));
    let run = &doc["runs"][0];
    assert_eq!(run["results"], serde_json::json!([]));
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    assert!(
        run["invocations"][0]
            .get("toolExecutionNotifications")
            .is_none()
    );
}

/// Validates against the official SARIF 2.1.0 schema when `SARIF_SCHEMA`
/// names it (it ships in the npm package `@microsoft/sarif-multitool-linux`
/// as `sarif-2.1.0.json`; see `scripts/validate-sarif.sh`).
#[test]
fn sarif_matches_the_official_schema_when_available() {
    let Some(path) = std::env::var_os("SARIF_SCHEMA") else {
        println!("SARIF_SCHEMA is not set: skipping validation against the SARIF 2.1.0 schema");
        return;
    };
    let text = std::fs::read_to_string(&path).expect("SARIF_SCHEMA is readable");
    let schema = parse(&text);
    for a in [sample(), clean()] {
        let doc = parse(&report::render(&a, Format::Sarif, false));
        let errors = validate(&schema, &doc);
        assert!(errors.is_empty(), "{errors:#?}");
    }
    // The check has teeth: a wrong enum value or type is caught.
    let mut doc = parse(&report::render(&sample(), Format::Sarif, false));
    doc["runs"][0]["results"][0]["level"] = Value::from("critical");
    doc["runs"][0]["results"][1]["ruleIndex"] = Value::from("1");
    assert_eq!(validate(&schema, &doc).len(), 2);
}

// ---------------------------------------------------------------- all

/// Locations no well-behaved rule produces, and paths and sources that do
/// not match: every format renders them without panicking, and JSON stays
/// valid against its schema.
#[test]
fn malformed_locations_never_panic() {
    let mut a = sample();
    let weird = [
        at("Dockerfile", (0, 0), (0, 0)),
        at("Dockerfile", (3, 9), (2, 1)),
        at("Dockerfile", (6, 50), (6, 2)),
        at(
            "Dockerfile",
            (usize::MAX, usize::MAX),
            (usize::MAX, usize::MAX),
        ),
        at("Dockerfile", (99, 1), (99, 4)),
        at("no/source/Dockerfile", (2, 1), (2, 3)),
        Location::file("no/source/Dockerfile".into()),
    ];
    for l in weird {
        a.findings
            .push(finding(&SUDO, l.clone(), "weird", "").with_related(l, "weird too"));
    }
    a.findings
        .push(finding(&EMPTY, at("Dockerfile", (1, 1), (1, 2)), "", ""));
    let text = report::render(&a, Format::Text, false);
    assert!(text.contains("Dockerfile:0:0  MEDIUM  TB905 test-sudo  [E] CWE-250,CWE-269"));
    assert!(
        text.contains("TB999 test-empty\n  \n"),
        "no stride, no CWE, no fix line"
    );
    // Rules must name a STRIDE category, so the schema rejects that one.
    a.findings.pop();
    let schema = parse(&std::fs::read_to_string(repo_file("docs/threatbox.schema.json")).unwrap());
    let json = parse(&report::render(&a, Format::Json, false));
    let errors = validate(&schema, &json);
    assert!(errors.is_empty(), "{errors:#?}");
    a.findings
        .push(finding(&SUDO, at("Dockerfile", (6, 5), (6, 9)), "", ""));
    let sarif = parse(&report::render(&a, Format::Sarif, false));
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(
        results.last().unwrap()["message"]["text"],
        "sudo used in RUN",
        "an empty message falls back to the rule's title"
    );
    for r in results {
        let Some(region) = r["locations"][0]["physicalLocation"].get("region") else {
            continue;
        };
        let n = |k: &str| region[k].as_i64().unwrap();
        assert!(n("startLine") >= 1 && n("startColumn") >= 1);
        assert!(
            n("endLine") > n("startLine")
                || (n("endLine") == n("startLine") && n("endColumn") >= n("startColumn"))
        );
    }
}

static EMPTY: RuleMeta = RuleMeta {
    code: "TB999",
    slug: "test-empty",
    title: "Rule with no metadata",
    severity: Severity::Low,
    stride: &[],
    cwe: &[],
    stage: LifecycleStage::Host,
    cis: &[],
    peers: &[],
    remediation: "",
    docs: "",
};

#[test]
fn each_severity_has_its_colour() {
    let out = report::render(&sample(), Format::Text, true);
    let styled = |code: &str, label: &str| format!("{code}{label}\u{1b}[0m");
    assert!(
        out.contains(&styled("\u{1b}[1m\u{1b}[31m", "CRITICAL")),
        "{out}"
    );
    assert!(out.contains(&styled("\u{1b}[1m\u{1b}[31m", "HIGH")));
    assert!(out.contains(&styled("\u{1b}[1m\u{1b}[33m", "MEDIUM")));
    assert!(out.contains(&styled("\u{1b}[1m\u{1b}[34m", "LOW")));
    assert!(out.contains(&styled("\u{1b}[2m", "INFO")));
}

#[test]
fn every_format_is_deterministic() {
    for format in [Format::Text, Format::Json, Format::Sarif] {
        let first = report::render(&sample(), format, false);
        let second = report::render(&sample(), format, false);
        assert_eq!(first, second);
        assert!(first.ends_with('\n'));
    }
}

/// The real binary, end to end: `scan` writes each format, twice
/// byte-identically, and the JSON matches the published schema.
#[test]
fn scan_cli_writes_every_format_deterministically() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM debian:12\nRUN sudo true\n",
    )
    .unwrap();
    let run = |format: &str| {
        let out = assert_cmd::Command::cargo_bin("threatbox")
            .unwrap()
            .current_dir(dir.path())
            .args(["scan", ".", "--color", "never", "--format", format])
            .output()
            .unwrap();
        assert!(out.status.code().is_some_and(|c| c <= 1), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    for format in ["text", "json", "sarif"] {
        let first = run(format);
        assert_eq!(first, run(format), "{format} output differs between runs");
        assert!(first.ends_with('\n'));
    }
    let schema = parse(&std::fs::read_to_string(repo_file("docs/threatbox.schema.json")).unwrap());
    let json = parse(&run("json"));
    let errors = validate(&schema, &json);
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(json["inputs"][0]["path"], "./Dockerfile");
    let sarif = parse(&run("sarif"));
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(
        sarif["runs"][0]["artifacts"][0]["location"]["uri"],
        "Dockerfile"
    );
    assert!(run("text").lines().last().unwrap().contains("in 1 file;"));
}
