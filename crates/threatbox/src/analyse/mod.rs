//! Analysis: rules over the system model give findings; suppressions are
//! applied; everything is sorted so that every output is deterministic.

pub mod attack;
pub mod cwe;
pub mod finding;
pub mod patterns;
pub mod rule;
pub mod rules;
pub mod secrets;
pub mod suppress;

use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::Config;
use crate::discover::InputKind;
use crate::model::System;
use crate::source::{Diagnostic, SourceFile};
use finding::Finding;
use rule::{Rule, RuleContext, RuleMeta, Sink};

/// One input file that was read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Input {
    pub path: Arc<str>,
    pub kind: InputKind,
}

/// The result of a run: what every report renders.
#[derive(Debug, Default)]
pub struct Analysis {
    /// Sorted; suppressed findings are kept with `suppression` set.
    pub findings: Vec<Finding>,
    /// Sorted problems with the input.
    pub diagnostics: Vec<Diagnostic>,
    /// Sorted list of the files read.
    pub inputs: Vec<Input>,
    /// The rules that ran, in catalogue order.
    pub rules: Vec<&'static RuleMeta>,
    /// Source texts by path, so reports can quote the offending line.
    pub sources: BTreeMap<Arc<str>, Arc<SourceFile>>,
    /// The resolved system model the findings were computed from (the
    /// attack analysis and the threat-model document read it).
    pub system: System,
    /// The attack analysis, when asked for ([`crate::ScanOptions::attack_paths`]).
    pub attack: Option<attack::AttackAnalysis>,
}

impl Analysis {
    /// Findings that count (not suppressed).
    pub fn active(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.suppression.is_none())
    }
    pub fn suppressed(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.suppression.is_some())
    }
}

/// Runs every rule over the model: images and workloads in parallel, then
/// the whole-system hooks.
pub fn run_rules(system: &System, config: &Config, rules: &[&'static dyn Rule]) -> Vec<Finding> {
    let ctx = RuleContext { config, system };
    let mut findings: Vec<Finding> = system
        .images
        .par_iter()
        .flat_map_iter(|image| {
            let mut sink = Sink::new();
            for rule in rules {
                rule.check_image_with(image, &ctx, &mut sink);
            }
            sink
        })
        .collect();
    findings.par_extend(system.workloads.par_iter().flat_map_iter(|workload| {
        let mut sink = Sink::new();
        for rule in rules {
            rule.check_workload(workload, &ctx, &mut sink);
        }
        sink
    }));
    findings.par_extend(system.image_archives.par_iter().flat_map_iter(|archive| {
        let mut sink = Sink::new();
        for rule in rules {
            rule.check_image_archive(archive, &ctx, &mut sink);
        }
        sink
    }));
    for rule in rules {
        rule.check_system(&ctx, &mut findings);
    }
    findings
}

/// Rules → findings → suppressions → fingerprints → deterministic order.
pub fn analyse(
    system: &System,
    config: &Config,
    strict: bool,
    today: &str,
    sources: &BTreeMap<Arc<str>, Arc<SourceFile>>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Finding> {
    let rules = rules::enabled(config);
    let mut findings = run_rules(system, config, &rules);
    suppress::apply(system, config, strict, today, &mut findings, diagnostics);
    findings.par_iter_mut().for_each(|f| {
        let line = sources
            .get(&f.location.path)
            .and_then(|s| s.line_text(f.location.start_line))
            .unwrap_or("");
        f.fingerprint = fingerprint(f, line);
    });
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings.dedup_by(|a, b| a.sort_key() == b.sort_key());
    findings
}

/// A fingerprint that survives unrelated edits: rule code, path, the
/// offending line's text (`line`) with white space folded, and the message.
fn fingerprint(f: &Finding, line: &str) -> String {
    use sha2::{Digest, Sha256};
    let folded: Vec<&str> = line.split_whitespace().collect();
    let mut h = Sha256::new();
    for part in [f.rule.code, &f.location.path, &folded.join(" "), &f.message] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    crate::lower_hex(&h.finalize()[..16])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Location;

    #[test]
    fn fingerprint_follows_the_line_text_not_its_number_or_spacing() {
        let rule = rules::all()[0].meta();
        let at = |line: usize| {
            let mut l = Location::file("deploy.yaml".into());
            l.start_line = line;
            Finding::new(rule, l, "same message")
        };
        let a = fingerprint(&at(3), "  privileged:   true");
        assert_eq!(
            a,
            fingerprint(&at(40), "privileged: true"),
            "moved and re-indented"
        );
        assert_ne!(a, fingerprint(&at(3), "privileged: false"), "other content");
        assert_ne!(
            a,
            fingerprint(&at(3), ""),
            "a YAML line counts as much as a Dockerfile line"
        );
        assert_eq!(a.len(), 32);
    }
}
