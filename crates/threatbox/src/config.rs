//! `.threatbox.toml`: rule selection, trusted registries and suppressions.

use std::path::Path;

use globset::{Glob, GlobMatcher};
use serde::Deserialize;

use crate::analyse::finding::Severity;
use crate::analyse::rule::RuleMeta;
use crate::source::{Diagnostic, Location, SourceFile};

/// Registries trusted when the config names none: Docker Official Images and
/// the official registries of the major OS and runtime vendors.
pub const DEFAULT_TRUSTED_REGISTRIES: &[&str] = &[
    "docker.io/library/*",
    "mcr.microsoft.com/*",
    "gcr.io/distroless/*",
    "registry.access.redhat.com/*",
    "registry.redhat.io/*",
    "public.ecr.aws/docker/library/*",
    "cgr.dev/chainguard/*",
    "container-registry.oracle.com/*",
    "registry.k8s.io/*",
];

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    fail_on: Option<Severity>,
    #[serde(default)]
    rules: RawRules,
    trusted_registries: Option<Vec<String>>,
    #[serde(default)]
    ignore: Vec<RawIgnore>,
    max_image_age_days: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    #[serde(default)]
    disable: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIgnore {
    rule: String,
    path: Option<String>,
    reason: Option<String>,
    expires: Option<toml::value::Datetime>,
}

/// A `[[ignore]]` entry.
#[derive(Debug)]
pub struct IgnoreEntry {
    /// Rule code, slug or a peer id (e.g. `DL3002`); `*` for every rule.
    pub rule: String,
    /// Glob over the finding's path; `None` for every path.
    pub path: Option<GlobMatcher>,
    pub path_text: Option<String>,
    pub reason: Option<String>,
    /// `YYYY-MM-DD`.
    pub expires: Option<String>,
    /// Where the entry is written, for diagnostics about it.
    pub location: Location,
}

/// The loaded configuration.
#[derive(Debug)]
pub struct Config {
    pub fail_on: Option<Severity>,
    pub disabled: Vec<String>,
    /// Glob patterns over fully qualified `registry/repository` names.
    pub trusted_registries: Vec<GlobMatcher>,
    pub ignores: Vec<IgnoreEntry>,
    /// Images built longer ago than this many days are reported (TB220);
    /// `None`: [`DEFAULT_MAX_IMAGE_AGE_DAYS`].
    pub max_image_age_days: Option<u32>,
}

/// The default of `max-image-age-days`.
pub const DEFAULT_MAX_IMAGE_AGE_DAYS: u32 = 365;

impl Default for Config {
    fn default() -> Self {
        Config {
            fail_on: None,
            disabled: Vec::new(),
            trusted_registries: compile_registries(DEFAULT_TRUSTED_REGISTRIES.iter().copied()),
            ignores: Vec::new(),
            max_image_age_days: None,
        }
    }
}

fn compile_registries<'a>(patterns: impl Iterator<Item = &'a str>) -> Vec<GlobMatcher> {
    patterns
        .filter_map(|p| {
            globset::GlobBuilder::new(p)
                .literal_separator(false)
                .build()
                .ok()
                .map(|g| g.compile_matcher())
        })
        .collect()
}

/// Does `code_or_alias` name this rule (code, slug or peer id)?
pub fn names_rule(meta: &RuleMeta, code_or_alias: &str) -> bool {
    let c = code_or_alias.trim();
    c == "*"
        || meta.code.eq_ignore_ascii_case(c)
        || meta.slug.eq_ignore_ascii_case(c)
        || meta.peers.iter().any(|p| p.eq_ignore_ascii_case(c))
}

impl Config {
    /// Reads and validates a config file. Errors carry file and line.
    pub fn load(path: &Path) -> Result<Config, Diagnostic> {
        let display = path.display().to_string();
        // Bounded, regular files only (a FIFO or `/dev/zero` given as
        // `--config` used to block or fill memory).
        let text = match crate::read_text(path) {
            Ok((text, None)) => text,
            Ok((_, Some(warning))) => {
                return Err(Diagnostic::error(
                    "config-error",
                    "config file is not valid UTF-8",
                    warning.location,
                ));
            }
            Err(d) => {
                return Err(Diagnostic::error(
                    "config-error",
                    format!("cannot read config file: {}", d.message),
                    d.location,
                ));
            }
        };
        Config::parse(SourceFile::new(display, text))
    }

