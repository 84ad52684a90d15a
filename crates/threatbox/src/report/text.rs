//! The text report, for people: findings grouped by file, each with the
//! offending source line and a `^^^` marker under the span, then input
//! problems, then a one-line summary.
//!
//! Everything that came from input (paths, messages, source lines) is passed
//! through [`clean`], so a hostile file can never put terminal escape codes
//! on the user's screen; styles are emitted only when `color` is true.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};

use crate::analyse::Analysis;
use crate::analyse::finding::{Finding, Severity};
use crate::source::{DiagnosticLevel, Location, SourceFile};

/// Longest source excerpt shown; longer lines are cut around the span.
const MAX_SHOWN_CHARS: usize = 160;
/// Characters kept before the span when a long line is cut.
const CONTEXT_BEFORE: usize = 40;
const TAB_WIDTH: usize = 4;

fn severity_style(s: Severity) -> Style {
    let color = |c: AnsiColor| Style::new().fg_color(Some(c.into()));
    match s {
        Severity::Critical | Severity::High => color(AnsiColor::Red).bold(),
        Severity::Medium => color(AnsiColor::Yellow).bold(),
        Severity::Low => color(AnsiColor::Blue).bold(),
        Severity::Info => Style::new().dimmed(),
    }
}

/// Applies styles only when colour is on.
struct Painter {
    color: bool,
}

impl Painter {
    fn paint(&self, style: Style, text: &str) -> String {
        if self.color && !text.is_empty() {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_string()
        }
    }
}

/// Replaces control characters (ESC, CR, BEL…) with U+FFFD, one for one, so
/// that column positions stay right and input cannot drive the terminal.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect()
}

