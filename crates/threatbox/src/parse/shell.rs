//! A light POSIX-shell tokenizer for the scripts that `RUN` executes.
//!
//! It is not a shell parser: it splits a script into pipelines of simple
//! commands made of unquoted words with their byte ranges, which is what rules
//! need to ask "does this script run `curl -k`?" and point at the exact words.
//! It understands quotes, escapes, comments, redirections (heredoc bodies are
//! skipped and kept on the redirection), command and process substitution
//! (their commands are reported as nested commands), and control operators.
//! Compound commands (`if`, `while`, `for`, `case`) are not modelled: their
//! reserved words are dropped and the commands inside are reported as if they
//! stood alone, which is what a rule wants.
//!
//! Guarantees: never panics, linear time in the script length (nesting is
//! depth-limited), unterminated quotes take the rest of the script.

use std::ops::Range;

use crate::parse::dockerfile::{Command, Heredoc, InstrKind, Instruction, ShellText, Word};
use crate::source::Span;

/// Nesting limit for `$(…)`, backticks and `sh -c` expansion: deeper content
/// is kept as text but not analysed (and cannot exhaust the stack).
const MAX_DEPTH: usize = 16;

/// Shells whose `-c` argument or heredoc input is itself a shell script.
const SHELLS: &[&str] = &["sh", "bash", "dash", "ash", "zsh", "ksh", "mksh"];

/// Is `name` (a basename) a POSIX-like shell?
pub fn is_shell(name: &str) -> bool {
    SHELLS.contains(&name)
}

/// One word of a command after quote removal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellWord {
    /// Unquoted, escapes resolved. Expansions (`$VAR`, `$(…)`) are kept as
    /// written, without their quotes.
    pub value: String,
    /// Byte range of the word in the script text, quotes included.
    pub range: Range<usize>,
}

/// A redirection such as `> /etc/x`, `2>&1` or `<<EOF`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// The operator without its file descriptor: `>`, `>>`, `<`, `<<`, `<<-`,
    /// `<<<`, `>&`, `<&`, `&>`, `&>>`, `>|`, `<>`.
    pub op: String,
    /// The file (or descriptor, or heredoc delimiter) after the operator.
    pub target: ShellWord,
    /// For `<<`/`<<-`: the heredoc body (raw text, range of the body lines).
    pub heredoc: Option<ShellWord>,
    /// From the descriptor number (if any) to the end of the target.
    pub range: Range<usize>,
}

impl Redirect {
    /// `<<` or `<<-`.
    pub fn is_heredoc(&self) -> bool {
        self.op == "<<" || self.op == "<<-"
    }
    /// Writes to a file (`>`, `>>`, `>|`, `&>`, `&>>`), not to a descriptor.
    pub fn writes_file(&self) -> bool {
        matches!(self.op.as_str(), ">" | ">>" | ">|" | "&>" | "&>>")
    }
}

/// Words (and redirections) between control operators.
///
/// Build one with `SimpleCommand::default()` and fill its words before
/// asking for its name: [`SimpleCommand::name_index`] is computed once, on
/// first use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SimpleCommand {
    pub words: Vec<ShellWord>,
    pub redirects: Vec<Redirect>,
    /// Commands inside `$(…)`, backticks, `<(…)` and `>(…)` of this
    /// command's words and redirections.
    pub substitutions: Vec<Pipeline>,
    name_index: NameIndexCache,
}

/// The cached [`SimpleCommand::name_index`]: rules ask each command for its
/// name, arguments and prefix many times over. Not part of a command's
/// value (equal commands are equal whether or not it was computed).
#[derive(Debug, Clone, Default)]
struct NameIndexCache(std::sync::OnceLock<Option<usize>>);

impl PartialEq for NameIndexCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for NameIndexCache {}

/// Commands joined by `|` (or `|&`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pipeline {
    pub commands: Vec<SimpleCommand>,
}

/// `NAME=value` (or `NAME+=value`) before a command name.
pub fn is_assignment(word: &str) -> bool {
    let Some(eq) = word.find('=') else {
        return false;
    };
    let name = word[..eq].strip_suffix('+').unwrap_or(&word[..eq]);
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// The last `/`-separated part of a path (`/usr/bin/curl` → `curl`).
/// A word holding a command substitution is returned whole.
pub fn basename(path: &str) -> &str {
    // One pass over the bytes: this runs for every word of every command
    // that rules look at.
    let bytes = path.as_bytes();
    let mut last_slash = None;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'`' => return path,
            b'$' if bytes.get(i + 1) == Some(&b'(') => return path,
            b'/' => last_slash = Some(i),
            _ => {}
        }
    }
    last_slash.map_or(path, |i| &path[i + 1..])
}

impl SimpleCommand {
    fn is_empty(&self) -> bool {
        self.words.is_empty() && self.redirects.is_empty() && self.substitutions.is_empty()
    }

    /// Index in [`SimpleCommand::words`] of the command that really runs.
    ///
    /// Skips leading `VAR=value` assignments and these wrappers with their
    /// options (each runs its argument as a command): `sudo`, `doas`, `env`,
    /// `exec`, `nohup`, `time`, `command` (not `command -v`/`-V`, which only
    /// looks a name up), `nice`, `timeout` (and its duration), `stdbuf`,
    /// `gosu`/`su-exec` (and their user). `xargs` is deliberately *not* a
    /// wrapper: its command gets extra arguments from stdin, and its many
    /// options make the command position guesswork.
    pub fn name_index(&self) -> Option<usize> {
        *self.name_index.0.get_or_init(|| self.find_name_index())
    }

    fn find_name_index(&self) -> Option<usize> {
        let words = &self.words;
        let mut i = 0;
        loop {
            while words.get(i).is_some_and(|w| is_assignment(&w.value)) {
                i += 1;
            }
            let word = words.get(i)?;
            // Options of each wrapper that take a separate value.
            let (with_value, fixed_args): (&[&str], usize) = match basename(&word.value) {
                "sudo" | "doas" => (
                    &[
                        "-u",
                        "-g",
                        "-h",
                        "-p",
                        "-C",
                        "-D",
                        "-r",
                        "-t",
                        "-U",
                        "-T",
                        "--user",
                        "--group",
                        "--host",
                        "--prompt",
                        "--close-from",
                        "--chdir",
                        "--role",
                        "--type",
                        "--other-user",
                        "--command-timeout",
                    ],
                    0,
                ),
                "env" => (
                    &["-u", "-C", "--unset", "--chdir", "-S", "--split-string"],
                    0,
                ),
                "exec" => (&["-a"], 0),
                "nohup" => (&[], 0),
                "time" => (&["-f", "-o", "--format", "--output"], 0),
                "command" => {
                    let next = words.get(i + 1).map(|w| w.value.as_str());
                    if matches!(next, Some("-v" | "-V")) {
                        return Some(i);
                    }
                    (&[], 0)
                }
                "nice" => (&["-n", "--adjustment"], 0),
                "timeout" => (&["-s", "-k", "--signal", "--kill-after"], 1),
                "stdbuf" => (&["-i", "-o", "-e", "--input", "--output", "--error"], 0),
                "gosu" | "su-exec" => (&[], 1),
                _ => return Some(i),
            };
            i += 1;
            while let Some(w) = words.get(i) {
                let v = w.value.as_str();
                if v == "--" {
                    i += 1;
                    break;
                }
                if v.len() > 1 && v.starts_with('-') {
                    i += if with_value.contains(&v) { 2 } else { 1 };
                } else if basename(&word.value) == "env" && is_assignment(v) {
                    i += 1;
                } else {
                    break;
                }
            }
            i += fixed_args;
        }
    }

    /// The basename of the command that runs (see [`SimpleCommand::name_index`]).
    pub fn name(&self) -> Option<&str> {
        self.name_index()
            .and_then(|i| self.words.get(i))
            .map(|w| basename(&w.value))
    }

    /// The word naming the command.
    pub fn name_word(&self) -> Option<&ShellWord> {
        self.name_index().and_then(|i| self.words.get(i))
    }

    /// Words after the command name (all words when there is no name).
    pub fn args(&self) -> &[ShellWord] {
        match self.name_index() {
            Some(i) => self.words.get(i + 1..).unwrap_or(&[]),
            None => &[],
        }
    }

    /// Assignments and wrappers before the command name (e.g. `sudo -E`).
    pub fn prefix(&self) -> &[ShellWord] {
        let end = self.name_index().unwrap_or(self.words.len());
        self.words.get(..end).unwrap_or(&[])
    }

