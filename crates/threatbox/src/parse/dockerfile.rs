//! Dockerfile parsing: an owned, spanned syntax tree with error recovery.
//!
//! Tokenising is done by the `parse-dockerfile` crate (BuildKit's grammar:
//! heredocs, directives, continuations with comments inside). That crate stops
//! at the first error, so [`parse`] reports the error as a diagnostic with
//! file:line, skips the offending instruction and parses on from the next
//! line: one bad instruction never hides the rest of the file. Here-documents
//! the crate does not read (not first in a `RUN`, or a second one) are found
//! by a line pre-scan. See `docs/dockerfile-parser.md`.
//!
//! Every value keeps its byte span into [`SourceFile::text`].

use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use parse_dockerfile as pd;

use crate::source::{Diagnostic, Location, SourceFile, Span};

/// A parsed Dockerfile (or Containerfile).
#[derive(Debug)]
pub struct Dockerfile {
    pub source: Arc<SourceFile>,
    /// The escape character (`\` unless an `# escape=` directive says otherwise).
    pub escape: char,
    /// The `# syntax=` directive, if any.
    pub syntax: Option<String>,
    /// Instructions in file order, including those before the first `FROM`.
    pub instructions: Vec<Instruction>,
    /// Every comment line (not directives), in order; used for suppressions.
    pub comments: Vec<Comment>,
    /// Parse problems, each with file:line; the instructions above are what
    /// could still be read.
    pub diagnostics: Vec<Diagnostic>,
}

/// A `# ...` comment line.
#[derive(Debug, Clone)]
pub struct Comment {
    /// 1-based line.
    pub line: usize,
    /// Text after the `#`, trimmed.
    pub text: String,
    pub span: Span,
}

/// A string value with the span it came from. For quoted or escaped source
/// text, `value` is the unescaped form and `span` covers the source text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub value: String,
    pub span: Span,
}

/// An option flag such as `--from=builder` or `--mount=type=secret,id=x`.
#[derive(Debug, Clone)]
pub struct Flag {
    /// Name without the leading dashes, e.g. `from`.
    pub name: String,
    pub value: Option<String>,
    pub span: Span,
}

/// The shell-form text of RUN/CMD/ENTRYPOINT/HEALTHCHECK with line
/// continuations (and comment lines inside them) removed, plus the mapping
/// back to source offsets so that a finding can point at the exact line of a
/// long, continued `RUN`.
#[derive(Debug, Clone)]
pub struct ShellText {
    /// The logical command text, continuations joined.
    pub text: String,
    /// Span of the whole text in the source.
    pub span: Span,
    /// Sorted `(logical_offset, source_offset)` pairs: each marks the start of
    /// a run of text copied verbatim from the source.
    pub segments: Vec<(usize, usize)>,
}

impl ShellText {
    /// Source offset of a logical offset in [`ShellText::text`]. Offsets past
    /// the end map to the end of [`ShellText::span`].
    pub fn source_offset(&self, logical: usize) -> usize {
        let i = self.segments.partition_point(|&(l, _)| l <= logical);
        let offset = match i.checked_sub(1).and_then(|i| self.segments.get(i)) {
            Some(&(l, s)) => s + (logical - l),
            None => self.span.start + logical,
        };
        offset.min(self.span.end)
    }
    /// Source span of a logical range (always inside [`ShellText::span`]).
    pub fn source_span(&self, logical: std::ops::Range<usize>) -> Span {
        let start = self.source_offset(logical.start);
        let end = if logical.end > logical.start {
            (self.source_offset(logical.end - 1) + 1).min(self.span.end)
        } else {
            start
        };
        start..end.max(start)
    }
}

/// RUN/CMD/ENTRYPOINT arguments.
#[derive(Debug, Clone)]
pub enum Command {
    /// JSON (exec) form: each element kept separately.
    Exec(Vec<Word>),
    /// Shell form.
    Shell(ShellText),
}

/// A here-document attached to RUN, COPY or ADD.
#[derive(Debug, Clone)]
pub struct Heredoc {
    /// Span of the body in the source.
    pub span: Span,
    /// `false` when the delimiter was quoted (no variable expansion).
    pub expand: bool,
    pub body: String,
}

/// `KEY=value` (ENV, LABEL) with the value unquoted.
#[derive(Debug, Clone)]
pub struct KeyValue {
    pub key: Word,
    pub value: Word,
}

/// `ARG NAME[=default]`.
#[derive(Debug, Clone)]
pub struct ArgDecl {
    pub name: Word,
    pub default: Option<Word>,
}

#[derive(Debug, Clone)]
pub struct FromInstr {
    pub image: Word,
    pub alias: Option<Word>,
}

#[derive(Debug, Clone)]
pub struct RunInstr {
    pub command: Command,
    pub heredocs: Vec<Heredoc>,
}

/// COPY and ADD.
#[derive(Debug, Clone)]
pub struct CopyInstr {
    pub sources: Vec<Word>,
    pub dest: Word,
    pub heredocs: Vec<Heredoc>,
}

#[derive(Debug, Clone)]
pub enum InstrKind {
    From(FromInstr),
    Run(RunInstr),
    Cmd(Command),
    Entrypoint(Command),
    Copy(CopyInstr),
    Add(CopyInstr),
    Env(Vec<KeyValue>),
    Arg(Vec<ArgDecl>),
    Label(Vec<KeyValue>),
    User(Word),
    Workdir(Word),
    Expose(Vec<Word>),
    Volume(Vec<Word>),
    Shell(Vec<Word>),
    /// `None` for `HEALTHCHECK NONE`.
    Healthcheck(Option<Command>),
    Stopsignal(Word),
    Maintainer(Word),
    Onbuild(Box<Instruction>),
}

/// One instruction with its flags and spans.
#[derive(Debug, Clone)]
pub struct Instruction {
    pub kind: InstrKind,
    /// Span of the keyword (`RUN`, `FROM`…).
    pub keyword_span: Span,
    /// From the keyword to the end of the last argument or heredoc.
    pub span: Span,
    pub flags: Vec<Flag>,
}

impl Instruction {
    /// The instruction keyword in upper case.
    pub fn keyword(&self) -> &'static str {
        match &self.kind {
            InstrKind::From(_) => "FROM",
            InstrKind::Run(_) => "RUN",
            InstrKind::Cmd(_) => "CMD",
            InstrKind::Entrypoint(_) => "ENTRYPOINT",
            InstrKind::Copy(_) => "COPY",
            InstrKind::Add(_) => "ADD",
            InstrKind::Env(_) => "ENV",
            InstrKind::Arg(_) => "ARG",
            InstrKind::Label(_) => "LABEL",
            InstrKind::User(_) => "USER",
            InstrKind::Workdir(_) => "WORKDIR",
            InstrKind::Expose(_) => "EXPOSE",
            InstrKind::Volume(_) => "VOLUME",
            InstrKind::Shell(_) => "SHELL",
            InstrKind::Healthcheck(_) => "HEALTHCHECK",
            InstrKind::Stopsignal(_) => "STOPSIGNAL",
            InstrKind::Maintainer(_) => "MAINTAINER",
            InstrKind::Onbuild(_) => "ONBUILD",
        }
    }

    /// The first flag with this name (without dashes).
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }
}

/// Upper bound on parse-and-recover rounds, so that no input can keep the
/// recovery loop going for long (each round blanks at least one line).
const MAX_RECOVERIES: usize = 1000;

/// Bound on the bytes handed to the tokenizer over all rounds, so that a
/// large file with an error on every line stays fast.
const MAX_RECOVERY_BYTES: usize = 256 * 1024 * 1024;

/// Stands in for an escaped escape char at the end of a line while the
/// tokenizer runs (same length: one byte). Only used when the file has none.
const PLACEHOLDER: char = '\u{1}';

/// Replaces the last escape char of lines that end in an even number of
/// them (an escaped escape char, not a continuation) by [`PLACEHOLDER`].
/// Returns whether any was replaced.
fn hide_escaped_line_ends(work: &mut String, escape: char) -> bool {
    let mut positions = Vec::new();
    let mut start = 0;
    while start < work.len() {
        let end = line_end(work, start);
        let line = work.get(start..end).unwrap_or("");
        let trimmed = line.trim_end_matches([' ', '\t', '\r']);
        let run = trimmed.chars().rev().take_while(|&c| c == escape).count();
        if run >= 2 && run % 2 == 0 && !line.trim_start().starts_with('#') {
            positions.push(start + trimmed.len() - escape.len_utf8());
        }
        start = end + 1;
    }
    for &p in &positions {
        work.replace_range(p..p + escape.len_utf8(), "\u{1}");
    }
    !positions.is_empty()
}

