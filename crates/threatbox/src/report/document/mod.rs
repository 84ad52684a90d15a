//! The threat-model document: everything the Markdown and HTML reports show,
//! computed once from the analysed system. The renderers ([`markdown`],
//! [`html`]) only format this model; they decide nothing.
//!
//! Sections: scope, summary, system model (tables and the data-flow
//! diagram), STRIDE per element, lifecycle view, findings, attack trees,
//! mitigation plan, appendix.

pub mod attack_view;
pub mod dfd;
pub mod escape;
pub mod html;
pub mod markdown;
pub mod tables;

use std::collections::BTreeMap;

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::{Analysis, cwe};
use crate::discover::InputKind;
use crate::model::System;
use crate::source::DiagnosticLevel;

pub use attack_view::{AttackSummary, FixView, GoalView, TreeNodeKind, TreeNodeView, TreeView};
pub use dfd::{Boundary, BoundaryKind, Cell, Dfd, DfdFlow, DfdNode, ElementKind, ElementStride};
pub use tables::SystemTables;

/// The lifecycle stages in the order the document walks them (the seed's
/// Dockerfile → image → registry → orchestrator → runtime → host).
pub const STAGES: [LifecycleStage; 6] = [
    LifecycleStage::Build,
    LifecycleStage::Image,
    LifecycleStage::Registry,
    LifecycleStage::Orchestrator,
    LifecycleStage::Runtime,
    LifecycleStage::Host,
];

/// Severities from the most to the least severe.
pub const SEVERITIES: [Severity; 5] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
    Severity::Info,
];

/// What a reader sees first for each stage.
pub fn stage_title(stage: LifecycleStage) -> &'static str {
    match stage {
        LifecycleStage::Build => "Dockerfile (build)",
        LifecycleStage::Image => "Image",
        LifecycleStage::Registry => "Registry",
        LifecycleStage::Orchestrator => "Orchestrator",
        LifecycleStage::Runtime => "Runtime (container)",
        LifecycleStage::Host => "Host (node, daemon, control plane)",
    }
}

/// The whole document.
#[derive(Debug, Clone)]
pub struct Document {
    pub title: String,
    pub scope: Scope,
    pub summary: Summary,
    pub tables: SystemTables,
    pub dfd: Dfd,
    pub stride: Vec<ElementStride>,
    pub lifecycle: Vec<StageView>,
    /// Active findings grouped by stage, then component.
    pub findings: Vec<StageGroup>,
    pub attack: AttackSummary,
    pub mitigation: Mitigation,
    pub appendix: Appendix,
}

