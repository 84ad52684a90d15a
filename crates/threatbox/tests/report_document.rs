//! `threatbox report`: the Markdown snapshot of `examples/`, byte-identical
//! output across runs and thread counts, and a hostile input whose payloads
//! stay inert text in both formats.

#[path = "support/hostile.rs"]
mod hostile;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn report(dir: &Path, args: &[&str], threads: &str) -> String {
    let out = Command::cargo_bin("threatbox")
        .unwrap()
        .current_dir(dir)
        .env("THREATBOX_TODAY", "2026-06-01")
        .env("RAYON_NUM_THREADS", threads)
        .arg("report")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn markdown_report_of_the_examples() {
    let md = report(&workspace(), &["examples/", "--format", "markdown"], "2");
    insta::assert_snapshot!("examples_markdown", md);
}

#[test]
fn reports_are_byte_identical_across_runs_and_thread_counts() {
    for format in ["markdown", "html"] {
        let a = report(&workspace(), &["examples/", "--format", format], "1");
        let b = report(&workspace(), &["examples/", "--format", format], "4");
        assert!(a == b, "{format} output differs between runs");
    }
}

#[test]
fn output_option_writes_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("model.html");
    let stdout = report(
        &workspace(),
        &[
            "examples/",
            "--format",
            "html",
            "--output",
            file.to_str().unwrap(),
        ],
        "2",
    );
    assert!(stdout.is_empty());
    let html = std::fs::read_to_string(&file).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("id=\"dfd\""));
}

/// The HTML elements and attributes threatbox itself writes; anything else
/// would have come from the input.
fn assert_inert_html(html: &str) {
    for bad in [
        "<img",
        "<svg onload",
        "<b>",
        "<script>document",
        "javascript:alert",
    ] {
        // `javascript:alert` may only appear escaped as text, never as a URL.
        if bad == "javascript:alert" {
            assert!(!html.contains("href=\"javascript"), "live javascript: URL");
            continue;
        }
        assert!(!html.contains(bad), "unescaped {bad:?} in the HTML");
    }
    assert_eq!(html.matches("<script").count(), 1, "only our own script");
    // Every link is an in-page anchor or a MITRE CWE page.
    for (i, _) in html.match_indices("href=\"") {
        let rest = &html[i + 6..];
        assert!(
            rest.starts_with('#') || rest.starts_with("https://cwe.mitre.org/data/definitions/"),
            "unexpected link {}",
            &rest[..rest.len().min(60)]
        );
    }
    // No event-handler attribute on any element we wrote.
    let lower = html.to_ascii_lowercase();
    let mut rest = lower.as_str();
    while let Some(i) = rest.find('<') {
        let tag_end = rest[i..].find('>').map_or(rest.len(), |e| i + e);
        let tag = &rest[i..tag_end];
        assert!(
            !tag.contains(" onerror") && !tag.contains(" onload"),
            "handler in {tag}"
        );
        assert!(!tag.contains(" src="), "no element loads anything: {tag}");
        rest = &rest[tag_end.min(rest.len())..];
        if rest.is_empty() {
            break;
        }
        rest = &rest[1.min(rest.len())..];
    }
}

/// Whether the character at byte `i` follows an odd number of backslashes.
fn escaped(line: &str, i: usize) -> bool {
    line[..i].chars().rev().take_while(|&c| c == '\\').count() % 2 == 1
}

/// The line with the content of inline code spans blanked (code spans
/// show their content literally; rule texts use them for `USER <uid>`).
fn without_code_spans(line: &str) -> String {
    let mut out = String::new();
    let mut in_span = false;
    let mut backslashes = 0;
    for c in line.chars() {
        if c == '`' && backslashes % 2 == 0 {
            in_span = !in_span;
            out.push(c);
        } else if in_span {
            out.push(' ');
        } else {
            out.push(c);
        }
        backslashes = if c == '\\' { backslashes + 1 } else { 0 };
    }
    out
}

/// Markdown outside code blocks holds no HTML but ours, no link but ours.
fn assert_inert_markdown(md: &str) {
    let mut in_code = false;
    for line in md.lines() {
        let t = line.trim_start();
        if t.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        let line = &without_code_spans(line);
        for (i, _) in line.match_indices('<') {
            if escaped(line, i) {
                continue; // shown as text
            }
            let rest = &line[i..];
            assert!(
                [
                    "<a id=\"f-",
                    "<details>",
                    "</details>",
                    "<summary>",
                    "</summary>",
                    "</a>"
                ]
                .iter()
                .any(|ok| rest.starts_with(ok)),
                "HTML from the input in: {line}"
            );
        }
        for (i, _) in line.match_indices("](") {
            if escaped(line, i) {
                continue;
            }
            let rest = &line[i + 2..];
            assert!(
                rest.starts_with("#f-")
                    || rest.starts_with("https://cwe.mitre.org/data/definitions/"),
                "link from the input in: {line}"
            );
        }
        assert!(!line.contains("javascript:"), "unescaped scheme in: {line}");
        assert!(!line.contains("https://evil"), "autolink in: {line}");
    }
    assert!(!in_code, "code fences are balanced");
}

