//! Suppression comments and annotations: each input line becomes an inline
//! comment in a Dockerfile (before instructions with findings) and the value
//! of the `threatbox.io/ignore` annotation of a privileged Pod; the whole
//! analysis runs, suppressions included.
#![no_main]

use std::path::PathBuf;

use libfuzzer_sys::fuzz_target;
use threatbox::config::Config;
use threatbox::{ScanOptions, scan_texts};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut dockerfile = String::from("FROM alpine:3.20\n");
    for line in text.lines().take(64) {
        // A lone `\r` would end the comment and start an instruction, and
        // a NUL makes the file binary: neither is about suppressions.
        let line = line.replace(['\r', '\0'], " ");
        dockerfile.push_str(&format!("#{line}\nRUN sudo true\n"));
    }
    // At least one finding whatever the input (an empty input has no line).
    dockerfile.push_str("RUN sudo true\n");
    let first = text.lines().next().unwrap_or("");
    let annotation = serde_json_string(first);
    let pod = format!(
        "{{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {{\"name\": \"p\", \"annotations\": {{\"threatbox.io/ignore\": {annotation}}}}}, \"spec\": {{\"containers\": [{{\"name\": \"c\", \"image\": \"nginx:1.25\", \"securityContext\": {{\"privileged\": true}}}}]}}}}"
    );
    let files = vec![
        (PathBuf::from("<fuzz>/Dockerfile"), dockerfile.into_bytes()),
        (PathBuf::from("<fuzz>/pod.json"), pod.into_bytes()),
    ];
    let options = ScanOptions {
        today: Some("2026-01-01".into()),
        ..ScanOptions::default()
    };
    let analysis = scan_texts(&files, &options, &Config::default());
    // Suppressed or not, each finding is reported exactly once.
    assert!(analysis.findings.iter().any(|f| f.rule.code == "TB108"));
});

/// A JSON string literal (the fuzz crate has no serde_json of its own).
fn serde_json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