    /// Is the command run through `sudo` (or `doas`)?
    pub fn uses_sudo(&self) -> bool {
        self.prefix()
            .iter()
            .any(|w| matches!(basename(&w.value), "sudo" | "doas"))
    }

    /// The argument word holding an option: `-k` (also inside a cluster such
    /// as `-fsSLk`), `--insecure` or `--insecure=…`. `long` is given without
    /// dashes; pass `""` for none. Options after `--` are not options.
    ///
    /// Clusters are read naively: `-ukey` "contains" `k`. Rules ask for flags
    /// whose letter rarely appears in another option's attached value.
    pub fn find_flag(&self, short: Option<char>, long: &str) -> Option<&ShellWord> {
        let long = long.trim_start_matches('-');
        for w in self.args() {
            let v = w.value.as_str();
            if v == "--" {
                break;
            }
            if let Some(rest) = v.strip_prefix("--") {
                if !long.is_empty()
                    && (rest == long || rest.strip_prefix(long).is_some_and(|r| r.starts_with('=')))
                {
                    return Some(w);
                }
            } else if let (Some(c), Some(cluster)) = (short, v.strip_prefix('-'))
                && cluster.contains(c)
            {
                return Some(w);
            }
        }
        None
    }

    pub fn has_flag(&self, short: Option<char>, long: &str) -> bool {
        self.find_flag(short, long).is_some()
    }

    /// The value of an option: `-o x`, `-ox`, `-sSo x`, `--output x`,
    /// `--output=x`. Returns the value and the word it came from.
    pub fn flag_value(&self, short: Option<char>, long: &str) -> Option<(String, &ShellWord)> {
        let long = long.trim_start_matches('-');
        let args = self.args();
        for (i, w) in args.iter().enumerate() {
            let v = w.value.as_str();
            if v == "--" {
                break;
            }
            if let Some(rest) = v.strip_prefix("--") {
                if long.is_empty() {
                    continue;
                }
                if rest == long {
                    return args.get(i + 1).map(|n| (n.value.clone(), n));
                }
                if let Some(value) = rest.strip_prefix(long).and_then(|r| r.strip_prefix('=')) {
                    return Some((value.to_string(), w));
                }
            } else if let (Some(c), Some(cluster)) = (short, v.strip_prefix('-'))
                && let Some(pos) = cluster.find(c)
            {
                let attached = &cluster[pos + c.len_utf8()..];
                if attached.is_empty() {
                    return args.get(i + 1).map(|n| (n.value.clone(), n));
                }
                return Some((attached.to_string(), w));
            }
        }
        None
    }

    /// Byte range from the first to the last word or redirection.
    pub fn range(&self) -> Range<usize> {
        let starts = self
            .words
            .iter()
            .map(|w| &w.range)
            .chain(self.redirects.iter().map(|r| &r.range));
        let mut start = usize::MAX;
        let mut end = 0;
        for r in starts {
            start = start.min(r.start);
            end = end.max(r.end);
        }
        if start == usize::MAX {
            0..0
        } else {
            start..end
        }
    }

    /// For a shell invoked with `-c` (`sh -c '…'`, `bash -ec "…"`,
    /// `bash -o pipefail -c …`): the script argument.
    pub fn shell_script_arg(&self) -> Option<&ShellWord> {
        if !is_shell(self.name()?) {
            return None;
        }
        shell_c_arg(self.args())
    }

    /// A shell reading its script from stdin (no `-c`, no script file).
    pub fn is_shell_reading_stdin(&self) -> bool {
        let Some(name) = self.name() else {
            return false;
        };
        if !is_shell(name) {
            return false;
        }
        let mut args = self.args().iter();
        while let Some(a) = args.next() {
            let v = a.value.as_str();
            if v == "-s" || v == "-" || v == "--" {
                return true;
            }
            if v == "-o" || v == "+o" {
                args.next();
                continue;
            }
            if v.starts_with('-') || v.starts_with('+') {
                if !v.starts_with("--") && v.contains('c') {
                    return false;
                }
                continue;
            }
            // A script file.
            return false;
        }
        true
    }
}

/// The argument after a `-c` (possibly clustered, `-ec`) in a shell's args.
fn shell_c_arg(args: &[ShellWord]) -> Option<&ShellWord> {
    let mut seen_c = false;
    let mut iter = args.iter();
    while let Some(a) = iter.next() {
        let v = a.value.as_str();
        if (v.starts_with('-') || v.starts_with('+')) && v.len() > 1 && !seen_c {
            if v == "-o" || v == "+o" {
                iter.next();
            } else if !v.starts_with("--") && v[1..].contains('c') {
                seen_c = true;
            }
            continue;
        }
        return if seen_c { Some(a) } else { None };
    }
    None
}

/// Parses a script into pipelines. Never fails.
pub fn parse(script: &str) -> Vec<Pipeline> {
    Parser {
        text: script,
        b: script.as_bytes(),
        pos: 0,
        end: script.len(),
        depth: 0,
    }
    .list(false)
}

/// Every simple command of a script, in order: each command, then the
/// commands of its substitutions, then — for `sh -c '…'` and for a shell fed
/// a heredoc (`sh <<EOF`) — the commands of that inner script (depth-limited).
/// Ranges of inner-script commands point into `script`: exactly when the
/// argument was written without escapes, else at the whole argument.
pub fn commands(script: &str) -> impl Iterator<Item = SimpleCommand> {
    all_pipelines(script).into_iter().flat_map(|p| p.commands)
}

/// Every pipeline of a script: the top-level ones, then those inside
/// substitutions and inner scripts, as [`commands`] walks them.
pub fn all_pipelines(script: &str) -> Vec<Pipeline> {
    let mut out = Vec::new();
    flatten_top(script, parse(script), &mut out);
    out
}

/// [`flatten`] for a script's own pipelines, which need no range mapping:
/// they move into `out` instead of being copied (most commands of a script
/// are top-level). Returns where in `out` each of them went.
fn flatten_top(text: &str, pipelines: Vec<Pipeline>, out: &mut Vec<Pipeline>) -> Vec<usize> {
    let mut top = Vec::with_capacity(pipelines.len());
    for pipeline in pipelines {
        let at = out.len();
        top.push(at);
        out.push(pipeline);
        for j in 0..out[at].commands.len() {
            // `out` grows while the command's nested scripts are flattened:
            // the command steps out of it meanwhile.
            let cmd = std::mem::take(&mut out[at].commands[j]);
            flatten_nested(text, &cmd, 0, &|r| r, out);
            out[at].commands[j] = cmd;
        }
    }
    top
}

fn flatten(
    text: &str,
    pipelines: &[Pipeline],
    depth: usize,
    map: &dyn Fn(Range<usize>) -> Range<usize>,
    out: &mut Vec<Pipeline>,
) {
    for pipeline in pipelines {
        out.push(Pipeline {
            commands: pipeline.commands.iter().map(|c| remap(c, map)).collect(),
        });
        for cmd in &pipeline.commands {
            flatten_nested(text, cmd, depth, map, out);
        }
    }
}

/// The pipelines a command runs besides itself: those of its substitutions,
/// then those of the script it gives a shell (`sh -c '…'`, `sh <<EOF`).
fn flatten_nested(
    text: &str,
    cmd: &SimpleCommand,
    depth: usize,
    map: &dyn Fn(Range<usize>) -> Range<usize>,
    out: &mut Vec<Pipeline>,
) {
    flatten(text, &cmd.substitutions, depth, map, out);
    if depth >= MAX_DEPTH {
        return;
    }
    if let Some(arg) = cmd
        .shell_script_arg()
        .filter(|a| !is_one_substitution(&a.value))
    {
        let raw = text.get(arg.range.clone()).unwrap_or("");
        // Where the unquoted value starts in `text`, if it is a verbatim copy.
        let base = if raw == arg.value {
            Some(arg.range.start)
        } else if raw.len() == arg.value.len() + 2
            && raw.get(1..raw.len() - 1) == Some(arg.value.as_str())
        {
            Some(arg.range.start + 1)
        } else {
            None
        };
        let whole = arg.range.clone();
        let inner_map = move |r: Range<usize>| match base {
            Some(b) => map(b + r.start..b + r.end),
            None => map(whole.clone()),
        };
        flatten(&arg.value, &parse(&arg.value), depth + 1, &inner_map, out);
    } else if cmd.is_shell_reading_stdin() {
        for r in cmd.redirects.iter().filter(|r| r.is_heredoc()) {
            if let Some(body) = &r.heredoc {
                let base = body.range.start;
                let inner_map = move |r: Range<usize>| map(base + r.start..base + r.end);
                flatten(&body.value, &parse(&body.value), depth + 1, &inner_map, out);
            }
        }
    }
}

