//! `.dockerignore`: which files of the build context `COPY`/`ADD` can see.
//!
//! Semantics follow Docker's (moby `patternmatcher`): one pattern per line,
//! `#` comments, surrounding white space trimmed, `!` marks an exception, the
//! last matching pattern wins, patterns are cleaned paths relative to the
//! context root (`/` and `./` prefixes dropped, `a/../b` → `b`), Go
//! `filepath.Match` syntax (`*`, `?`, `[…]`, `\` escapes) plus `**` for any
//! number of directories, and a pattern that matches a directory excludes
//! everything below it.
//!
//! Patterns are translated to regular expressions the way Docker does rather
//! than handed to `globset`: globset also expands `{a,b}` alternatives and
//! treats a `**` that is not a whole path component differently, and either
//! would make us disagree with what `docker build` really sends.

use std::path::Path;
use std::sync::Arc;

use regex::Regex;

use crate::source::{Diagnostic, Location};

/// One pattern line.
#[derive(Debug)]
pub struct IgnorePattern {
    /// The cleaned pattern, without `!`.
    pub pattern: String,
    /// `!pattern`: re-includes what earlier patterns excluded.
    pub exception: bool,
    /// 1-based line in the file.
    pub line: usize,
    regex: Regex,
}

/// A parsed `.dockerignore`.
#[derive(Debug)]
pub struct DockerIgnore {
    pub path: Arc<str>,
    pub patterns: Vec<IgnorePattern>,
    /// Lines Docker would reject (bad pattern syntax); they are skipped.
    pub warnings: Vec<Diagnostic>,
}

impl DockerIgnore {
    /// Parses the text of a `.dockerignore` file. Never fails: a bad pattern
    /// becomes a warning and is skipped.
    pub fn parse(path: impl Into<Arc<str>>, text: &str) -> DockerIgnore {
        let path = path.into();
        let mut patterns = Vec::new();
        let mut warnings = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (exception, rest) = match line.strip_prefix('!') {
                Some(rest) => (true, rest.trim()),
                None => (false, line),
            };
            let pattern = clean(rest);
            if pattern.is_empty() {
                continue;
            }
            match Regex::new(&to_regex(&pattern)) {
                Ok(regex) => patterns.push(IgnorePattern {
                    pattern,
                    exception,
                    line: i + 1,
                    regex,
                }),
                Err(_) => warnings.push(Diagnostic::warning(
                    "dockerignore-pattern",
                    format!(
                        "invalid .dockerignore pattern `{line}`; skipped (docker build rejects it)"
                    ),
                    Location {
                        path: path.clone(),
                        start_line: i + 1,
                        start_column: 1,
                        end_line: i + 1,
                        end_column: raw.chars().count() + 1,
                    },
                )),
            }
        }
        DockerIgnore {
            path,
            patterns,
            warnings,
        }
    }

    /// Is `path` (relative to the build context, `/`-separated) excluded?
    pub fn is_excluded(&self, path: &str) -> bool {
        let path = clean(path);
        if path.is_empty() || path == "." {
            return false;
        }
        // The path itself, then each parent directory (`a`, `a/b` for `a/b/c`).
        let parents: Vec<&str> = path.match_indices('/').map(|(i, _)| &path[..i]).collect();
        let mut excluded = false;
        for p in &self.patterns {
            // An exclusion cannot change an excluded path, nor an exception
            // an included one.
            if p.exception != excluded {
                continue;
            }
            let matched =
                p.regex.is_match(&path) || parents.iter().any(|parent| p.regex.is_match(parent));
            if matched {
                excluded = !p.exception;
            }
        }
        excluded
    }
}

/// Go's `filepath.Clean` on a `/`-separated path, then without a leading `/`.
fn clean(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            // As in Go, a leading `..` stays (and then matches nothing).
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    if parts.is_empty() {
        return ".".to_string();
    }
    parts.join("/")
}

/// Docker's translation of a pattern to an anchored regular expression.
fn to_regex(pattern: &str) -> String {
    let mut re = String::from("^");
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        if in_class {
            // Inside `[…]`: ranges and `^` negation mean the same in Go and
            // `regex`; a nested `[` would open a class in `regex`, so escape it.
            match c {
                ']' => {
                    in_class = false;
                    re.push(']');
                }
                '\\' => match chars.next() {
                    Some(n) => re.push_str(&regex::escape(&n.to_string())),
                    None => re.push_str(r"\\"),
                },
                '[' => re.push_str(r"\["),
                c => re.push(c),
            }
            continue;
        }
        match c {
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                // `**/` is `**`: the slash is part of "any directories".
                if chars.peek() == Some(&'/') {
                    chars.next();
                }
                if chars.peek().is_none() {
                    re.push_str(".*");
                } else {
                    re.push_str("(.*/)?");
                }
            }
            '*' => re.push_str("[^/]*"),
            '?' => re.push_str("[^/]"),
            '\\' => match chars.next() {
                Some(n) => re.push_str(&regex::escape(&n.to_string())),
                None => re.push_str(r"\\"),
            },
            // An unclosed class fails to compile, as it fails in Docker.
            '[' => {
                in_class = true;
                re.push('[');
            }
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push('$');
    re
}

