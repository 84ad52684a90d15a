//! Suppressions: inline comments in Dockerfiles and `[[ignore]]` entries in
//! `.threatbox.toml`. Every suppression should say why; one that does not is
//! still honoured but reported, and an expired config entry stops applying.
//!
//! Inline forms (the comment stands on the line before the instruction, or
//! anywhere for the file-level form):
//! - `# threatbox:ignore=TB101,TB201 reason…`
//! - `# threatbox:ignore-file=TB203 reason…`
//! - peers' pragmas, so migrating users keep theirs: `# hadolint ignore=DL3002`,
//!   `# hadolint global ignore=…`, `# trivy:ignore:DS-0002`,
//!   `# checkov:skip=CKV_DOCKER_3: reason`. Their ids match through each
//!   rule's `peers` list.

use std::sync::Arc;

use super::finding::{Finding, Suppression};
use super::rules;
use crate::config::{Config, names_rule};
use crate::model::System;
use crate::source::{Diagnostic, Location};

/// What an inline suppression covers.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Scope {
    /// Lines `start..=end` (the next instruction).
    Lines(usize, usize),
    File,
}

#[derive(Debug, Clone)]
struct Inline {
    path: Arc<str>,
    codes: Vec<String>,
    reason: Option<String>,
    scope: Scope,
    location: Location,
    /// A `threatbox:` comment (not a peer's pragma). Peers' pragmas were
    /// written for another tool: they may name rules threatbox does not
    /// have and carry no reason by that tool's convention, so neither is
    /// reported for them.
    ours: bool,
}

/// Parses one comment's text (after `#`). Returns codes, reason and whether
/// it is file-level.
fn parse_pragma(text: &str) -> Option<(Vec<String>, Option<String>, bool)> {
    let t = text.trim();
    let (rest, file_level, reason_sep) = if let Some(r) = t.strip_prefix("threatbox:ignore-file=") {
        (r, true, None)
    } else if let Some(r) = t.strip_prefix("threatbox:ignore=") {
        (r, false, None)
    } else if let Some(r) = t.strip_prefix("hadolint global ignore=") {
        (r, true, Some('#'))
    } else if let Some(r) = t.strip_prefix("hadolint ignore=") {
        (r, false, Some('#'))
    } else if let Some(r) = t.strip_prefix("trivy:ignore:") {
        (r, false, None)
    } else if let Some(r) = t.strip_prefix("checkov:skip=") {
        // `CKV_DOCKER_3: reason` — the id ends at the colon.
        let (id, reason) = r.split_once(':').unwrap_or((r, ""));
        let reason = reason.trim();
        return Some((
            vec![id.trim().to_string()],
            (!reason.is_empty()).then(|| reason.to_string()),
            false,
        ));
    } else {
        return None;
    };
    let (list, reason) = match reason_sep {
        // hadolint puts the reason after a second `#`.
        Some(sep) => match rest.split_once(sep) {
            Some((l, r)) => (l.trim(), r.trim()),
            None => (rest.trim(), ""),
        },
        None => match rest.split_once(char::is_whitespace) {
            Some((l, r)) => (l.trim(), r.trim()),
            None => (rest.trim(), ""),
        },
    };
    let codes: Vec<String> = list
        .split(',')
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect();
    if codes.is_empty() {
        return None;
    }
    Some((
        codes,
        (!reason.is_empty()).then(|| reason.to_string()),
        file_level,
    ))
}

fn inline_suppressions(system: &System) -> Vec<Inline> {
    let mut out = Vec::new();
    for image in &system.images {
        let df = &image.dockerfile;
        let src = &df.source;
        // Instruction line ranges, in file order, to find "the next instruction".
        let ranges: Vec<(usize, usize)> = df
            .instructions
            .iter()
            .map(|i| {
                (
                    src.line_col(i.span.start).0,
                    src.line_col(i.span.end.saturating_sub(1).max(i.span.start))
                        .0,
                )
            })
            .collect();
        for comment in &df.comments {
            let Some((codes, reason, file_level)) = parse_pragma(&comment.text) else {
                continue;
            };
            let scope = if file_level {
                Scope::File
            } else {
                match ranges.iter().find(|(start, _)| *start > comment.line) {
                    Some(&(s, e)) => Scope::Lines(s, e),
                    None => continue,
                }
            };
            out.push(Inline {
                ours: comment.text.trim_start().starts_with("threatbox:"),
                path: src.path.clone(),
                codes,
                reason,
                scope,
                location: src.line_location(comment.line),
            });
        }
    }
    out
}

/// Suppressions written on Kubernetes objects and compose services: they
/// cover every line of that object or service.
fn object_suppressions(system: &System) -> Vec<Inline> {
    let mut out = cluster_object_suppressions(system);
    for w in &system.workloads {
        for s in &w.suppressions {
            out.push(Inline {
                path: w.extent.path.clone(),
                codes: s.codes.clone(),
                reason: s.reason.clone(),
                scope: Scope::Lines(w.extent.start_line, w.extent.end_line),
                location: s.location.clone(),
                ours: true,
            });
        }
    }
    out
}

