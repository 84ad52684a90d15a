//! Dockerfile parsing: an owned, spanned syntax tree with error recovery.
//!
//! Tokenising is done by the `parse-dockerfile` crate (BuildKit's grammar:
//! heredocs, directives, continuations with comments inside). That crate stops
//! at the first error, so [`parse`] reports the error as a diagnostic with
//! file:line, blanks the offending instruction and parses again: one bad
//! instruction never hides the rest of the file.
//!
//! Every value keeps its byte span into [`SourceFile::text`].

use std::sync::Arc;

use crate::source::{Diagnostic, SourceFile, Span};

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
    /// Source offset of a logical offset in [`ShellText::text`].
    pub fn source_offset(&self, logical: usize) -> usize {
        let i = self.segments.partition_point(|&(l, _)| l <= logical);
        match i.checked_sub(1).and_then(|i| self.segments.get(i)) {
            Some(&(l, s)) => s + (logical - l),
            None => self.span.start + logical,
        }
    }
    /// Source span of a logical range.
    pub fn source_span(&self, logical: std::ops::Range<usize>) -> Span {
        let start = self.source_offset(logical.start);
        let end = if logical.end > logical.start {
            self.source_offset(logical.end - 1) + 1
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

/// Parses a Dockerfile. Never fails: problems become diagnostics.
pub fn parse(source: Arc<SourceFile>) -> Dockerfile {
    // Placeholder until the recovering parser lands.
    Dockerfile {
        source,
        escape: '\\',
        syntax: None,
        instructions: Vec::new(),
        comments: Vec::new(),
        diagnostics: Vec::new(),
    }
}