#[derive(Debug, Clone)]
pub struct Scope {
    pub tool_version: String,
    /// Input kind (`dockerfile`, `kubernetes`…) and how many files.
    pub inputs_by_kind: Vec<(String, usize)>,
    /// Every file read, with its kind.
    pub inputs: Vec<(String, String)>,
    pub assumptions: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Summary {
    pub total: usize,
    pub suppressed: usize,
    pub by_severity: Vec<(Severity, usize)>,
    /// A finding counts once for each STRIDE category it enables.
    pub by_stride: Vec<(Stride, usize)>,
    pub by_stage: Vec<(LifecycleStage, usize)>,
    /// Goal name and whether it is reachable (empty until the attack
    /// analysis is plugged in; see [`AttackSummary::analysed`]).
    pub goals: Vec<(String, bool)>,
}

#[derive(Debug, Clone)]
pub struct CweView {
    pub id: u32,
    /// Empty when the id is not in the bundled CWE table.
    pub name: String,
    pub url: String,
}

/// One finding as the document shows it.
#[derive(Debug, Clone)]
pub struct FindingView {
    /// HTML id / Markdown anchor: `f-` and the fingerprint.
    pub anchor: String,
    pub fingerprint: String,
    pub code: String,
    pub slug: String,
    pub title: String,
    pub message: String,
    pub severity: Severity,
    pub stride: Vec<Stride>,
    pub cwe: Vec<CweView>,
    pub cis: Vec<String>,
    pub stage: LifecycleStage,
    /// The diagram element the finding is about (its label), or the file.
    pub component: String,
    pub path: String,
    pub line: usize,
    pub column: usize,
    /// The offending source line as written.
    pub source_line: Option<String>,
    pub related: Vec<(String, String, usize)>,
    /// The rule's "why it is a threat" paragraph (Markdown written by us).
    pub why: String,
    /// The rule's remediation (Markdown written by us).
    pub fix: String,
    /// Ids of the diagram elements it is attached to.
    pub elements: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct ComponentGroup {
    pub component: String,
    pub findings: Vec<FindingView>,
}

#[derive(Debug, Clone)]
pub struct StageGroup {
    pub stage: LifecycleStage,
    pub components: Vec<ComponentGroup>,
}

/// The lifecycle view: per stage, the counts and the rules that fired.
#[derive(Debug, Clone)]
pub struct StageView {
    pub stage: LifecycleStage,
    pub title: &'static str,
    /// What the stage covers, in one sentence.
    pub about: &'static str,
    pub by_severity: Vec<(Severity, usize)>,
    /// Rule code, title, count, worst severity.
    pub rules: Vec<(String, String, usize, Severity)>,
    pub rules_evaluated: usize,
}

/// One line of the mitigation plan.
#[derive(Debug, Clone)]
pub struct MitigationItem {
    /// In the smallest set of fixes that makes every goal unreachable.
    pub in_fix_set: bool,
    pub code: String,
    pub title: String,
    pub severity: Severity,
    pub fix: String,
    /// Anchors (`f-…`) and `path:line` of the findings it resolves.
    pub findings: Vec<(String, String)>,
    pub paths_removed: usize,
    pub goals_cut: Vec<String>,
}

impl MitigationItem {
    /// What the fix does to the attacks, in words (`Removes 3 attack paths.
    /// Makes unreachable: …`), goal names passed through `escape`.
    pub fn effect(&self, escape: impl Fn(&str) -> String) -> String {
        let mut out = String::new();
        if self.paths_removed > 0 {
            out.push_str(&format!(
                " Removes {} attack path{}.",
                self.paths_removed,
                if self.paths_removed == 1 { "" } else { "s" }
            ));
        }
        if !self.goals_cut.is_empty() {
            let goals: Vec<String> = self.goals_cut.iter().map(|g| escape(g)).collect();
            out.push_str(&format!(" Makes unreachable: {}.", goals.join(", ")));
        }
        out
    }
}

#[derive(Debug, Clone)]
pub struct Mitigation {
    /// Whether the order comes from the attack analysis (else: by severity
    /// and number of findings, and the document says so).
    pub from_attack_analysis: bool,
    pub items: Vec<MitigationItem>,
}

#[derive(Debug, Clone)]
pub struct SuppressedView {
    pub code: String,
    pub title: String,
    pub location: String,
    pub kind: String,
    pub reason: String,
    pub expires: Option<String>,
}

#[derive(Debug, Clone)]
pub struct DiagnosticView {
    pub level: String,
    pub code: String,
    pub location: String,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct Appendix {
    /// Code, title, stage, severity, STRIDE letters, findings.
    pub rules: Vec<(String, String, LifecycleStage, Severity, String, usize)>,
    pub suppressed: Vec<SuppressedView>,
    pub diagnostics: Vec<DiagnosticView>,
}

fn input_kind_name(kind: InputKind) -> &'static str {
    match kind {
        InputKind::Dockerfile => "Dockerfile",
        InputKind::Yaml => "YAML",
        InputKind::Json => "JSON",
        InputKind::Kubernetes => "Kubernetes manifest",
        InputKind::Compose => "Compose file",
        InputKind::DockerInspect => "docker inspect output",
        InputKind::DaemonConfig => "Docker daemon.json",
        InputKind::ImageArchive => "image archive",
        InputKind::OciLayout => "OCI image layout",
        InputKind::ImageDirectory => "extracted image archive",
        InputKind::VulnerabilityReport => "vulnerability report",
        InputKind::EnvFile => "Compose env file",
    }
}

fn stage_about(stage: LifecycleStage) -> &'static str {
    match stage {
        LifecycleStage::Build => {
            "How the image is built: secrets, downloads, package installs in the Dockerfile."
        }
        LifecycleStage::Image => "What ships in the image: user, tools, files, health check.",
        LifecycleStage::Registry => {
            "Where images come from: pinning, trusted sources, tag mutability."
        }
        LifecycleStage::Orchestrator => {
            "Kubernetes objects: RBAC, service accounts, Services, Ingress, NetworkPolicies, secrets."
        }
        LifecycleStage::Runtime => {
            "How containers run: privileges, capabilities, mounts, namespaces, limits."
        }
        LifecycleStage::Host => {
            "The node, the Docker daemon and the control plane (API server, etcd, kubelet)."
        }
    }
}

/// The paragraph of a rule's docs that says why it is a threat.
fn why_paragraph(docs: &str, fallback: &str) -> String {
    const MARK: &str = "**Why it is a threat.**";
    let Some(start) = docs.find(MARK) else {
        return fallback.to_string();
    };
    let rest = &docs[start + MARK.len()..];
    let end = rest.find("\n\n").unwrap_or(rest.len());
    rest[..end].split_whitespace().collect::<Vec<_>>().join(" ")
}

fn severity_counts<'a>(findings: impl Iterator<Item = &'a Finding>) -> Vec<(Severity, usize)> {
    let mut counts: BTreeMap<Severity, usize> = BTreeMap::new();
    for f in findings {
        *counts.entry(f.severity).or_default() += 1;
    }
    SEVERITIES
        .iter()
        .map(|s| (*s, counts.get(s).copied().unwrap_or(0)))
        .collect()
}