/// The annotation on Kubernetes objects that are not workloads (Roles,
/// bindings, Services, Ingresses, static pods are workloads already…): it
/// covers the object's lines. Workload objects are skipped, their loader
/// has read the annotation (and warned about malformed ones).
fn cluster_object_suppressions(system: &System) -> Vec<Inline> {
    use crate::model::kubernetes::IGNORE_ANNOTATION;
    let workload_starts: std::collections::HashSet<(&str, usize)> = system
        .workloads
        .iter()
        .map(|w| (&*w.extent.path, w.extent.start_line))
        .collect();
    let mut out = Vec::new();
    for obj in &system.kube_objects {
        let Some(text) = obj.annotations.get(IGNORE_ANNOTATION) else {
            continue;
        };
        if workload_starts.contains(&(&*obj.location.path, obj.location.start_line)) {
            continue;
        }
        let text = text.trim();
        let (list, reason) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
        let codes: Vec<String> = list
            .split(',')
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
            .collect();
        if codes.is_empty() {
            continue;
        }
        let reason = reason.trim();
        // `location` is the object's first line; the node spans all of it.
        let extent = obj.loc(&obj.node);
        out.push(Inline {
            path: obj.location.path.clone(),
            codes,
            reason: (!reason.is_empty()).then(|| reason.to_string()),
            scope: Scope::Lines(extent.start_line, extent.end_line),
            location: obj.location.clone(),
            ours: true,
        });
    }
    out
}

fn covers(s: &Inline, f: &Finding) -> bool {
    if s.path != f.location.path || !s.codes.iter().any(|c| names_rule(f.rule, c)) {
        return false;
    }
    match s.scope {
        Scope::File => true,
        Scope::Lines(a, b) => (a..=b).contains(&f.location.start_line),
    }
}

/// Today's date as `YYYY-MM-DD` (UTC), or `THREATBOX_TODAY` when set (tests
/// and reproducible CI runs).
pub fn today() -> String {
    if let Ok(d) = std::env::var("THREATBOX_TODAY") {
        return d;
    }
    let now = time::OffsetDateTime::now_utc().date();
    format!(
        "{:04}-{:02}-{:02}",
        now.year(),
        u8::from(now.month()),
        now.day()
    )
}

/// Marks suppressed findings and reports suppressions that lack a reason,
/// have expired or name no rule.
pub fn apply(
    system: &System,
    config: &Config,
    strict: bool,
    today: &str,
    findings: &mut [Finding],
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut inline = inline_suppressions(system);
    inline.extend(object_suppressions(system));
    let catalogue = rules::all();
    let known = |code: &str| catalogue.iter().any(|r| names_rule(r.meta(), code));

    for s in inline.iter().filter(|s| s.ours) {
        for code in s.codes.iter().filter(|c| !known(c)) {
            diagnostics.push(Diagnostic::warning(
                "unknown-rule",
                format!("suppression names {code:?}, which matches no threatbox rule or peer id"),
                s.location.clone(),
            ));
        }
        if s.reason.is_none() {
            diagnostics.push(Diagnostic::warning(
                "suppression-without-reason",
                "suppression gives no reason: add one after the rule list so reviewers know why",
                s.location.clone(),
            ));
        }
    }
    for e in &config.ignores {
        if !known(&e.rule) {
            diagnostics.push(Diagnostic::warning(
                "unknown-rule",
                format!(
                    "[[ignore]] names {:?}, which matches no threatbox rule or peer id",
                    e.rule
                ),
                e.location.clone(),
            ));
        }
        if e.reason.is_none() {
            diagnostics.push(Diagnostic::warning(
                "suppression-without-reason",
                "[[ignore]] entry has no `reason`",
                e.location.clone(),
            ));
        }
        if let Some(exp) = &e.expires
            && exp.as_str() < today
        {
            diagnostics.push(Diagnostic::warning(
                "suppression-expired",
                format!(
                    "[[ignore]] for {} expired on {exp}; it no longer applies",
                    e.rule
                ),
                e.location.clone(),
            ));
        }
    }
    if strict {
        return;
    }
    for f in findings.iter_mut() {
        if let Some(s) = inline.iter().find(|s| covers(s, f)) {
            f.suppression = Some(Suppression {
                kind: "inline",
                reason: s.reason.clone().unwrap_or_default(),
                expires: None,
            });
            continue;
        }
        let path = f.location.path.trim_start_matches("./");
        let entry = config.ignores.iter().find(|e| {
            names_rule(f.rule, &e.rule)
                && e.path.as_ref().is_none_or(|g| g.is_match(path))
                && e.expires.as_deref().is_none_or(|exp| exp >= today)
        });
        if let Some(e) = entry {
            f.suppression = Some(Suppression {
                kind: "config",
                reason: e.reason.clone().unwrap_or_default(),
                expires: e.expires.clone(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pragma_forms() {
        assert_eq!(
            parse_pragma(" threatbox:ignore=TB101,TB201 legacy image"),
            Some((
                vec!["TB101".into(), "TB201".into()],
                Some("legacy image".into()),
                false
            ))
        );
        assert_eq!(
            parse_pragma("threatbox:ignore-file=TB203"),
            Some((vec!["TB203".into()], None, true))
        );
        assert_eq!(
            parse_pragma("hadolint ignore=DL3002,DL3008 # base sets user"),
            Some((
                vec!["DL3002".into(), "DL3008".into()],
                Some("base sets user".into()),
                false
            ))
        );
        assert_eq!(
            parse_pragma("hadolint global ignore=DL3057"),
            Some((vec!["DL3057".into()], None, true))
        );
        assert_eq!(
            parse_pragma("checkov:skip=CKV_DOCKER_3: user set by base"),
            Some((
                vec!["CKV_DOCKER_3".into()],
                Some("user set by base".into()),
                false
            ))
        );
        assert_eq!(
            parse_pragma("trivy:ignore:DS-0002"),
            Some((vec!["DS-0002".into()], None, false))
        );
        assert_eq!(parse_pragma("just a comment"), None);
        assert_eq!(parse_pragma("threatbox:ignore="), None);
    }
}