#[test]
fn hostile_names_stay_text_in_both_formats() {
    let dir = tempfile::tempdir().unwrap();
    hostile::write(dir.path());
    let html = report(dir.path(), &[".", "--format", "html"], "2");
    let md = report(dir.path(), &[".", "--format", "markdown"], "2");
    // The payloads were read (else the test proves nothing) ...
    assert!(
        html.contains("&lt;script&gt;document.title="),
        "payload not in the page"
    );
    assert!(
        md.contains(r"\<script\>document"),
        "payload not in the Markdown"
    );
    assert!(
        md.contains("javascript\\:alert"),
        "link payload not in the Markdown"
    );
    // ... and none is live.
    assert_inert_html(&html);
    assert_inert_markdown(&md);
}

#[test]
fn the_checks_catch_what_they_look_for() {
    let caught = |f: fn(&str), s: &str| std::panic::catch_unwind(|| f(s)).is_err();
    assert!(caught(
        assert_inert_markdown,
        "see [x](javascript:alert(1))"
    ));
    assert!(caught(assert_inert_markdown, "a <script>x</script>"));
    assert!(caught(assert_inert_markdown, "\\`x\\` <img src=x>"));
    assert_inert_markdown("`<uid>` and \\<b\\>");
    assert!(caught(
        assert_inert_html,
        "<p><img src=x onerror=y></p><script></script>"
    ));
    assert!(caught(
        assert_inert_html,
        "<a href=\"http://x\">x</a><script></script>"
    ));
}

/// Every Mermaid block of the examples' and the hostile input's Markdown is
/// accepted by the mermaid parser (the npm package GitHub's renderer uses),
/// when `.ci/run` has installed it in `target/mermaid-tool` (or
/// `MERMAID_TOOL_DIR`); skipped with a reason otherwise, except under
/// `THREATBOX_REQUIRE_TOOLS`.
#[test]
fn mermaid_blocks_are_accepted_by_the_mermaid_parser() {
    let tool = std::env::var_os("MERMAID_TOOL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target/mermaid-tool"));
    if !tool.join("node_modules/mermaid").is_dir() || !tool.join("node_modules/jsdom").is_dir() {
        assert!(
            std::env::var_os("THREATBOX_REQUIRE_TOOLS").is_none(),
            "THREATBOX_REQUIRE_TOOLS is set but the mermaid parser is missing"
        );
        println!(
            "skipped: the mermaid and jsdom npm packages are not in {}",
            tool.display()
        );
        return;
    }
    let script = tool.join("check-mermaid.mjs");
    std::fs::copy(workspace().join("scripts/check-mermaid.mjs"), &script).unwrap();
    let hostile_dir = tempfile::tempdir().unwrap();
    hostile::write(hostile_dir.path());
    let documents = [
        report(&workspace(), &["examples/", "--format", "markdown"], "2"),
        report(hostile_dir.path(), &[".", "--format", "markdown"], "2"),
    ];
    let work = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for md in &documents {
        for (i, block) in md.split("```mermaid\n").skip(1).enumerate() {
            let text = block.split("```").next().unwrap_or("");
            let file = work.path().join(format!("block-{checked}-{i}.mmd"));
            std::fs::write(&file, text).unwrap();
            let out = std::process::Command::new("node")
                .arg(&script)
                .arg(&file)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "mermaid rejected block {i}: {}\n{text}",
                String::from_utf8_lossy(&out.stderr)
            );
            checked += 1;
        }
    }
    assert!(checked >= 4, "diagram, lifecycle and trees were checked");
}

#[test]
fn attack_options_reach_the_document() {
    let md = report(
        &workspace(),
        &["examples/", "--goal", "secrets", "--no-supply-chain"],
        "2",
    );
    assert_eq!(md.matches("### Goal: ").count(), 1, "one goal asked for");
    assert!(md.contains("### Goal: Read secrets"));
    assert!(
        !md.contains("upstream of images"),
        "no supply-chain entry point"
    );
    let out = Command::cargo_bin("threatbox")
        .unwrap()
        .current_dir(workspace())
        .args(["report", "examples/", "--goal", "no-such-goal"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