/// Parses a Dockerfile. Never fails: problems become diagnostics.
///
/// Recovery: the underlying parser stops at its first error. We record the
/// error, skip the failing instruction's lines and parse again from the line
/// after them, keeping what was read, up to [`MAX_RECOVERIES`] times.
///
/// To keep instructions that come before any `FROM` (the parser refuses
/// them), the text is parsed behind an injected `FROM scratch` line whose
/// length is subtracted from every span.
pub fn parse(source: Arc<SourceFile>) -> Dockerfile {
    let mut diagnostics = Vec::new();
    let directives = scan_directives(&source.text);
    if let Some((line, value)) = &directives.bad_escape {
        diagnostics.push(Diagnostic::error(
            "parse-error",
            format!("invalid escape directive '{value}': only '\\' and '`' are allowed"),
            source.line_location(*line),
        ));
    }
    let escape = directives.escape;

    // The working copy: the source with here-document bodies the tokenizer
    // must not see blanked out (same offsets).
    let mut work = source.text.clone();
    if work.starts_with('\u{feff}') {
        // Same length, so offsets still match the source.
        work.replace_range(..'\u{feff}'.len_utf8(), "   ");
    }
    let prefix = if escape == '`' {
        "# escape=`\nFROM scratch\n"
    } else {
        "FROM scratch\n"
    };

    // Here-documents the parser does not read itself (not first in a RUN,
    // or after the first): their bodies are blanked for it and attached
    // below.
    let run_heredocs = prescan_heredocs(&mut work, escape);
    // An escaped escape char at the end of a line is no continuation
    // (BuildKit), but the tokenizer takes it for one: hide it from the
    // tokenizer and put it back in the values afterwards.
    let restore = !source.text.contains(PLACEHOLDER) && hide_escaped_line_ends(&mut work, escape);

    let max_rounds = MAX_RECOVERIES.min(source.line_count() + 1);
    let mut instructions = Vec::new();
    let mut problems = Vec::new();
    // Each pass starts where the previous one failed (a line start), so the
    // instructions already read are kept and not read again.
    let mut from = 0;
    let mut handed_over = 0usize;
    for round in 0.. {
        let from_line = source.line_col(from).0;
        let pass = parse_pass(
            prefix,
            &work,
            &source.text,
            from,
            from_line,
            escape,
            restore,
        );
        handed_over += work.len() - from;
        instructions.extend(pass.instructions);
        problems.extend(pass.problems);
        let Some(error) = pass.error else { break };
        let scan_from = error
            .resume_from
            .map_or(from, |end| next_line_start(&work, end));
        let error_line_start = match error.line {
            Some(line) => source
                .line_start(line.clamp(1, source.line_count()))
                .unwrap_or(work.len())
                .max(from),
            // A panic has no position: blame the next instruction.
            None => first_instruction_start(&work, scan_from).unwrap_or(work.len()),
        };
        let line = source.line_col(error_line_start).0;
        let range = failed_range(&work, scan_from, error_line_start, escape);
        if let Some(entrypoint) = empty_entrypoint(&work, &range, escape) {
            instructions.push(entrypoint);
        } else {
            let mut location = source.line_location(line);
            location.start_column = error.column.max(1).min(location.end_column);
            diagnostics.push(Diagnostic::error("parse-error", error.message, location));
        }
        let next = next_line_start(&work, range.end);
        if next <= from || next >= work.len() {
            break;
        }
        if round + 1 >= max_rounds || handed_over > MAX_RECOVERY_BYTES {
            diagnostics.push(Diagnostic::error(
                "parse-error",
                "too many parse errors; the rest of the file was not read",
                source.line_location(line),
            ));
            break;
        }
        from = next;
    }

    attach_heredocs(&mut instructions, run_heredocs);
    for (span, message) in problems {
        diagnostics.push(Diagnostic::error(
            "parse-error",
            message,
            source.location(&span),
        ));
    }
    check_structure(&source, &instructions, &mut diagnostics);
    cap_parse_errors(&source, &mut diagnostics);
    let comments = collect_comments(&source, &instructions, &directives.lines);
    Dockerfile {
        source,
        escape,
        syntax: directives.syntax,
        instructions,
        comments,
        diagnostics,
    }
}

/// Parse errors reported per file: past this many, a file is most likely not
/// a Dockerfile at all (a template, a script), and a wall of errors helps no
/// one. The rest are counted in one closing diagnostic.
const MAX_REPORTED_PARSE_ERRORS: usize = 20;

fn cap_parse_errors(source: &SourceFile, diagnostics: &mut Vec<Diagnostic>) {
    let errors = diagnostics
        .iter()
        .filter(|d| d.code == "parse-error")
        .count();
    if errors <= MAX_REPORTED_PARSE_ERRORS {
        return;
    }
    diagnostics.sort_by_key(|d| (d.location.start_line, d.location.start_column));
    let mut kept = 0;
    diagnostics.retain(|d| {
        if d.code != "parse-error" {
            return true;
        }
        kept += 1;
        kept <= MAX_REPORTED_PARSE_ERRORS
    });
    let last_line = diagnostics
        .iter()
        .rev()
        .find(|d| d.code == "parse-error")
        .map_or(1, |d| d.location.start_line);
    diagnostics.push(Diagnostic::error(
        "parse-error",
        format!(
            "{} more parse errors after this line not shown: is this file a Dockerfile (not a template)?",
            errors - MAX_REPORTED_PARSE_ERRORS
        ),
        source.line_location(last_line),
    ));
}

/// Parser directives found at the top of the file.
struct Directives {
    escape: char,
    syntax: Option<String>,
    /// 1-based lines holding a recognised directive (not comments).
    lines: Vec<usize>,
    /// An `escape` directive with an unsupported value: (line, value).
    bad_escape: Option<(usize, String)>,
}

/// Reads the `# key=value` directives at the top of the file, as BuildKit
/// does: they end at the first line that is not one (a later repeat of a
/// directive invalidates them all).
fn scan_directives(text: &str) -> Directives {
    let mut d = Directives {
        escape: '\\',
        syntax: None,
        lines: Vec::new(),
        bad_escape: None,
    };
    let mut seen = Vec::new();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (i, line) in text.lines().enumerate() {
        let Some(rest) = line.strip_prefix('#') else {
            break;
        };
        let Some((key, value)) = rest.split_once('=') else {
            break;
        };
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim();
        if !matches!(key.as_str(), "syntax" | "escape" | "check") || key.contains(' ') {
            break;
        }
        if seen.contains(&key) {
            // "Invalid due to appearing twice": all directives are void.
            d.escape = '\\';
            d.syntax = None;
            d.lines.clear();
            d.bad_escape = None;
            break;
        }
        match key.as_str() {
            "syntax" => d.syntax = Some(value.to_string()),
            "escape" => match value {
                "`" => d.escape = '`',
                "\\" => d.escape = '\\',
                _ => d.bad_escape = Some((i + 1, value.to_string())),
            },
            _ => {}
        }
        d.lines.push(i + 1);
        seen.push(key);
    }
    d
}

/// The outcome of one parse of the working copy.
struct Pass {
    instructions: Vec<Instruction>,
    /// Semantic problems in instructions that did parse.
    problems: Vec<(Span, String)>,
    error: Option<PassError>,
}

struct PassError {
    message: String,
    /// 1-based line in the source (`None` after a panic).
    line: Option<usize>,
    column: usize,
    /// Source offset just after the last instruction this pass read.
    resume_from: Option<usize>,
}

fn parse_pass(
    prefix: &str,
    work: &str,
    original: &str,
    from: usize,
    from_line: usize,
    escape: char,
    restore: bool,
) -> Pass {
    let rest = work.get(from..).unwrap_or("");
    let mut buf = String::with_capacity(prefix.len() + rest.len());
    buf.push_str(prefix);
    buf.push_str(rest);
    let prefix_lines = prefix.matches('\n').count();
    let ctx = Ctx {
        text: original,
        restore,
        problems: Default::default(),
        base: prefix.len(),
        offset: from,
        escape,
    };
    let mut instructions = Vec::new();
    let mut resume_from = None;
    // The parser is third-party code: a panic in it (a debug assertion on an
    // odd input) must not take the scan down, so it is caught here.
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let iter = match pd::parse_iter(&buf) {
            Ok(iter) => iter,
            Err(e) => return Some((format!("{e:#}"), e.line(), e.column())),
        };
        // The first instruction is the injected `FROM scratch`.
        for item in iter.skip(1) {
            match item {
                Ok(instr) => {
                    if let Some(converted) = ctx.instruction(&instr) {
                        resume_from = Some(converted.span.end);
                        instructions.push(converted);
                    }
                }
                Err(e) => return Some((format!("{e:#}"), e.line(), e.column())),
            }
        }
        None
    }));
    let error = match outcome {
        Ok(None) => None,
        Ok(Some((message, line, column))) => Some(PassError {
            message,
            // Lines of the slice → lines of the source.
            line: Some(line.saturating_sub(prefix_lines) + from_line.saturating_sub(1)),
            column,
            resume_from,
        }),
        Err(_) => Some(PassError {
            message: "internal parser failure on this instruction".to_string(),
            line: None,
            column: 1,
            resume_from,
        }),
    };
    Pass {
        instructions,
        problems: ctx.problems.into_inner(),
        error,
    }
}

