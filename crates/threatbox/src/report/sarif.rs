//! The SARIF 2.1.0 report, for code-scanning UIs and CI.
//!
//! One run. `tool.driver.rules` holds every rule that ran (id = code,
//! name = slug) with the properties GitHub code scanning reads
//! (`security-severity`, `tags`, `precision`). Results carry a level mapped
//! from our severity, the location with the offending line as snippet, a
//! partial fingerprint, and — for suppressed findings — `suppressions`.
//! Input diagnostics become `invocations[0].toolExecutionNotifications`.
//! Columns are Unicode code points (`run.columnKind`), as in the analysis.
//! CWE ids appear twice: as tags (what GitHub reads) and as `superset`
//! relationships to a CWE taxonomy in `run.taxonomies` (what SARIF viewers
//! read). Validate a log with `scripts/validate-sarif.sh`.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use serde_sarif::sarif::{
    Artifact, ArtifactContent, ArtifactLocation, Invocation, Location as SarifLocation, Message,
    MultiformatMessageString, Notification, PhysicalLocation, PropertyBag, Region,
    ReportingConfiguration, ReportingDescriptor, ReportingDescriptorReference,
    ReportingDescriptorRelationship, Result as SarifResult, ResultLevel, Run, Sarif, Suppression,
    Tool, ToolComponent, ToolComponentReference,
};

use crate::analyse::Analysis;
use crate::analyse::finding::{Finding, Severity};
use crate::analyse::rule::RuleMeta;
use crate::source::{DiagnosticLevel, Location, SourceFile};

pub const SARIF_SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
/// Key of our fingerprint in `partialFingerprints`; bump the suffix if the
/// fingerprint's recipe ever changes.
pub const FINGERPRINT_KEY: &str = "threatbox/v1";
/// Snippets longer than this many lines are cut (multi-line spans).
const MAX_SNIPPET_LINES: usize = 20;

/// GitHub buckets `security-severity` as: > 9.0 critical, 7.0–8.9 high,
/// 4.0–6.9 medium, 0.1–3.9 low. Info has no security severity at all, so
/// GitHub does not show it as "low".
pub fn security_severity(s: Severity) -> Option<&'static str> {
    match s {
        Severity::Critical => Some("9.5"),
        Severity::High => Some("8.0"),
        Severity::Medium => Some("5.5"),
        Severity::Low => Some("3.0"),
        Severity::Info => None,
    }
}

pub fn level(s: Severity) -> ResultLevel {
    match s {
        Severity::Critical | Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low | Severity::Info => ResultLevel::Note,
    }
}

/// A relative, `/`-separated, percent-encoded URI reference for a path as the
/// user gave it; absolute paths become `file://` URIs.
pub fn artifact_uri(path: &str) -> String {
    let mut p = path.to_string();
    if cfg!(windows) {
        p = p.replace('\\', "/");
    }
    let mut rest = p.as_str();
    while let Some(r) = rest.strip_prefix("./") {
        rest = r;
    }
    if rest.starts_with('/') {
        return format!("file://{}", percent_encode(rest));
    }
    // A Windows drive path (`C:/x`): keep the colon, which is legal there.
    let b = rest.as_bytes();
    if b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'/' {
        let (drive, tail) = rest.split_at(2);
        return format!("file:///{drive}{}", percent_encode(tail));
    }
    if rest.is_empty() {
        return ".".to_string();
    }
    percent_encode(rest)
}

/// Percent-encodes every byte but RFC 3986 unreserved characters and `/`.
/// Encoding `:` also keeps a relative path from looking like a scheme.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The first paragraph of a rule's docs, without its bold lead-in
/// (`**What it detects.**`) and with lines joined.
fn first_paragraph(docs: &str) -> Option<String> {
    let para = docs.trim().split("\n\n").next()?.trim();
    let para = match para.strip_prefix("**").and_then(|r| r.split_once("**")) {
        Some((_, after)) => after.trim(),
        None => para,
    };
    let joined = para.split_whitespace().collect::<Vec<_>>().join(" ");
    (!joined.is_empty()).then_some(joined)
}

fn text(s: impl Into<String>) -> MultiformatMessageString {
    MultiformatMessageString::builder().text(s.into()).build()
}

fn message(s: &str) -> Message {
    Message {
        text: Some(s.to_string()),
        ..Default::default()
    }
}