/// `1 finding`, `2 findings`.
pub fn findings_count(n: usize) -> String {
    if n == 1 {
        "1 finding".to_string()
    } else {
        format!("{n} findings")
    }
}

fn loc_text(path: &str, line: usize) -> String {
    format!("{path}:{line}")
}

/// Default assumptions when the attack analysis gives none.
const ASSUMPTIONS: &[&str] = &[
    "Entry points: any workload reachable from outside (LoadBalancer or NodePort Service, Ingress, hostPort, published compose port) may be compromised by a remote attacker.",
    "Breach assumption: any container may run attacker code (a vulnerable dependency, a compromised image); what matters is how far that reaches.",
    "The files given are the whole system: objects not in the input (admission policies, cloud firewalls, image signatures) are not credited.",
    "Kubernetes and Docker defaults apply where a file is silent (e.g. the service-account token is mounted, containers run as the image's user, compose publishes on 0.0.0.0).",
    "Static analysis only: no image is pulled, no cluster is contacted, nothing in the input is run.",
];

/// Builds the document from the analysed system.
pub fn build(analysis: &Analysis, system: &System, attack: &AttackSummary) -> Document {
    let active: Vec<&Finding> = analysis.active().collect();

    // Scope.
    let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
    for input in &analysis.inputs {
        *by_kind.entry(input_kind_name(input.kind)).or_default() += 1;
    }
    let mut assumptions: Vec<String> = ASSUMPTIONS.iter().map(|s| s.to_string()).collect();
    assumptions.extend(attack.assumptions.iter().cloned());
    let scope = Scope {
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        inputs_by_kind: by_kind
            .into_iter()
            .map(|(k, n)| (k.to_string(), n))
            .collect(),
        inputs: analysis
            .inputs
            .iter()
            .map(|i| (i.path.to_string(), input_kind_name(i.kind).to_string()))
            .collect(),
        assumptions,
    };

    // Summary.
    let by_stride = Stride::ALL
        .iter()
        .map(|s| {
            (
                *s,
                active.iter().filter(|f| f.rule.stride.contains(s)).count(),
            )
        })
        .collect();
    let by_stage = STAGES
        .iter()
        .map(|s| (*s, active.iter().filter(|f| f.rule.stage == *s).count()))
        .collect();
    let summary = Summary {
        total: active.len(),
        suppressed: analysis.suppressed().count(),
        by_severity: severity_counts(active.iter().copied()),
        by_stride,
        by_stage,
        goals: attack
            .goals
            .iter()
            .map(|g| (g.name.clone(), g.reachable))
            .collect(),
    };

    // Diagram and STRIDE per element.
    let dfd = dfd::build(system, analysis);
    let stride = dfd::stride_per_element(&dfd, analysis);
    let tables = tables::build(system, analysis, &dfd);

    // Findings.
    let views: Vec<FindingView> = active
        .iter()
        .map(|f| finding_view(f, analysis, &dfd))
        .collect();
    let mut findings = Vec::new();
    for stage in STAGES {
        let mut by_component: BTreeMap<String, Vec<FindingView>> = BTreeMap::new();
        for v in views.iter().filter(|v| v.stage == stage) {
            by_component
                .entry(v.component.clone())
                .or_default()
                .push(v.clone());
        }
        if by_component.is_empty() {
            continue;
        }
        findings.push(StageGroup {
            stage,
            components: by_component
                .into_iter()
                .map(|(component, findings)| ComponentGroup {
                    component,
                    findings,
                })
                .collect(),
        });
    }

    // Lifecycle view.
    let lifecycle = STAGES
        .iter()
        .map(|&stage| {
            let here: Vec<&Finding> = active
                .iter()
                .copied()
                .filter(|f| f.rule.stage == stage)
                .collect();
            let mut rules: BTreeMap<&str, (String, usize, Severity)> = BTreeMap::new();
            for f in &here {
                let e =
                    rules
                        .entry(f.rule.code)
                        .or_insert((f.rule.title.to_string(), 0, f.severity));
                e.1 += 1;
                e.2 = e.2.max(f.severity);
            }
            StageView {
                stage,
                title: stage_title(stage),
                about: stage_about(stage),
                by_severity: severity_counts(here.iter().copied()),
                rules: rules
                    .into_iter()
                    .map(|(code, (title, n, sev))| (code.to_string(), title, n, sev))
                    .collect(),
                rules_evaluated: analysis.rules.iter().filter(|r| r.stage == stage).count(),
            }
        })
        .collect();

    let mitigation = mitigation(&views, attack);

    // Appendix.
    let mut fired: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &active {
        *fired.entry(f.rule.code).or_default() += 1;
    }
    let appendix = Appendix {
        rules: analysis
            .rules
            .iter()
            .map(|r| {
                (
                    r.code.to_string(),
                    r.title.to_string(),
                    r.stage,
                    r.severity,
                    r.stride_letters(),
                    fired.get(r.code).copied().unwrap_or(0),
                )
            })
            .collect(),
        suppressed: analysis
            .suppressed()
            .filter_map(|f| {
                let s = f.suppression.as_ref()?;
                Some(SuppressedView {
                    code: f.rule.code.to_string(),
                    title: f.rule.title.to_string(),
                    location: loc_text(&f.location.path, f.location.start_line),
                    kind: s.kind.to_string(),
                    reason: s.reason.clone(),
                    expires: s.expires.clone(),
                })
            })
            .collect(),
        diagnostics: analysis
            .diagnostics
            .iter()
            .map(|d| DiagnosticView {
                level: match d.level {
                    DiagnosticLevel::Error => "error",
                    DiagnosticLevel::Warning => "warning",
                    DiagnosticLevel::Note => "note",
                }
                .to_string(),
                code: d.code.to_string(),
                location: loc_text(&d.location.path, d.location.start_line),
                message: d.message.clone(),
            })
            .collect(),
    };

    Document {
        title: "Threat model".to_string(),
        scope,
        summary,
        tables,
        dfd,
        stride,
        lifecycle,
        findings,
        attack: attack.clone(),
        mitigation,
        appendix,
    }
}