/// Offset just after the line break at or after `offset` (or the end).
fn next_line_start(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text.as_bytes()[offset..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(text.len(), |i| offset + i + 1)
}

/// Offset of the line break ending the line that `start` is on (or the end).
fn line_end(text: &str, start: usize) -> usize {
    let start = start.min(text.len());
    text.as_bytes()[start..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(text.len(), |i| start + i)
}

/// Start of the first line at or after `from` (a line start) that could
/// start an instruction.
fn first_instruction_start(text: &str, from: usize) -> Option<usize> {
    let mut p = from;
    while p < text.len() {
        let e = line_end(text, p);
        if !is_blank_or_comment(text.get(p..e).unwrap_or("")) {
            return Some(p);
        }
        p = e + 1;
    }
    None
}

/// Byte ranges of each line (without the line break), in order.
fn line_ranges(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    // `split` finds line breaks with memchr, not a byte at a time.
    for line in text.split('\n') {
        let end = start + line.len();
        // A CR before a line break is not part of the line (the last line
        // has no break).
        let ends_crlf = end < text.len() && line.ends_with('\r');
        out.push(start..if ends_crlf { end - 1 } else { end });
        start = end + 1;
    }
    out
}

/// Is this line blank or a comment (it cannot start an instruction)?
fn is_blank_or_comment(line: &str) -> bool {
    let t = line.trim_start();
    t.is_empty() || t.starts_with('#')
}

/// Does the line end with a line continuation (escape char, optional blanks)?
fn ends_with_continuation(line: &str, escape: char) -> bool {
    // An odd run: the last escape char is not itself escaped.
    let trimmed = line.trim_end_matches([' ', '\t', '\r']);
    trimmed.chars().rev().take_while(|&c| c == escape).count() % 2 == 1
}

/// Here-documents of one RUN found by [`prescan_heredocs`].
struct RunHeredocs {
    /// Source offset of the instruction keyword (`RUN`, or `ONBUILD`).
    start: usize,
    heredocs: Vec<Heredoc>,
    /// End of the last closing delimiter line.
    end: usize,
}

/// A here-document opener `<<[-]DELIM` (quotes around DELIM turn off
/// expansion): (delimiter, strip leading tabs, expand).
fn heredoc_marker(word: &str, escape: char) -> Option<(String, bool, bool)> {
    let rest = word.strip_prefix("<<")?;
    let (strip_tabs, rest) = match rest.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    let expand = !rest.contains(['"', '\'']);
    let delim = unquote(rest, escape);
    if delim.is_empty() || delim.contains(['<', ' ', '\t']) {
        return None;
    }
    Some((delim, strip_tabs, expand))
}

/// Finds the here-documents of RUN, COPY and ADD with a line scan (so that
/// their bodies are never taken for instructions). For RUN, the parser only
/// reads one here-document and only when the command starts with it: the
/// bodies it would not read are blanked in `work` and returned, to be
/// attached to their RUN after parsing.
fn prescan_heredocs(work: &mut String, escape: char) -> Vec<RunHeredocs> {
    let lines = line_ranges(work);
    let mut found = Vec::new();
    let mut to_blank: Vec<Range<usize>> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = work.get(lines[i].clone()).unwrap_or("");
        if is_blank_or_comment(line) {
            i += 1;
            continue;
        }
        // The logical instruction: this line and its continuation lines.
        let mut end = i;
        while let Some(r) = lines.get(end) {
            let text = work.get(r.clone()).unwrap_or("");
            let continues = ends_with_continuation(text, escape);
            // Inside a continuation, comment and blank lines do not end it.
            let inside = end != i && is_blank_or_comment(text);
            if continues || inside {
                end += 1;
                continue;
            }
            break;
        }
        let end = end.min(lines.len() - 1);
        // No `<` at all, no here-document: most instructions are passed over
        // without being tokenised.
        let raw = work.get(lines[i].start..lines[end].end).unwrap_or("");
        if !raw.contains('<') {
            i = end + 1;
            continue;
        }
        let logical = join_continuations(work, lines[i].start..lines[end].end, escape);
        let words = split_words(&logical.text, escape);
        let word = |k: usize| {
            words
                .get(k)
                .and_then(|w| logical.text.get(w.clone()))
                .unwrap_or("")
        };
        let mut k = 0;
        if word(k).eq_ignore_ascii_case("ONBUILD") {
            k += 1;
        }
        let keyword = word(k).to_ascii_uppercase();
        if !matches!(keyword.as_str(), "RUN" | "COPY" | "ADD") {
            i = end + 1;
            continue;
        }
        k += 1;
        while word(k).starts_with("--") {
            k += 1;
        }
        let first_is_heredoc = word(k).starts_with("<<");
        let markers: Vec<_> = (k..words.len())
            .filter_map(|k| heredoc_marker(word(k), escape))
            .collect();
        // Bodies follow the instruction, one after the other.
        let mut next = end + 1;
        let mut heredocs = Vec::new();
        for (delim, strip_tabs, expand) in &markers {
            let close = (next..lines.len()).find(|&l| {
                let text = work.get(lines[l].clone()).unwrap_or("");
                let text = if *strip_tabs {
                    text.trim_start_matches('\t')
                } else {
                    text
                };
                text == delim
            });
            let Some(close) = close else { break };
            let span = lines[next.min(close)].start..lines[close].start;
            let raw = work.get(span.clone()).unwrap_or("");
            let body = if *strip_tabs {
                raw.split_inclusive('\n')
                    .map(|l| l.trim_start_matches('\t'))
                    .collect()
            } else {
                raw.to_string()
            };
            heredocs.push((
                Heredoc {
                    span,
                    expand: *expand,
                    body,
                },
                lines[close].end,
            ));
            next = close + 1;
        }
        if heredocs.len() < markers.len() {
            // Unterminated: the parser reports it.
            i = end + 1;
            continue;
        }
        if keyword == "RUN" && !heredocs.is_empty() {
            let handled = usize::from(first_is_heredoc);
            for (h, close_end) in heredocs.iter().skip(handled) {
                to_blank.push(h.span.start..*close_end);
            }
            if heredocs.len() > handled {
                let lead = line.len() - line.trim_start().len();
                found.push(RunHeredocs {
                    start: lines[i].start + lead,
                    end: heredocs.last().map_or(0, |h| h.1),
                    heredocs: heredocs.into_iter().map(|(h, _)| h).collect(),
                });
            }
        }
        i = next.max(end + 1);
    }
    for range in to_blank {
        blank_range(work, range);
    }
    found
}

/// Puts the here-documents found by [`prescan_heredocs`] on their RUN.
fn attach_heredocs(instructions: &mut [Instruction], found: Vec<RunHeredocs>) {
    for f in found {
        let Some(instr) = instructions
            .iter_mut()
            .find(|i| i.keyword_span.start == f.start)
        else {
            continue;
        };
        instr.span.end = instr.span.end.max(f.end);
        let target = match &mut instr.kind {
            InstrKind::Onbuild(inner) => {
                inner.span.end = inner.span.end.max(f.end);
                &mut inner.kind
            }
            kind => kind,
        };
        if let InstrKind::Run(run) = target {
            run.heredocs = f.heredocs;
        }
    }
}

/// Replaces a range with spaces, keeping line breaks and byte lengths (so
/// every offset stays valid). Returns `false` when it was blank already.
fn blank_range(work: &mut String, range: Range<usize>) -> bool {
    let Some(old) = work.get(range.clone()) else {
        return false;
    };
    if old.trim().is_empty() {
        return false;
    }
    let blank: String = old
        .chars()
        .flat_map(|c| {
            let keep = if c == '\n' { '\n' } else { ' ' };
            // Keep byte lengths: a multi-byte char becomes as many spaces.
            std::iter::repeat_n(keep, if c == '\n' { 1 } else { c.len_utf8() })
        })
        .collect();
    work.replace_range(range, &blank);
    true
}

/// `ENTRYPOINT []` (reset the entrypoint) is valid for BuildKit but the
/// underlying parser rejects it: rebuild it from the failed range.
fn empty_entrypoint(work: &str, range: &Range<usize>, escape: char) -> Option<Instruction> {
    let logical = join_continuations(work, range.clone(), escape);
    let text = logical.text.trim();
    let keyword = text.get(..10)?;
    let rest = text.get(10..)?;
    if !keyword.eq_ignore_ascii_case("ENTRYPOINT")
        || !rest.starts_with([' ', '\t'])
        || rest.trim().replace([' ', '\t'], "") != "[]"
    {
        return None;
    }
    let lead = logical.text.len() - logical.text.trim_start().len();
    let start = logical.source_offset(lead);
    let end = logical.source_offset(logical.text.trim_end().len().saturating_sub(1)) + 1;
    Some(Instruction {
        kind: InstrKind::Entrypoint(Command::Exec(Vec::new())),
        keyword_span: start..start + 10,
        span: start..end.max(start + 10),
        flags: Vec::new(),
    })
}

/// The byte range of the lines of the instruction that failed: from the
/// first line at or after `scan_from` that could start an instruction (not
/// past the error line), through its continuation lines, and at least
/// through the error line.
fn failed_range(
    work: &str,
    scan_from: usize,
    error_line_start: usize,
    escape: char,
) -> Range<usize> {
    let len = work.len();
    let error_line_start = error_line_start.min(len);
    let start = first_instruction_start(work, scan_from.min(error_line_start))
        .filter(|&s| s <= error_line_start)
        .unwrap_or(error_line_start);
    // Follow continuations: comment and blank lines inside them do not end it.
    let mut p = start;
    let mut end;
    let mut first = true;
    loop {
        end = line_end(work, p);
        let line = work.get(p..end).unwrap_or("");
        let inside = !first && is_blank_or_comment(line);
        first = false;
        if end >= len || !(inside || ends_with_continuation(line, escape)) {
            break;
        }
        p = end + 1;
    }
    start..end.max(line_end(work, error_line_start))
}

/// Checks BuildKit would make after parsing: a `FROM` before other
/// instructions, at least one instruction, unique stage names.
fn check_structure(
    source: &SourceFile,
    instructions: &[Instruction],
    diagnostics: &mut Vec<Diagnostic>,
) {
    let has_errors = diagnostics
        .iter()
        .any(|d| d.level == crate::source::DiagnosticLevel::Error);
    if instructions.is_empty() {
        if !has_errors {
            diagnostics.push(Diagnostic::warning(
                "empty-dockerfile",
                "no instructions: the file has only comments or blank lines",
                Location::file(source.path.clone()),
            ));
        }
        return;
    }
    let first_from = instructions
        .iter()
        .position(|i| matches!(i.kind, InstrKind::From(_)));
    let early = instructions[..first_from.unwrap_or(instructions.len())]
        .iter()
        .find(|i| !matches!(i.kind, InstrKind::Arg(_)));
    if let Some(instr) = early {
        diagnostics.push(Diagnostic::error(
            "parse-error",
            format!(
                "{} before the first FROM: only ARG may come before FROM",
                instr.keyword()
            ),
            source.location(&instr.keyword_span),
        ));
    } else if first_from.is_none() {
        diagnostics.push(Diagnostic::error(
            "parse-error",
            "expected at least one FROM instruction",
            source.location(&instructions[0].keyword_span),
        ));
    }
    let mut names: Vec<String> = Vec::new();
    for instr in instructions {
        if let InstrKind::From(FromInstr {
            alias: Some(alias), ..
        }) = &instr.kind
        {
            let name = alias.value.to_lowercase();
            if names.contains(&name) {
                diagnostics.push(Diagnostic::warning(
                    "duplicate-stage-name",
                    format!("duplicate stage name '{}'", alias.value),
                    source.location(&alias.span),
                ));
            } else {
                names.push(name);
            }
        }
    }
}

/// Every `#` comment line, skipping directives and here-document bodies.
fn collect_comments(
    source: &SourceFile,
    instructions: &[Instruction],
    directive_lines: &[usize],
) -> Vec<Comment> {
    let mut heredocs: Vec<Span> = Vec::new();
    fn gather(instr: &Instruction, out: &mut Vec<Span>) {
        match &instr.kind {
            InstrKind::Run(r) => out.extend(r.heredocs.iter().map(|h| h.span.clone())),
            InstrKind::Copy(c) | InstrKind::Add(c) => {
                out.extend(c.heredocs.iter().map(|h| h.span.clone()))
            }
            InstrKind::Onbuild(inner) => gather(inner, out),
            _ => {}
        }
    }
    for instr in instructions {
        gather(instr, &mut heredocs);
    }
    let text = &source.text;
    let mut comments = Vec::new();
    for (i, range) in line_ranges(text).into_iter().enumerate() {
        let line = i + 1;
        if directive_lines.contains(&line) {
            continue;
        }
        // A body line starts inside [body start, delimiter line start].
        if heredocs
            .iter()
            .any(|h| range.start >= h.start && range.start <= h.end && h.end > h.start)
        {
            continue;
        }
        let Some(s) = text.get(range.clone()) else {
            continue;
        };
        let trimmed = s.trim_start();
        let Some(rest) = trimmed.strip_prefix('#') else {
            continue;
        };
        let hash = range.start + (s.len() - trimmed.len());
        comments.push(Comment {
            line,
            text: rest.trim().to_string(),
            span: hash..range.end,
        });
    }
    comments
}

/// Converts the borrowed AST of the `parse-dockerfile` crate to our owned
/// types, shifting spans back past the injected prefix.
struct Ctx<'a> {
    /// The source text (the working copy has the same offsets).
    text: &'a str,
    /// Values may hold [`PLACEHOLDER`]s to turn back into the escape char.
    restore: bool,
    /// Instructions the parser accepted that BuildKit would reject (e.g.
    /// `ENV KEY` without a value): span and message.
    problems: std::cell::RefCell<Vec<(Span, String)>>,
    /// Length of the injected prefix.
    base: usize,
    /// Where in `text` the parsed slice starts.
    offset: usize,
    escape: char,
}