/// `Location::file` (1:1–1:1) names a file, not a place in it: no excerpt.
fn is_file_level(l: &Location) -> bool {
    l.start_line == 1 && l.start_column == 1 && l.end_line == 1 && l.end_column == 1
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The excerpt of one line with its marker: (shown text, marker line). Columns
/// are 1-based characters, `end_col` exclusive; the marker always has at
/// least one `^`. Tabs are expanded and long lines cut around the span.
fn excerpt(line: &str, start_col: usize, end_col: Option<usize>) -> (String, String) {
    let chars: Vec<char> = line.chars().collect();
    let len = chars.len();
    let start = start_col.saturating_sub(1).min(len);
    // `None`: mark to the end of the line (multi-line spans).
    let end = end_col
        .map_or(len, |e| e.saturating_sub(1).min(len))
        .max(start);

    // Cut long lines to a window that starts a little before the span.
    let mut from = 0;
    if len > MAX_SHOWN_CHARS && start > CONTEXT_BEFORE {
        from = (start - CONTEXT_BEFORE).min(len.saturating_sub(MAX_SHOWN_CHARS));
    }
    let to = (from + MAX_SHOWN_CHARS).min(len);

    let mut shown = String::new();
    let mut marker = String::new();
    if from > 0 {
        shown.push('…');
        marker.push(' ');
    }
    for (i, &c) in chars.iter().enumerate().take(to).skip(from) {
        let text = match c {
            '\t' => " ".repeat(TAB_WIDTH),
            c if c.is_control() => '\u{FFFD}'.to_string(),
            c => c.to_string(),
        };
        let width = text.chars().count();
        let under = if i >= start && i < end { '^' } else { ' ' };
        if i < end {
            marker.extend(std::iter::repeat_n(under, width));
        }
        shown.push_str(&text);
    }
    if to < len {
        shown.push('…');
    }
    // An empty span (or one past the line's end) still gets one marker, just
    // after the characters before it.
    if !marker.contains('^') {
        marker.push('^');
    }
    (shown, marker.trim_end().to_string())
}

fn write_finding(out: &mut String, f: &Finding, source: Option<&SourceFile>, p: &Painter) {
    let l = &f.location;
    let sev = severity_style(f.severity);
    let bold = Style::new().bold();
    let dim = Style::new().dimmed();
    let mut tags = Vec::new();
    if !f.rule.stride.is_empty() {
        tags.push(format!("[{}]", f.rule.stride_letters()));
    }
    let cwe: Vec<String> = f.rule.cwe_ids().collect();
    if !cwe.is_empty() {
        tags.push(cwe.join(","));
    }
    let tags = tags.join(" ");
    let header = format!(
        "{}  {}  {} {}  {}",
        p.paint(
            bold,
            &format!("{}:{}:{}", clean(&l.path), l.start_line, l.start_column)
        ),
        p.paint(sev, &f.severity.as_str().to_ascii_uppercase()),
        p.paint(bold, f.rule.code),
        f.rule.slug,
        p.paint(dim, &tags),
    );
    let _ = writeln!(out, "{}", header.trim_end());
    let _ = writeln!(out, "  {}", clean(&f.message));

    let line = source
        .filter(|_| !is_file_level(l))
        .and_then(|s| s.line_text(l.start_line));
    if let Some(line) = line {
        // A span ending at column 1 of the next line ends with this one.
        let last_line = if l.end_column <= 1 && l.end_line > l.start_line {
            l.end_line - 1
        } else {
            l.end_line
        };
        let end_col = (last_line <= l.start_line).then_some(l.end_column);
        let (shown, marker) = excerpt(line, l.start_column, end_col);
        let number = l.start_line.to_string();
        let gutter = " ".repeat(number.len());
        let continues = if last_line > l.start_line {
            format!(
                " {}",
                p.paint(dim, &format!("(continues to line {last_line})"))
            )
        } else {
            String::new()
        };
        let _ = writeln!(out, "  {} {}", p.paint(dim, &format!("{number} |")), shown);
        let _ = writeln!(
            out,
            "  {} {}{continues}",
            p.paint(dim, &format!("{gutter} |")),
            p.paint(sev, &marker)
        );
    }
    for r in &f.related {
        let _ = writeln!(
            out,
            "  {} {}:{}:{}: {}",
            p.paint(dim, "note:"),
            clean(&r.location.path),
            r.location.start_line,
            r.location.start_column,
            clean(&r.message)
        );
    }
    // Remediation is one paragraph: fold it onto one line.
    let fix = f
        .rule
        .remediation
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if !fix.is_empty() {
        let green = Style::new().fg_color(Some(AnsiColor::Green.into()));
        let _ = writeln!(out, "  {} {}", p.paint(green, "fix:"), fix);
    }
}

/// Renders the analysis for a terminal or a log.
pub fn render(a: &Analysis, color: bool) -> String {
    let p = Painter { color };
    let mut out = String::new();

    // Findings are sorted by path already; a BTreeMap keeps files in order
    // even if that ever changes.
    let mut by_file: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in &a.findings {
        by_file.entry(&f.location.path).or_default().push(f);
    }
    for (path, findings) in &by_file {
        let active: Vec<&&Finding> = findings
            .iter()
            .filter(|f| f.suppression.is_none())
            .collect();
        let suppressed: Vec<&&Finding> = findings
            .iter()
            .filter(|f| f.suppression.is_some())
            .collect();
        let source = a.sources.get(*path).map(|s| &**s);
        let mut heading = format!(
            "{} ({}",
            clean(path),
            plural(active.len(), "finding", "findings")
        );
        if !suppressed.is_empty() {
            let _ = write!(heading, ", {} suppressed", suppressed.len());
        }
        heading.push(')');
        let _ = writeln!(
            out,
            "{}",
            p.paint(Style::new().bold().underline(), &heading)
        );
        out.push('\n');
        for f in active {
            write_finding(&mut out, f, source, &p);
            out.push('\n');
        }
        for f in &suppressed {
            let Some(s) = &f.suppression else { continue };
            let _ = writeln!(
                out,
                "{}",
                p.paint(
                    Style::new().dimmed(),
                    &format!(
                        "suppressed  {}:{}:{}  {} {}  ({}: {}{})",
                        clean(path),
                        f.location.start_line,
                        f.location.start_column,
                        f.rule.code,
                        f.rule.slug,
                        s.kind,
                        clean(&s.reason),
                        s.expires
                            .as_deref()
                            .map(|e| format!("; expires {}", clean(e)))
                            .unwrap_or_default()
                    )
                )
            );
        }
        if !suppressed.is_empty() {
            out.push('\n');
        }
    }

    // Notes are for the record (JSON/SARIF); people see errors and warnings.
    let problems: Vec<_> = a
        .diagnostics
        .iter()
        .filter(|d| d.level != DiagnosticLevel::Note)
        .collect();
    if !problems.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            p.paint(Style::new().bold().underline(), "Input problems")
        );
        out.push('\n');
        for d in problems {
            let (label, style) = match d.level {
                DiagnosticLevel::Error => (
                    "error",
                    Style::new().fg_color(Some(AnsiColor::Red.into())).bold(),
                ),
                _ => (
                    "warning",
                    Style::new().fg_color(Some(AnsiColor::Yellow.into())).bold(),
                ),
            };
            let _ = writeln!(
                out,
                "{}:{}:{}  {}  {}  {}",
                clean(&d.location.path),
                d.location.start_line,
                d.location.start_column,
                p.paint(style, label),
                d.code,
                clean(&d.message)
            );
        }
        out.push('\n');
    }

    let count = |s: Severity| a.active().filter(|f| f.severity == s).count();
    let active = a.active().count();
    let errors = a
        .diagnostics
        .iter()
        .filter(|d| d.level == DiagnosticLevel::Error)
        .count();
    let head = if active == 0 {
        "No findings".to_string()
    } else {
        format!(
            "{} ({} critical, {} high, {} medium, {} low, {} info)",
            plural(active, "finding", "findings"),
            count(Severity::Critical),
            count(Severity::High),
            count(Severity::Medium),
            count(Severity::Low),
            count(Severity::Info),
        )
    };
    let summary = format!(
        "{head}, {} suppressed, in {}; {}",
        a.suppressed().count(),
        plural(a.inputs.len(), "file", "files"),
        plural(errors, "input error", "input errors"),
    );
    let _ = writeln!(out, "{}", p.paint(Style::new().bold(), &summary));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marker_sits_under_the_span() {
        let (shown, marker) = excerpt("RUN sudo apt-get", 5, Some(9));
        assert_eq!(shown, "RUN sudo apt-get");
        assert_eq!(marker, "    ^^^^");
    }

    #[test]
    fn multi_line_span_is_marked_to_the_end_of_its_first_line() {
        let (_, marker) = excerpt("RUN a \\", 5, None);
        assert_eq!(marker, "    ^^^");
    }

    #[test]
    fn empty_or_out_of_range_spans_get_one_marker() {
        assert_eq!(excerpt("abc", 2, Some(2)).1, " ^");
        assert_eq!(excerpt("abc", 9, Some(12)).1, "   ^");
        assert_eq!(excerpt("", 1, Some(1)).1, "^");
        assert_eq!(excerpt("abc", 0, Some(0)).1, "^");
    }

    #[test]
    fn tabs_are_expanded_and_marker_follows() {
        let (shown, marker) = excerpt("\tRUN x", 2, Some(5));
        assert_eq!(shown, "    RUN x");
        assert_eq!(marker, "    ^^^");
        // Span starting on a tab: the whole expanded tab is marked.
        assert_eq!(excerpt("\tx", 1, Some(2)).1, "^^^^");
    }

    #[test]
    fn multibyte_characters_count_as_one_column() {
        let (shown, marker) = excerpt("ENV é=ü", 5, Some(8));
        assert_eq!(shown, "ENV é=ü");
        assert_eq!(marker, "    ^^^");
    }

    #[test]
    fn long_lines_are_cut_around_the_span() {
        let line = format!("{}SECRET{}", "a".repeat(300), "b".repeat(300));
        let (shown, marker) = excerpt(&line, 301, Some(307));
        assert!(shown.starts_with('…') && shown.ends_with('…'));
        assert_eq!(shown.chars().count(), MAX_SHOWN_CHARS + 2);
        let at = marker.find('^').unwrap();
        assert_eq!(
            &shown.chars().skip(at).take(6).collect::<String>(),
            "SECRET"
        );
        assert_eq!(marker.trim_start(), "^^^^^^");
    }

    #[test]
    fn control_characters_never_reach_the_terminal() {
        let (shown, _) = excerpt("RUN \u{1b}[31mx", 1, Some(2));
        assert!(!shown.contains('\u{1b}'));
        assert_eq!(clean("a\u{1b}b\rc"), "a\u{FFFD}b\u{FFFD}c");
    }
}