fn finding_view(f: &Finding, analysis: &Analysis, dfd: &Dfd) -> FindingView {
    let elements = dfd.elements_of(f);
    // The component: the first process or data store the finding is on,
    // else the first flow, else the file.
    let component = elements
        .iter()
        .filter_map(|id| dfd.node(id))
        .find(|n| n.kind != ElementKind::ExternalEntity)
        .map(|n| n.label.clone())
        .or_else(|| {
            elements
                .iter()
                .find_map(|id| dfd.flow(id))
                .map(|fl| fl.label.clone())
        })
        .unwrap_or_else(|| f.location.path.to_string());
    FindingView {
        anchor: format!("f-{}", escape::ident(&f.fingerprint)),
        fingerprint: f.fingerprint.clone(),
        code: f.rule.code.to_string(),
        slug: f.rule.slug.to_string(),
        title: f.rule.title.to_string(),
        message: f.message.clone(),
        severity: f.severity,
        stride: f.rule.stride.to_vec(),
        cwe: f
            .rule
            .cwe
            .iter()
            .map(|&id| CweView {
                id,
                name: cwe::lookup(id).map_or(String::new(), |c| c.name.to_string()),
                url: format!("https://cwe.mitre.org/data/definitions/{id}.html"),
            })
            .collect(),
        cis: f.rule.cis.iter().map(|s| s.to_string()).collect(),
        stage: f.rule.stage,
        component,
        path: f.location.path.to_string(),
        line: f.location.start_line,
        column: f.location.start_column,
        source_line: analysis
            .sources
            .get(&f.location.path)
            .and_then(|s| s.line_text(f.location.start_line))
            .map(|line| redact_line(line, f.rule.cwe)),
        related: f
            .related
            .iter()
            .map(|r| {
                (
                    r.message.clone(),
                    r.location.path.to_string(),
                    r.location.start_line,
                )
            })
            .collect(),
        why: why_paragraph(f.rule.docs, f.rule.title),
        fix: f.rule.remediation.to_string(),
        elements,
    }
}

