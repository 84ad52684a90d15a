//! YAML (and JSON) with a byte span on every node.
//!
//! The `saphyr-parser` crate turns text into a stream of events; this module
//! folds those events into our own [`Node`] tree, iteratively (no recursion
//! on input depth), resolving plain scalars with the YAML 1.2 core schema,
//! expanding aliases and `<<` merge keys under hard limits, and reporting
//! every problem as a [`Diagnostic`] with file:line:column. See `docs/yaml.md`
//! for the choices made (spans of aliases and merges, YAML 1.1 look-alikes,
//! duplicate keys, limits).

use std::borrow::Cow;
use std::cell::{Cell, OnceCell};
use std::collections::{HashMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};

use saphyr_parser::{Event, Parser, ScalarStyle, Tag};

use crate::source::{Diagnostic, SourceFile, Span};

/// Deepest nesting of sequences and mappings accepted in a document. Real
/// manifests stay under 20; the limit keeps recursive walks (drop, clone,
/// rules) far from the stack's end.
pub const MAX_DEPTH: usize = 256;

/// Most nodes that anchors and aliases may copy in one document: each use of
/// an alias counts the whole anchored subtree, and so does the copy kept of
/// each anchored node. Stops "billion laughs" documents, a few hundred bytes
/// that expand to billions of nodes.
pub const MAX_ALIAS_NODES: usize = 1_000_000;

/// A YAML value. Maps keep their entries in document order; keys are nodes.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

/// How a node was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Plain scalar (`a`, `42`), or a node with no text of its own (`key:`).
    Plain,
    SingleQuoted,
    DoubleQuoted,
    /// `|` block scalar.
    Literal,
    /// `>` block scalar.
    Folded,
    /// Block (indented) sequence or mapping.
    Block,
    /// Flow (`[...]`, `{...}`) sequence or mapping.
    Flow,
}

impl Style {
    pub fn is_quoted(self) -> bool {
        matches!(self, Style::SingleQuoted | Style::DoubleQuoted)
    }
}

/// One YAML node with the byte range it was written at.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    /// Byte range in [`SourceFile::text`], including the node's anchor and
    /// tag if it has them. Nodes that come from an alias or a merge keep the
    /// span of the anchored node they copy (where the value was written).
    pub span: Span,
    /// Tag as written in short form (`!!str`, `!Ref`, `!`), if any.
    pub tag: Option<String>,
    pub style: Style,
}

/// One document of a stream: its root node and the bytes it covers.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub root: Node,
    pub span: Span,
}

impl Node {
    /// The value under a string key of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }

    /// Follows string keys from this node: `path(&["spec", "template"])`.
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |node, key| node.get(key))
    }

    /// The text of a string (quoted or not); `None` for numbers, booleans, null.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// `Some(b)` for a YAML 1.2 boolean only: `"true"` (quoted) and `yes` are
    /// strings, not booleans.
    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// True only for the boolean `true`.
    pub fn is_true(&self) -> bool {
        self.as_bool() == Some(true)
    }

    /// The boolean as YAML 1.1 readers see it: also the plain (unquoted)
    /// words `yes`/`no`/`on`/`off`/`y`/`n` in their three spellings. kubectl
    /// (go-yaml v2 through sigs.k8s.io/yaml) reads manifests this way, so
    /// `privileged: yes` is a privileged container there.
    pub fn as_bool_yaml11(&self) -> Option<bool> {
        match &self.value {
            Value::Bool(b) => Some(*b),
            Value::String(s) if self.style == Style::Plain && self.tag.is_none() => {
                match s.as_str() {
                    "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Some(true),
                    "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Some(false),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self.value {
            Value::Int(i) => Some(i),
            _ => None,
        }
    }

    /// A number as `f64` (integers included).
    pub fn as_f64(&self) -> Option<f64> {
        match self.value {
            Value::Int(i) => Some(i as f64),
            Value::Float(f) => Some(f),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// Entries of a mapping whose keys are strings, in document order.
    pub fn str_entries(&self) -> impl Iterator<Item = (&str, &Node)> {
        self.as_map()
            .unwrap_or_default()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str()?, v)))
    }

    /// Null: `null`, `~`, an empty value, or an explicit `!!null`.
    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The source text the node was written as (empty if the span is bad).
    pub fn source_text<'a>(&self, source: &'a SourceFile) -> &'a str {
        source.text.get(self.span.clone()).unwrap_or("")
    }
}

/// Parses a YAML stream. Empty (and null) documents are skipped. A document
/// with a syntax error, too deep or with too many alias nodes is dropped with
/// an error diagnostic; the documents around it are kept (after a syntax
/// error, parsing resumes at the next `---` line, as kubectl splits streams).
pub fn parse_stream(source: &SourceFile) -> (Vec<Document>, Vec<Diagnostic>) {
    parse_text(source, Format::Yaml, MAX_ALIAS_NODES)
}

/// Parses a JSON file (JSON is YAML 1.2): one value, or `None` for an empty
/// file or one that cannot be read.
pub fn parse_json(source: &SourceFile) -> (Option<Node>, Vec<Diagnostic>) {
    let (docs, mut diagnostics) = parse_text(source, Format::Json, MAX_ALIAS_NODES);
    let mut docs = docs.into_iter();
    let first = docs.next();
    if let Some(second) = docs.next() {
        diagnostics.push(Diagnostic::error(
            "parse-error",
            "JSON file holds more than one value; only the first is read",
            source.location(&second.span),
        ));
    }
    (first.map(|d| d.root), diagnostics)
}

/// JSON escapes characters outside the BMP as UTF-16 surrogate pairs
/// (`"\ud83d\ude00"`, Python's default); YAML rejects those. Rewrites each pair
/// to the equivalent `\UXXXXXXXX` and a lone surrogate to `\uFFFD`. Returns
/// `None` when there is nothing to rewrite, else the new text and its
/// [`Offsets`] edits.
fn rewrite_surrogates(text: &str) -> Option<(String, Vec<(usize, usize)>)> {
    let bytes = text.as_bytes();
    let hex4 = |at: usize| -> Option<u32> {
        let digits = text.get(at..at + 4)?;
        if digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            u32::from_str_radix(digits, 16).ok()
        } else {
            None
        }
    };
    let is_surrogate_escape = |at: usize| {
        bytes.get(at) == Some(&b'\\')
            && bytes.get(at + 1) == Some(&b'u')
            && hex4(at + 2).is_some_and(|u| (0xD800..0xE000).contains(&u))
    };
    if !text
        .match_indices("\\u")
        .any(|(i, _)| is_surrogate_escape(i))
    {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut edits = Vec::new();
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes.get(i) != Some(&b'\\') {
            i += 1;
            continue;
        }
        if !is_surrogate_escape(i) {
            // Any other escape, `\\` included: skip both characters.
            i += 2;
            continue;
        }
        out.push_str(text.get(copied..i)?);
        let high = hex4(i + 2)?;
        let low = if (0xD800..0xDC00).contains(&high) && is_surrogate_escape(i + 6) {
            hex4(i + 8).filter(|l| (0xDC00..0xE000).contains(l))
        } else {
            None
        };
        match low {
            Some(low) => {
                let c = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                out.push_str(&format!("\\U{c:08X}"));
                i += 12;
                edits.push((out.len(), i));
            }
            None => {
                out.push_str("\\uFFFD");
                i += 6;
            }
        }
        copied = i;
    }
    out.push_str(text.get(copied..)?);
    Some((out, edits))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Yaml,
    Json,
}

/// Most re-parses per file after re-indenting quoted scalars (see
/// [`quoted_scalar_pads`]), most bytes re-parsed and most padding added:
/// bounds the cost of the retries.
const MAX_RETRIES: usize = 64;
const MAX_RETRY_BYTES: usize = 8 << 20;
const MAX_PAD_BYTES: usize = 1 << 20;