/// `$(…)` or `` `…` `` alone: its commands are already reported as substitutions.
fn is_one_substitution(value: &str) -> bool {
    let v = value.trim();
    (v.starts_with("$(") && v.ends_with(')'))
        || (v.len() > 1 && v.starts_with('`') && v.ends_with('`'))
}

fn remap(cmd: &SimpleCommand, map: &dyn Fn(Range<usize>) -> Range<usize>) -> SimpleCommand {
    let word = |w: &ShellWord| ShellWord {
        value: w.value.clone(),
        range: map(w.range.clone()),
    };
    SimpleCommand {
        words: cmd.words.iter().map(word).collect(),
        redirects: cmd
            .redirects
            .iter()
            .map(|r| Redirect {
                op: r.op.clone(),
                target: word(&r.target),
                heredoc: r.heredoc.as_ref().map(word),
                range: map(r.range.clone()),
            })
            .collect(),
        substitutions: cmd
            .substitutions
            .iter()
            .map(|p| Pipeline {
                commands: p.commands.iter().map(|c| remap(c, map)).collect(),
            })
            .collect(),
        name_index: cmd.name_index.clone(),
    }
}

/// Reserved words dropped at command position (see the module docs).
const RESERVED: &[&str] = &[
    "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}", "esac",
];

/// A heredoc whose body starts after the next newline, and the redirection
/// (by indices into the list being built) that will hold it.
struct PendingHeredoc {
    delim: String,
    strip_tabs: bool,
    pipeline: usize,
    command: usize,
    redirect: usize,
}

/// A table of the bytes in `list`.
const fn byte_table(list: &[u8]) -> [bool; 256] {
    let mut table = [false; 256];
    let mut i = 0;
    while i < list.len() {
        table[list[i] as usize] = true;
        i += 1;
    }
    table
}

/// Bytes that end a run of ordinary characters in an unquoted word.
static WORD_SPECIAL: [bool; 256] = byte_table(b" \t\r\n;&|()<>'\"\\$`");
/// Bytes that end a run of ordinary characters inside double quotes.
static QUOTED_SPECIAL: [bool; 256] = byte_table(b"\"\\$`");

struct Parser<'a> {
    text: &'a str,
    b: &'a [u8],
    pos: usize,
    /// Exclusive end of the region being parsed (a backtick slice ends early).
    end: usize,
    depth: usize,
}

fn end_command(pipeline: &mut Pipeline, cmd: &mut SimpleCommand) {
    if !cmd.is_empty() {
        pipeline.commands.push(std::mem::take(cmd));
    }
}

fn end_pipeline(out: &mut Vec<Pipeline>, pipeline: &mut Pipeline, cmd: &mut SimpleCommand) {
    end_command(pipeline, cmd);
    if !pipeline.commands.is_empty() {
        out.push(std::mem::take(pipeline));
    }
}