/// CWEs of rules about credentials: the value on their line is never
/// quoted.
const SECRET_CWES: &[u32] = &[259, 321, 522, 526, 798];

/// The source line as the document may quote it: a document is shared more
/// widely than a scan log, so known secret formats are redacted everywhere,
/// and on lines that a credential rule flags, the value after the first `=`
/// or `:` as well.
fn redact_line(line: &str, cwes: &[u32]) -> String {
    let mut out = line.to_string();
    // Each pass replaces one secret with a shorter, secret-free text.
    for _ in 0..16 {
        let Some((_, range)) = crate::analyse::secrets::find_secret(&out) else {
            break;
        };
        let Some(secret) = out.get(range.clone()) else {
            break;
        };
        if secret.contains("redacted") {
            break;
        }
        let replacement = crate::analyse::secrets::redact(secret);
        out.replace_range(range, &replacement);
    }
    if cwes.iter().any(|c| SECRET_CWES.contains(c)) {
        let cut = out.find('=').into_iter().chain(out.find(": ")).min();
        if let Some(i) = cut {
            let (head, value) = out.split_at(i + 1);
            let value = value.trim();
            if !value.is_empty() && !value.contains("redacted") {
                out = format!("{head} {}", crate::analyse::secrets::redact(value));
            }
        }
    }
    out
}

/// The mitigation plan: the attack analysis' order when there is one, else
/// one item per rule ordered by worst severity, then number of findings.
fn mitigation(views: &[FindingView], attack: &AttackSummary) -> Mitigation {
    let by_fp: BTreeMap<&str, &FindingView> =
        views.iter().map(|v| (v.fingerprint.as_str(), v)).collect();
    if attack.analysed {
        let mut items = Vec::new();
        let mut listed: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
        let fixes: Vec<FixView> = attack
            .fix_set
            .iter()
            .filter(|fp| !attack.fixes.iter().any(|f| &f.finding == *fp))
            .map(|fp| FixView {
                finding: fp.clone(),
                ..FixView::default()
            })
            .chain(attack.fixes.iter().cloned())
            .collect();
        // The fix set first, in the analysis' order, then the rest.
        let (first, rest): (Vec<&FixView>, Vec<&FixView>) = fixes
            .iter()
            .partition(|f| attack.fix_set.contains(&f.finding));
        for fix in first.into_iter().chain(rest) {
            if !listed.insert(fix.finding.as_str()) {
                continue;
            }
            let Some(v) = by_fp.get(fix.finding.as_str()) else {
                continue;
            };
            items.push(MitigationItem {
                in_fix_set: attack.fix_set.contains(&fix.finding),
                code: v.code.clone(),
                title: v.title.clone(),
                severity: v.severity,
                fix: v.fix.clone(),
                findings: vec![(v.anchor.clone(), loc_text(&v.path, v.line))],
                paths_removed: fix.paths_removed,
                goals_cut: fix.goals_cut.clone(),
            });
        }
        return Mitigation {
            from_attack_analysis: true,
            items,
        };
    }
    let mut by_rule: BTreeMap<&str, Vec<&FindingView>> = BTreeMap::new();
    for v in views {
        by_rule.entry(v.code.as_str()).or_default().push(v);
    }
    let mut items: Vec<MitigationItem> = by_rule
        .into_values()
        .filter_map(|vs| {
            let first = vs.first()?;
            Some(MitigationItem {
                in_fix_set: false,
                code: first.code.clone(),
                title: first.title.clone(),
                severity: vs
                    .iter()
                    .map(|v| v.severity)
                    .max()
                    .unwrap_or(first.severity),
                fix: first.fix.clone(),
                findings: vs
                    .iter()
                    .map(|v| (v.anchor.clone(), loc_text(&v.path, v.line)))
                    .collect(),
                paths_removed: 0,
                goals_cut: Vec::new(),
            })
        })
        .collect();
    items.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.findings.len().cmp(&a.findings.len()))
            .then(a.code.cmp(&b.code))
    });
    Mitigation {
        from_attack_analysis: false,
        items,
    }
}

#[cfg(test)]
mod tests;