/// The `.dockerignore` that applies to a Dockerfile: `<Dockerfile>.dockerignore`
/// beside it, else `.dockerignore` in its directory (the usual build context).
pub fn find_for(dockerfile: &Path) -> Option<Result<DockerIgnore, Diagnostic>> {
    let dir = dockerfile.parent().unwrap_or(Path::new(""));
    let specific = dockerfile.file_name().map(|name| {
        let mut name = name.to_os_string();
        name.push(".dockerignore");
        dir.join(name)
    });
    let candidates = specific.into_iter().chain([dir.join(".dockerignore")]);
    let path = candidates.into_iter().find(|p| p.is_file())?;
    Some(
        crate::read_text(&path)
            .map(|(text, _)| DockerIgnore::parse(path.display().to_string(), &text)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ignore(text: &str) -> DockerIgnore {
        DockerIgnore::parse(".dockerignore", text)
    }

    #[test]
    fn comments_blank_lines_and_cleaning() {
        let ig = ignore("# secrets\n\n  .env  \n/build/\n./dist\nlogs/../tmp\n");
        let pats: Vec<_> = ig.patterns.iter().map(|p| p.pattern.as_str()).collect();
        assert_eq!(pats, vec![".env", "build", "dist", "tmp"]);
        assert!(ig.is_excluded(".env"));
        assert!(ig.is_excluded("./.env"));
        assert!(ig.is_excluded("/build"));
        assert!(!ig.is_excluded("src/.env"));
        assert!(!ig.is_excluded("# secrets"));
    }

    #[test]
    fn directories_exclude_everything_below() {
        let ig = ignore(".git\nnode_modules\n");
        assert!(ig.is_excluded(".git/config"));
        assert!(ig.is_excluded("node_modules/a/b/c.js"));
        assert!(!ig.is_excluded(".github/workflows/ci.yml"));
    }

    #[test]
    fn star_does_not_cross_directories_but_double_star_does() {
        let ig = ignore("*.pem\n**/*.key\nsecrets/**\n");
        assert!(ig.is_excluded("server.pem"));
        assert!(!ig.is_excluded("certs/server.pem"));
        assert!(ig.is_excluded("server.key"));
        assert!(ig.is_excluded("a/b/server.key"));
        assert!(ig.is_excluded("secrets/x/y"));
        assert!(!ig.is_excluded("secrets"));
        let ig = ignore("**\n");
        assert!(ig.is_excluded("anything/at/all"));
    }

    #[test]
    fn exceptions_and_last_match_wins() {
        let ig = ignore("*\n!src\n!package.json\nsrc/.env\n");
        assert!(ig.is_excluded(".env"));
        assert!(ig.is_excluded("id_rsa"));
        assert!(!ig.is_excluded("src/main.rs"));
        assert!(!ig.is_excluded("package.json"));
        assert!(ig.is_excluded("src/.env"));
        let ig = ignore("!README.md\n*.md\n");
        assert!(ig.is_excluded("README.md"));
        let ig = ignore("*.md\n!README*.md\nREADME-secret.md\n");
        assert!(!ig.is_excluded("README.md"));
        assert!(ig.is_excluded("README-secret.md"));
        assert!(ig.is_excluded("CHANGES.md"));
    }

    #[test]
    fn go_match_syntax() {
        let ig = ignore("file?.txt\n[a-c].log\n[^x]y\n\\*lit\n.env.*\n");
        assert!(ig.is_excluded("file1.txt"));
        assert!(!ig.is_excluded("file12.txt"));
        assert!(ig.is_excluded("b.log"));
        assert!(!ig.is_excluded("d.log"));
        assert!(ig.is_excluded("ay"));
        assert!(!ig.is_excluded("xy"));
        assert!(ig.is_excluded("*lit"));
        assert!(!ig.is_excluded("alit"));
        assert!(ig.is_excluded(".env.local"));
        // `{a,b}` is not special in Docker.
        let ig = ignore("{a,b}\n");
        assert!(ig.is_excluded("{a,b}"));
        assert!(!ig.is_excluded("a"));
    }

    #[test]
    fn bad_patterns_become_warnings() {
        let ig = ignore("[unclosed\n.env\n");
        assert_eq!(ig.patterns.len(), 1);
        assert_eq!(ig.warnings.len(), 1);
        assert_eq!(ig.warnings[0].location.start_line, 1);
        assert!(ig.is_excluded(".env"));
    }

    #[test]
    fn find_for_prefers_the_dockerfile_specific_file() {
        let dir = tempfile::tempdir().unwrap();
        let dockerfile = dir.path().join("app.Dockerfile");
        std::fs::write(&dockerfile, "FROM a\n").unwrap();
        assert!(find_for(&dockerfile).is_none());
        std::fs::write(dir.path().join(".dockerignore"), ".git\n").unwrap();
        let ig = find_for(&dockerfile).unwrap().unwrap();
        assert!(ig.path.ends_with("/.dockerignore"));
        assert!(ig.is_excluded(".git"));
        std::fs::write(dir.path().join("app.Dockerfile.dockerignore"), ".env\n").unwrap();
        let ig = find_for(&dockerfile).unwrap().unwrap();
        assert!(ig.path.ends_with("app.Dockerfile.dockerignore"));
        assert!(ig.is_excluded(".env"));
        assert!(!ig.is_excluded(".git"));
    }

    #[test]
    fn unreadable_file_is_a_diagnostic() {
        let dir = tempfile::tempdir().unwrap();
        let dockerfile = dir.path().join("Dockerfile");
        std::fs::write(dir.path().join(".dockerignore"), b"a\0b").unwrap();
        let err = find_for(&dockerfile).unwrap().unwrap_err();
        assert_eq!(err.code, "binary-file");
    }
}
