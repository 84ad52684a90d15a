//! The JSON report: a documented, versioned schema (`docs/json-schema.md`,
//! `docs/threatbox.schema.json`).
//!
//! The structs below *are* the schema: field names and order are stable
//! within a major `schema_version`. They are separate from the analysis types
//! on purpose, so that refactoring those can never change the output silently.
//! Active findings go to `findings`, suppressed ones to `suppressed`, so that
//! `findings.length == summary.findings` always holds.

use serde::Serialize;

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::{Analysis, Input};
use crate::discover::InputKind;
use crate::source::{Diagnostic, DiagnosticLevel, Location};

/// Bumped in the minor part for additive changes, in the major part for any
/// rename, removal or change of meaning.
pub const SCHEMA_VERSION: &str = "1.0";

#[derive(Serialize)]
struct Report<'a> {
    schema_version: &'static str,
    tool: Tool,
    inputs: Vec<JsonInput<'a>>,
    findings: Vec<JsonFinding<'a>>,
    suppressed: Vec<JsonFinding<'a>>,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: Summary,
    /// Present when the attack analysis ran (JSON and SARIF scans by
    /// default): each reachable goal with its cheapest path and fixes.
    #[serde(skip_serializing_if = "Option::is_none")]
    attack_paths: Option<Vec<serde_json::Value>>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct JsonInput<'a> {
    path: &'a str,
    kind: InputKind,
}

#[derive(Serialize)]
struct JsonLocation<'a> {
    path: &'a str,
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    message: &'a str,
    location: JsonLocation<'a>,
}

#[derive(Serialize)]
struct JsonSuppression<'a> {
    kind: &'a str,
    reason: &'a str,
    /// Always present (null when the suppression never expires).
    expires: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    code: &'static str,
    slug: &'static str,
    title: &'static str,
    message: &'a str,
    severity: &'static str,
    stride: Vec<&'static str>,
    cwe: Vec<String>,
    stage: &'static str,
    cis: &'static [&'static str],
    remediation: &'static str,
    location: JsonLocation<'a>,
    related: Vec<JsonRelated<'a>>,
    fingerprint: &'a str,
    /// Only in `suppressed`; absent from active findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    suppression: Option<JsonSuppression<'a>>,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    level: DiagnosticLevel,
    code: &'static str,
    message: &'a str,
    location: JsonLocation<'a>,
}

#[derive(Serialize, Default)]
struct BySeverity {
    critical: usize,
    high: usize,
    medium: usize,
    low: usize,
    info: usize,
}

#[allow(non_snake_case)]
#[derive(Serialize, Default)]
struct ByStride {
    S: usize,
    T: usize,
    R: usize,
    I: usize,
    D: usize,
    E: usize,
}

#[derive(Serialize, Default)]
struct ByStage {
    build: usize,
    image: usize,
    registry: usize,
    orchestrator: usize,
    runtime: usize,
    host: usize,
}

#[derive(Serialize, Default)]
struct ByLevel {
    error: usize,
    warning: usize,
    note: usize,
}

#[derive(Serialize)]
struct Summary {
    /// Active (not suppressed) findings.
    findings: usize,
    by_severity: BySeverity,
    /// A finding counts once under each of its STRIDE letters.
    by_stride: ByStride,
    by_stage: ByStage,
    suppressed: usize,
    inputs: usize,
    diagnostics: ByLevel,
}

fn location(l: &Location) -> JsonLocation<'_> {
    // Same normalisation as SARIF, so the documented invariants (1-based,
    // end not before start) hold even for a malformed location.
    let (start_line, start_column, end_line, end_column) = super::sarif::positions(l);
    JsonLocation {
        path: &l.path,
        start_line,
        start_column,
        end_line,
        end_column,
    }
}

fn finding(f: &Finding) -> JsonFinding<'_> {
    JsonFinding {
        code: f.rule.code,
        slug: f.rule.slug,
        title: f.rule.title,
        message: &f.message,
        severity: f.severity.as_str(),
        stride: f.rule.stride.iter().map(|s| s.letter()).collect(),
        cwe: f.rule.cwe_ids().collect(),
        stage: f.rule.stage.as_str(),
        cis: f.rule.cis,
        remediation: f.rule.remediation,
        location: location(&f.location),
        related: f
            .related
            .iter()
            .map(|r| JsonRelated {
                message: &r.message,
                location: location(&r.location),
            })
            .collect(),
        fingerprint: &f.fingerprint,
        suppression: f.suppression.as_ref().map(|s| JsonSuppression {
            kind: s.kind,
            reason: &s.reason,
            expires: s.expires.as_deref(),
        }),
    }
}