/// Parses the source chunk by chunk. In YAML, a syntax error ends a chunk and
/// the next one starts at the following `---` line; a quoted scalar that is
/// under-indented (which kubectl accepts) is re-indented and its chunk read
/// again. JSON is parsed after [`rewrite_surrogates`].
fn parse_text(
    source: &SourceFile,
    format: Format,
    alias_budget: usize,
) -> (Vec<Document>, Vec<Diagnostic>) {
    let mut docs = Vec::new();
    let mut diagnostics = Vec::new();
    // (line start in the source, spaces to insert), sorted by line start.
    let mut pads: Vec<(usize, usize)> = Vec::new();
    let mut retried = 0;
    let mut retries = 0;
    // Where the next chunk starts in the parsed text. Pads are only ever
    // added after it, so it stays right when the text is rebuilt.
    let mut start = 0;
    'rebuild: loop {
        let (text, edits) = match format {
            Format::Json => rewrite_surrogates(&source.text).map_or(
                (Cow::Borrowed(source.text.as_str()), Vec::new()),
                |(t, e)| (Cow::Owned(t), e),
            ),
            Format::Yaml if pads.is_empty() => (Cow::Borrowed(source.text.as_str()), Vec::new()),
            Format::Yaml => {
                let (t, e) = apply_pads(&source.text, &pads);
                (Cow::Owned(t), e)
            }
        };
        let offsets = Offsets::new(&text, edits);
        while let Some(chunk) = text.get(start..) {
            let kept = (docs.len(), diagnostics.len());
            let base_char = offsets.char_index(start);
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                let chunk = Chunk {
                    text: chunk,
                    base_char,
                    format,
                    alias_budget,
                };
                parse_chunk(source, chunk, &offsets, &mut docs, &mut diagnostics)
            }));
            let error = match outcome {
                Ok(None) => break 'rebuild,
                Ok(Some(error)) => error,
                Err(_) => {
                    // saphyr-parser has internal asserts; a bug there must not
                    // take the whole scan down.
                    let at = offsets.original(start);
                    diagnostics.push(Diagnostic::error(
                        "parse-error",
                        "the YAML parser failed on this file; the rest of it is skipped",
                        source.location(&(at..at)),
                    ));
                    break 'rebuild;
                }
            };
            if format == Format::Json {
                break 'rebuild;
            }
            // Read again from the failed document's `---` if it has one (the
            // documents before it stay), else from the chunk's start.
            let restart_at = error.doc_restart.map_or(start, |(at, _)| at);
            let cost = error.parsed_at.saturating_sub(restart_at);
            if error.quoted_indent && retries < MAX_RETRIES && retried + cost <= MAX_RETRY_BYTES {
                let new = quoted_scalar_pads(&source.text, error.original_at);
                let added: usize = new.iter().map(|&(_, n)| n).sum();
                let padded: usize = pads.iter().map(|&(_, n)| n).sum();
                let fresh = new
                    .iter()
                    .any(|&(line, _)| pads.binary_search_by_key(&line, |p| p.0).is_err());
                if fresh && added + padded <= MAX_PAD_BYTES {
                    retries += 1;
                    retried += cost;
                    match error.doc_restart {
                        Some((at, diagnostics_before)) => {
                            diagnostics.truncate(diagnostics_before);
                            start = at;
                        }
                        None => {
                            docs.truncate(kept.0);
                            diagnostics.truncate(kept.1);
                        }
                    }
                    let at = error.original_at;
                    diagnostics.push(Diagnostic::warning(
                        "yaml-lenient",
                        "quoted text continues on lines indented less than its block: not valid YAML, but kubectl and most YAML 1.1 tools accept it; read as they do",
                        source.location(&(at..at)),
                    ));
                    pads.extend(new);
                    pads.sort_unstable();
                    pads.dedup_by_key(|p| p.0);
                    continue 'rebuild;
                }
            }
            match next_document_marker(&text, error.parsed_at, start) {
                Some(next) => start = next,
                None => break 'rebuild,
            }
        }
        break;
    }
    (docs, diagnostics)
}

/// For a quoted scalar starting at `quote_at` whose continuation lines are
/// indented less than the line it starts on: spaces to insert at the start of
/// each such line so that it is indented as far as the opening quote. Inside
/// a quoted scalar, leading spaces of a continuation line are folded away, so
/// this does not change the value.
fn quoted_scalar_pads(text: &str, quote_at: usize) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let quote = match bytes.get(quote_at) {
        Some(&q @ (b'"' | b'\'')) => q,
        _ => return Vec::new(),
    };
    let line_start = text
        .get(..quote_at)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    let column = text
        .get(line_start..quote_at)
        .map_or(0, |s| s.chars().count());
    let mut pads = Vec::new();
    let mut i = quote_at + 1;
    while let Some(&b) = bytes.get(i) {
        match b {
            // An escape; `\` before a line break escapes the break, which is
            // still the start of a continuation line.
            b'\\' if quote == b'"' => {
                i += if matches!(bytes.get(i + 1), Some(b'\n' | b'\r')) {
                    1
                } else {
                    2
                };
            }
            b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            _ if b == quote => break,
            b'\n' => {
                let next = i + 1;
                let rest = text.get(next..).unwrap_or("");
                if rest.starts_with("---") || rest.starts_with("...") {
                    break;
                }
                let indent = rest.bytes().take_while(|&c| c == b' ').count();
                if indent < column {
                    pads.push((next, column - indent));
                }
                i = next;
            }
            _ => i += 1,
        }
    }
    pads
}

/// The source with spaces inserted at line starts, plus [`Offsets`] edits.
fn apply_pads(text: &str, pads: &[(usize, usize)]) -> (String, Vec<(usize, usize)>) {
    let extra: usize = pads.iter().map(|&(_, n)| n).sum();
    let mut out = String::with_capacity(text.len() + extra);
    let mut edits = Vec::with_capacity(pads.len());
    let mut copied = 0;
    for &(line, n) in pads {
        let Some(piece) = text.get(copied..line) else {
            continue;
        };
        out.push_str(piece);
        out.extend(std::iter::repeat_n(' ', n));
        edits.push((out.len(), line));
        copied = line;
    }
    out.push_str(text.get(copied..).unwrap_or(""));
    (out, edits)
}

/// Byte offset of the first `---` document marker line that starts at or
/// after the line holding `error_at` and strictly after `chunk_start`.
fn next_document_marker(text: &str, error_at: usize, chunk_start: usize) -> Option<usize> {
    let error_at = error_at.min(text.len());
    let line_start = text
        .get(..error_at)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    let from = line_start.max(chunk_start + 1);
    let mut pos = from;
    // Candidate line starts: `from` itself if it starts a line, then every
    // position after a newline.
    let starts_line = |p: usize| p == 0 || text.as_bytes().get(p - 1) == Some(&b'\n');
    loop {
        if starts_line(pos) && is_marker_line(text.get(pos..)?) {
            return Some(pos);
        }
        pos += text.get(pos..)?.find('\n')? + 1;
    }
}

fn is_marker_line(rest: &str) -> bool {
    rest.strip_prefix("---")
        .is_some_and(|r| r.is_empty() || r.starts_with([' ', '\t', '\r', '\n']))
}

/// A part of the text to parse, from its start or from a `---` line.
struct Chunk<'a> {
    text: &'a str,
    /// Characters before it in the parsed text.
    base_char: usize,
    format: Format,
    /// [`MAX_ALIAS_NODES`], smaller in tests.
    alias_budget: usize,
}

/// The syntax error that ended a chunk.
struct ChunkError {
    /// Byte offset in the parsed text.
    parsed_at: usize,
    /// Byte offset in the source.
    original_at: usize,
    /// saphyr's "invalid indentation in quoted scalar", at the opening quote.
    quoted_indent: bool,
    /// The failed document's `---` line in the parsed text and the number of
    /// diagnostics before it, if it has one: a retry starts there.
    doc_restart: Option<(usize, usize)>,
}