impl Ctx<'_> {
    fn span(&self, span: &pd::Span) -> Span {
        let shift = |at: usize| (at.saturating_sub(self.base) + self.offset).min(self.text.len());
        let (start, end) = (shift(span.start), shift(span.end));
        start..end.max(start)
    }

    /// A value from the tokenizer, with hidden escape chars put back.
    fn value(&self, s: &str) -> String {
        if self.restore {
            s.replace(PLACEHOLDER, &self.escape.to_string())
        } else {
            s.to_string()
        }
    }

    fn word(&self, s: &pd::UnescapedString<'_>) -> Word {
        Word {
            value: self.value(&s.value),
            span: self.span(&s.span),
        }
    }

    fn flags(&self, flags: &[pd::Flag<'_>]) -> Vec<Flag> {
        flags
            .iter()
            .map(|f| Flag {
                name: self.value(&f.name.value),
                value: f.value.as_ref().map(|v| self.value(&v.value)),
                span: self.span(&f.span()),
            })
            .collect()
    }

    fn command(&self, c: &pd::Command<'_>) -> Command {
        match c {
            pd::Command::Exec(items) => {
                Command::Exec(items.value.iter().map(|w| self.word(w)).collect())
            }
            pd::Command::Shell(text) => Command::Shell(join_continuations(
                self.text,
                self.span(&text.span),
                self.escape,
            )),
            // A form added by a later version of the parser: nothing to read.
            _ => Command::Exec(Vec::new()),
        }
    }

    fn heredoc(&self, h: &pd::HereDoc<'_>) -> Heredoc {
        Heredoc {
            span: self.span(&h.span),
            expand: h.expand,
            body: self.value(&h.value),
        }
    }

    /// End of the closing delimiter line of a heredoc (without line break).
    fn heredoc_end(&self, h: &Heredoc) -> usize {
        let rest = self.text.get(h.span.end..).unwrap_or("");
        let line = rest.split('\n').next().unwrap_or("");
        h.span.end + line.trim_end_matches('\r').len()
    }

    fn copy(&self, src: &[pd::Source<'_>], dest: &pd::UnescapedString<'_>) -> CopyInstr {
        let mut sources = Vec::new();
        let mut heredocs = Vec::new();
        for s in src {
            match s {
                pd::Source::Path(p) => sources.push(self.word(p)),
                pd::Source::HereDoc(h) => heredocs.push(self.heredoc(h)),
                #[allow(unreachable_patterns)]
                _ => {}
            }
        }
        CopyInstr {
            sources,
            dest: self.word(dest),
            heredocs,
        }
    }

    fn instruction(&self, instr: &pd::Instruction<'_>) -> Option<Instruction> {
        use pd::Instruction as I;
        let mut flags = Vec::new();
        let (keyword, kind) = match instr {
            I::From(f) => {
                flags = self.flags(&f.options);
                let kind = InstrKind::From(FromInstr {
                    image: self.word(&f.image),
                    alias: f.as_.as_ref().map(|(_, name)| self.word(name)),
                });
                (&f.from, kind)
            }
            I::Run(r) => {
                flags = self.flags(&r.options);
                let kind = InstrKind::Run(RunInstr {
                    command: self.command(&r.arguments),
                    heredocs: r.here_docs.iter().map(|h| self.heredoc(h)).collect(),
                });
                (&r.run, kind)
            }
            I::Cmd(c) => (&c.cmd, InstrKind::Cmd(self.command(&c.arguments))),
            I::Entrypoint(e) => (
                &e.entrypoint,
                InstrKind::Entrypoint(self.command(&e.arguments)),
            ),
            I::Copy(c) => {
                flags = self.flags(&c.options);
                (&c.copy, InstrKind::Copy(self.copy(&c.src, &c.dest)))
            }
            I::Add(a) => {
                flags = self.flags(&a.options);
                (&a.add, InstrKind::Add(self.copy(&a.src, &a.dest)))
            }
            I::Env(e) => {
                let text = join_continuations(self.text, self.span(&e.arguments.span), self.escape);
                (&e.env, InstrKind::Env(self.key_values(&text, "ENV")))
            }
            I::Label(l) => {
                let text = join_continuations(self.text, self.span(&l.arguments.span), self.escape);
                (&l.label, InstrKind::Label(self.key_values(&text, "LABEL")))
            }
            I::Arg(a) => {
                let text = join_continuations(self.text, self.span(&a.arguments.span), self.escape);
                (&a.arg, InstrKind::Arg(arg_decls(&text, self.escape)))
            }
            I::User(u) => (&u.user, InstrKind::User(self.word(&u.arguments))),
            I::Workdir(w) => (&w.workdir, InstrKind::Workdir(self.word(&w.arguments))),
            I::Stopsignal(s) => (
                &s.stopsignal,
                InstrKind::Stopsignal(self.word(&s.arguments)),
            ),
            I::Maintainer(m) => (&m.maintainer, InstrKind::Maintainer(self.word(&m.name))),
            I::Expose(e) => (
                &e.expose,
                InstrKind::Expose(e.arguments.iter().map(|w| self.word(w)).collect()),
            ),
            I::Shell(s) => (
                &s.shell,
                InstrKind::Shell(s.arguments.iter().map(|w| self.word(w)).collect()),
            ),
            I::Volume(v) => {
                let words = match &v.arguments {
                    pd::JsonOrStringArray::Json(a) => {
                        a.value.iter().map(|w| self.word(w)).collect()
                    }
                    pd::JsonOrStringArray::String(a) => a.iter().map(|w| self.word(w)).collect(),
                };
                (&v.volume, InstrKind::Volume(words))
            }
            I::Healthcheck(h) => {
                flags = self.flags(&h.options);
                let kind = match &h.arguments {
                    pd::HealthcheckArguments::Cmd { arguments, .. } => {
                        InstrKind::Healthcheck(Some(self.command(arguments)))
                    }
                    _ => InstrKind::Healthcheck(None),
                };
                (&h.healthcheck, kind)
            }
            I::Onbuild(o) => {
                let inner = self.instruction(&o.instruction)?;
                let keyword_span = self.span(&o.onbuild.span);
                let span = keyword_span.start..inner.span.end.max(keyword_span.end);
                return Some(Instruction {
                    kind: InstrKind::Onbuild(Box::new(inner)),
                    keyword_span,
                    span,
                    flags,
                });
            }
            _ => return None,
        };
        let keyword_span = self.span(&keyword.span);
        let mut instruction = Instruction {
            kind,
            keyword_span: keyword_span.clone(),
            span: keyword_span.clone(),
            flags,
        };
        instruction.span.end = self.end_of(&instruction).max(keyword_span.end);
        Some(instruction)
    }

    /// Key/value pairs, noting the forms BuildKit rejects.
    fn key_values(&self, text: &ShellText, keyword: &str) -> Vec<KeyValue> {
        let (pairs, problem) = key_values(text, self.escape);
        if let Some(problem) = problem {
            self.problems
                .borrow_mut()
                .push((text.span.clone(), format!("{keyword} {problem}")));
        }
        pairs
    }

    /// The furthest source offset covered by an instruction's parts.
    fn end_of(&self, instr: &Instruction) -> usize {
        let mut end = instr.keyword_span.end;
        let mut see = |s: &Span| end = end.max(s.end);
        for f in &instr.flags {
            see(&f.span);
        }
        let command = |c: &Command, see: &mut dyn FnMut(&Span)| match c {
            Command::Exec(words) => words.iter().for_each(|w| see(&w.span)),
            Command::Shell(t) => see(&t.span),
        };
        match &instr.kind {
            InstrKind::From(f) => {
                see(&f.image.span);
                if let Some(a) = &f.alias {
                    see(&a.span);
                }
            }
            InstrKind::Run(r) => {
                command(&r.command, &mut see);
                for h in &r.heredocs {
                    see(&(h.span.start..self.heredoc_end(h)));
                }
            }
            InstrKind::Cmd(c) | InstrKind::Entrypoint(c) | InstrKind::Healthcheck(Some(c)) => {
                command(c, &mut see)
            }
            InstrKind::Healthcheck(None) => {
                // `NONE` is not kept as a word: use the end of its line.
                let rest = self.text.get(instr.keyword_span.end..).unwrap_or("");
                let line = rest.split('\n').next().unwrap_or("");
                see(&(0..instr.keyword_span.end + line.trim_end().len()));
            }
            InstrKind::Copy(c) | InstrKind::Add(c) => {
                c.sources.iter().for_each(|w| see(&w.span));
                see(&c.dest.span);
                for h in &c.heredocs {
                    see(&(h.span.start..self.heredoc_end(h)));
                }
            }
            InstrKind::Env(kvs) | InstrKind::Label(kvs) => kvs.iter().for_each(|kv| {
                see(&kv.key.span);
                see(&kv.value.span);
            }),
            InstrKind::Arg(args) => args.iter().for_each(|a| {
                see(&a.name.span);
                if let Some(d) = &a.default {
                    see(&d.span);
                }
            }),
            InstrKind::User(w)
            | InstrKind::Workdir(w)
            | InstrKind::Stopsignal(w)
            | InstrKind::Maintainer(w) => see(&w.span),
            InstrKind::Expose(ws) | InstrKind::Volume(ws) | InstrKind::Shell(ws) => {
                ws.iter().for_each(|w| see(&w.span))
            }
            InstrKind::Onbuild(inner) => see(&inner.span),
        }
        end
    }
}

/// The logical text of a source span: each line continuation (escape char,
/// optional blanks, line break) is removed, and so are the comment and blank
/// lines that follow one (BuildKit drops them).
pub(crate) fn join_continuations(text: &str, span: Span, escape: char) -> ShellText {
    let bytes = text.as_bytes();
    let mut end = span.end.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let start = span.start.min(end);
    let mut out = String::with_capacity(end - start);
    let mut segments = Vec::new();
    let mut in_segment = false;
    // Escape chars just copied: after an odd run, the next one is escaped.
    let mut escapes = 0usize;
    let mut i = start;
    while i < end {
        let Some(rest) = text.get(i..end) else {
            i += 1;
            continue;
        };
        let at_escape = rest.starts_with(escape);
        if at_escape
            && escapes.is_multiple_of(2)
            && let Some(next) = continuation_end(bytes, i + escape.len_utf8())
        {
            i = skip_comment_lines(bytes, next);
            in_segment = false;
            continue;
        }
        if !in_segment {
            segments.push((out.len(), i));
            in_segment = true;
        }
        // Copy one escape char, or the whole run up to the next one.
        let run = if at_escape {
            escapes += 1;
            escape.len_utf8()
        } else {
            escapes = 0;
            rest.find(escape).unwrap_or(rest.len())
        };
        out.push_str(&rest[..run]);
        i += run;
    }
    // A continuation at the very end leaves the blanks before it: drop them.
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    segments.retain(|&(l, _)| l < trimmed || l == 0);
    ShellText {
        text: out,
        span: start..end,
        segments,
    }
}

/// If only blanks then a line break (or the end of text) follow `from`,
/// the offset just after the line break.
fn continuation_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut j = from;
    while matches!(bytes.get(j), Some(b' ' | b'\t')) {
        j += 1;
    }
    match (bytes.get(j), bytes.get(j + 1)) {
        (None, _) => Some(j),
        (Some(b'\n'), _) => Some(j + 1),
        (Some(b'\r'), Some(b'\n')) => Some(j + 2),
        _ => None,
    }
}