fn rule_descriptor(m: &RuleMeta) -> ReportingDescriptor {
    let docs = m.docs.trim();
    let help_body = if docs.is_empty() {
        m.title.to_string()
    } else {
        docs.to_string()
    };
    // Plain text: the same Markdown without its bold markers.
    let help_text = format!(
        "{}\n\nRemediation: {}",
        help_body.replace("**", ""),
        m.remediation
    );
    let help_markdown = format!("{help_body}\n\n**Remediation.** {}", m.remediation);

    let mut tags = vec!["security".to_string()];
    for n in m.cwe {
        tags.push(format!("CWE-{n}"));
        tags.push(format!("external/cwe/cwe-{n}"));
    }
    for s in m.stride {
        tags.push(format!("STRIDE-{}", s.letter()));
    }
    tags.push(format!("stage-{}", m.stage.as_str()));
    tags.extend(m.cis.iter().map(|c| c.to_string()));

    let mut props = BTreeMap::new();
    if let Some(score) = security_severity(m.severity) {
        props.insert("security-severity".to_string(), json!(score));
    }
    // Every rule so far matches syntax it fully parsed; revisit when a rule
    // guesses (e.g. secret detection by entropy).
    props.insert("precision".to_string(), json!("high"));
    props.insert("severity".to_string(), json!(m.severity.as_str()));

    let mut descriptor = ReportingDescriptor::builder()
        .id(m.code)
        .name(m.slug)
        .short_description(text(m.title))
        .full_description(text(
            first_paragraph(m.docs).unwrap_or_else(|| m.title.to_string()),
        ))
        .help(
            MultiformatMessageString::builder()
                .text(help_text)
                .markdown(help_markdown)
                .build(),
        )
        .default_configuration(ReportingConfiguration {
            level: Some(json!(level(m.severity))),
            ..Default::default()
        })
        .properties(PropertyBag {
            tags: Some(tags),
            additional_properties: props,
        })
        .build();
    if !m.cwe.is_empty() {
        descriptor.relationships = Some(m.cwe.iter().map(|n| cwe_relationship(*n)).collect());
    }
    descriptor
}

/// A rule is a special case of each CWE entry it names: a `superset`
/// relationship to that entry in the CWE taxonomy (`run.taxonomies[0]`).
fn cwe_relationship(n: u32) -> ReportingDescriptorRelationship {
    ReportingDescriptorRelationship::builder()
        .target(ReportingDescriptorReference {
            id: Some(n.to_string()),
            tool_component: Some(cwe_reference()),
            ..Default::default()
        })
        .kinds(vec!["superset".to_string()])
        .build()
}

fn cwe_reference() -> ToolComponentReference {
    ToolComponentReference {
        name: Some("CWE".to_string()),
        index: Some(0),
        ..Default::default()
    }
}

/// The CWE taxonomy with the entries our rules name, sorted by number.
fn cwe_taxonomy(rules: &[&RuleMeta]) -> ToolComponent {
    let mut ids: Vec<u32> = rules.iter().flat_map(|r| r.cwe.iter().copied()).collect();
    ids.sort_unstable();
    ids.dedup();
    let taxa: Vec<ReportingDescriptor> = ids
        .iter()
        .map(|n| {
            ReportingDescriptor::builder()
                .id(n.to_string())
                .help_uri(format!("https://cwe.mitre.org/data/definitions/{n}.html"))
                .build()
        })
        .collect();
    ToolComponent::builder()
        .name("CWE")
        .organization("MITRE")
        .short_description(text("The MITRE Common Weakness Enumeration"))
        .information_uri("https://cwe.mitre.org/")
        .taxa(taxa)
        .build()
}