/// Runs the parser over one chunk, appending finished documents. Returns the
/// syntax error that ended the chunk, if one did.
fn parse_chunk(
    source: &SourceFile,
    chunk: Chunk<'_>,
    offsets: &Offsets,
    docs: &mut Vec<Document>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<ChunkError> {
    let mut builder = Builder {
        source,
        offsets,
        base_char: chunk.base_char,
        alias_budget: chunk.alias_budget,
        stack: Vec::new(),
        anchors: HashMap::new(),
        expanded: 0,
        root: None,
        doc_start: 0,
        failed: false,
        doc_open: false,
        doc_restart: (0, 0),
    };
    for item in Parser::new_from_str(chunk.text) {
        match item {
            Ok((event, span)) => {
                if event == Event::StreamEnd {
                    return None;
                }
                builder.event(event, span, docs, diagnostics);
            }
            Err(error) => {
                let local = builder.base_char + error.marker().index();
                let at = offsets.byte(local);
                let what = match chunk.format {
                    Format::Yaml => "YAML",
                    Format::Json => "JSON",
                };
                let mut message = format!("invalid {what}: {}", error.info());
                if builder.in_document() {
                    message.push_str("; this document is skipped");
                }
                // saphyr's own nesting limit (255 flow levels) comes just
                // after ours: a document already dropped as too deep (or as
                // a bomb) is not reported a second time for it.
                let already_reported = builder.failed
                    && builder.doc_open
                    && error.info() == "recursion limit exceeded";
                if !already_reported {
                    diagnostics.push(Diagnostic::error(
                        "parse-error",
                        message,
                        source.location(&(at..at)),
                    ));
                }
                return Some(ChunkError {
                    parsed_at: offsets.parsed_byte(local),
                    original_at: at,
                    quoted_indent: error.info() == "invalid indentation in quoted scalar",
                    doc_restart: builder
                        .doc_open
                        .then_some(builder.doc_restart)
                        .filter(|&(at, _)| offsets.text.get(at..).is_some_and(is_marker_line)),
                });
            }
        }
    }
    None
}

/// A finished node plus what the limits need to know about it.
#[derive(Clone)]
struct Built {
    node: Node,
    /// Number of nodes in the subtree.
    size: usize,
    /// Collection levels in the subtree: 0 for a scalar.
    height: usize,
}

enum Content {
    Seq(Vec<Node>),
    Map {
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
    },
}

/// An open sequence or mapping.
struct Frame {
    content: Content,
    anchor: usize,
    tag: Option<String>,
    start: usize,
    /// End of the start event (`[`, `{`, or the tag/anchor of a block node).
    start_end: usize,
    /// End of the last child so far: the end of a block collection.
    last_end: usize,
    size: usize,
    child_height: usize,
}

struct Builder<'a> {
    source: &'a SourceFile,
    offsets: &'a Offsets<'a>,
    /// Characters before the chunk being parsed (saphyr counts from 0 per chunk).
    base_char: usize,
    alias_budget: usize,
    stack: Vec<Frame>,
    /// Anchored nodes by saphyr's anchor id; `None` when keeping a copy
    /// would itself have passed [`MAX_ALIAS_NODES`].
    anchors: HashMap<usize, Option<Built>>,
    /// Nodes created by alias expansion in this document.
    expanded: usize,
    root: Option<Node>,
    doc_start: usize,
    /// The current document hit a limit: ignore its events until its end.
    failed: bool,
    /// Between a document's start and end events.
    doc_open: bool,
    /// Where the open document starts in the parsed text, and how many
    /// diagnostics there were then: to read it again after a fix.
    doc_restart: (usize, usize),
}

impl Builder<'_> {
    fn byte(&self, local_char: usize) -> usize {
        self.offsets.byte(self.base_char + local_char)
    }

    fn in_document(&self) -> bool {
        self.doc_open
    }

    fn event(
        &mut self,
        event: Event<'_>,
        span: saphyr_parser::Span,
        docs: &mut Vec<Document>,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let start = self.byte(span.start.index());
        let end = self.byte(span.end.index());
        match event {
            Event::DocumentStart(_) => {
                self.stack.clear();
                self.anchors.clear();
                self.expanded = 0;
                self.root = None;
                self.failed = false;
                self.doc_open = true;
                self.doc_start = start;
                let parsed = self
                    .offsets
                    .parsed_byte(self.base_char + span.start.index());
                self.doc_restart = (parsed, diagnostics.len());
            }
            Event::DocumentEnd => {
                let root = self.root.take();
                if let Some(root) = root.filter(|r| !self.failed && !r.is_null()) {
                    let mut doc_end = root.span.end;
                    // An explicit `...` belongs to the document; an implicit
                    // end's span points at what follows.
                    if self.source.text.get(start..end) == Some("...") {
                        doc_end = doc_end.max(end);
                    }
                    let doc_start = self.doc_start.min(root.span.start);
                    docs.push(Document {
                        root,
                        span: doc_start..doc_end,
                    });
                }
                self.stack.clear();
                self.anchors.clear();
                self.failed = false;
                self.doc_open = false;
            }
            _ if self.failed => {}
            Event::Scalar(text, style, anchor, tag) => {
                let node = scalar_node(
                    &text,
                    style,
                    tag.as_deref(),
                    trim_end(&self.source.text, start, end),
                );
                self.push(
                    Built {
                        node,
                        size: 1,
                        height: 0,
                    },
                    anchor,
                );
            }
            Event::SequenceStart(anchor, ref tag) | Event::MappingStart(anchor, ref tag) => {
                if self.stack.len() >= MAX_DEPTH {
                    self.fail(
                        diagnostics,
                        "yaml-limit",
                        start,
                        format!(
                            "YAML nested deeper than {MAX_DEPTH} levels; this document is skipped"
                        ),
                    );
                    return;
                }
                let content = if matches!(event, Event::SequenceStart(..)) {
                    Content::Seq(Vec::new())
                } else {
                    Content::Map {
                        entries: Vec::new(),
                        key: None,
                    }
                };
                self.stack.push(Frame {
                    content,
                    anchor,
                    tag: tag.as_deref().map(tag_string),
                    start,
                    start_end: end,
                    last_end: end,
                    size: 1,
                    child_height: 0,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return;
                };
                // Flow collections end at their bracket; block ones (empty
                // end event) at their last child.
                let (node_end, style) = if end > start {
                    (end, Style::Flow)
                } else {
                    (frame.last_end.max(frame.start_end), Style::Block)
                };
                let value = match frame.content {
                    Content::Seq(items) => Value::Seq(items),
                    Content::Map { entries, key } => {
                        let mut entries = entries;
                        // A key with no value (cannot happen with a
                        // well-formed event stream, but never lose it).
                        if let Some(key) = key {
                            let at = key.span.end;
                            entries.push((key, null_node(at..at)));
                        }
                        Value::Map(finish_map(entries, self.source, diagnostics))
                    }
                };
                let node = Node {
                    value,
                    span: frame.start..node_end,
                    tag: frame.tag,
                    style,
                };
                self.push(
                    Built {
                        node,
                        size: frame.size,
                        height: frame.child_height + 1,
                    },
                    frame.anchor,
                );
            }
            Event::Alias(id) => {
                let bomb = || {
                    format!(
                        "aliases expand to more than {} nodes (an alias bomb?); this document is skipped",
                        self.alias_budget
                    )
                };
                let anchored = match self.anchors.get(&id) {
                    Some(Some(anchored)) => anchored,
                    Some(None) => {
                        self.fail(diagnostics, "yaml-limit", start, bomb());
                        return;
                    }
                    None => {
                        self.fail(
                            diagnostics,
                            "parse-error",
                            start,
                            "alias to an unknown anchor; this document is skipped".into(),
                        );
                        return;
                    }
                };
                if self.stack.len() + anchored.height > MAX_DEPTH {
                    self.fail(
                        diagnostics,
"yaml-limit",
                        start,
                        format!("alias expands to YAML nested deeper than {MAX_DEPTH} levels; this document is skipped"),
                    );
                    return;
                }
                let total = self.expanded.saturating_add(anchored.size);
                if total > self.alias_budget {
                    self.fail(diagnostics, "yaml-limit", start, bomb());
                    return;
                }
                self.expanded = total;
                let copy = anchored.clone();
                // The copy is not itself anchored again.
                self.push(copy, 0);
            }
            Event::Nothing | Event::StreamStart | Event::StreamEnd => {}
        }
    }

    /// Drops the current document with an error at `at`.
    fn fail(
        &mut self,
        diagnostics: &mut Vec<Diagnostic>,
        code: &'static str,
        at: usize,
        message: String,
    ) {
        diagnostics.push(Diagnostic::error(
            code,
            message,
            self.source.location(&(at..at)),
        ));
        self.failed = true;
        self.stack.clear();
        self.anchors.clear();
        self.root = None;
    }

    /// Adds a finished node to the open collection (or makes it the root).
    fn push(&mut self, built: Built, anchor: usize) {
        if anchor != 0 {
            // The copy kept for later aliases counts against the budget too:
            // otherwise nested anchors (`&a [&b [&c [...]]]`) would copy a
            // big subtree once per level.
            let total = self.expanded.saturating_add(built.size);
            let kept = (total <= self.alias_budget).then(|| {
                self.expanded = total;
                built.clone()
            });
            self.anchors.insert(anchor, kept);
        }
        let Built { node, size, height } = built;
        let Some(frame) = self.stack.last_mut() else {
            self.root = Some(node);
            return;
        };
        frame.size = frame.size.saturating_add(size);
        frame.child_height = frame.child_height.max(height);
        frame.last_end = frame.last_end.max(node.span.end);
        match &mut frame.content {
            Content::Seq(items) => items.push(node),
            Content::Map { entries, key } => match key.take() {
                None => *key = Some(node),
                Some(k) => entries.push((k, node)),
            },
        }
    }
}

