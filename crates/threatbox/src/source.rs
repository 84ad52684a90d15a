//! Source files as read from disk, and the byte-span → line/column mapping
//! that every finding and diagnostic goes through.

use std::ops::Range;
use std::sync::Arc;

use serde::Serialize;

/// A byte range in a source file.
pub type Span = Range<usize>;

/// One input file's text plus the index needed to turn byte offsets into
/// 1-based line and column numbers.
#[derive(Debug)]
pub struct SourceFile {
    /// Path as the user should see it (relative to where they pointed us).
    pub path: Arc<str>,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(path: impl Into<Arc<str>>, text: String) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self {
            path: path.into(),
            text,
            line_starts,
        }
    }

    /// 1-based line and column (in characters) of a byte offset; offsets past
    /// the end are clamped so that a bad span can never panic.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let col = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line + 1, col + 1)
    }

    /// The location of a span. An empty span still covers one column.
    pub fn location(&self, span: &Span) -> Location {
        let (start_line, start_column) = self.line_col(span.start);
        let end = span.end.max(span.start);
        let (end_line, end_column) = if end > span.start {
            // End column is exclusive in SARIF terms: point just past the last char.
            self.line_col(end)
        } else {
            (start_line, start_column + 1)
        };
        Location {
            path: self.path.clone(),
            start_line,
            start_column,
            end_line,
            end_column,
        }
    }

    /// The location of a whole 1-based line (used for comments and diagnostics
    /// that have no finer position).
    pub fn line_location(&self, line: usize) -> Location {
        let text = self.line_text(line).unwrap_or("");
        Location {
            path: self.path.clone(),
            start_line: line,
            start_column: 1,
            end_line: line,
            end_column: text.chars().count() + 1,
        }
    }

    /// Text of a 1-based line without its line ending.
    pub fn line_text(&self, line: usize) -> Option<&str> {
        let start = *self.line_starts.get(line.checked_sub(1)?)?;
        let end = self.line_starts.get(line).map_or(self.text.len(), |&e| e);
        let s = self.text.get(start..end)?;
        Some(s.trim_end_matches(['\n', '\r']))
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Byte offset where a 1-based line starts.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.line_starts.get(line.checked_sub(1)?).copied()
    }
}

/// A place in a file: path plus 1-based start/end line and column. The end
/// column is exclusive, as in SARIF.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    pub path: Arc<str>,
    pub start_line: usize,
    pub start_column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

/// An empty path at 1:1, for model values built in tests.
impl Default for Location {
    fn default() -> Self {
        Location::file("".into())
    }
}

impl Location {
    /// A location that names a file but no line inside it (file-level facts).
    pub fn file(path: Arc<str>) -> Self {
        Location {
            path,
            start_line: 1,
            start_column: 1,
            end_line: 1,
            end_column: 1,
        }
    }
}

/// Problems with the input itself (unreadable, unparsable, ignored parts),
/// as opposed to findings about the system it describes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Diagnostic {
    pub level: DiagnosticLevel,
    /// Stable code, e.g. `parse-error`, `read-error`, `helm-template`.
    pub code: &'static str,
    pub message: String,
    pub location: Location,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DiagnosticLevel {
    /// The input (or part of it) could not be read or understood: exit code 2.
    Error,
    /// Something was read but may be incomplete or is suspicious.
    Warning,
    /// For the record (e.g. a suppression applied, a file skipped on purpose).
    Note,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>, location: Location) -> Self {
        Self {
            level: DiagnosticLevel::Error,
            code,
            message: message.into(),
            location,
        }
    }
    pub fn warning(code: &'static str, message: impl Into<String>, location: Location) -> Self {
        Self {
            level: DiagnosticLevel::Warning,
            code,
            message: message.into(),
            location,
        }
    }
    pub fn note(code: &'static str, message: impl Into<String>, location: Location) -> Self {
        Self {
            level: DiagnosticLevel::Note,
            code,
            message: message.into(),
            location,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_maps_offsets_to_one_based_positions() {
        let f = SourceFile::new("Dockerfile", "FROM a\nRUN é x\n".to_string());
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(7), (2, 1));
        // 'x' is after a two-byte char: column counts characters.
        assert_eq!(f.line_col(14), (2, 7));
        assert_eq!(f.line_col(10_000), (3, 1));
        assert_eq!(f.line_text(2), Some("RUN é x"));
        assert_eq!(f.line_text(9), None);
    }

    #[test]
    fn location_of_empty_span_covers_one_column() {
        let f = SourceFile::new("x", "abc".to_string());
        let l = f.location(&(1..1));
        assert_eq!(
            (l.start_line, l.start_column, l.end_line, l.end_column),
            (1, 2, 1, 3)
        );
    }

    #[test]
    fn crlf_lines_are_trimmed() {
        let f = SourceFile::new("x", "a\r\nb\r\n".to_string());
        assert_eq!(f.line_text(1), Some("a"));
        assert_eq!(f.line_text(2), Some("b"));
    }
}