fn summary(a: &Analysis) -> Summary {
    let mut by_severity = BySeverity::default();
    let mut by_stride = ByStride::default();
    let mut by_stage = ByStage::default();
    let mut findings = 0;
    for f in a.active() {
        findings += 1;
        *match f.severity {
            Severity::Critical => &mut by_severity.critical,
            Severity::High => &mut by_severity.high,
            Severity::Medium => &mut by_severity.medium,
            Severity::Low => &mut by_severity.low,
            Severity::Info => &mut by_severity.info,
        } += 1;
        for s in f.rule.stride {
            *match s {
                Stride::Spoofing => &mut by_stride.S,
                Stride::Tampering => &mut by_stride.T,
                Stride::Repudiation => &mut by_stride.R,
                Stride::InformationDisclosure => &mut by_stride.I,
                Stride::DenialOfService => &mut by_stride.D,
                Stride::ElevationOfPrivilege => &mut by_stride.E,
            } += 1;
        }
        *match f.rule.stage {
            LifecycleStage::Build => &mut by_stage.build,
            LifecycleStage::Image => &mut by_stage.image,
            LifecycleStage::Registry => &mut by_stage.registry,
            LifecycleStage::Orchestrator => &mut by_stage.orchestrator,
            LifecycleStage::Runtime => &mut by_stage.runtime,
            LifecycleStage::Host => &mut by_stage.host,
        } += 1;
    }
    let mut diagnostics = ByLevel::default();
    for d in &a.diagnostics {
        *match d.level {
            DiagnosticLevel::Error => &mut diagnostics.error,
            DiagnosticLevel::Warning => &mut diagnostics.warning,
            DiagnosticLevel::Note => &mut diagnostics.note,
        } += 1;
    }
    Summary {
        findings,
        by_severity,
        by_stride,
        by_stage,
        suppressed: a.suppressed().count(),
        inputs: a.inputs.len(),
        diagnostics,
    }
}

fn input(i: &Input) -> JsonInput<'_> {
    JsonInput {
        path: &i.path,
        kind: i.kind,
    }
}

fn diagnostic(d: &Diagnostic) -> JsonDiagnostic<'_> {
    JsonDiagnostic {
        level: d.level,
        code: d.code,
        message: &d.message,
        location: location(&d.location),
    }
}

fn attack_paths(attack: &crate::analyse::attack::AttackAnalysis) -> Vec<serde_json::Value> {
    use serde_json::json;
    let fix = |f: &crate::analyse::attack::graph::Fix| {
        json!({
            "code": f.code,
            "fingerprint": f.fingerprint,
            "location": location(&f.location),
            "suppressed": f.suppressed,
        })
    };
    super::attack_paths::paths(attack)
        .iter()
        .map(|p| {
            let hops: Vec<serde_json::Value> = p
                .hops
                .iter()
                .map(|h| {
                    let facts: Vec<serde_json::Value> = h
                        .facts
                        .iter()
                        .map(|(n, f)| {
                            json!({
                                "fact": n.predicate(),
                                "description": n.label,
                                "evidence": n.evidence().iter().map(location).collect::<Vec<_>>(),
                                "fix": f.map(fix),
                            })
                        })
                        .collect();
                    json!({
                        "step": h.step.id,
                        "title": h.step.title,
                        "reaches": h.reaches,
                        "attack": h.step.attack,
                        "facts": facts,
                    })
                })
                .collect();
            json!({
                "goal": p.goal.goal.id(),
                "title": p.goal.goal.title(),
                "min_cost": p.goal.min_cost,
                "probability": p.goal.probability,
                "hops": hops,
                "fix_set": {
                    "fixes": p.fixes.iter().map(|f| fix(f)).collect::<Vec<_>>(),
                    "verified": p.goal.fixes.verified,
                    "uncuttable": p.goal.fixes.uncuttable,
                    "method": p.goal.fixes.method,
                },
            })
        })
        .collect()
}

/// Renders the analysis as pretty-printed JSON with a trailing newline. The
/// order of every array is the analysis's own (already deterministic).
pub fn render(a: &Analysis) -> String {
    let report = Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "threatbox",
            version: env!("CARGO_PKG_VERSION"),
        },
        inputs: a.inputs.iter().map(input).collect(),
        findings: a.active().map(finding).collect(),
        suppressed: a.suppressed().map(finding).collect(),
        diagnostics: a.diagnostics.iter().map(diagnostic).collect(),
        summary: summary(a),
        attack_paths: a.attack.as_ref().map(attack_paths),
    };
    // Serialising plain structs of strings and integers cannot fail.
    let mut out = serde_json::to_string_pretty(&report).unwrap_or_default();
    out.push('\n');
    out
}