fn null_node(span: Span) -> Node {
    Node {
        value: Value::Null,
        span,
        tag: None,
        style: Style::Plain,
    }
}

/// Moves a span's end back over trailing white space (block scalars end
/// after their last line break).
fn trim_end(text: &str, start: usize, end: usize) -> Span {
    let bytes = text.as_bytes();
    let mut end = end.min(bytes.len());
    while end > start && matches!(bytes.get(end - 1), Some(b' ' | b'\t' | b'\r' | b'\n')) {
        end -= 1;
    }
    start..end.max(start)
}

/// Short form of a tag: `!!str` for the core schema, `!foo` for local tags.
fn tag_string(tag: &Tag) -> String {
    if tag.is_yaml_core_schema() {
        format!("!!{}", tag.suffix)
    } else {
        format!("{}{}", tag.handle, tag.suffix)
    }
}

fn scalar_node(text: &str, style: ScalarStyle, tag: Option<&Tag>, span: Span) -> Node {
    let style = match style {
        ScalarStyle::Plain => Style::Plain,
        ScalarStyle::SingleQuoted => Style::SingleQuoted,
        ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
        ScalarStyle::Literal => Style::Literal,
        ScalarStyle::Folded => Style::Folded,
    };
    let string = || Value::String(text.to_owned());
    let value = match tag {
        Some(t) if t.is_yaml_core_schema() => match t.suffix.as_str() {
            "null" => resolve_null(text).unwrap_or_else(string),
            "bool" => resolve_bool(text).unwrap_or_else(string),
            "int" => resolve_int(text).unwrap_or_else(string),
            "float" => resolve_float(text)
                .or_else(|| {
                    resolve_int(text).and_then(|v| match v {
                        Value::Int(i) => Some(Value::Float(i as f64)),
                        _ => None,
                    })
                })
                .unwrap_or_else(string),
            _ => string(),
        },
        // The non-specific tag `!` means "not resolved": a string.
        Some(t) if t.handle.is_empty() && t.suffix == "!" => string(),
        _ if style != Style::Plain => string(),
        _ => resolve_plain(text).unwrap_or_else(string),
    };
    Node {
        value,
        span,
        tag: tag.map(tag_string),
        style,
    }
}

/// YAML 1.2 core schema resolution of a plain scalar.
fn resolve_plain(text: &str) -> Option<Value> {
    let Some(&first) = text.as_bytes().first() else {
        return Some(Value::Null);
    };
    // Cheap filter: most plain scalars are names, not numbers or keywords.
    if !(first.is_ascii_digit()
        || matches!(
            first,
            b'-' | b'+' | b'.' | b'~' | b'n' | b'N' | b't' | b'T' | b'f' | b'F'
        ))
    {
        return None;
    }
    resolve_null(text)
        .or_else(|| resolve_bool(text))
        .or_else(|| resolve_int(text))
        .or_else(|| resolve_float(text))
}

fn resolve_null(text: &str) -> Option<Value> {
    matches!(text, "" | "~" | "null" | "Null" | "NULL").then_some(Value::Null)
}

fn resolve_bool(text: &str) -> Option<Value> {
    match text {
        "true" | "True" | "TRUE" => Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => Some(Value::Bool(false)),
        _ => None,
    }
}

fn resolve_int(text: &str) -> Option<Value> {
    let radix = |digits: &str, radix: u32| {
        if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
            return None;
        }
        // Too large for i64: keep the text.
        Some(
            i64::from_str_radix(digits, radix)
                .map_or_else(|_| Value::String(text.to_owned()), Value::Int),
        )
    };
    if let Some(hex) = text.strip_prefix("0x") {
        return radix(hex, 16);
    }
    if let Some(oct) = text.strip_prefix("0o") {
        return radix(oct, 8);
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // A decimal too large for i64 is still a number.
    Some(match text.parse::<i64>() {
        Ok(i) => Value::Int(i),
        Err(_) => Value::Float(text.parse::<f64>().ok()?),
    })
}

fn resolve_float(text: &str) -> Option<Value> {
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    if matches!(unsigned, ".inf" | ".Inf" | ".INF") {
        let inf = if text.starts_with('-') {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
        return Some(Value::Float(inf));
    }
    if matches!(text, ".nan" | ".NaN" | ".NAN") {
        return Some(Value::Float(f64::NAN));
    }
    // [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
    let b = unsigned.as_bytes();
    let digits = |i: usize| {
        b.get(i..)
            .map_or(0, |r| r.iter().take_while(|c| c.is_ascii_digit()).count())
    };
    let mut i = digits(0);
    let int_digits = i;
    let mut frac_digits = 0;
    if b.get(i) == Some(&b'.') {
        frac_digits = digits(i + 1);
        i += 1 + frac_digits;
    }
    if int_digits == 0 && frac_digits == 0 {
        return None;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        let exp = digits(i);
        if exp == 0 {
            return None;
        }
        i += exp;
    }
    if i != b.len() {
        return None;
    }
    text.parse::<f64>().ok().map(Value::Float)
}

/// A scalar key's identity, for duplicate and merge checks.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum KeyRef<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(u64),
    Str(&'a str),
}

fn key_ref(node: &Node) -> Option<KeyRef<'_>> {
    Some(match &node.value {
        Value::Null => KeyRef::Null,
        Value::Bool(b) => KeyRef::Bool(*b),
        Value::Int(i) => KeyRef::Int(*i),
        Value::Float(f) => KeyRef::Float(f.to_bits()),
        Value::String(s) => KeyRef::Str(s),
        Value::Seq(_) | Value::Map(_) => return None,
    })
}

/// `<<` written plain (a quoted `"<<"` is an ordinary key).
fn is_merge_key(node: &Node) -> bool {
    match node.tag.as_deref() {
        Some("!!merge") => true,
        Some(_) => false,
        None => node.style == Style::Plain && node.as_str() == Some("<<"),
    }
}

fn describe_key(key: &Node) -> String {
    match key_ref(key) {
        Some(KeyRef::Str(s)) => format!("`{}`", s.chars().take(60).collect::<String>()),
        Some(KeyRef::Int(i)) => format!("`{i}`"),
        Some(KeyRef::Bool(b)) => format!("`{b}`"),
        Some(KeyRef::Null) => "`null`".to_owned(),
        _ => "(number)".to_owned(),
    }
}