impl Parser<'_> {
    fn at(&self, i: usize) -> Option<u8> {
        if i < self.end {
            self.b.get(i).copied()
        } else {
            None
        }
    }

    fn peek(&self, k: usize) -> Option<u8> {
        self.at(self.pos + k)
    }

    fn slice(&self, r: Range<usize>) -> &str {
        self.text.get(r).unwrap_or("")
    }

    /// A command list up to the end of the region or, inside `$(`/`<(`, up to
    /// the unmatched `)` (consumed).
    fn list(&mut self, in_subst: bool) -> Vec<Pipeline> {
        let mut out = Vec::new();
        let mut pipeline = Pipeline::default();
        let mut cmd = SimpleCommand::default();
        let mut pending: Vec<PendingHeredoc> = Vec::new();
        let mut parens = 0usize;
        // `case` statements: how many are open, and whether a pattern
        // (`arm64|aarch64)`) comes next — patterns are not commands.
        let mut cases = 0usize;
        let mut expect_pattern = false;
        while let Some(c) = self.peek(0) {
            if expect_pattern && !matches!(c, b' ' | b'\t' | b'\r' | b'\n' | b'#' | b'\\') {
                expect_pattern = false;
                if !self.at_word("esac") {
                    self.skip_case_pattern();
                    continue;
                }
            }
            match c {
                b' ' | b'\t' | b'\r' => self.pos += 1,
                b'\\' if self.peek(1) == Some(b'\n') => self.pos += 2,
                b'\\' if self.peek(1) == Some(b'\r') && self.peek(2) == Some(b'\n') => {
                    self.pos += 3
                }
                b'\n' => {
                    self.pos += 1;
                    end_pipeline(&mut out, &mut pipeline, &mut cmd);
                    self.read_heredocs(&mut pending, &mut out);
                }
                b'#' => {
                    while self.peek(0).is_some_and(|c| c != b'\n') {
                        self.pos += 1;
                    }
                }
                b';' => {
                    // `;;`, `;&` and `;;&` end a `case` branch.
                    if cases > 0 && matches!(self.peek(1), Some(b';' | b'&')) {
                        self.pos += 2;
                        if self.peek(0) == Some(b'&') {
                            self.pos += 1;
                        }
                        expect_pattern = true;
                    } else {
                        self.pos += 1;
                    }
                    end_pipeline(&mut out, &mut pipeline, &mut cmd);
                }
                b'&' if self.peek(1) == Some(b'>') => self.redirect(
                    self.pos,
                    &mut cmd,
                    &mut pending,
                    out.len(),
                    pipeline.commands.len(),
                ),
                b'&' => {
                    self.pos += if self.peek(1) == Some(b'&') { 2 } else { 1 };
                    end_pipeline(&mut out, &mut pipeline, &mut cmd);
                }
                b'|' => {
                    if self.peek(1) == Some(b'|') {
                        self.pos += 2;
                        end_pipeline(&mut out, &mut pipeline, &mut cmd);
                    } else {
                        self.pos += if self.peek(1) == Some(b'&') { 2 } else { 1 };
                        end_command(&mut pipeline, &mut cmd);
                    }
                }
                b'(' => {
                    self.pos += 1;
                    parens += 1;
                    end_pipeline(&mut out, &mut pipeline, &mut cmd);
                }
                b')' => {
                    self.pos += 1;
                    end_pipeline(&mut out, &mut pipeline, &mut cmd);
                    if parens > 0 {
                        parens -= 1;
                    } else if in_subst {
                        return out;
                    }
                }
                b'<' | b'>' if self.peek(1) != Some(b'(') => self.redirect(
                    self.pos,
                    &mut cmd,
                    &mut pending,
                    out.len(),
                    pipeline.commands.len(),
                ),
                _ => {
                    let (word, quoted) = self.word(&mut cmd.substitutions);
                    let next = self.peek(0);
                    let is_fd = !quoted
                        && !word.value.is_empty()
                        && word.value.bytes().all(|b| b.is_ascii_digit())
                        && matches!(next, Some(b'<' | b'>'))
                        && self.peek(1) != Some(b'(');
                    if is_fd {
                        self.redirect(
                            word.range.start,
                            &mut cmd,
                            &mut pending,
                            out.len(),
                            pipeline.commands.len(),
                        );
                    } else if cmd.words.is_empty()
                        && !quoted
                        && RESERVED.contains(&word.value.as_str())
                    {
                        // `if`, `then`, `{`…: the next word is a command name.
                        if word.value == "esac" {
                            cases = cases.saturating_sub(1);
                        }
                    } else if !quoted
                        && word.value == "in"
                        && cmd.words.len() >= 2
                        && cmd.words.first().is_some_and(|w| w.value == "case")
                    {
                        cmd.words.push(word);
                        end_pipeline(&mut out, &mut pipeline, &mut cmd);
                        cases += 1;
                        expect_pattern = true;
                    } else if word.range.is_empty() {
                        // Not a word start (cannot happen for the bytes that
                        // reach here, but never loop without progress).
                        self.pos += 1;
                    } else {
                        cmd.words.push(word);
                    }
                }
            }
        }
        end_pipeline(&mut out, &mut pipeline, &mut cmd);
        out
    }

    /// Is `word` next, followed by a delimiter?
    fn at_word(&self, word: &str) -> bool {
        let end = self.pos + word.len();
        self.b.get(self.pos..end) == Some(word.as_bytes())
            && end <= self.end
            && !self
                .at(end)
                .is_some_and(|b| b == b'_' || b.is_ascii_alphanumeric())
    }

    /// Skips a `case` pattern up to and including its unquoted `)`.
    fn skip_case_pattern(&mut self) {
        if self.peek(0) == Some(b'(') {
            self.pos += 1;
        }
        while let Some(c) = self.peek(0) {
            match c {
                b')' => {
                    self.pos += 1;
                    return;
                }
                b'\\' => self.pos = (self.pos + 2).min(self.end),
                b'\'' | b'"' => self.pos = (self.find(c, self.pos + 1) + 1).min(self.end),
                // A newline before any `)`: not a pattern after all.
                b'\n' => return,
                _ => self.pos += 1,
            }
        }
    }

    /// A redirection at `self.pos` (its descriptor number, if any, started at
    /// `start`).
    fn redirect(
        &mut self,
        start: usize,
        cmd: &mut SimpleCommand,
        pending: &mut Vec<PendingHeredoc>,
        pipeline_index: usize,
        command_index: usize,
    ) {
        const OPS: &[&str] = &[
            "&>>", "&>", "<<<", "<<-", "<<", "<>", "<&", "<", ">>", ">&", ">|", ">",
        ];
        let rest = self.b.get(self.pos..self.end).unwrap_or(&[]);
        let op = OPS
            .iter()
            .find(|op| rest.starts_with(op.as_bytes()))
            .copied()
            .unwrap_or(">");
        self.pos = (self.pos + op.len()).min(self.end);
        while matches!(self.peek(0), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
        let target = match self.peek(0) {
            Some(b'\n' | b';' | b'&' | b'|' | b')' | b'(') | None => ShellWord {
                value: String::new(),
                range: self.pos..self.pos,
            },
            Some(b'<' | b'>') if self.peek(1) != Some(b'(') => ShellWord {
                value: String::new(),
                range: self.pos..self.pos,
            },
            Some(_) => self.word(&mut cmd.substitutions).0,
        };
        let range = start..target.range.end.max(start);
        if (op == "<<" || op == "<<-") && !target.value.is_empty() {
            pending.push(PendingHeredoc {
                delim: target.value.clone(),
                strip_tabs: op == "<<-",
                pipeline: pipeline_index,
                command: command_index,
                redirect: cmd.redirects.len(),
            });
        }
        cmd.redirects.push(Redirect {
            op: op.to_string(),
            target,
            heredoc: None,
            range,
        });
    }

    /// Heredoc bodies start after the newline that ends their command line.
    fn read_heredocs(&mut self, pending: &mut Vec<PendingHeredoc>, out: &mut [Pipeline]) {
        for p in pending.drain(..) {
            let body_start = self.pos;
            let mut body_end = self.end;
            let mut next = self.end;
            let mut line_start = self.pos;
            while line_start < self.end {
                let line_end = self.b[line_start..self.end]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(self.end, |i| line_start + i);
                let line = self.slice(line_start..line_end);
                let line = line.strip_suffix('\r').unwrap_or(line);
                let line = if p.strip_tabs {
                    line.trim_start_matches('\t')
                } else {
                    line
                };
                if line == p.delim {
                    body_end = line_start;
                    next = (line_end + 1).min(self.end);
                    break;
                }
                line_start = line_end + 1;
            }
            let body = ShellWord {
                value: self.slice(body_start..body_end).to_string(),
                range: body_start..body_end,
            };
            if let Some(r) = out
                .get_mut(p.pipeline)
                .and_then(|pl| pl.commands.get_mut(p.command))
                .and_then(|c| c.redirects.get_mut(p.redirect))
            {
                r.heredoc = Some(body);
            }
            self.pos = next;
        }
    }

    /// A word at `self.pos`; the flag is true when it had quotes or escapes
    /// (so it is not a reserved word or a descriptor number).
    fn word(&mut self, subs: &mut Vec<Pipeline>) -> (ShellWord, bool) {
        let start = self.pos;
        let mut v: Vec<u8> = Vec::new();
        let mut quoted = false;
        while let Some(c) = self.peek(0) {
            match c {
                b' ' | b'\t' | b'\r' | b'\n' | b';' | b'&' | b'|' | b')' => break,
                b'(' if v.last() == Some(&b'=') => {
                    // Array assignment `a=(x y)`: keep as text.
                    let end = self.skip_balanced(self.pos, b'(', b')');
                    v.extend_from_slice(self.slice(self.pos..end).as_bytes());
                    self.pos = end;
                }
                b'(' => break,
                b'<' | b'>' if self.peek(1) == Some(b'(') => {
                    let s = self.pos;
                    self.substitution(s, 2, subs);
                    v.extend_from_slice(self.slice(s..self.pos).as_bytes());
                }
                b'<' | b'>' => break,
                b'\'' => {
                    quoted = true;
                    self.pos += 1;
                    let close = self.find(b'\'', self.pos);
                    v.extend_from_slice(self.slice(self.pos..close).as_bytes());
                    self.pos = (close + 1).min(self.end);
                }
                b'"' => {
                    quoted = true;
                    self.pos += 1;
                    self.double_quoted(&mut v, subs);
                }
                b'\\' => {
                    quoted = true;
                    match self.peek(1) {
                        Some(b'\n') => self.pos += 2,
                        Some(n) => {
                            v.push(n);
                            self.pos += 2;
                        }
                        None => self.pos += 1,
                    }
                }
                b'$' => self.dollar(&mut v, subs),
                b'`' => self.backtick(&mut v, subs),
                _ => self.ordinary_run(&mut v, &WORD_SPECIAL),
            }
        }
        // Valid UTF-8 (nearly always) moves into the String without a copy.
        let value = String::from_utf8(v)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        let word = ShellWord {
            value,
            range: start..self.pos,
        };
        (word, quoted)
    }

    /// Inside `"…"` (opening quote consumed): up to and including the closing quote.
    fn double_quoted(&mut self, v: &mut Vec<u8>, subs: &mut Vec<Pipeline>) {
        while let Some(c) = self.peek(0) {
            match c {
                b'"' => {
                    self.pos += 1;
                    return;
                }
                b'\\' => match self.peek(1) {
                    Some(b'\n') => self.pos += 2,
                    Some(n @ (b'$' | b'`' | b'"' | b'\\')) => {
                        v.push(n);
                        self.pos += 2;
                    }
                    _ => {
                        v.push(b'\\');
                        self.pos += 1;
                    }
                },
                b'$' => self.dollar(v, subs),
                b'`' => self.backtick(v, subs),
                _ => self.ordinary_run(v, &QUOTED_SPECIAL),
            }
        }
    }

    /// Copies the bytes from `self.pos` up to the next one marked in
    /// `special` (at least one byte): words are mostly such runs, and one
    /// copy of a run is cheaper than a push per byte.
    fn ordinary_run(&mut self, v: &mut Vec<u8>, special: &[bool; 256]) {
        let rest = self.b.get(self.pos..self.end).unwrap_or(&[]);
        let len = rest
            .iter()
            .skip(1)
            .position(|&b| special[usize::from(b)])
            .map_or(rest.len(), |i| i + 1);
        v.extend_from_slice(&rest[..len]);
        self.pos += len.max(1);
    }

    /// `$…` at `self.pos`: substitutions are parsed (and kept as raw text in
    /// the word), parameter expansions kept as written.
    fn dollar(&mut self, v: &mut Vec<u8>, subs: &mut Vec<Pipeline>) {
        let s = self.pos;
        match self.peek(1) {
            Some(b'(') if self.peek(2) == Some(b'(') => {
                // Arithmetic `$((…))`.
                self.pos = self.skip_balanced(s + 1, b'(', b')');
            }
            Some(b'(') => self.substitution(s, 2, subs),
            Some(b'{') => self.pos = self.skip_balanced(s + 1, b'{', b'}'),
            Some(b'\'') => {
                // ANSI-C quoting: `\'` does not end it.
                self.pos += 2;
                while let Some(c) = self.peek(0) {
                    self.pos += 1;
                    match c {
                        b'\'' => break,
                        b'\\' if self.peek(0).is_some() => {
                            let n = self.peek(0).unwrap_or(b'\\');
                            self.pos += 1;
                            v.push(match n {
                                b'n' => b'\n',
                                b't' => b'\t',
                                other => other,
                            });
                        }
                        _ => v.push(c),
                    }
                }
                return;
            }
            Some(b'"') => {
                self.pos += 2;
                self.double_quoted(v, subs);
                return;
            }
            _ => self.pos += 1,
        }
        v.extend_from_slice(self.slice(s..self.pos).as_bytes());
    }

    /// `$(…)`, `<(…)` or `>(…)` starting at `s`, its body `open_len` bytes in:
    /// the body's commands go to `subs`; `self.pos` ends after the `)`.
    fn substitution(&mut self, s: usize, open_len: usize, subs: &mut Vec<Pipeline>) {
        if self.depth >= MAX_DEPTH {
            self.pos = self.skip_balanced(s + open_len - 1, b'(', b')');
            return;
        }
        self.pos = (s + open_len).min(self.end);
        self.depth += 1;
        let inner = self.list(true);
        self.depth -= 1;
        subs.extend(inner);
    }

    /// `` `…` `` at `self.pos`: the body is parsed as its own region.
    fn backtick(&mut self, v: &mut Vec<u8>, subs: &mut Vec<Pipeline>) {
        let s = self.pos;
        let mut i = s + 1;
        while let Some(c) = self.at(i) {
            match c {
                b'\\' => i += 2,
                b'`' => break,
                _ => i += 1,
            }
        }
        let close = i.min(self.end);
        if self.depth < MAX_DEPTH {
            let mut inner = Parser {
                text: self.text,
                b: self.b,
                pos: s + 1,
                end: close,
                depth: self.depth + 1,
            };
            subs.extend(inner.list(false));
        }
        self.pos = (close + 1).min(self.end);
        v.extend_from_slice(self.slice(s..self.pos).as_bytes());
    }

    /// Position of the next `c` at or after `from` (or the region end).
    fn find(&self, c: u8, from: usize) -> usize {
        let from = from.min(self.end);
        self.b[from..self.end]
            .iter()
            .position(|&b| b == c)
            .map_or(self.end, |i| from + i)
    }

    /// From an `open` byte at `at`: the position after its matching `close`
    /// (quotes skipped), or the region end.
    fn skip_balanced(&self, at: usize, open: u8, close: u8) -> usize {
        let mut depth = 0usize;
        let mut i = at;
        while let Some(c) = self.at(i) {
            match c {
                b'\\' => i += 1,
                b'\'' => i = self.find(b'\'', i + 1),
                c if c == open => depth += 1,
                c if c == close => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return i + 1;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        self.end
    }
}

/// How a script reached the shell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScriptKind {
    /// Shell form: `RUN cmd …`.
    Shell,
    /// Exec form running a shell: `RUN ["sh", "-c", "…"]`.
    ExecShell,
    /// Any other exec form: one command made of the elements.
    Exec,
    /// A heredoc body fed to a shell: `RUN <<EOF`, `RUN bash <<EOF`.
    Heredoc,
}

#[derive(Debug, Clone)]
enum SpanMap {
    Shell(ShellText),
    /// Verbatim copy of the source starting at `base`, clamped to `within`.
    Offset {
        base: usize,
        within: Span,
    },
    /// Escaped text: every range maps to the whole span.
    Whole(Span),
    /// Exec form: each element's range in the joined text, its source span,
    /// and where its value starts in the source when it is a verbatim copy
    /// (no JSON escapes).
    Exec(Vec<(Range<usize>, Span, Option<usize>)>),
}

/// A script that a `RUN` executes, with the way back to source spans.
#[derive(Debug, Clone)]
pub struct RunScript {
    /// For [`ScriptKind::Exec`], the elements joined by spaces.
    pub text: String,
    pub kind: ScriptKind,
    map: SpanMap,
    /// For [`ScriptKind::Exec`]: the command, ranges into `text`.
    exec: Option<SimpleCommand>,
    /// The script is tokenised once, on first use, however many rules ask.
    parsed: std::sync::OnceLock<Parsed>,
}

/// A script's tokens: every pipeline flattened (nested `sh -c`, command
/// substitutions) with the commands they hold, and which of them are the
/// script's own.
#[derive(Debug, Clone)]
struct Parsed {
    /// Every command, flattened; each flattened pipeline is a range of it
    /// (one copy of the commands, not one per view).
    commands: Vec<SimpleCommand>,
    pipeline_bounds: Vec<Range<usize>>,
    /// Indices into `pipeline_bounds` of the script's own pipelines.
    top_level: Vec<usize>,
}

impl RunScript {
    /// Source span of a byte range of [`RunScript::text`].
    pub fn source_span(&self, range: Range<usize>) -> Span {
        match &self.map {
            SpanMap::Shell(shell) => shell.source_span(range),
            SpanMap::Offset { base, within } => {
                let clamp = |o: usize| (base + o).clamp(within.start, within.end);
                clamp(range.start)..clamp(range.end)
            }
            SpanMap::Whole(span) => span.clone(),
            SpanMap::Exec(elements) => {
                let found = elements
                    .iter()
                    .find(|(r, _, _)| r.start <= range.start && range.start <= r.end);
                match found {
                    Some((r, _, Some(base))) if range.end <= r.end => {
                        base + (range.start - r.start)..base + (range.end - r.start)
                    }
                    Some((_, span, _)) => span.clone(),
                    None => elements.first().map_or(0..0, |(_, s, _)| s.clone()),
                }
            }
        }
    }

    fn parsed(&self) -> &Parsed {
        self.parsed.get_or_init(|| {
            let pipelines = match &self.exec {
                Some(cmd) => vec![Pipeline {
                    commands: vec![cmd.clone()],
                }],
                None => parse(&self.text),
            };
            let mut all_pipelines = Vec::new();
            let top_level = flatten_top(&self.text, pipelines, &mut all_pipelines);
            let mut commands = Vec::new();
            let mut pipeline_bounds = Vec::with_capacity(all_pipelines.len());
            for p in all_pipelines {
                let start = commands.len();
                commands.extend(p.commands);
                pipeline_bounds.push(start..commands.len());
            }
            Parsed {
                commands,
                pipeline_bounds,
                top_level,
            }
        })
    }

    /// The script's own pipelines (not those nested in substitutions or
    /// inner scripts): the commands of each, ranges into [`RunScript::text`].
    pub fn pipelines(&self) -> impl Iterator<Item = &[SimpleCommand]> {
        let parsed = self.parsed();
        parsed.top_level.iter().map(|&i| {
            let bounds = parsed.pipeline_bounds.get(i).cloned().unwrap_or(0..0);
            parsed.commands.get(bounds).unwrap_or(&[])
        })
    }

    /// Every pipeline, flattened as [`all_pipelines`] does: the commands of
    /// each, in order.
    pub fn all_pipelines(&self) -> impl Iterator<Item = &[SimpleCommand]> {
        let parsed = self.parsed();
        parsed
            .pipeline_bounds
            .iter()
            .map(|r| parsed.commands.get(r.clone()).unwrap_or(&[]))
    }

    /// Every command, flattened as [`commands`] does.
    pub fn commands(&self) -> &[SimpleCommand] {
        &self.parsed().commands
    }

    /// Source span of a word of this script.
    pub fn word_span(&self, word: &ShellWord) -> Span {
        self.source_span(word.range.clone())
    }
}

/// Every script a `RUN` (or `ONBUILD RUN`) executes: the shell-form text,
/// the `-c` script of an exec-form shell (or the exec-form command itself),
/// and the heredoc bodies fed to a shell (`RUN <<EOF`, `RUN bash <<EOF`,
/// `RUN sh -e <<EOF`) — not those fed to other programs (`RUN cat <<EOF >
/// /etc/x`, `RUN python3 <<EOF`, a body starting with a non-shell `#!`).
///
/// A `SHELL` instruction that switches to a non-POSIX shell (PowerShell,
/// cmd) is not taken into account here.
pub fn run_scripts(instr: &Instruction) -> Vec<RunScript> {
    match &instr.kind {
        InstrKind::Run(run) => command_scripts(&run.command, &run.heredocs),
        InstrKind::Onbuild(inner) => run_scripts(inner),
        _ => Vec::new(),
    }
}

/// The scripts of a command (RUN/CMD/ENTRYPOINT/HEALTHCHECK) and its heredocs.
pub fn command_scripts(command: &Command, heredocs: &[Heredoc]) -> Vec<RunScript> {
    let mut scripts = Vec::new();
    match command {
        Command::Shell(shell) => {
            scripts.push(RunScript {
                parsed: Default::default(),
                text: shell.text.clone(),
                kind: ScriptKind::Shell,
                map: SpanMap::Shell(shell.clone()),
                exec: None,
            });
            let feeds = heredocs_fed_to_shell(command, heredocs);
            for (doc, _) in heredocs.iter().zip(feeds).filter(|(_, fed)| *fed) {
                scripts.push(RunScript {
                    parsed: Default::default(),
                    text: doc.body.clone(),
                    kind: ScriptKind::Heredoc,
                    map: SpanMap::Offset {
                        base: doc.span.start,
                        within: doc.span.clone(),
                    },
                    exec: None,
                });
            }
        }
        Command::Exec(words) => scripts.push(exec_script(words)),
    }
    scripts
}

/// For each heredoc of a `RUN`, whether a shell runs it (else it is data
/// for another program, e.g. `cat <<EOF > /etc/x`).
fn heredocs_fed_to_shell(command: &Command, heredocs: &[Heredoc]) -> Vec<bool> {
    // Most RUNs have no heredoc: do not tokenise their text a second time
    // (the script itself is tokenised once, in `RunScript`).
    if heredocs.is_empty() {
        return Vec::new();
    }
    let Command::Shell(shell) = command else {
        return vec![false; heredocs.len()];
    };
    // Which heredoc markers of the text feed a shell, in order.
    let mut markers = Vec::new();
    for cmd in parse(&shell.text).iter().flat_map(|p| &p.commands) {
        let feeds_shell = cmd.name().is_none() || cmd.is_shell_reading_stdin();
        let count = cmd.redirects.iter().filter(|r| r.is_heredoc()).count();
        markers.extend(std::iter::repeat_n(feeds_shell, count));
    }
    heredocs
        .iter()
        .enumerate()
        .map(|(i, doc)| {
            let fed = match markers.get(i) {
                Some(&f) => f,
                // No marker seen: a bare `RUN <<EOF` runs its body.
                None => markers.is_empty() && shell.text.trim().is_empty(),
            };
            fed && !has_foreign_shebang(&doc.body)
        })
        .collect()
}

/// Heredoc bodies an instruction writes as data rather than runs: those of
/// `RUN cat <<EOF > /etc/x` (and other non-shell consumers) and every
/// heredoc of `COPY`/`ADD` (also under `ONBUILD`).
pub fn data_heredocs(instr: &Instruction) -> Vec<&Heredoc> {
    match &instr.kind {
        InstrKind::Run(run) => run
            .heredocs
            .iter()
            .zip(heredocs_fed_to_shell(&run.command, &run.heredocs))
            .filter(|(_, fed)| !fed)
            .map(|(doc, _)| doc)
            .collect(),
        InstrKind::Copy(c) | InstrKind::Add(c) => c.heredocs.iter().collect(),
        InstrKind::Onbuild(inner) => data_heredocs(inner),
        _ => Vec::new(),
    }
}

/// `#!/usr/bin/env python3` and the like: the body is not a shell script.
fn has_foreign_shebang(body: &str) -> bool {
    let Some(line) = body.strip_prefix("#!") else {
        return false;
    };
    let line = line.lines().next().unwrap_or("");
    let mut parts = line.split_whitespace();
    let mut program = parts.next().map(basename).unwrap_or("");
    if program == "env" {
        program = parts.find(|p| !p.starts_with('-')).unwrap_or("");
    }
    !is_shell(program)
}

fn exec_script(words: &[Word]) -> RunScript {
    // Where the value starts in the source when the JSON string had no
    // escapes (the span may or may not include the quotes).
    let verbatim = |w: &Word| {
        if w.span.len() == w.value.len() {
            Some(w.span.start)
        } else if w.span.len() == w.value.len() + 2 {
            Some(w.span.start + 1)
        } else {
            None
        }
    };
    let first = words.first().map(|w| basename(&w.value)).unwrap_or("");
    if is_shell(first) {
        let args: Vec<ShellWord> = words
            .iter()
            .skip(1)
            .map(|w| ShellWord {
                value: w.value.clone(),
                range: w.span.clone(),
            })
            .collect();
        if let Some(script) = shell_c_arg(&args) {
            let map = match verbatim(&Word {
                value: script.value.clone(),
                span: script.range.clone(),
            }) {
                Some(base) => SpanMap::Offset {
                    base,
                    within: script.range.clone(),
                },
                None => SpanMap::Whole(script.range.clone()),
            };
            return RunScript {
                parsed: Default::default(),
                text: script.value.clone(),
                kind: ScriptKind::ExecShell,
                map,
                exec: None,
            };
        }
    }
    let mut text = String::new();
    let mut elements = Vec::new();
    let mut cmd = SimpleCommand::default();
    for w in words {
        if !text.is_empty() {
            text.push(' ');
        }
        let range = text.len()..text.len() + w.value.len();
        text.push_str(&w.value);
        elements.push((range.clone(), w.span.clone(), verbatim(w)));
        cmd.words.push(ShellWord {
            value: w.value.clone(),
            range,
        });
    }
    RunScript {
        parsed: Default::default(),
        text,
        kind: ScriptKind::Exec,
        map: SpanMap::Exec(elements),
        exec: Some(cmd),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(script: &str) -> Vec<String> {
        commands(script)
            .map(|c| c.name().unwrap_or("-").to_string())
            .collect()
    }

    fn values(cmd: &SimpleCommand) -> Vec<&str> {
        cmd.words.iter().map(|w| w.value.as_str()).collect()
    }

    #[test]
    fn basename_is_the_last_path_part_unless_the_word_substitutes() {
        assert_eq!(basename("/usr/bin/curl"), "curl");
        assert_eq!(basename("curl"), "curl");
        assert_eq!(basename("./x/"), "");
        assert_eq!(basename("/é/ü"), "ü");
        assert_eq!(basename("$(which curl)/x"), "$(which curl)/x");
        assert_eq!(basename("`which curl`"), "`which curl`");
        assert_eq!(basename("$HOME/bin/tool"), "tool");
    }

    #[test]
    fn splits_on_control_operators() {
        let p = parse("a 1 && b | c; d || e & f\ng");
        let shape: Vec<Vec<&str>> = p
            .iter()
            .map(|p| {
                p.commands
                    .iter()
                    .map(|c| c.words[0].value.as_str())
                    .collect()
            })
            .collect();
        assert_eq!(
            shape,
            vec![
                vec!["a"],
                vec!["b", "c"],
                vec!["d"],
                vec!["e"],
                vec!["f"],
                vec!["g"]
            ]
        );
    }

    #[test]
    fn quotes_and_escapes_are_removed_and_ranges_kept() {
        let s = r#"echo 'a b' "c \"d\" \$x" e\ f"g"h"#;
        let p = parse(s);
        let cmd = &p[0].commands[0];
        assert_eq!(values(cmd), vec!["echo", "a b", r#"c "d" $x"#, "e fgh"]);
        assert_eq!(&s[cmd.words[1].range.clone()], "'a b'");
        assert_eq!(&s[cmd.words[3].range.clone()], r#"e\ f"g"h"#);
    }

    #[test]
    fn operators_inside_quotes_do_not_split() {
        let p = parse("echo 'a | b; c' \"&& d\"");
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].commands.len(), 1);
    }

    #[test]
    fn comments_only_at_word_start() {
        let p = parse("echo a#b # comment | sh\ncurl x");
        assert_eq!(values(&p[0].commands[0]), vec!["echo", "a#b"]);
        assert_eq!(p[1].commands[0].name(), Some("curl"));
        assert_eq!(p.len(), 2);
    }

    #[test]
    fn continuation_lines_join() {
        let p = parse("apt-get install \\\n  -y curl");
        assert_eq!(
            values(&p[0].commands[0]),
            vec!["apt-get", "install", "-y", "curl"]
        );
    }

    #[test]
    fn redirections_are_not_words() {
        let s = "wget -O- http://x 2>/dev/null >>log | sh";
        let p = parse(s);
        let wget = &p[0].commands[0];
        assert_eq!(values(wget), vec!["wget", "-O-", "http://x"]);
        assert_eq!(wget.redirects.len(), 2);
        assert_eq!(wget.redirects[0].op, ">");
        assert_eq!(&s[wget.redirects[0].range.clone()], "2>/dev/null");
        assert_eq!(wget.redirects[1].op, ">>");
        assert_eq!(wget.redirects[1].target.value, "log");
        assert!(wget.redirects[1].writes_file());
        assert_eq!(p[0].commands[1].name(), Some("sh"));
        let p = parse("a 2>&1 &>/dev/null; b");
        assert_eq!(values(&p[0].commands[0]), vec!["a"]);
        assert_eq!(p[0].commands[0].redirects[0].op, ">&");
        assert_eq!(p[0].commands[0].redirects[1].op, "&>");
        assert_eq!(p[1].commands[0].name(), Some("b"));
    }

    #[test]
    fn heredoc_bodies_are_skipped_and_kept() {
        let s = "cat <<EOF > /etc/x\ncurl x | sh\nEOF\nrm -f y\ncat <<-'E' && ls\n\tsudo su\n\tE\n";
        let p = parse(s);
        let names: Vec<_> = p
            .iter()
            .flat_map(|p| &p.commands)
            .map(|c| c.name().unwrap_or("-"))
            .collect();
        assert_eq!(names, vec!["cat", "rm", "cat", "ls"]);
        let cat = &p[0].commands[0];
        let body = cat.redirects[0].heredoc.as_ref().unwrap();
        assert_eq!(body.value, "curl x | sh\n");
        assert_eq!(&s[body.range.clone()], "curl x | sh\n");
        assert_eq!(cat.redirects[1].target.value, "/etc/x");
        assert_eq!(
            p[2].commands[0].redirects[0]
                .heredoc
                .as_ref()
                .unwrap()
                .value,
            "\tsudo su\n"
        );
    }

    #[test]
    fn unterminated_heredoc_takes_the_rest() {
        let p = parse("cat <<EOF\nabc\n");
        assert_eq!(p.len(), 1);
        assert_eq!(
            p[0].commands[0].redirects[0]
                .heredoc
                .as_ref()
                .unwrap()
                .value,
            "abc\n"
        );
    }

    #[test]
    fn command_substitution_commands_are_reported() {
        assert_eq!(
            names("sh -c \"$(curl -fsSL https://x/install.sh)\""),
            vec!["sh", "curl"]
        );
        assert_eq!(
            names("echo `wget -q -O- x`; ls"),
            vec!["echo", "wget", "ls"]
        );
        assert_eq!(names("bash <(curl -s x)"), vec!["bash", "curl"]);
        assert_eq!(names("X=$(cat /f) make"), vec!["make", "cat"]);
        let p = parse("sh -c \"$(curl x)\"");
        let sh = &p[0].commands[0];
        assert_eq!(sh.words[2].value, "$(curl x)");
        assert_eq!(sh.substitutions[0].commands[0].name(), Some("curl"));
    }

    #[test]
    fn nested_substitutions_and_arithmetic() {
        assert_eq!(
            names("echo $(dirname $(which curl)) $((1+(2*3)))"),
            vec!["echo", "dirname", "which"]
        );
        let p = parse("echo ${A:-$(x)} done");
        assert_eq!(
            values(&p[0].commands[0]),
            vec!["echo", "${A:-$(x)}", "done"]
        );
    }

    #[test]
    fn groups_and_reserved_words() {
        assert_eq!(
            names("if [ -f x ]; then curl -k y; else { wget z; }; fi; (cd a && make)"),
            vec!["[", "curl", "wget", "cd", "make"]
        );
        assert_eq!(names("for i in a b; do rm $i; done"), vec!["for", "rm"]);
        assert_eq!(names("! grep -q x f"), vec!["grep"]);
    }

    #[test]
    fn case_patterns_are_not_commands() {
        let s = "case \"$arch\" in \\\n  amd64|x86_64) url=a; sha=b ;; \\\n  'arm64') wget x ;;\n  (*) echo unsupported; exit 1 ;; \\\nesac; curl y";
        assert_eq!(
            names(s),
            vec!["case", "-", "-", "wget", "echo", "exit", "curl"]
        );
        // `in` outside `case` is a plain word; `;;` outside `case` is two `;`.
        assert_eq!(
            names("for i in a b; do echo $i;; done"),
            vec!["for", "echo"]
        );
    }

    #[test]
    fn wrappers_and_assignments_are_skipped() {
        let cases = [
            ("sudo -E -u root apt-get install x", "apt-get"),
            (
                "DEBIAN_FRONTEND=noninteractive apt-get -y install",
                "apt-get",
            ),
            ("env -i PATH=/bin /usr/bin/curl x", "curl"),
            ("exec gosu app node server.js", "node"),
            ("nohup nice -n 5 timeout -s KILL 10 wget x", "wget"),
            ("command -v curl", "command"),
            ("command curl x", "curl"),
            ("time -p make", "make"),
            ("xargs rm -f", "xargs"),
        ];
        for (script, name) in cases {
            let cmd = commands(script).next().unwrap();
            assert_eq!(cmd.name(), Some(name), "{script}");
        }
        let cmd = commands("sudo -u app sh -c 'id'").next().unwrap();
        assert!(cmd.uses_sudo());
        assert_eq!(cmd.args()[0].value, "-c");
        assert_eq!(commands("A=1 B=2").next().unwrap().name(), None);
    }

    #[test]
    fn flags_in_clusters_and_long_forms() {
        let cmd = commands("curl -fsSLk --retry=3 --output out https://x -- -z")
            .next()
            .unwrap();
        assert!(cmd.has_flag(Some('k'), "insecure"));
        assert!(cmd.has_flag(None, "retry"));
        assert!(cmd.has_flag(None, "--output"));
        assert!(!cmd.has_flag(Some('z'), ""));
        assert!(!cmd.has_flag(None, "retr"));
        assert_eq!(cmd.flag_value(Some('o'), "output").unwrap().0, "out");
        assert_eq!(cmd.flag_value(None, "retry").unwrap().0, "3");
        let wget = commands("wget -qO- x").next().unwrap();
        assert_eq!(
            wget.flag_value(Some('O'), "output-document").unwrap().0,
            "-"
        );
        let k = commands("curl --insecure x").next().unwrap();
        assert_eq!(
            k.find_flag(Some('k'), "insecure").unwrap().value,
            "--insecure"
        );
        // Flags of a wrapper are not the command's.
        assert!(
            !commands("sudo -k ls")
                .next()
                .unwrap()
                .has_flag(Some('k'), "")
        );
    }

    #[test]
    fn sh_c_scripts_are_expanded_with_exact_ranges() {
        let s = "su app -c x; sh -c 'apt-get update && curl -k https://x'";
        let cmds: Vec<_> = commands(s).collect();
        let found: Vec<_> = cmds.iter().map(|c| c.name().unwrap_or("-")).collect();
        assert_eq!(found, vec!["su", "sh", "apt-get", "curl"]);
        let k = cmds[3].find_flag(Some('k'), "insecure").unwrap();
        assert_eq!(&s[k.range.clone()], "-k");
        // With escapes inside, ranges fall back to the whole argument.
        let s = r#"bash -ec "echo \"a\" && curl -k x""#;
        let curl = commands(s).find(|c| c.name() == Some("curl")).unwrap();
        assert_eq!(
            &s[curl.words[0].range.clone()],
            r#""echo \"a\" && curl -k x""#
        );
        // Nested twice.
        let s = r#"sh -c "bash -c 'curl -k x'""#;
        let curl = commands(s).find(|c| c.name() == Some("curl")).unwrap();
        assert_eq!(&s[curl.words[1].range.clone()], "-k");
        // Options before -c, and -o pipefail.
        assert_eq!(names("bash -o pipefail -c 'wget x'"), vec!["bash", "wget"]);
        assert_eq!(names("sh script.sh -c 'wget x'"), vec!["sh"]);
    }

    #[test]
    fn heredoc_fed_to_a_shell_is_expanded() {
        let s = "bash -e <<EOF\ncurl -k x\nEOF\ncat <<EOF > f\nwget y\nEOF\n";
        let cmds: Vec<_> = commands(s).collect();
        let names: Vec<_> = cmds.iter().map(|c| c.name().unwrap_or("-")).collect();
        assert_eq!(names, vec!["bash", "curl", "cat"]);
        assert_eq!(&s[cmds[1].words[1].range.clone()], "-k");
    }

    #[test]
    fn hostile_input_never_panics() {
        let inputs = [
            "",
            "'",
            "\"",
            "\\",
            "$(",
            "`",
            "${",
            "$((",
            "<<",
            "cat <<",
            "a >",
            "2>",
            ")))",
            "((((",
            "$'\\",
            "é'é\"é`é$(é",
            "a <(b",
            "echo \"$(echo 'x\")\"",
            "&&&;;;|||",
            "x=(",
            "cat <<E\r\nE\r\n",
            "\\\r\n",
        ];
        for s in inputs {
            let _ = commands(s).count();
        }
        let deep = "$(".repeat(10_000);
        let _ = commands(&deep).count();
        let deep = "sh -c \"".repeat(200);
        let _ = commands(&deep).count();
        let ticks = "`".repeat(5_001);
        let _ = commands(&ticks).count();
    }

    #[test]
    fn unterminated_quotes_take_the_rest() {
        let p = parse("echo 'abc | sh");
        assert_eq!(p[0].commands.len(), 1);
        assert_eq!(p[0].commands[0].words[1].value, "abc | sh");
        let p = parse("echo \"abc");
        assert_eq!(p[0].commands[0].words[1].value, "abc");
    }

    #[test]
    fn multibyte_text_keeps_char_boundaries() {
        let s = "echo «ä» 'ü' | grep ö";
        for cmd in commands(s) {
            for w in &cmd.words {
                assert!(s.get(w.range.clone()).is_some());
            }
        }
        assert_eq!(values(&parse(s)[0].commands[0]), vec!["echo", "«ä»", "ü"]);
    }

    fn word(value: &str, span: Span) -> Word {
        Word {
            value: value.to_string(),
            span,
        }
    }

    fn run(command: Command, heredocs: Vec<Heredoc>) -> Instruction {
        Instruction {
            kind: InstrKind::Run(crate::parse::dockerfile::RunInstr { command, heredocs }),
            keyword_span: 0..3,
            span: 0..100,
            flags: vec![],
        }
    }

    fn shell(text: &str, start: usize) -> Command {
        Command::Shell(ShellText {
            text: text.to_string(),
            span: start..start + text.len(),
            segments: vec![(0, start)],
        })
    }

    #[test]
    fn run_scripts_of_shell_form_map_to_source() {
        let src = "RUN curl -k x";
        let scripts = run_scripts(&run(shell("curl -k x", 4), vec![]));
        assert_eq!(scripts.len(), 1);
        let s = &scripts[0];
        assert_eq!(s.kind, ScriptKind::Shell);
        let cmd = &s.commands()[0];
        let k = cmd.find_flag(Some('k'), "").unwrap();
        assert_eq!(&src[s.source_span(k.range.clone())], "-k");
    }

    #[test]
    fn run_scripts_of_exec_forms() {
        // RUN ["sh", "-c", "curl -k x"]
        let src = r#"RUN ["sh", "-c", "curl -k x"]"#;
        let words = vec![
            word("sh", 5..9),
            word("-c", 11..15),
            word("curl -k x", 17..28),
        ];
        let scripts = run_scripts(&run(Command::Exec(words), vec![]));
        assert_eq!(scripts[0].kind, ScriptKind::ExecShell);
        assert_eq!(scripts[0].text, "curl -k x");
        let cmd = &scripts[0].commands()[0];
        let k = cmd.find_flag(Some('k'), "").unwrap();
        assert_eq!(&src[scripts[0].source_span(k.range.clone())], "-k");

        // RUN ["curl", "-k", "x y"]
        let src = r#"RUN ["curl", "-k", "x y"]"#;
        let words = vec![word("curl", 5..11), word("-k", 13..17), word("x y", 19..24)];
        let scripts = run_scripts(&run(Command::Exec(words), vec![]));
        assert_eq!(scripts[0].kind, ScriptKind::Exec);
        let cmds = scripts[0].commands();
        assert_eq!(cmds.len(), 1);
        assert_eq!(values(&cmds[0]), vec!["curl", "-k", "x y"]);
        let k = &cmds[0].words[1];
        assert_eq!(&src[scripts[0].source_span(k.range.clone())], "-k");
        assert_eq!(
            &src[scripts[0].source_span(cmds[0].words[2].range.clone())],
            "x y"
        );
    }

    #[test]
    fn run_scripts_include_heredocs_fed_to_a_shell_only() {
        let body = "curl -k x | sh\n";
        let doc = |start: usize| Heredoc {
            span: start..start + body.len(),
            expand: true,
            body: body.to_string(),
        };
        for (text, fed) in [
            ("<<EOF", true),
            ("bash <<EOF", true),
            ("sh -e <<EOF", true),
            ("cat <<EOF > /etc/x", false),
            ("python3 <<EOF", false),
            ("tee /etc/x <<EOF", false),
        ] {
            let src = format!("RUN {text}\n{body}EOF\n");
            let start = 4 + text.len() + 1;
            let scripts = run_scripts(&run(shell(text, 4), vec![doc(start)]));
            let heredoc = scripts.iter().find(|s| s.kind == ScriptKind::Heredoc);
            assert_eq!(heredoc.is_some(), fed, "{text}");
            let instr = run(shell(text, 4), vec![doc(start)]);
            assert_eq!(data_heredocs(&instr).len(), usize::from(!fed), "{text}");
            if let Some(h) = heredoc {
                let cmd = &h.commands()[0];
                let k = cmd.find_flag(Some('k'), "").unwrap();
                assert_eq!(&src[h.source_span(k.range.clone())], "-k");
            }
        }
        // A python shebang is not a shell script.
        let py = Heredoc {
            span: 10..20,
            expand: true,
            body: "#!/usr/bin/env python3\nprint(1)\n".into(),
        };
        let scripts = run_scripts(&run(shell("<<EOF", 4), vec![py]));
        assert_eq!(scripts.len(), 1);
    }

    #[test]
    fn onbuild_run_is_included() {
        let inner = run(shell("curl x", 12), vec![]);
        let onbuild = Instruction {
            kind: InstrKind::Onbuild(Box::new(inner)),
            keyword_span: 0..7,
            span: 0..18,
            flags: vec![],
        };
        assert_eq!(run_scripts(&onbuild).len(), 1);
    }

    /// Scripts of every RUN of a real parse, with the source text of a word.
    fn parsed(text: &str) -> (std::sync::Arc<crate::source::SourceFile>, Vec<RunScript>) {
        let source = std::sync::Arc::new(crate::source::SourceFile::new(
            "Dockerfile",
            text.to_string(),
        ));
        let df = crate::parse::dockerfile::parse(source.clone());
        let scripts = df.instructions.iter().flat_map(run_scripts).collect();
        (source, scripts)
    }

    #[test]
    fn a_script_keeps_its_own_pipelines_apart_from_the_nested_ones() {
        let (_, scripts) = parsed("FROM a\nRUN a | b \"$(c | d)\"; sh -c 'e | f'\n");
        let names = |p: &[SimpleCommand]| -> Vec<String> {
            p.iter()
                .filter_map(|c| c.name())
                .map(String::from)
                .collect()
        };
        let own: Vec<_> = scripts[0].pipelines().map(names).collect();
        assert_eq!(own, vec![vec!["a", "b"], vec!["sh"]]);
        let all: Vec<_> = scripts[0].all_pipelines().map(names).collect();
        assert_eq!(
            all,
            vec![vec!["a", "b"], vec!["c", "d"], vec!["sh"], vec!["e", "f"]]
        );
    }

    #[test]
    fn the_cached_name_index_is_not_part_of_a_commands_value() {
        let asked = commands("sudo -u app apt-get install x").next().unwrap();
        let fresh = commands("sudo -u app apt-get install x").next().unwrap();
        assert_eq!(asked.name(), Some("apt-get"));
        assert_eq!(asked, fresh);
        // A copy keeps the answer, and a command built word by word gets its own.
        assert_eq!(asked.clone().name_index(), Some(3));
        let mut built = SimpleCommand::default();
        for w in ["env", "A=1", "curl", "-k"] {
            built.words.push(ShellWord {
                value: w.into(),
                range: 0..0,
            });
        }
        assert_eq!(built.name(), Some("curl"));
    }

    fn flag_source(source: &crate::source::SourceFile, scripts: &[RunScript]) -> Vec<String> {
        let mut out = Vec::new();
        for s in scripts {
            for cmd in s.commands() {
                if let Some(w) = cmd.find_flag(Some('k'), "insecure") {
                    let span = s.source_span(w.range.clone());
                    let (line, _) = source.line_col(span.start);
                    out.push(format!("{line}:{}", &source.text[span]));
                }
            }
        }
        out
    }

    #[test]
    fn with_the_dockerfile_parser() {
        let text = "FROM a\nRUN apt-get update && \\\n    curl -k x\nRUN [\"sh\", \"-c\", \"curl --insecure y\"]\nRUN <<EOF\nset -e\ncurl -k z\nEOF\nONBUILD RUN curl -k w\nRUN bash -e <<EOF\ncurl -k v\nEOF\nRUN cat <<EOF > /etc/x\ncurl -k data\nEOF\n";
        let (source, scripts) = parsed(text);
        assert_eq!(
            flag_source(&source, &scripts),
            vec!["3:-k", "4:--insecure", "7:-k", "9:-k", "11:-k"]
        );
    }
}