    pub fn parse(source: SourceFile) -> Result<Config, Diagnostic> {
        let raw: RawConfig = toml::from_str(&source.text).map_err(|e| {
            let loc = match e.span() {
                Some(span) => source.location(&span),
                None => Location::file(source.path.clone()),
            };
            Diagnostic::error(
                "config-error",
                format!("invalid config: {}", e.message()),
                loc,
            )
        })?;
        let mut config = Config {
            fail_on: raw.fail_on,
            disabled: raw.rules.disable,
            max_image_age_days: raw.max_image_age_days,
            ..Config::default()
        };
        if let Some(regs) = raw.trusted_registries {
            // A bad pattern used to be dropped silently.
            for p in &regs {
                if let Err(e) = Glob::new(p) {
                    let quoted = format!("{p:?}");
                    let line = source
                        .text
                        .lines()
                        .position(|l| l.contains(&quoted))
                        .or_else(|| {
                            source
                                .text
                                .lines()
                                .position(|l| l.trim_start().starts_with("trusted-registries"))
                        })
                        .map_or(1, |i| i + 1);
                    return Err(Diagnostic::error(
                        "config-error",
                        format!("invalid glob {p:?} in trusted-registries: {e}"),
                        source.line_location(line),
                    ));
                }
            }
            config.trusted_registries = compile_registries(regs.iter().map(String::as_str));
        }
        // toml gives no spans per array element here; locate entries by
        // their `[[ignore]]` header lines, which are in the same order.
        let mut headers = source
            .text
            .lines()
            .enumerate()
            .filter(|(_, l)| l.trim_start().starts_with("[[ignore]]"))
            .map(|(i, _)| i + 1);
        for entry in raw.ignore {
            let line = headers.next().unwrap_or(1);
            let location = source.line_location(line);
            let path = match &entry.path {
                Some(p) => Some(
                    Glob::new(p)
                        .map_err(|e| {
                            Diagnostic::error(
                                "config-error",
                                format!("invalid path glob {p:?} in [[ignore]]: {e}"),
                                location.clone(),
                            )
                        })?
                        .compile_matcher(),
                ),
                None => None,
            };
            let expires = match entry.expires {
                Some(d) => match d.date {
                    Some(date) if d.time.is_none() => Some(date.to_string()),
                    _ => {
                        return Err(Diagnostic::error(
                            "config-error",
                            "`expires` in [[ignore]] must be a date such as 2027-01-31",
                            location,
                        ));
                    }
                },
                None => None,
            };
            config.ignores.push(IgnoreEntry {
                rule: entry.rule,
                path_text: entry.path,
                path,
                reason: entry.reason.filter(|r| !r.trim().is_empty()),
                expires,
                location,
            });
        }
        Ok(config)
    }

    pub fn is_disabled(&self, meta: &RuleMeta) -> bool {
        self.disabled.iter().any(|d| names_rule(meta, d))
    }

    /// Is `registry/repository` (e.g. `docker.io/library/python`) trusted?
    pub fn is_trusted_registry(&self, qualified_repository: &str) -> bool {
        self.trusted_registries
            .iter()
            .any(|g| g.is_match(qualified_repository))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, Diagnostic> {
        Config::parse(SourceFile::new(".threatbox.toml", text.to_string()))
    }

    #[test]
    fn bad_trusted_registry_glob_is_an_error_at_its_line() {
        let d = parse("fail-on = \"high\"\ntrusted-registries = [\n  \"ok/*\",\n  \"a/[b\",\n]\n")
            .unwrap_err();
        assert_eq!(d.code, "config-error");
        assert_eq!(d.location.start_line, 4);
        assert!(d.message.contains("a/[b"), "{}", d.message);
    }

    #[test]
    fn reads_every_key() {
        let c = parse(
            r#"
fail-on = "medium"
trusted-registries = ["registry.example.com/*"]
[rules]
disable = ["TB205"]

[[ignore]]
rule = "TB101"
path = "legacy/**"
reason = "legacy image, replaced in Q3"
expires = 2027-01-31
"#,
        )
        .unwrap();
        assert_eq!(c.fail_on, Some(Severity::Medium));
        assert_eq!(c.disabled, vec!["TB205"]);
        assert!(c.is_trusted_registry("registry.example.com/team/app"));
        assert!(!c.is_trusted_registry("docker.io/library/python"));
        let e = &c.ignores[0];
        assert_eq!(e.expires.as_deref(), Some("2027-01-31"));
        assert!(e.path.as_ref().unwrap().is_match("legacy/app/Dockerfile"));
        assert_eq!(e.location.start_line, 7);
    }

    #[test]
    fn reads_the_image_age_limit() {
        assert_eq!(
            parse("max-image-age-days = 90\n")
                .unwrap()
                .max_image_age_days,
            Some(90)
        );
        assert_eq!(parse("").unwrap().max_image_age_days, None);
        assert!(parse("max-image-age-days = -1\n").is_err());
    }

    #[test]
    fn default_trusts_official_images_only() {
        let c = Config::default();
        assert!(c.is_trusted_registry("docker.io/library/python"));
        assert!(!c.is_trusted_registry("docker.io/someone/python"));
        assert!(c.is_trusted_registry("mcr.microsoft.com/dotnet/aspnet"));
    }

    #[test]
    fn errors_point_at_the_line() {
        let err = parse("fail-on = \"high\"\nbogus = 1\n").unwrap_err();
        assert_eq!(err.location.start_line, 2);
        assert!(err.message.contains("bogus"), "{}", err.message);
        let err = parse("[[ignore]]\nrule = \"TB1\"\nexpires = \"soon\"\n").unwrap_err();
        assert_eq!(err.location.start_line, 3);
    }

    #[test]
    fn expiry_must_be_a_date() {
        let err =
            parse("[[ignore]]\nrule = \"TB1\"\nexpires = 2027-01-01T10:00:00Z\n").unwrap_err();
        assert!(err.message.contains("date"));
    }
}