/// Removes duplicate keys (the last one wins, with a warning) and applies
/// `<<` merge keys (explicit keys win; earlier merged maps win over later).
fn finish_map(
    entries: Vec<(Node, Node)>,
    source: &SourceFile,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<(Node, Node)> {
    let mut keep = vec![true; entries.len()];
    let mut has_merge = false;
    {
        // Most maps are small: a linear scan beats hashing there.
        let mut small: Vec<(KeyRef<'_>, usize)> = Vec::new();
        let mut large: HashMap<KeyRef<'_>, usize> = HashMap::new();
        let hashed = entries.len() > 16;
        for (i, (key, _)) in entries.iter().enumerate() {
            if is_merge_key(key) {
                has_merge = true;
                continue;
            }
            let Some(id) = key_ref(key) else { continue };
            let previous = if hashed {
                large.insert(id, i)
            } else if let Some(slot) = small.iter_mut().find(|(k, _)| *k == id) {
                Some(std::mem::replace(&mut slot.1, i))
            } else {
                small.push((id, i));
                None
            };
            if let Some(prev) = previous {
                if let Some(k) = keep.get_mut(prev) {
                    *k = false;
                }
                let first_line = entries
                    .get(prev)
                    .map_or(0, |(k, _)| source.line_col(k.span.start).0);
                diagnostics.push(Diagnostic::warning(
                    "duplicate-key",
                    format!(
                        "duplicate key {} (also on line {first_line}): the last value is used, as Kubernetes does",
                        describe_key(key)
                    ),
                    source.location(&key.span),
                ));
            }
        }
    }
    let entries: Vec<_> = entries
        .into_iter()
        .zip(keep)
        .filter_map(|(e, k)| k.then_some(e))
        .collect();
    if !has_merge {
        return entries;
    }

    // Owned identities: the entries are moved below.
    let owned = |node: &Node| key_ref(node).map(|k| format!("{k:?}"));
    let explicit: HashSet<String> = entries
        .iter()
        .filter(|(k, _)| !is_merge_key(k))
        .filter_map(|(k, _)| owned(k))
        .collect();
    let mut merged_seen: HashSet<String> = HashSet::new();
    let mut result = Vec::with_capacity(entries.len());
    for (key, value) in entries {
        if !is_merge_key(&key) {
            result.push((key, value));
            continue;
        }
        let sources: Vec<Vec<(Node, Node)>> = match value.value {
            Value::Map(map) => vec![map],
            Value::Seq(items) if items.iter().all(|i| matches!(i.value, Value::Map(_))) => items
                .into_iter()
                .filter_map(|i| match i.value {
                    Value::Map(m) => Some(m),
                    _ => None,
                })
                .collect(),
            other => {
                diagnostics.push(Diagnostic::warning(
                    "yaml-merge",
                    "`<<` merge value must be a mapping or a list of mappings; kept as an ordinary key",
                    source.location(&key.span),
                ));
                let value = Node {
                    value: other,
                    ..value
                };
                result.push((key, value));
                continue;
            }
        };
        for (k, v) in sources.into_iter().flatten() {
            match owned(&k) {
                Some(id) if explicit.contains(&id) || merged_seen.contains(&id) => {}
                Some(id) => {
                    merged_seen.insert(id);
                    result.push((k, v));
                }
                None => result.push((k, v)),
            }
        }
    }
    result
}

/// Character index ↔ byte offset. saphyr's markers count characters.
struct Offsets<'a> {
    text: &'a str,
    ascii: bool,
    /// Byte offset of every `STEP`-th character, built on first need.
    checkpoints: OnceCell<Vec<usize>>,
    /// Last answer as (char index, byte offset): markers mostly move
    /// forward, so the next lookup usually walks a few characters from here.
    cursor: Cell<(usize, usize)>,
    /// Where the parsed text differs from the source (JSON surrogates
    /// rewritten, quoted scalars re-indented): sorted (offset in the parsed
    /// text, same place in the source) pairs, each the end of a change.
    edits: Vec<(usize, usize)>,
}

const STEP: usize = 64;

impl<'a> Offsets<'a> {
    fn new(text: &'a str, edits: Vec<(usize, usize)>) -> Self {
        Offsets {
            text,
            ascii: text.is_ascii(),
            checkpoints: OnceCell::new(),
            cursor: Cell::new((0, 0)),
            edits,
        }
    }

    /// Byte offset in the source file of a byte offset in the parsed text.
    fn original(&self, byte: usize) -> usize {
        let i = self.edits.partition_point(|&(at, _)| at <= byte);
        let (parsed, source) = i
            .checked_sub(1)
            .and_then(|i| self.edits.get(i))
            .copied()
            .unwrap_or((0, 0));
        let offset = source + (byte - parsed);
        // Inside a change: clamp to where it ends in the source.
        match self.edits.get(i) {
            Some(&(_, next)) => offset.min(next),
            None => offset,
        }
    }

    fn checkpoints(&self) -> &[usize] {
        self.checkpoints.get_or_init(|| {
            self.text
                .char_indices()
                .step_by(STEP)
                .map(|(b, _)| b)
                .collect()
        })
    }

    /// Byte offset in the source file of a character index in the parsed
    /// text (the text's end past the end).
    fn byte(&self, char_index: usize) -> usize {
        self.original(self.parsed_byte(char_index))
    }

    fn parsed_byte(&self, char_index: usize) -> usize {
        if self.ascii {
            return char_index.min(self.text.len());
        }
        let (mut c, mut b) = self.cursor.get();
        if char_index < c || char_index - c > 4 * STEP {
            let checkpoints = self.checkpoints();
            let Some(&base) = checkpoints.get(char_index / STEP) else {
                return self.text.len();
            };
            (c, b) = (char_index - char_index % STEP, base);
        }
        // Walk forward counting UTF-8 lead bytes.
        let bytes = self.text.as_bytes();
        while c < char_index {
            b += 1;
            while bytes.get(b).is_some_and(|&x| x & 0xC0 == 0x80) {
                b += 1;
            }
            if b >= bytes.len() {
                return self.text.len();
            }
            c += 1;
        }
        self.cursor.set((c, b));
        b
    }

    /// Character index of a byte offset on a char boundary.
    fn char_index(&self, byte: usize) -> usize {
        if self.ascii {
            return byte;
        }
        let checkpoints = self.checkpoints();
        let block = checkpoints
            .partition_point(|&b| b <= byte)
            .saturating_sub(1);
        let base = checkpoints.get(block).copied().unwrap_or(0);
        block * STEP + self.text.get(base..byte).map_or(0, |s| s.chars().count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(text: &str) -> SourceFile {
        SourceFile::new("test.yaml", text.to_owned())
    }

    fn parse(text: &str) -> (Vec<Document>, Vec<Diagnostic>) {
        parse_stream(&src(text))
    }

    fn one(text: &str) -> Node {
        let (docs, diags) = parse(text);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(docs.len(), 1, "{docs:?}");
        docs.into_iter()
            .next()
            .map(|d| d.root)
            .expect("one document")
    }

    fn text_of<'a>(text: &'a str, node: &Node) -> &'a str {
        &text[node.span.clone()]
    }

    #[test]
    fn core_schema_resolves_plain_scalars() {
        let text = "a: ~\nb: null\nc:\nd: true\ne: False\nf: 42\ng: -7\nh: 0x1F\ni: 0o17\nj: 1.5\nk: -.inf\nl: .nan\nm: 1e3\nn: yes\no: on\np: 0777\nq: 1_000\nr: 22:22\ns: \"42\"\nt: 'true'\nu: 99999999999999999999\nv: .5\nw: 1.\n";
        let root = one(text);
        let v = |k: &str| root.get(k).expect(k).value.clone();
        assert_eq!(v("a"), Value::Null);
        assert_eq!(v("b"), Value::Null);
        assert_eq!(v("c"), Value::Null);
        assert_eq!(v("d"), Value::Bool(true));
        assert_eq!(v("e"), Value::Bool(false));
        assert_eq!(v("f"), Value::Int(42));
        assert_eq!(v("g"), Value::Int(-7));
        assert_eq!(v("h"), Value::Int(31));
        assert_eq!(v("i"), Value::Int(15));
        assert_eq!(v("j"), Value::Float(1.5));
        assert_eq!(v("k"), Value::Float(f64::NEG_INFINITY));
        assert!(matches!(v("l"), Value::Float(f) if f.is_nan()));
        assert_eq!(v("m"), Value::Float(1000.0));
        // YAML 1.1-isms stay strings.
        assert_eq!(v("n"), Value::String("yes".into()));
        assert_eq!(v("o"), Value::String("on".into()));
        assert_eq!(v("p"), Value::Int(777));
        assert_eq!(v("q"), Value::String("1_000".into()));
        assert_eq!(v("r"), Value::String("22:22".into()));
        // Quoted scalars are always strings.
        assert_eq!(v("s"), Value::String("42".into()));
        assert_eq!(v("t"), Value::String("true".into()));
        assert_eq!(v("u"), Value::Float(1e20));
        assert_eq!(v("v"), Value::Float(0.5));
        assert_eq!(v("w"), Value::Float(1.0));
        assert_eq!(root.get("s").map(|n| n.style), Some(Style::DoubleQuoted));
        assert_eq!(root.get("t").map(|n| n.style), Some(Style::SingleQuoted));
    }

    #[test]
    fn yaml11_booleans_are_strings_but_readable_on_request() {
        let root = one("a: yes\nb: \"yes\"\nc: Off\nd: true\ne: maybe\n");
        assert_eq!(root.get("a").and_then(Node::as_bool), None);
        assert_eq!(root.get("a").and_then(Node::as_bool_yaml11), Some(true));
        assert_eq!(root.get("b").and_then(Node::as_bool_yaml11), None);
        assert_eq!(root.get("c").and_then(Node::as_bool_yaml11), Some(false));
        assert_eq!(root.get("d").and_then(Node::as_bool_yaml11), Some(true));
        assert_eq!(root.get("e").and_then(Node::as_bool_yaml11), None);
        assert!(root.get("d").is_some_and(Node::is_true));
        assert!(!root.get("a").is_some_and(Node::is_true));
    }

    #[test]
    fn tags_are_kept_and_core_tags_resolve() {
        let root = one(
            "a: !!str 12\nb: !!int \"7\"\nc: ! 12\nd: !Ref x\ne: !!float 3\nf: !custom\n  k: v\n",
        );
        assert_eq!(
            root.get("a").map(|n| n.value.clone()),
            Some(Value::String("12".into()))
        );
        assert_eq!(root.get("a").and_then(|n| n.tag.as_deref()), Some("!!str"));
        assert_eq!(root.get("b").and_then(Node::as_i64), Some(7));
        assert_eq!(root.get("c").and_then(Node::as_str), Some("12"));
        assert_eq!(root.get("d").and_then(|n| n.tag.as_deref()), Some("!Ref"));
        assert_eq!(root.get("d").and_then(Node::as_str), Some("x"));
        assert_eq!(
            root.get("e").map(|n| n.value.clone()),
            Some(Value::Float(3.0))
        );
        let f = root.get("f").expect("f");
        assert_eq!(f.tag.as_deref(), Some("!custom"));
        assert_eq!(f.path(&["k"]).and_then(Node::as_str), Some("v"));
    }

    #[test]
    fn spans_cover_each_node() {
        let text = "apiVersion: v1\nspec:\n  containers:\n    - name: app\n      image: \"nginx:1\"\n      args: [a, \"b\"]\n      env: {X: 1}\n  note: |\n    two\n    lines\n\n";
        let root = one(text);
        let c = root.path(&["spec", "containers"]).expect("containers");
        assert_eq!(c.style, Style::Block);
        let first = &c.as_seq().expect("seq")[0];
        assert_eq!(text_of(text, first.get("name").expect("name")), "app");
        assert_eq!(
            text_of(text, first.get("image").expect("image")),
            "\"nginx:1\""
        );
        let args = first.get("args").expect("args");
        assert_eq!(args.style, Style::Flow);
        assert_eq!(text_of(text, args), "[a, \"b\"]");
        assert_eq!(text_of(text, first.get("env").expect("env")), "{X: 1}");
        assert_eq!(
            text_of(text, first),
            "name: app\n      image: \"nginx:1\"\n      args: [a, \"b\"]\n      env: {X: 1}"
        );
        let note = root.path(&["spec", "note"]).expect("note");
        assert_eq!(note.as_str(), Some("two\nlines\n"));
        assert_eq!(text_of(text, note), "two\n    lines");
        // Keys have spans too.
        let (key, _) = &root.as_map().expect("map")[1];
        assert_eq!(text_of(text, key), "spec");
        let f = src(text);
        let loc = f.location(&first.get("image").expect("image").span);
        assert_eq!((loc.start_line, loc.start_column), (5, 14));
    }

    #[test]
    fn byte_offsets_are_right_after_multibyte_characters() {
        let text = "naïve: \"日本語\"\nemoji: 😀😀\nkey: value\nlist: [é, ü]\n";
        let root = one(text);
        assert_eq!(text_of(text, root.get("emoji").expect("emoji")), "😀😀");
        assert_eq!(text_of(text, root.get("key").expect("key")), "value");
        assert_eq!(
            text_of(text, root.get("naïve").expect("naïve")),
            "\"日本語\""
        );
        let list = root.get("list").expect("list");
        assert_eq!(text_of(text, list), "[é, ü]");
        assert_eq!(text_of(text, &list.as_seq().expect("seq")[1]), "ü");
        let f = src(text);
        let loc = f.location(&root.get("key").expect("key").span);
        assert_eq!((loc.start_line, loc.start_column), (3, 6));
        // Over a checkpoint boundary (64 characters) of the char table.
        let long = format!("a: {}\nb: c\n", "é".repeat(200));
        let root = one(&long);
        assert_eq!(text_of(&long, root.get("b").expect("b")), "c");
    }

    #[test]
    fn offsets_round_trip() {
        let text = "aé😀b\u{800}c".repeat(50);
        let o = Offsets::new(&text, Vec::new());
        for (ci, (bi, _)) in text.char_indices().enumerate() {
            assert_eq!(o.byte(ci), bi);
            assert_eq!(o.char_index(bi), ci);
        }
        assert_eq!(o.byte(text.chars().count()), text.len());
        assert_eq!(o.byte(usize::MAX / 2), text.len());
    }

    #[test]
    fn accessors() {
        let root = one(
            "spec:\n  template:\n    spec:\n      hostPID: true\n      n: 3\n      l: [1]\n      e:\n",
        );
        let spec = root.path(&["spec", "template", "spec"]).expect("path");
        assert_eq!(spec.get("hostPID").and_then(Node::as_bool), Some(true));
        assert_eq!(spec.get("n").and_then(Node::as_i64), Some(3));
        assert_eq!(spec.get("n").and_then(Node::as_f64), Some(3.0));
        assert_eq!(
            spec.get("l").and_then(Node::as_seq).map(<[Node]>::len),
            Some(1)
        );
        assert!(spec.get("e").is_some_and(Node::is_null));
        assert!(spec.get("missing").is_none());
        assert!(root.path(&["spec", "nope", "spec"]).is_none());
        assert_eq!(root.path(&[]), Some(&root));
        let keys: Vec<_> = spec.str_entries().map(|(k, _)| k).collect();
        assert_eq!(keys, ["hostPID", "n", "l", "e"]);
        let s = src("a: 1\n");
        assert_eq!(one("a: 1\n").get("a").map(|n| n.source_text(&s)), Some("1"));
        // Non-string keys are not found by string.
        let root = one("1: a\ntrue: b\n");
        assert!(root.get("1").is_none());
        assert_eq!(root.as_map().map(<[(Node, Node)]>::len), Some(2));
    }

    #[test]
    fn multi_document_streams_skip_empty_documents() {
        let text =
            "# only a comment\n---\na: 1\n---\n---\n# nothing\n---\n- b\n...\n--- ~\n---\nc: 3\n";
        let (docs, diags) = parse(text);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(docs.len(), 3);
        assert_eq!(docs[0].root.get("a").and_then(Node::as_i64), Some(1));
        assert_eq!(&text[docs[0].span.clone()], "---\na: 1");
        assert_eq!(&text[docs[1].span.clone()], "---\n- b\n...");
        assert_eq!(docs[2].root.get("c").and_then(Node::as_i64), Some(3));
        let (docs, diags) = parse("");
        assert!(docs.is_empty() && diags.is_empty());
    }

    #[test]
    fn parse_error_keeps_earlier_documents_and_resumes_at_next_marker() {
        let text = "a: 1\n---\nb: [1, 2\nc: 3\n---\nd: 4\n";
        let (docs, diags) = parse(text);
        assert_eq!(docs.len(), 2, "{docs:?}");
        assert_eq!(docs[0].root.get("a").and_then(Node::as_i64), Some(1));
        assert_eq!(docs[1].root.get("d").and_then(Node::as_i64), Some(4));
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].code, "parse-error");
        assert_eq!(diags[0].location.start_line, 4);
        assert!(
            diags[0].message.starts_with("invalid YAML"),
            "{}",
            diags[0].message
        );
        // The resumed chunk's spans are relative to the whole file.
        assert_eq!(&text[docs[1].root.get("d").expect("d").span.clone()], "4");
    }

    #[test]
    fn parse_error_after_multibyte_text_resumes_with_right_offsets() {
        let text = "a: é\n---\nb: \"x\n---\nc: ü\n---\nd: 1\n";
        let (docs, diags) = parse(text);
        assert!(!diags.is_empty());
        let last = docs.last().expect("docs");
        assert_eq!(&text[last.root.get("d").expect("d").span.clone()], "1");
        assert!(
            docs.iter()
                .any(|d| d.root.get("c").and_then(Node::as_str) == Some("ü"))
        );
    }

    #[test]
    fn under_indented_quoted_scalar_is_read_as_kubectl_does() {
        let text = "a: 1\na: 1\n---\nspec:\n  command:\n    - sh\n    - \"exec x \\\n  --y=1 \\\n  --z=é\"\n    - 'it''s\n  more'\n  image: nginx\n---\nb: 2\n";
        let (docs, diags) = parse(text);
        assert_eq!(docs.len(), 3, "{diags:?}");
        let spec = docs[1].root.get("spec").expect("spec");
        let command = spec.get("command").and_then(Node::as_seq).expect("command");
        assert_eq!(command[1].as_str(), Some("exec x --y=1 --z=é"));
        assert_eq!(command[2].as_str(), Some("it's more"));
        // Spans are in the source as written, before and after the change.
        assert_eq!(
            text_of(text, &command[1]),
            "\"exec x \\\n  --y=1 \\\n  --z=é\""
        );
        assert_eq!(text_of(text, spec.get("image").expect("image")), "nginx");
        assert_eq!(text_of(text, docs[2].root.get("b").expect("b")), "2");
        // Each diagnostic once, though the document was read again.
        let codes: Vec<_> = diags
            .iter()
            .map(|d| (d.code, d.location.start_line))
            .collect();
        assert_eq!(
            codes,
            [
                ("duplicate-key", 2),
                ("yaml-lenient", 7),
                ("yaml-lenient", 10)
            ]
        );
        assert_eq!(diags[1].location.start_column, 7);
    }

    #[test]
    fn offsets_map_back_through_edits() {
        let o = Offsets::new("0123456789", vec![(5, 3), (9, 9)]);
        // Before any change, the same offset; inside a change, its end; after, shifted.
        assert_eq!(o.original(1), 1);
        assert_eq!(o.original(4), 3);
        assert_eq!(o.original(5), 3);
        assert_eq!(o.original(6), 4);
        assert_eq!(o.original(9), 9);
    }

    #[test]
    fn unterminated_flow_at_end_is_one_error() {
        let (docs, diags) = parse("a: 1\n---\nb: [\n");
        assert_eq!(docs.len(), 1);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].location.start_line, 4);
    }

    #[test]
    fn aliases_copy_the_anchored_node_with_its_spans() {
        let text = "base: &b\n  x: 1\nuse: *b\nlist: [&s v, *s]\n";
        let root = one(text);
        let base = root.get("base").expect("base");
        let used = root.get("use").expect("use");
        assert_eq!(used.value, base.value);
        assert_eq!(used.span, base.span);
        assert_eq!(text_of(text, used.get("x").expect("x")), "1");
        let list = root.get("list").and_then(Node::as_seq).expect("list");
        assert_eq!(list[1].as_str(), Some("v"));
        // The key that holds the alias keeps its own place.
        let (use_key, _) = &root.as_map().expect("map")[1];
        assert_eq!(src(text).location(&use_key.span).start_line, 3);
    }

    #[test]
    fn merge_keys_merge_with_explicit_keys_winning() {
        let text = "a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nc:\n  <<: [*a, *b]\n  x: 3\nd:\n  <<: *b\n  w: 0\ne: {\"<<\": *a}\n";
        let root = one(text);
        let c = root.get("c").expect("c");
        assert_eq!(c.get("x").and_then(Node::as_i64), Some(3));
        assert_eq!(c.get("y").and_then(Node::as_i64), Some(1));
        assert_eq!(c.get("z").and_then(Node::as_i64), Some(2));
        assert!(c.get("<<").is_none());
        assert_eq!(c.as_map().map(<[(Node, Node)]>::len), Some(3));
        // Merged values point at where they were written.
        assert_eq!(
            src(text).location(&c.get("z").expect("z").span).start_line,
            2
        );
        let d = root.get("d").expect("d");
        let keys: Vec<_> = d.str_entries().map(|(k, _)| k).collect();
        assert_eq!(keys, ["y", "z", "w"]);
        // A quoted "<<" is an ordinary key.
        assert!(root.path(&["e", "<<", "x"]).is_some());
    }

    #[test]
    fn bad_merge_value_is_kept_with_a_warning() {
        let (docs, diags) = parse("a:\n  <<: 5\n  b: 1\n");
        assert_eq!(docs.len(), 1);
        assert_eq!(
            docs[0].root.path(&["a", "<<"]).and_then(Node::as_i64),
            Some(5)
        );
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].code, "yaml-merge");
        assert_eq!(diags[0].location.start_line, 2);
    }

    #[test]
    fn duplicate_keys_warn_and_the_last_wins() {
        let text = "replicas: 1\nname: x\nreplicas: 3\n";
        let (docs, diags) = parse(text);
        let root = &docs[0].root;
        assert_eq!(root.get("replicas").and_then(Node::as_i64), Some(3));
        assert_eq!(root.as_map().map(<[(Node, Node)]>::len), Some(2));
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].code, "duplicate-key");
        assert_eq!(diags[0].level, crate::source::DiagnosticLevel::Warning);
        assert_eq!(diags[0].location.start_line, 3);
        assert!(diags[0].message.contains("line 1"), "{}", diags[0].message);
        // Many keys (the hashed path) with one duplicate.
        let mut big: String = (0..100).map(|i| format!("k{i}: {i}\n")).collect();
        big.push_str("k7: last\n");
        let (docs, diags) = parse(&big);
        assert_eq!(docs[0].root.get("k7").and_then(Node::as_str), Some("last"));
        assert_eq!(diags.len(), 1);
    }

    #[test]
    fn alias_bomb_drops_only_its_document() {
        let mut bomb = String::from("a: 1\n---\nl0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = i - 1;
            bomb.push_str(&format!(
                "l{i}: &l{i} [*l{prev}, *l{prev}, *l{prev}, *l{prev}, *l{prev}, *l{prev}, *l{prev}, *l{prev}, *l{prev}, *l{prev}]\n"
            ));
        }
        bomb.push_str("---\nb: 2\n");
        let (docs, diags) = parse(&bomb);
        assert_eq!(docs.len(), 2);
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert!(diags[0].message.contains("alias"), "{}", diags[0].message);
        assert_eq!(diags[0].code, "yaml-limit");
        // The eighth alias in l5 passes a million nodes.
        assert_eq!(diags[0].location.start_line, 8);
    }

    #[test]
    fn nested_anchors_are_bounded_and_an_unused_big_anchor_is_fine() {
        // With a budget of 10 000 nodes: every level anchored around 3 000
        // leaves; without counting the kept copies, that would be 200 × 3 000.
        let budget = 10_000;
        let leaves = "x,".repeat(3_000);
        let text = format!("{}[{leaves}]{}\n", "&a [".repeat(200), "]".repeat(200));
        let (docs, diags) = parse_text(&src(&text), Format::Yaml, budget);
        assert_eq!(docs.len(), 1);
        assert!(diags.is_empty(), "{diags:?}");
        // An anchor too big to keep is fine until an alias uses it.
        let text = format!("a: &big [{}]\nb: 1\nc: *big\n", "x,".repeat(11_000));
        let (docs, diags) = parse_text(&src(&text), Format::Yaml, budget);
        assert!(docs.is_empty());
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].code, "yaml-limit");
        assert_eq!(diags[0].location.start_line, 3);
        let text = format!("a: &big [{}]\nb: 1\n", "x,".repeat(11_000));
        assert_eq!(parse_text(&src(&text), Format::Yaml, budget).0.len(), 1);
    }

    #[test]
    fn merge_bomb_is_caught_by_the_same_budget() {
        let mut bomb = String::from("m0: &m0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8}\n");
        for i in 1..12 {
            let p = i - 1;
            bomb.push_str(&format!(
                "m{i}: &m{i}\n  <<: [*m{p}, *m{p}, *m{p}, *m{p}, *m{p}, *m{p}, *m{p}, *m{p}]\n  x{i}: [*m{p}, *m{p}, *m{p}, *m{p}, *m{p}, *m{p}, *m{p}, *m{p}]\n"
            ));
        }
        let (docs, diags) = parse(&bomb);
        assert!(docs.is_empty());
        assert_eq!(diags.len(), 1, "{diags:?}");
    }

    #[test]
    fn deep_nesting_is_a_diagnostic_not_a_crash() {
        for text in [
            "[".repeat(10_000),
            "{a: ".repeat(10_000),
            format!("{}x\n", "- ".repeat(10_000)),
            // Block levels first: our limit is passed before saphyr's, and
            // saphyr's error that follows is not a second diagnostic.
            format!(
                "k:\n  x: {}1{}\n",
                "{a: ".repeat(10_000),
                "}".repeat(10_000)
            ),
            (0..1000)
                .map(|i| format!("{}k:\n", "  ".repeat(i)))
                .collect(),
        ] {
            let (docs, diags) = parse(&text);
            assert!(docs.is_empty());
            assert_eq!(diags.len(), 1, "{diags:?}");
            // saphyr stops flow nesting at 255 itself; we stop block nesting.
            assert!(
                matches!(diags[0].code, "parse-error" | "yaml-limit"),
                "{diags:?}"
            );
        }
        // Deep but under the limit is fine.
        let ok = format!("{}x\n", "- ".repeat(200));
        assert_eq!(parse(&ok).0.len(), 1);
    }

    #[test]
    fn alias_deeper_than_limit_is_rejected() {
        let deep = format!(
            "a: &d {}x{}\nb: {}*d{}\n",
            "[".repeat(200),
            "]".repeat(200),
            "[".repeat(100),
            "]".repeat(100)
        );
        let (docs, diags) = parse(&deep);
        assert!(docs.is_empty());
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].location.start_line, 2);
    }

    #[test]
    fn json_reads_as_the_same_tree() {
        let json = "{\"a\": [1, \"x\", 2.5, true, null], \"b\": {\"c\": \"d\"},\"e\":-3}";
        let s = SourceFile::new("x.json", json.to_owned());
        let (root, diags) = parse_json(&s);
        assert!(diags.is_empty(), "{diags:?}");
        let root = root.expect("root");
        let a = root.get("a").and_then(Node::as_seq).expect("a");
        let values: Vec<_> = a.iter().map(|n| n.value.clone()).collect();
        assert_eq!(
            values,
            [
                Value::Int(1),
                Value::String("x".into()),
                Value::Float(2.5),
                Value::Bool(true),
                Value::Null
            ]
        );
        assert_eq!(root.path(&["b", "c"]).and_then(Node::as_str), Some("d"));
        assert_eq!(root.get("e").and_then(Node::as_i64), Some(-3));
        assert_eq!(&json[a[1].span.clone()], "\"x\"");
        let escapes = r#"{"url": "http:\/\/x\/\"q\"", "n": 1e2, "z": -0}"#;
        let (other, diags) = parse_json(&SourceFile::new("x.json", escapes.to_owned()));
        assert!(diags.is_empty(), "{diags:?}");
        let other = other.expect("root");
        assert_eq!(
            other.get("url").and_then(Node::as_str),
            Some("http://x/\"q\"")
        );
        assert_eq!(other.get("n").and_then(Node::as_f64), Some(100.0));
        assert_eq!(other.get("z").and_then(Node::as_i64), Some(0));
        // Tab-indented, multi-line JSON.
        let json = "{\n\t\"a\": {\n\t\t\"b\": [\n\t\t\t1\n\t\t]\n\t}\n}\n";
        let (root, diags) = parse_json(&SourceFile::new("x.json", json.to_owned()));
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(
            root.and_then(|r| r.path(&["a", "b"]).cloned())
                .and_then(|n| n.as_seq().map(<[Node]>::len)),
            Some(1)
        );
        let (root, diags) = parse_json(&SourceFile::new("x.json", String::new()));
        assert!(root.is_none() && diags.is_empty());
        let (root, diags) = parse_json(&SourceFile::new("x.json", "x={\n \"a\": 1}".to_owned()));
        assert!(root.is_none());
        assert_eq!(diags.len(), 1);
        assert!(
            diags[0].message.starts_with("invalid JSON"),
            "{}",
            diags[0].message
        );
        assert_eq!(diags[0].location.start_line, 2);
    }

    #[test]
    fn json_surrogate_pairs_are_decoded_and_spans_stay_right() {
        let json = r#"{"a": "\ud83d\ude00 x\\ud83d", "b": "\ud800!", "c": [1, "\uD83D\uDE00\uD83D\uDE00"], "d": 2}"#;
        let (root, diags) = parse_json(&SourceFile::new("x.json", json.to_owned()));
        assert!(diags.is_empty(), "{diags:?}");
        let root = root.expect("root");
        assert_eq!(root.get("a").and_then(Node::as_str), Some("😀 x\\ud83d"));
        assert_eq!(root.get("b").and_then(Node::as_str), Some("\u{FFFD}!"));
        let c = root.get("c").and_then(Node::as_seq).expect("c");
        assert_eq!(c[1].as_str(), Some("😀😀"));
        assert_eq!(&json[c[1].span.clone()], r#""\uD83D\uDE00\uD83D\uDE00""#);
        let d = root.get("d").expect("d");
        assert_eq!(&json[d.span.clone()], "2");
        assert_eq!(&json[root.span.clone()], json);
    }

    /// Tiny xorshift PRNG: deterministic mutations without a dependency.
    struct XorShift(u64);
    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
    }

    #[test]
    fn truncations_and_mutations_never_panic() {
        let seeds = [
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web # c\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: \"nginx:1\"\n          args: [a, 'b', {c: d}]\n          securityContext: {privileged: true}\n",
            "base: &b {x: 1}\nm:\n  <<: [*b, *b]\n  y: !!int \"2\"\n---\n- |\n  lit\n- >-\n  fold\n- ? complex\n  : key\n...\n",
            "services:\n  web:\n    ports:\n      - \"8080:80\"\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n    environment:\n      é: ü😀\n",
            "{\"a\": [1, \"x\", {\"b\": null}], \"c\": \"\\u00e9\\n\\ud83d\\ude00\"}",
            "%YAML 1.2\n%TAG !e! tag:example.com,2000:\n--- !e!foo\n&a a: *a\n[a, b]: c\n",
        ];
        let noise: &[&str] = &[
            "[", "]", "{", "}", ":", "- ", "&a ", "*a", "!", "\"", "'", "#", "\n", "\t", "---\n",
            "? ", "<<: *a\n", "é", "|", ">", ",", "%", "\r", "\u{FEFF}", "\\",
        ];
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        for seed in seeds {
            let boundaries: Vec<usize> = seed
                .char_indices()
                .map(|(i, _)| i)
                .chain([seed.len()])
                .collect();
            for &cut in &boundaries {
                let _ = parse_stream(&src(&seed[..cut]));
                let _ = parse_json(&src(&seed[..cut]));
            }
            for _ in 0..300 {
                let mut text = seed.to_owned();
                for _ in 0..1 + rng.below(4) {
                    let chars: Vec<usize> = text
                        .char_indices()
                        .map(|(i, _)| i)
                        .chain([text.len()])
                        .collect();
                    let at = chars[rng.below(chars.len())];
                    match rng.below(3) {
                        0 => text.insert_str(at, noise[rng.below(noise.len())]),
                        1 => {
                            if let Some(&end) = chars.iter().find(|&&c| c > at) {
                                text.replace_range(at..end, "");
                            }
                        }
                        _ => {
                            let from = chars[rng.below(chars.len())];
                            let to = chars[rng.below(chars.len())];
                            let piece = text[from.min(to)..from.max(to)].to_owned();
                            text.insert_str(at, &piece);
                        }
                    }
                }
                let _ = parse_json(&src(&text));
                let (docs, diags) = parse_stream(&src(&text));
                for d in &docs {
                    assert!(
                        text.get(d.span.clone()).is_some(),
                        "bad span {:?} in {text:?}",
                        d.span
                    );
                }
                for d in &diags {
                    assert!(d.location.start_line >= 1);
                    // saphyr itself never panicked (we would catch it).
                    assert!(!d.message.contains("parser failed"), "{text:?}");
                }
            }
        }
    }
}