/// The text of the lines a location covers, for `region.snippet`. A span
/// that ends at column 1 of a line does not include that line.
fn snippet(a: &Analysis, l: &Location) -> Option<String> {
    let source = a.sources.get(&l.path)?;
    let mut last = l.end_line.max(l.start_line);
    if l.end_column <= 1 && last > l.start_line {
        last -= 1;
    }
    let last = last.min(l.start_line.saturating_add(MAX_SNIPPET_LINES - 1));
    let lines: Vec<&str> = (l.start_line..=last)
        .map_while(|n| source.line_text(n))
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// Start line, start column, end line, end column of a location, made valid
/// for consumers that require it (SARIF does): 1-based, and the end not
/// before the start. Well-formed locations pass unchanged.
pub(crate) fn positions(l: &Location) -> (usize, usize, usize, usize) {
    let start_line = l.start_line.max(1);
    let start_column = l.start_column.max(1);
    let end_line = l.end_line.max(start_line);
    let end_column = if end_line == start_line {
        l.end_column.max(start_column)
    } else {
        l.end_column.max(1)
    };
    (start_line, start_column, end_line, end_column)
}

fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn physical(a: &Analysis, l: &Location) -> PhysicalLocation {
    // `Location::file` (1:1–1:1) names the whole file: its region spans all
    // of it (as SARIF validators ask), without a snippet.
    let file_level =
        l.start_line == 1 && l.start_column == 1 && l.end_line == 1 && l.end_column == 1;
    let region = if file_level {
        a.sources.get(&l.path).map(|source| whole_file(source))
    } else {
        let (start_line, start_column, end_line, end_column) = positions(l);
        Some(Region {
            start_line: Some(to_i64(start_line)),
            start_column: Some(to_i64(start_column)),
            end_line: Some(to_i64(end_line)),
            end_column: Some(to_i64(end_column)),
            snippet: snippet(a, l).map(|t| ArtifactContent {
                text: Some(t),
                ..Default::default()
            }),
            ..Default::default()
        })
    };
    PhysicalLocation {
        artifact_location: Some(ArtifactLocation {
            uri: Some(artifact_uri(&l.path)),
            ..Default::default()
        }),
        region,
        ..Default::default()
    }
}

/// From the first character to just past the last one (a final line break
/// does not start another line).
fn whole_file(source: &SourceFile) -> Region {
    let mut last = source.line_count();
    if last > 1 && source.text.ends_with('\n') {
        last -= 1;
    }
    let width = source.line_text(last).map_or(0, |t| t.chars().count());
    Region {
        start_line: Some(1),
        start_column: Some(1),
        end_line: Some(to_i64(last)),
        end_column: Some(to_i64(width + 1)),
        ..Default::default()
    }
}

fn location(a: &Analysis, l: &Location) -> SarifLocation {
    SarifLocation {
        physical_location: Some(physical(a, l)),
        ..Default::default()
    }
}

fn result(a: &Analysis, f: &Finding, rule_index: usize) -> SarifResult {
    let related: Vec<SarifLocation> = f
        .related
        .iter()
        .enumerate()
        .map(|(i, r)| SarifLocation {
            id: Some(to_i64(i)),
            message: Some(message(&r.message)),
            ..location(a, &r.location)
        })
        .collect();
    // The finding's own severity (it may differ from the rule's default) and
    // its STRIDE categories, for consumers that filter results.
    let props = PropertyBag {
        tags: Some(
            f.rule
                .stride
                .iter()
                .map(|s| format!("STRIDE-{}", s.letter()))
                .collect(),
        ),
        additional_properties: BTreeMap::from([(
            "severity".to_string(),
            json!(f.severity.as_str()),
        )]),
    };

    let mut r = SarifResult::builder()
        .rule_id(f.rule.code)
        .rule_index(to_i64(rule_index))
        .level(level(f.severity))
        // SARIF consumers expect a non-empty message; fall back to the title.
        .message(message(if f.message.is_empty() {
            f.rule.title
        } else {
            &f.message
        }))
        .locations(vec![location(a, &f.location)])
        .properties(props)
        .build();
    if !related.is_empty() {
        r.related_locations = Some(related);
    }
    if !f.fingerprint.is_empty() {
        r.partial_fingerprints = Some(BTreeMap::from([(
            FINGERPRINT_KEY.to_string(),
            f.fingerprint.clone(),
        )]));
    }
    if let Some(s) = &f.suppression {
        let kind = if s.kind == "inline" {
            "inSource"
        } else {
            "external"
        };
        let mut sup = Suppression::builder()
            .kind(json!(kind))
            .status(json!("accepted"))
            .justification(s.reason.clone())
            .build();
        if let Some(expires) = &s.expires {
            sup.properties = Some(PropertyBag {
                tags: None,
                additional_properties: BTreeMap::from([("expires".to_string(), json!(expires))]),
            });
        }
        r.suppressions = Some(vec![sup]);
    }
    r
}

fn notification(a: &Analysis, d: &crate::source::Diagnostic) -> Notification {
    let level = match d.level {
        DiagnosticLevel::Error => "error",
        DiagnosticLevel::Warning => "warning",
        DiagnosticLevel::Note => "note",
    };
    Notification::builder()
        .message(message(&d.message))
        .level(json!(level))
        .descriptor(ReportingDescriptorReference {
            id: Some(d.code.to_string()),
            ..Default::default()
        })
        .locations(vec![location(a, &d.location)])
        .build()
}

/// Rule id of the attack-path results.
pub const ATTACK_PATH_RULE: &str = "TB900";

fn attack_path_descriptor() -> ReportingDescriptor {
    let help = "An attacker goal (cluster control, root on a node, secrets…) is reachable by chaining the \
findings on this path. Each code-flow location is one hop: the attack step and the configuration it uses. \
Fixing any finding of the path's fix set makes the goal unreachable; `threatbox attack` shows every goal.";
    ReportingDescriptor::builder()
        .id(ATTACK_PATH_RULE)
        .name("attack-path")
        .short_description(text("Attacker goal reachable by chaining findings"))
        .full_description(text(help))
        .help(text(help))
        .properties(PropertyBag {
            tags: Some(vec!["security".to_string(), "attack-path".to_string()]),
            additional_properties: BTreeMap::from([
                ("security-severity".to_string(), json!("9.0")),
                ("precision".to_string(), json!("medium")),
            ]),
        })
        .build()
}

/// One result per reachable goal: located at the path's entry, with a code
/// flow of one location per hop.
fn attack_results(
    a: &Analysis,
    attack: &crate::analyse::attack::AttackAnalysis,
    rule_index: usize,
) -> Vec<SarifResult> {
    use serde_sarif::sarif::{CodeFlow, ThreadFlow, ThreadFlowLocation};
    super::attack_paths::paths(attack)
        .into_iter()
        .filter_map(|p| {
            let entry = p.hops.iter().find_map(|h| h.location)?;
            let flow: Vec<ThreadFlowLocation> = p
                .hops
                .iter()
                .filter_map(|h| {
                    let place = h.location?;
                    let mut loc = location(a, place);
                    loc.message = Some(message(&format!("{} → {}", h.step.title, h.reaches)));
                    Some(ThreadFlowLocation {
                        location: Some(loc),
                        kinds: Some(vec![h.step.id.clone()]),
                        ..Default::default()
                    })
                })
                .collect();
            let steps: Vec<&str> = p.hops.iter().map(|h| h.step.id.as_str()).collect();
            let fixes: Vec<String> = p
                .fixes
                .iter()
                .map(|f| format!("{} {}:{}", f.code, f.location.path, f.location.start_line))
                .collect();
            let text = format!(
                "{} is reachable: {}. Fewest fixes: {}.",
                p.goal.goal.title(),
                steps.join(" → "),
                if p.goal.fixes.uncuttable {
                    "none (the path uses only entry points and design facts)".to_string()
                } else {
                    fixes.join(", ")
                }
            );
            let level = match p.goal.goal {
                crate::analyse::attack::Goal::ClusterAdmin
                | crate::analyse::attack::Goal::NodeRoot => ResultLevel::Error,
                _ => ResultLevel::Warning,
            };
            let mut fingerprints = BTreeMap::new();
            fingerprints.insert(
                FINGERPRINT_KEY.to_string(),
                format!("{}:{}", p.goal.goal.id(), steps.join(">")),
            );
            Some(
                SarifResult::builder()
                    .rule_id(ATTACK_PATH_RULE)
                    .rule_index(rule_index as i64)
                    .level(level)
                    .message(message(&text))
                    .locations(vec![location(a, entry)])
                    .code_flows(vec![CodeFlow {
                        thread_flows: vec![ThreadFlow::builder().locations(flow).build()],
                        message: Some(message(&p.goal.goal.title())),
                        properties: None,
                    }])
                    .partial_fingerprints(fingerprints)
                    .properties(PropertyBag {
                        tags: None,
                        additional_properties: BTreeMap::from([
                            ("goal".to_string(), json!(p.goal.goal.id())),
                            ("fixes".to_string(), json!(fixes)),
                        ]),
                    })
                    .build(),
            )
        })
        .collect()
}

/// The SARIF log as a value (used by tests that inspect fields).
pub fn log(a: &Analysis) -> Sarif {
    // The rules that ran, plus any rule a finding names that is not among
    // them (cannot happen today; keeps `ruleIndex` always valid).
    let mut rules: Vec<&RuleMeta> = Vec::new();
    for m in a
        .rules
        .iter()
        .copied()
        .chain(a.findings.iter().map(|f| f.rule))
    {
        if !rules.iter().any(|r| r.code == m.code) {
            rules.push(m);
        }
    }
    let results: Vec<SarifResult> = a
        .findings
        .iter()
        .map(|f| {
            let index = rules
                .iter()
                .position(|r| r.code == f.rule.code)
                .unwrap_or(0);
            result(a, f, index)
        })
        .collect();

    let mut descriptors: Vec<ReportingDescriptor> =
        rules.iter().map(|m| rule_descriptor(m)).collect();
    let mut results = results;
    if let Some(attack) = &a.attack {
        let index = descriptors.len();
        let paths = attack_results(a, attack, index);
        if !paths.is_empty() {
            descriptors.push(attack_path_descriptor());
            results.extend(paths);
        }
    }
    let mut driver = ToolComponent::builder()
        .name("threatbox")
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .rules(descriptors)
        .supported_taxonomies(vec![cwe_reference()])
        .build();
    let repository = env!("CARGO_PKG_REPOSITORY");
    if !repository.is_empty() {
        driver.information_uri = Some(repository.to_string());
    }

    let failed = a
        .diagnostics
        .iter()
        .any(|d| d.level == DiagnosticLevel::Error);
    let mut invocation = Invocation::builder().execution_successful(!failed).build();
    if !a.diagnostics.is_empty() {
        invocation.tool_execution_notifications =
            Some(a.diagnostics.iter().map(|d| notification(a, d)).collect());
    }

    let artifacts: Vec<Artifact> = a
        .inputs
        .iter()
        .map(|i| Artifact {
            location: Some(ArtifactLocation {
                uri: Some(artifact_uri(&i.path)),
                ..Default::default()
            }),
            roles: Some(vec![json!("analysisTarget")]),
            source_language: Some(serde_json::to_value(i.kind).map_or_else(
                |_| "unknown".to_string(),
                |v| v.as_str().unwrap_or("unknown").to_string(),
            )),
            ..Default::default()
        })
        .collect();

    let mut run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .invocations(vec![invocation])
        .column_kind(json!("unicodeCodePoints"))
        .taxonomies(vec![cwe_taxonomy(&rules)])
        .build();
    if !artifacts.is_empty() {
        run.artifacts = Some(artifacts);
    }

    Sarif::builder()
        .schema(SARIF_SCHEMA_URI)
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build()
}

/// Renders the analysis as a pretty-printed SARIF 2.1.0 log with a trailing
/// newline. Property bags are sorted maps, so the output is deterministic.
pub fn render(a: &Analysis) -> String {
    let value: Value = serde_json::to_value(log(a)).unwrap_or(Value::Null);
    let mut out = serde_json::to_string_pretty(&value).unwrap_or_default();
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_slash_separated_and_encoded() {
        assert_eq!(artifact_uri("Dockerfile"), "Dockerfile");
        assert_eq!(artifact_uri("./app/Dockerfile"), "app/Dockerfile");
        assert_eq!(artifact_uri("my app/Dockerfile"), "my%20app/Dockerfile");
        assert_eq!(artifact_uri("a:b/Dockerfile"), "a%3Ab/Dockerfile");
        assert_eq!(artifact_uri("ü/Dockerfile#1"), "%C3%BC/Dockerfile%231");
        assert_eq!(artifact_uri("../x/Dockerfile"), "../x/Dockerfile");
        assert_eq!(
            artifact_uri("/abs/Docker file"),
            "file:///abs/Docker%20file"
        );
        assert_eq!(artifact_uri("C:/x/Dockerfile"), "file:///C:/x/Dockerfile");
        assert_eq!(artifact_uri("./"), ".");
    }

    #[test]
    fn levels_and_scores_follow_severity() {
        assert_eq!(level(Severity::Critical), ResultLevel::Error);
        assert_eq!(level(Severity::High), ResultLevel::Error);
        assert_eq!(level(Severity::Medium), ResultLevel::Warning);
        assert_eq!(level(Severity::Low), ResultLevel::Note);
        assert_eq!(level(Severity::Info), ResultLevel::Note);
        assert_eq!(security_severity(Severity::Critical), Some("9.5"));
        assert_eq!(security_severity(Severity::Info), None);
    }

    #[test]
    fn full_description_is_the_first_paragraph_without_its_lead_in() {
        let docs = "\n**What it detects.** A `RUN` that\ncalls `sudo`.\n\n**Why.** …";
        assert_eq!(
            first_paragraph(docs).as_deref(),
            Some("A `RUN` that calls `sudo`.")
        );
        assert_eq!(first_paragraph("  "), None);
        assert_eq!(first_paragraph("plain text"), Some("plain text".into()));
    }
}