/// Skips whole comment lines and blank lines starting at `from`.
fn skip_comment_lines(bytes: &[u8], mut from: usize) -> usize {
    loop {
        let mut j = from;
        while matches!(bytes.get(j), Some(b' ' | b'\t')) {
            j += 1;
        }
        match bytes.get(j) {
            Some(b'#') => {
                while let Some(&b) = bytes.get(j) {
                    j += 1;
                    if b == b'\n' {
                        break;
                    }
                }
                from = j;
            }
            Some(b'\n') => from = j + 1,
            Some(b'\r') if bytes.get(j + 1) == Some(&b'\n') => from = j + 2,
            _ => return from,
        }
    }
}

/// Splits logical text into words at unquoted blanks; quotes and escapes are
/// kept in the words (see [`unquote`]). Returns byte ranges.
fn split_words(s: &str, escape: char) -> Vec<Range<usize>> {
    let mut words = Vec::new();
    let mut start = None;
    let mut quote: Option<char> = None;
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if quote.is_none() && c.is_whitespace() {
            if let Some(st) = start.take() {
                words.push(st..i);
            }
            continue;
        }
        if start.is_none() {
            start = Some(i);
        }
        match quote {
            Some('\'') if c == '\'' => quote = None,
            Some('\'') => {}
            Some(q) if c == q => quote = None,
            _ if c == escape => {
                chars.next();
            }
            None if c == '"' || c == '\'' => quote = Some(c),
            _ => {}
        }
    }
    if let Some(st) = start {
        words.push(st..s.len());
    }
    words
}

/// Removes shell quoting as ENV/LABEL/ARG values get it: `'…'` is literal;
/// in `"…"` the escape char escapes `"`, itself and `$`; outside quotes it
/// escapes any char. An escaped `$` stays `\$` so that later variable
/// expansion still sees it as literal.
pub fn unquote(s: &str, escape: char) -> String {
    let mut out = String::with_capacity(s.len());
    let mut quote: Option<char> = None;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some('\'') => {
                if c == '\'' {
                    quote = None;
                } else {
                    out.push(c);
                }
            }
            Some(_) => {
                if c == '"' {
                    quote = None;
                } else if c == escape {
                    match chars.peek().copied() {
                        Some('$') => out.push('\\'),
                        Some(n) if n == '"' || n == escape => {}
                        _ => {
                            out.push(c);
                            continue;
                        }
                    }
                    if let Some(n) = chars.next() {
                        out.push(n);
                    }
                } else {
                    out.push(c);
                }
            }
            None => {
                if c == '"' || c == '\'' {
                    quote = Some(c);
                } else if c == escape {
                    if chars.peek() == Some(&'$') {
                        out.push('\\');
                    }
                    if let Some(n) = chars.next() {
                        out.push(n);
                    }
                } else {
                    out.push(c);
                }
            }
        }
    }
    out
}

fn shell_word(text: &ShellText, range: Range<usize>, escape: char) -> Word {
    let raw = text.text.get(range.clone()).unwrap_or("");
    Word {
        value: unquote(raw, escape),
        span: text.source_span(range),
    }
}

/// `KEY=value …` or the legacy `KEY value with spaces` (ENV, LABEL), plus
/// what BuildKit would reject in it.
fn key_values(text: &ShellText, escape: char) -> (Vec<KeyValue>, Option<String>) {
    let words = split_words(&text.text, escape);
    let Some(first) = words.first() else {
        return (Vec::new(), Some("requires at least one argument".into()));
    };
    let first_raw = text.text.get(first.clone()).unwrap_or("");
    if !first_raw.contains('=') {
        // Legacy form: the value is the rest of the line, spaces included.
        let Some(second) = words.get(1) else {
            return (
                Vec::new(),
                Some(format!("{first_raw} has no value: use KEY=value")),
            );
        };
        let value_end = text.text.trim_end().len().max(second.start);
        let pair = KeyValue {
            key: shell_word(text, first.clone(), escape),
            value: shell_word(text, second.start..value_end, escape),
        };
        return (vec![pair], None);
    }
    let mut problem = None;
    let pairs = words
        .into_iter()
        .filter_map(|w| {
            let raw = text.text.get(w.clone())?;
            let Some(eq) = raw.find('=') else {
                problem.get_or_insert_with(|| {
                    format!("syntax error: no '=' in {raw:?}; use KEY=value")
                });
                return None;
            };
            Some(KeyValue {
                key: shell_word(text, w.start..w.start + eq, escape),
                value: shell_word(text, w.start + eq + 1..w.end, escape),
            })
        })
        .collect();
    (pairs, problem)
}

