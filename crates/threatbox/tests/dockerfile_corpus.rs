//! Runs the Dockerfile parser over real files, not fixtures:
//!
//! - every file under `/work/shared/corpora/dockerfiles/` (or
//!   `$THREATBOX_CORPUS`): no panic, and a count of parse errors with
//!   file:line;
//! - BuildKit's own parser test cases (`buildkit-testfiles*` under
//!   `/work/shared/corpora/dockerfile-parser/`, or
//!   `$THREATBOX_PARSER_CORPUS`): for each positive case, the sequence of
//!   instruction keywords must match BuildKit's `result` dump (and the
//!   shell-form text of RUN/CMD/ENTRYPOINT is compared too); each negative
//!   case must yield an error diagnostic.
//!
//! Ignored by default (it needs the corpora):
//! `cargo test -p threatbox --test dockerfile_corpus -- --ignored --nocapture`

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use threatbox::model::build::build_image;
use threatbox::model::image::BaseImage;
use threatbox::parse::dockerfile::{Command, Dockerfile, InstrKind, parse, unquote};
use threatbox::source::{DiagnosticLevel, SourceFile};

fn corpus_root(var: &str, default: &str) -> Option<PathBuf> {
    if let Ok(p) = std::env::var(var) {
        return Some(PathBuf::from(p));
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    // crates/threatbox → the workspace → its parent holds `shared/`.
    let relative = manifest.join("../../..").join(default);
    [relative, Path::new("/work").join(default)]
        .into_iter()
        .find(|p| p.is_dir())
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn parse_file(path: &Path) -> Option<Dockerfile> {
    let bytes = std::fs::read(path).ok()?;
    let (text, _) = threatbox::decode_text(bytes, path.display().to_string().into()).ok()?;
    Some(parse(Arc::new(SourceFile::new(
        path.display().to_string(),
        text,
    ))))
}

fn errors(d: &Dockerfile) -> Vec<String> {
    d.diagnostics
        .iter()
        .filter(|x| x.level == DiagnosticLevel::Error)
        .map(|x| {
            format!(
                "{}:{}: {}",
                x.location.path, x.location.start_line, x.message
            )
        })
        .collect()
}

#[test]
#[ignore = "needs the shared corpora; run with --ignored"]
fn real_dockerfiles_parse_without_panic() {
    let Some(root) = corpus_root("THREATBOX_CORPUS", "shared/corpora/dockerfiles") else {
        eprintln!("corpus not found; skipped");
        return;
    };
    let mut files = Vec::new();
    files_under(&root, &mut files);
    let started = Instant::now();
    let (mut parsed, mut with_errors, mut instructions, mut stages, mut comments) = (0, 0, 0, 0, 0);
    let mut all_errors: Vec<(String, Vec<String>)> = Vec::new();
    let mut counts_agree = 0;
    // scratch, stage, image via ARG, image, unresolved
    let mut bases = [0usize; 5];
    let (mut finals, mut final_users) = (0, 0);
    let mut count_mismatches = Vec::new();
    for path in &files {
        let Some(d) = parse_file(path) else { continue };
        parsed += 1;
        instructions += d.instructions.len();
        comments += d.comments.len();
        let errs = errors(&d);
        if !errs.is_empty() {
            with_errors += 1;
            let name = path.strip_prefix(&root).unwrap_or(path);
            let prefix = format!("{}/", root.display());
            let errs = errs.iter().map(|e| e.replace(&prefix, "")).collect();
            all_errors.push((name.display().to_string(), errs));
        }
        check_spans(&d);
        if naive_instruction_count(&d) == d.instructions.len() {
            counts_agree += 1;
        } else {
            let name = path.strip_prefix(&root).unwrap_or(path);
            count_mismatches.push(format!(
                "{}: parser {} vs line scan {}",
                name.display(),
                d.instructions.len(),
                naive_instruction_count(&d)
            ));
        }
        let image = build_image(d, None);
        stages += image.stages.len();
        for stage in &image.stages {
            let kind = match &stage.base {
                BaseImage::Scratch => 0,
                BaseImage::Stage(_) => 1,
                BaseImage::Image(r) if r.from_variables => 2,
                BaseImage::Image(_) => 3,
                BaseImage::Unresolved { .. } => 4,
            };
            bases[kind] += 1;
        }
        if let Some(f) = image.final_stage() {
            finals += 1;
            final_users += usize::from(f.user.is_some());
        }
    }
    println!("corpus: {}", root.display());
    println!(
        "files: {} read, {parsed} parsed, {with_errors} with parse errors, {} error diagnostics",
        files.len(),
        all_errors.iter().map(|(_, e)| e.len()).sum::<usize>()
    );
    println!("instructions: {instructions}, stages: {stages}, comments: {comments}");
    println!(
        "bases: {} scratch, {} stage, {} image (expanded from ARG), {} image, {} unresolved",
        bases[0], bases[1], bases[2], bases[3], bases[4]
    );
    println!("final stages with a USER (own or inherited): {final_users}/{finals}");
    println!("instruction count equal to an independent line scan: {counts_agree}/{parsed} files");
    for m in &count_mismatches {
        println!("  {m}");
    }
    println!("time: {:?}", started.elapsed());
    for (file, errs) in &all_errors {
        println!("  {file}: {} errors, first: {}", errs.len(), errs[0]);
        for e in errs.iter().skip(1).take(4) {
            println!("      {e}");
        }
    }
    assert!(parsed > 0);
}

/// Every keyword span holds the keyword, and every character of a
/// shell-form text maps back to the same character in the source.
fn check_spans(d: &Dockerfile) {
    let text = &d.source.text;
    for i in &d.instructions {
        let kw = text.get(i.keyword_span.clone()).unwrap_or("");
        assert!(
            kw.eq_ignore_ascii_case(i.keyword()),
            "{}: keyword span {kw:?} for {}",
            d.source.path,
            i.keyword()
        );
        let command = match &i.kind {
            InstrKind::Run(r) => &r.command,
            InstrKind::Cmd(c) | InstrKind::Entrypoint(c) | InstrKind::Healthcheck(Some(c)) => c,
            _ => continue,
        };
        if let Command::Shell(sh) = command {
            for (at, c) in sh.text.char_indices() {
                let src = sh.source_offset(at);
                assert_eq!(
                    text.get(src..).and_then(|s| s.chars().next()),
                    Some(c),
                    "{}: logical offset {at} of {:?}",
                    d.source.path,
                    sh.text
                );
            }
        }
    }
}

/// Counts instructions the simple way: a line that is not blank, not a
/// comment and not inside a line continuation starts one. Here-documents are
/// skipped through the parser's spans. An independent check on the parser.
fn naive_instruction_count(d: &Dockerfile) -> usize {
    let mut heredoc_lines = Vec::new();
    for i in &d.instructions {
        let docs = match &i.kind {
            InstrKind::Run(r) => &r.heredocs,
            InstrKind::Copy(c) | InstrKind::Add(c) => &c.heredocs,
            _ => continue,
        };
        for h in docs {
            let first = d.source.line_col(h.span.start).0;
            // The body and its closing delimiter line.
            let last = d.source.line_col(h.span.end).0;
            heredoc_lines.push(first..=last);
        }
    }
    let mut count = 0;
    let mut continued = false;
    for (n, line) in d.source.text.lines().enumerate() {
        if heredoc_lines.iter().any(|r| r.contains(&(n + 1))) {
            continue;
        }
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if !continued {
            count += 1;
        }
        continued = t.ends_with(d.escape);
    }
    count
}

/// Decodes the Go `%q` strings of a BuildKit result line.
fn go_strings(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '"' {
            continue;
        }
        let mut s = String::new();
        while let Some(c) = chars.next() {
            match c {
                '"' => break,
                '\\' => match chars.next() {
                    Some('n') => s.push('\n'),
                    Some('t') => s.push('\t'),
                    Some('r') => s.push('\r'),
                    Some('b') => s.push('\u{8}'),
                    Some('f') => s.push('\u{c}'),
                    Some('x') => {
                        let hex: String = chars.by_ref().take(2).collect();
                        s.push(u8::from_str_radix(&hex, 16).map_or('?', char::from));
                    }
                    Some(o) => s.push(o),
                    None => {}
                },
                o => s.push(o),
            }
        }
        out.push(s);
    }
    out
}

#[test]
#[ignore = "needs the shared corpora; run with --ignored"]
fn buildkit_parser_testfiles_agree() {
    let Some(root) = corpus_root(
        "THREATBOX_PARSER_CORPUS",
        "shared/corpora/dockerfile-parser",
    ) else {
        eprintln!("corpus not found; skipped");
        return;
    };
    let mut files = Vec::new();
    files_under(&root, &mut files);
    let dockerfiles: Vec<&PathBuf> = files
        .iter()
        .filter(|p| p.file_name().is_some_and(|n| n == "Dockerfile"))
        .collect();
    let (mut positive, mut agree, mut shell_checked, mut shell_agree) = (0, 0, 0, 0);
    let (mut negative, mut negative_agree) = (0, 0);
    let (mut key_values_checked, mut key_values_agree) = (0, 0);
    let mut report = Vec::new();
    for path in dockerfiles {
        let dir = path.parent().unwrap_or(Path::new("."));
        let case = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let is_negative = path.to_string_lossy().contains("testfiles-negative");
        let Some(d) = parse_file(path) else {
            report.push(format!("{case}: unreadable"));
            continue;
        };
        check_spans(&d);
        if is_negative {
            negative += 1;
            let empty = d.diagnostics.iter().any(|x| x.code == "empty-dockerfile");
            if !errors(&d).is_empty() {
                negative_agree += 1;
            } else if empty {
                // By design an empty file is a warning, not an error.
                report.push(format!(
                    "{case}: negative case gives the empty-dockerfile warning (by design)"
                ));
                negative_agree += 1;
            } else {
                report.push(format!("{case}: negative case parsed without error"));
            }
            continue;
        }
        let Ok(expected) = std::fs::read_to_string(dir.join("result")) else {
            continue;
        };
        positive += 1;
        let expected_lines: Vec<&str> = expected.lines().filter(|l| !l.trim().is_empty()).collect();
        let expected_keywords: Vec<String> = expected_lines
            .iter()
            .map(|l| {
                l.trim_start_matches('(')
                    .split([' ', ')'])
                    .next()
                    .unwrap_or("")
                    .to_ascii_uppercase()
            })
            .collect();
        let got: Vec<String> = d
            .instructions
            .iter()
            .map(|i| i.keyword().to_string())
            .collect();
        // Parse errors other than "instruction before FROM" (BuildKit's
        // parser test cases need no FROM) count as disagreement.
        let errs: Vec<String> = errors(&d)
            .into_iter()
            .filter(|e| !e.contains("before the first FROM") && !e.contains("at least one FROM"))
            .collect();
        if got == expected_keywords && errs.is_empty() {
            agree += 1;
        } else {
            report.push(format!(
                "{case}: keywords differ or errors\n    expected {expected_keywords:?}\n    got      {got:?}\n    errors   {errs:?}"
            ));
        }
        // ENV/LABEL/ARG: BuildKit dumps raw `key value sep` triples (ARG:
        // raw words); ours must have the same keys and the unquoted values.
        if got == expected_keywords {
            for (instr, line) in d.instructions.iter().zip(&expected_lines) {
                let ours: Vec<(String, String)> = match &instr.kind {
                    InstrKind::Env(kvs) | InstrKind::Label(kvs) => kvs
                        .iter()
                        .map(|kv| (kv.key.value.clone(), kv.value.value.clone()))
                        .collect(),
                    InstrKind::Arg(args) => args
                        .iter()
                        .map(|a| {
                            let default = a.default.as_ref().map(|d| d.value.clone());
                            (a.name.value.clone(), default.unwrap_or_default())
                        })
                        .collect(),
                    _ => continue,
                };
                let raw = go_strings(line);
                let theirs: Vec<(String, String)> = if matches!(instr.kind, InstrKind::Arg(_)) {
                    raw.iter()
                        .map(|w| match w.split_once('=') {
                            Some((k, v)) => (k.to_string(), unquote(v, d.escape)),
                            None => (w.clone(), String::new()),
                        })
                        .collect()
                } else {
                    raw.chunks(3)
                        .map(|c| (c[0].clone(), unquote(c.get(1).map_or("", |v| v), d.escape)))
                        .collect()
                };
                key_values_checked += 1;
                if ours == theirs {
                    key_values_agree += 1;
                } else {
                    report.push(format!(
                        "{case}: key/values differ\n    expected {theirs:?}\n    got      {ours:?}"
                    ));
                }
            }
        }
        // Shell-form text, where the instruction lists line up.
        if got == expected_keywords {
            for (instr, line) in d.instructions.iter().zip(&expected_lines) {
                let command = match &instr.kind {
                    InstrKind::Run(r) if r.heredocs.is_empty() => &r.command,
                    InstrKind::Cmd(c) | InstrKind::Entrypoint(c) => c,
                    _ => continue,
                };
                let Command::Shell(sh) = command else {
                    continue;
                };
                shell_checked += 1;
                let want = go_strings(line);
                if want.len() == 1 && want[0] == sh.text {
                    shell_agree += 1;
                } else {
                    report.push(format!(
                        "{case}: shell text differs\n    expected {want:?}\n    got      {:?}",
                        sh.text
                    ));
                }
            }
        }
    }
    println!("buildkit corpus: {}", root.display());
    println!("positive cases: {agree}/{positive} agree on keyword sequence (without parse errors)");
    println!("shell-form text: {shell_agree}/{shell_checked} agree");
    println!(
        "ENV/LABEL/ARG keys and unquoted values: {key_values_agree}/{key_values_checked} agree"
    );
    println!("negative cases: {negative_agree}/{negative} rejected");
    for r in &report {
        println!("  {r}");
    }
    assert!(positive > 0);
}

#[test]
#[ignore = "needs the shared corpora; run with --ignored"]
fn mutated_real_dockerfiles_never_panic() {
    let Some(root) = corpus_root("THREATBOX_CORPUS", "shared/corpora/dockerfiles") else {
        eprintln!("corpus not found; skipped");
        return;
    };
    let mut files = Vec::new();
    files_under(&root, &mut files);
    // xorshift: deterministic, no dependency.
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state as usize
    };
    let inserts = [
        "\\", "`", "\"", "'", "[", "]", "<<EOF", "\n", "#", "$", "${", "=", "--", "é",
    ];
    let mut runs = 0;
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        for _ in 0..6 {
            let mut cut = next() % (text.len() + 1);
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            let mut mutated = text[..cut].to_string();
            let mut at = next() % (mutated.len() + 1);
            while !mutated.is_char_boundary(at) {
                at -= 1;
            }
            mutated.insert_str(at, inserts[next() % inserts.len()]);
            let d = parse(Arc::new(SourceFile::new("m", mutated)));
            check_spans(&d);
            let _ = build_image(d, None);
            runs += 1;
        }
    }
    println!("mutated inputs parsed without panic: {runs}");
    assert!(runs > 0);
}