/// `ARG NAME[=default] …`.
fn arg_decls(text: &ShellText, escape: char) -> Vec<ArgDecl> {
    split_words(&text.text, escape)
        .into_iter()
        .map(|w| {
            let raw = text.text.get(w.clone()).unwrap_or("");
            match raw.find('=') {
                Some(eq) => ArgDecl {
                    name: shell_word(text, w.start..w.start + eq, escape),
                    default: Some(shell_word(text, w.start + eq + 1..w.end, escape)),
                },
                None => ArgDecl {
                    name: shell_word(text, w, escape),
                    default: None,
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Dockerfile {
        parse(Arc::new(SourceFile::new("Dockerfile", text.to_string())))
    }

    fn keywords(d: &Dockerfile) -> Vec<&'static str> {
        d.instructions.iter().map(|i| i.keyword()).collect()
    }

    #[test]
    fn line_ranges_leave_out_line_breaks_but_a_last_cr_stays() {
        assert_eq!(line_ranges("a\r\nb\n\r\nc\r"), vec![0..1, 3..4, 5..5, 7..9]);
        assert_eq!(line_ranges(""), vec![0..0]);
        assert_eq!(line_ranges("x\n"), vec![0..1, 2..2]);
    }

    fn line(d: &Dockerfile, span: &Span) -> usize {
        d.source.line_col(span.start).0
    }

    fn errors(d: &Dockerfile) -> Vec<(usize, String)> {
        d.diagnostics
            .iter()
            .filter(|d| d.level == crate::source::DiagnosticLevel::Error)
            .map(|d| (d.location.start_line, d.message.clone()))
            .collect()
    }

    #[test]
    fn simple_file_parses_with_spans() {
        let d = parse_str("FROM alpine:3.19 AS build\nRUN apk add curl\nUSER app\n");
        assert!(d.diagnostics.is_empty(), "{:?}", d.diagnostics);
        assert_eq!(keywords(&d), ["FROM", "RUN", "USER"]);
        let InstrKind::From(f) = &d.instructions[0].kind else {
            panic!()
        };
        assert_eq!(f.image.value, "alpine:3.19");
        assert_eq!(&d.source.text[f.image.span.clone()], "alpine:3.19");
        assert_eq!(f.alias.as_ref().unwrap().value, "build");
        assert_eq!(
            &d.source.text[d.instructions[1].span.clone()],
            "RUN apk add curl"
        );
        assert_eq!(
            &d.source.text[d.instructions[1].keyword_span.clone()],
            "RUN"
        );
        let InstrKind::User(u) = &d.instructions[2].kind else {
            panic!()
        };
        assert_eq!(u.value, "app");
        assert_eq!(line(&d, &u.span), 3);
    }

    #[test]
    fn continued_run_maps_words_back_to_their_lines() {
        let text = "FROM a\nRUN apt-get update && \\\n    # a comment inside\n    apt-get install -y \\\n      sudo curl \\\n\n    && rm -rf /x\n";
        let d = parse_str(text);
        assert!(d.diagnostics.is_empty(), "{:?}", d.diagnostics);
        let InstrKind::Run(run) = &d.instructions[1].kind else {
            panic!()
        };
        let Command::Shell(sh) = &run.command else {
            panic!()
        };
        assert_eq!(
            sh.text,
            "apt-get update &&     apt-get install -y       sudo curl     && rm -rf /x"
        );
        let at = sh.text.find("sudo").unwrap();
        let span = sh.source_span(at..at + 4);
        assert_eq!(&text[span.clone()], "sudo");
        assert_eq!(d.source.line_col(span.start), (5, 7));
        let at = sh.text.find("rm").unwrap();
        assert_eq!(d.source.line_col(sh.source_offset(at)).0, 7);
        let at = sh.text.find("install").unwrap();
        assert_eq!(d.source.line_col(sh.source_offset(at)).0, 4);
        // The comment inside the continuation is still collected.
        assert_eq!(d.comments.len(), 1);
        assert_eq!(d.comments[0].line, 3);
        assert_eq!(d.comments[0].text, "a comment inside");
        // The instruction span runs to the last line of the RUN.
        assert_eq!(d.source.line_col(d.instructions[1].span.end).0, 7);
    }

    #[test]
    fn every_word_of_a_continued_run_maps_to_its_line() {
        // Lines:  2: RUN, 3: comment, 4: blank, 5: tab + CRLF, 6: é, 7: end.
        let text = "FROM a\nRUN  one two \\ \n  # skipped\n\n\tthree \\\r\n  fünf é \\\n    last";
        let d = parse_str(text);
        assert!(d.diagnostics.is_empty(), "{:?}", d.diagnostics);
        let InstrKind::Run(RunInstr {
            command: Command::Shell(sh),
            ..
        }) = &d.instructions[1].kind
        else {
            panic!()
        };
        let expected = [
            ("one", 2),
            ("two", 2),
            ("three", 5),
            ("fünf", 6),
            ("é", 6),
            ("last", 7),
        ];
        let mut from = 0;
        for (word, line) in expected {
            let at = from + sh.text[from..].find(word).unwrap();
            from = at + word.len();
            let span = sh.source_span(at..at + word.len());
            assert_eq!(&text[span.clone()], word);
            assert_eq!(d.source.line_col(span.start).0, line, "{word}");
        }
        // A range across a joined continuation covers both source lines.
        let a = sh.text.find("two").unwrap();
        let b = sh.text.find("three").unwrap() + 5;
        let span = sh.source_span(a..b);
        assert_eq!(d.source.line_col(span.start).0, 2);
        assert_eq!(d.source.line_col(span.end).0, 5);
        // Empty range and offsets past the end stay inside the source.
        assert_eq!(sh.source_span(3..3).len(), 0);
        assert_eq!(sh.source_offset(10_000), text.len());
        assert_eq!(sh.source_span(0..10_000).end, text.len());
    }

    #[test]
    fn continuation_with_trailing_blanks_and_crlf() {
        let text = "FROM a\r\nRUN echo a \\  \r\n  b\r\n";
        let d = parse_str(text);
        let InstrKind::Run(run) = &d.instructions[1].kind else {
            panic!()
        };
        let Command::Shell(sh) = &run.command else {
            panic!()
        };
        assert_eq!(sh.text, "echo a   b");
        let at = sh.text.find('b').unwrap();
        assert_eq!(d.source.line_col(sh.source_offset(at)), (3, 3));
    }

    #[test]
    fn exec_form_words_are_unescaped_with_spans() {
        let text = "FROM a\nCMD [\"echo\", \"a \\\"b\\\"\"]\nENTRYPOINT [\"/bin/sh\"]\n";
        let d = parse_str(text);
        let InstrKind::Cmd(Command::Exec(words)) = &d.instructions[1].kind else {
            panic!()
        };
        assert_eq!(words[0].value, "echo");
        assert_eq!(words[1].value, "a \"b\"");
        assert_eq!(&text[words[0].span.clone()], "echo");
        assert!(
            matches!(&d.instructions[2].kind, InstrKind::Entrypoint(Command::Exec(w)) if w[0].value == "/bin/sh")
        );
    }

    #[test]
    fn env_label_arg_forms() {
        let text = "FROM a\nENV A=1 B=\"two words\" C='lit $x' \\\n    D=4\nENV OLD value with spaces\nLABEL \"com.x\"=\"y z\" v=1\nARG X\nARG Y=2 Z=3\n";
        let d = parse_str(text);
        assert!(d.diagnostics.is_empty(), "{:?}", d.diagnostics);
        let InstrKind::Env(kv) = &d.instructions[1].kind else {
            panic!()
        };
        let pairs: Vec<_> = kv
            .iter()
            .map(|k| (k.key.value.as_str(), k.value.value.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [("A", "1"), ("B", "two words"), ("C", "lit $x"), ("D", "4")]
        );
        assert_eq!(&text[kv[1].value.span.clone()], "\"two words\"");
        assert_eq!(line(&d, &kv[3].key.span), 3);
        let InstrKind::Env(kv) = &d.instructions[2].kind else {
            panic!()
        };
        assert_eq!(kv.len(), 1);
        assert_eq!(kv[0].key.value, "OLD");
        assert_eq!(kv[0].value.value, "value with spaces");
        assert_eq!(&text[kv[0].value.span.clone()], "value with spaces");
        let InstrKind::Label(kv) = &d.instructions[3].kind else {
            panic!()
        };
        assert_eq!(
            (kv[0].key.value.as_str(), kv[0].value.value.as_str()),
            ("com.x", "y z")
        );
        let InstrKind::Arg(args) = &d.instructions[4].kind else {
            panic!()
        };
        assert_eq!(args[0].name.value, "X");
        assert!(args[0].default.is_none());
        let InstrKind::Arg(args) = &d.instructions[5].kind else {
            panic!()
        };
        assert_eq!(args.len(), 2);
        assert_eq!(args[1].name.value, "Z");
        assert_eq!(args[1].default.as_ref().unwrap().value, "3");
        assert_eq!(&text[args[1].default.as_ref().unwrap().span.clone()], "3");
    }

    #[test]
    fn flags_copy_heredocs_and_healthcheck() {
        let text = "FROM --platform=linux/amd64 golang AS b\nRUN --mount=type=secret,id=x --network=none make\nCOPY --from=b --chown=1:1 --link /a /b /dst/\nADD --checksum=sha256:abc https://x/y /y\nRUN <<EOF\n# not a comment\necho hi\nEOF\nCOPY <<EOT /etc/x\nbody\nEOT\nHEALTHCHECK NONE\nHEALTHCHECK --interval=5s CMD curl -f http://x/\nONBUILD RUN make\nEXPOSE 80 443/tcp\nVOLUME [\"/data\"]\nSHELL [\"/bin/bash\", \"-c\"]\nWORKDIR /app\nSTOPSIGNAL SIGTERM\nMAINTAINER me\n";
        let d = parse_str(text);
        assert!(d.diagnostics.is_empty(), "{:?}", d.diagnostics);
        assert_eq!(
            keywords(&d),
            [
                "FROM",
                "RUN",
                "COPY",
                "ADD",
                "RUN",
                "COPY",
                "HEALTHCHECK",
                "HEALTHCHECK",
                "ONBUILD",
                "EXPOSE",
                "VOLUME",
                "SHELL",
                "WORKDIR",
                "STOPSIGNAL",
                "MAINTAINER"
            ]
        );
        let i = &d.instructions;
        assert_eq!(
            i[0].flag("platform").unwrap().value.as_deref(),
            Some("linux/amd64")
        );
        assert_eq!(i[1].flags.len(), 2);
        assert_eq!(
            i[1].flag("mount").unwrap().value.as_deref(),
            Some("type=secret,id=x")
        );
        assert_eq!(
            &text[i[1].flags[0].span.clone()],
            "--mount=type=secret,id=x"
        );
        let InstrKind::Copy(c) = &i[2].kind else {
            panic!()
        };
        assert_eq!(i[2].flag("from").unwrap().value.as_deref(), Some("b"));
        assert!(i[2].flag("link").unwrap().value.is_none());
        assert_eq!(
            c.sources
                .iter()
                .map(|w| w.value.as_str())
                .collect::<Vec<_>>(),
            ["/a", "/b"]
        );
        assert_eq!(c.dest.value, "/dst/");
        assert_eq!(
            i[3].flag("checksum").unwrap().value.as_deref(),
            Some("sha256:abc")
        );
        let InstrKind::Run(r) = &i[4].kind else {
            panic!()
        };
        assert_eq!(r.heredocs.len(), 1);
        assert_eq!(r.heredocs[0].body, "# not a comment\necho hi\n");
        assert_eq!(
            &text[i[4].span.clone()],
            "RUN <<EOF\n# not a comment\necho hi\nEOF"
        );
        let InstrKind::Copy(c) = &i[5].kind else {
            panic!()
        };
        assert_eq!(c.heredocs[0].body, "body\n");
        assert_eq!(c.dest.value, "/etc/x");
        assert!(matches!(i[6].kind, InstrKind::Healthcheck(None)));
        assert_eq!(&text[i[6].span.clone()], "HEALTHCHECK NONE");
        assert!(matches!(
            i[7].kind,
            InstrKind::Healthcheck(Some(Command::Shell(_)))
        ));
        assert_eq!(i[7].flag("interval").unwrap().value.as_deref(), Some("5s"));
        let InstrKind::Onbuild(inner) = &i[8].kind else {
            panic!()
        };
        assert_eq!(inner.keyword(), "RUN");
        assert_eq!(&text[i[8].span.clone()], "ONBUILD RUN make");
        assert!(
            matches!(&i[9].kind, InstrKind::Expose(w) if w.len() == 2 && w[1].value == "443/tcp")
        );
        assert!(matches!(&i[10].kind, InstrKind::Volume(w) if w[0].value == "/data"));
        assert!(matches!(&i[11].kind, InstrKind::Shell(w) if w[1].value == "-c"));
        // Heredoc bodies are not comments.
        assert!(d.comments.is_empty(), "{:?}", d.comments);
    }

    #[test]
    fn directives_and_comments() {
        let text = "# syntax=docker/dockerfile:1\n# escape=`\n# a real comment\nFROM a\nRUN echo a `\n  b\n  # trailing\n";
        let d = parse_str(text);
        assert_eq!(d.escape, '`');
        assert_eq!(d.syntax.as_deref(), Some("docker/dockerfile:1"));
        let lines: Vec<_> = d
            .comments
            .iter()
            .map(|c| (c.line, c.text.as_str()))
            .collect();
        assert_eq!(lines, [(3, "a real comment"), (7, "trailing")]);
        let InstrKind::Run(r) = &d.instructions[1].kind else {
            panic!()
        };
        let Command::Shell(sh) = &r.command else {
            panic!()
        };
        assert_eq!(sh.text, "echo a   b");
        assert_eq!(&text[d.comments[0].span.clone()], "# a real comment");
    }

    #[test]
    fn unknown_instruction_is_reported_and_the_rest_parsed() {
        let text = "FROM a\nRUNN apt-get \\\n  install x\nRUN ok\nUSER app\n";
        let d = parse_str(text);
        assert_eq!(keywords(&d), ["FROM", "RUN", "USER"]);
        let errs = errors(&d);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0].0, 2);
        assert!(errs[0].1.contains("RUNN"), "{}", errs[0].1);
        assert_eq!(line(&d, &d.instructions[1].span), 4);
    }

    #[test]
    fn several_errors_are_all_reported() {
        let text = "FROM a\nFOO x\nRUN a\nCOPY onlyone\nBAR\nUSER u\n";
        let d = parse_str(text);
        assert_eq!(keywords(&d), ["FROM", "RUN", "USER"]);
        let lines: Vec<_> = errors(&d).iter().map(|e| e.0).collect();
        assert_eq!(lines, [2, 4, 5]);
    }

    #[test]
    fn instructions_before_from_are_kept_with_an_error() {
        let d = parse_str("ARG V=1\nRUN echo\nFROM a\n");
        assert_eq!(keywords(&d), ["ARG", "RUN", "FROM"]);
        let errs = errors(&d);
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].0, 2);
        let d = parse_str("ARG V=1\n");
        assert_eq!(errors(&d).len(), 1);
    }

    #[test]
    fn env_without_value_is_an_error_but_kept_going() {
        let d = parse_str("FROM a\nENV PATH\nLABEL a=1 b\nUSER x\n");
        assert_eq!(keywords(&d), ["FROM", "ENV", "LABEL", "USER"]);
        let lines: Vec<_> = errors(&d).iter().map(|e| e.0).collect();
        assert_eq!(lines, [2, 3]);
        let InstrKind::Label(kv) = &d.instructions[2].kind else {
            panic!()
        };
        assert_eq!(kv.len(), 1);
    }

    #[test]
    fn continuation_at_end_of_file() {
        let d = parse_str("FROM a\nRUN something \\");
        assert!(d.diagnostics.is_empty(), "{:?}", d.diagnostics);
        let InstrKind::Run(RunInstr {
            command: Command::Shell(sh),
            ..
        }) = &d.instructions[1].kind
        else {
            panic!()
        };
        assert_eq!(sh.text, "something");
    }

    #[test]
    fn empty_entrypoint_resets_without_error() {
        let text = "FROM a\nENTRYPOINT [ ]\nCMD [\"x\"]\nentrypoint \\\n  []\n";
        let d = parse_str(text);
        assert!(d.diagnostics.is_empty(), "{:?}", d.diagnostics);
        assert_eq!(keywords(&d), ["FROM", "ENTRYPOINT", "CMD", "ENTRYPOINT"]);
        assert!(
            matches!(&d.instructions[1].kind, InstrKind::Entrypoint(Command::Exec(w)) if w.is_empty())
        );
        assert_eq!(&text[d.instructions[1].span.clone()], "ENTRYPOINT [ ]");
        assert_eq!(&text[d.instructions[3].span.clone()], "entrypoint \\\n  []");
    }

    #[test]
    fn heredocs_anywhere_in_run() {
        let text = "FROM a\nRUN cat <<EOF > /etc/conf && \\\n    cat <<-'END' >> /x\nport=1\n# body, not a comment\nEOF\n\tline\n\tEND\nUSER app\nRUN <<ONE <<TWO\nfirst\nONE\nsecond\nTWO\nCMD x\n";
        let d = parse_str(text);
        assert!(d.diagnostics.is_empty(), "{:?}", d.diagnostics);
        assert_eq!(keywords(&d), ["FROM", "RUN", "USER", "RUN", "CMD"]);
        let InstrKind::Run(r) = &d.instructions[1].kind else {
            panic!()
        };
        assert_eq!(r.heredocs.len(), 2);
        assert_eq!(r.heredocs[0].body, "port=1\n# body, not a comment\n");
        assert!(r.heredocs[0].expand);
        assert_eq!(r.heredocs[1].body, "line\n");
        assert!(!r.heredocs[1].expand);
        assert_eq!(line(&d, &r.heredocs[0].span), 4);
        assert!(text[d.instructions[1].span.clone()].ends_with("\tEND"));
        let InstrKind::Run(r) = &d.instructions[3].kind else {
            panic!()
        };
        let bodies: Vec<_> = r.heredocs.iter().map(|h| h.body.as_str()).collect();
        assert_eq!(bodies, ["first\n", "second\n"]);
        assert!(text[d.instructions[3].span.clone()].ends_with("TWO"));
        assert!(d.comments.is_empty(), "{:?}", d.comments);
        // `<<<` is a here-string, and `<<` inside quotes is no opener.
        let d = parse_str("FROM a\nRUN cat <<<x && echo \"<<EOF\"\nUSER b\n");
        assert!(d.diagnostics.is_empty(), "{:?}", d.diagnostics);
        assert_eq!(keywords(&d), ["FROM", "RUN", "USER"]);
    }

    #[test]
    fn onbuild_run_heredocs() {
        let text = "FROM a\nONBUILD RUN cat <<EOF > /x\nhello\nEOF\nUSER b\n";
        let d = parse_str(text);
        assert!(d.diagnostics.is_empty(), "{:?}", d.diagnostics);
        assert_eq!(keywords(&d), ["FROM", "ONBUILD", "USER"]);
        let InstrKind::Onbuild(inner) = &d.instructions[1].kind else {
            panic!()
        };
        let InstrKind::Run(r) = &inner.kind else {
            panic!()
        };
        assert_eq!(r.heredocs[0].body, "hello\n");
        assert!(text[d.instructions[1].span.clone()].ends_with("EOF"));
    }

    #[test]
    fn many_errors_are_bounded() {
        let mut text = String::from("FROM a\n");
        for _ in 0..5000 {
            text.push_str("not an instruction\n");
        }
        text.push_str("USER x\n");
        let d = parse_str(&text);
        let errs = errors(&d);
        // The first errors are shown with their lines, the rest counted.
        assert_eq!(errs.len(), MAX_REPORTED_PARSE_ERRORS + 1);
        assert_eq!(errs[0].0, 2);
        assert_eq!(
            errs[MAX_REPORTED_PARSE_ERRORS - 1].0,
            MAX_REPORTED_PARSE_ERRORS + 1
        );
        let last = &errs[MAX_REPORTED_PARSE_ERRORS].1;
        // 1000 recovery rounds plus the "too many" notice, minus those shown.
        assert!(
            last.starts_with(&format!(
                "{} more parse errors",
                MAX_RECOVERIES + 1 - MAX_REPORTED_PARSE_ERRORS
            )),
            "{last}"
        );
        assert_eq!(keywords(&d), ["FROM"]);
    }

    #[test]
    fn escaped_escape_at_line_end_is_no_continuation() {
        let text = "FROM a\nENV C trailing\\\\backslash\\\\\nENV D next\nENV E hello\\\n\\\nworld\nWORKDIR C:\\\\app\\\\\nRUN echo a\\\\ \\\n  b\n";
        let d = parse_str(text);
        assert!(d.diagnostics.is_empty(), "{:?}", d.diagnostics);
        assert_eq!(
            keywords(&d),
            ["FROM", "ENV", "ENV", "ENV", "WORKDIR", "RUN"]
        );
        let value = |i: usize| match &d.instructions[i].kind {
            InstrKind::Env(kv) => kv[0].value.value.clone(),
            _ => panic!(),
        };
        assert_eq!(value(1), "trailing\\backslash\\");
        assert_eq!(value(2), "next");
        assert_eq!(value(3), "helloworld");
        let InstrKind::Workdir(w) = &d.instructions[4].kind else {
            panic!()
        };
        assert!(
            w.value.ends_with('\\') && !w.value.contains('\u{1}'),
            "{:?}",
            w.value
        );
        let InstrKind::Run(RunInstr {
            command: Command::Shell(sh),
            ..
        }) = &d.instructions[5].kind
        else {
            panic!()
        };
        assert_eq!(sh.text, "echo a\\\\   b");
    }

    #[test]
    fn crlf_heredocs_and_comments() {
        let text = "FROM a\r\n# note\r\nRUN cat <<EOF > /x\r\nhi\r\nEOF\r\nCOPY <<X /y\r\nyo\r\nX\r\nUSER u\r\n";
        let d = parse_str(text);
        assert!(d.diagnostics.is_empty(), "{:?}", d.diagnostics);
        assert_eq!(keywords(&d), ["FROM", "RUN", "COPY", "USER"]);
        let InstrKind::Run(r) = &d.instructions[1].kind else {
            panic!()
        };
        assert_eq!(r.heredocs[0].body, "hi\r\n");
        assert_eq!(d.comments.len(), 1);
        assert_eq!(
            (d.comments[0].line, d.comments[0].text.as_str()),
            (2, "note")
        );
        assert_eq!(&text[d.comments[0].span.clone()], "# note");
    }

    #[test]
    fn empty_file_is_a_warning() {
        for text in ["", "\n\n", "# just a comment\n  \n"] {
            let d = parse_str(text);
            assert!(d.instructions.is_empty());
            assert_eq!(d.diagnostics.len(), 1);
            assert_eq!(d.diagnostics[0].code, "empty-dockerfile");
            assert_eq!(
                d.diagnostics[0].level,
                crate::source::DiagnosticLevel::Warning
            );
        }
    }

    #[test]
    fn duplicate_stage_names_warn_but_parse() {
        let d = parse_str("FROM a AS x\nFROM b AS X\nRUN y\n");
        assert_eq!(keywords(&d), ["FROM", "FROM", "RUN"]);
        assert_eq!(d.diagnostics.len(), 1);
        assert_eq!(d.diagnostics[0].code, "duplicate-stage-name");
        assert_eq!(d.diagnostics[0].location.start_line, 2);
    }

    #[test]
    fn unterminated_heredoc_is_an_error_not_a_hang() {
        let d = parse_str("FROM a\nRUN <<EOF\necho hi\n");
        assert_eq!(errors(&d).len(), 1);
        assert_eq!(keywords(&d), ["FROM"]);
    }

    #[test]
    fn bom_keeps_offsets() {
        let text = "\u{feff}FROM a\nUSER b\n";
        let d = parse_str(text);
        assert!(d.diagnostics.is_empty(), "{:?}", d.diagnostics);
        let InstrKind::User(u) = &d.instructions[1].kind else {
            panic!()
        };
        assert_eq!(&text[u.span.clone()], "b");
    }

    /// A tiny deterministic PRNG, enough to shake the parser.
    struct XorShift(u64);
    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    #[test]
    fn never_panics_on_truncated_or_random_input() {
        let sample = "# syntax=docker/dockerfile:1\nARG BASE=alpine\nFROM --platform=$P ${BASE}:3 AS b\nENV A=\"x y\" B='z' \\\n  C=1\nRUN --mount=type=cache,target=/c apt-get update && \\\n  # c\n  apt-get install -y sudo \\\n && echo \"ok\"\nRUN <<EOF\necho hi\nEOF\nCOPY --from=b [\"/a\", \"/b\"]\nCOPY <<X /x\nhello é ü\nX\nHEALTHCHECK --interval=1s CMD [\"true\"]\nONBUILD ADD . /\nLABEL a=b \"c d\"=e\nUSER 1000:1000\nCMD [\"sh\", \"-c\", \"echo \\\"$X\\\"\"]\n";
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        let alphabet: Vec<char> =
            "FROM RUN COPY ENV ARG \\`\"'[]{}$#=-<<EOF\n\r\t é:,/ONBUILD HEALTHCHECK NONE AS x"
                .chars()
                .collect();
        for _ in 0..400 {
            // Truncation at a char boundary.
            let mut cut = (rng.next() as usize) % (sample.len() + 1);
            while !sample.is_char_boundary(cut) {
                cut -= 1;
            }
            let d = parse_str(&sample[..cut]);
            check_spans(&d);
            // Random splice of a few characters.
            let mut s: String = sample.to_string();
            for _ in 0..(rng.next() % 6) {
                let mut at = (rng.next() as usize) % (s.len() + 1);
                while !s.is_char_boundary(at) {
                    at -= 1;
                }
                let c = alphabet[(rng.next() as usize) % alphabet.len()];
                s.insert(at, c);
            }
            check_spans(&parse_str(&s));
            // Random text from the alphabet.
            let n = (rng.next() % 80) as usize;
            let s: String = (0..n)
                .map(|_| alphabet[(rng.next() as usize) % alphabet.len()])
                .collect();
            check_spans(&parse_str(&s));
            // Random bytes, decoded the way input files are.
            let n = (rng.next() % 120) as usize;
            let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
            if let Ok((s, _)) = crate::decode_text(bytes, "f".into()) {
                check_spans(&parse_str(&s));
            }
            // Keywords followed by random bytes.
            let mut bytes = b"FROM x\nRUN ".to_vec();
            bytes.extend((0..n).map(|_| rng.next() as u8 & 0x7f | 0x01));
            if let Ok((s, _)) = crate::decode_text(bytes, "f".into()) {
                check_spans(&parse_str(&s));
            }
        }
    }

    fn check_spans(d: &Dockerfile) {
        let len = d.source.text.len();
        for i in &d.instructions {
            assert!(i.span.start <= i.span.end && i.span.end <= len, "{i:?}");
            assert!(d.source.text.get(i.span.clone()).is_some());
            assert!(d.source.text.get(i.keyword_span.clone()).is_some());
            if let InstrKind::Run(RunInstr {
                command: Command::Shell(sh),
                ..
            }) = &i.kind
            {
                for at in 0..sh.text.len() {
                    assert!(sh.source_offset(at) <= len);
                }
            }
        }
        for c in &d.comments {
            assert!(d.source.text.get(c.span.clone()).is_some());
        }
    }
}
