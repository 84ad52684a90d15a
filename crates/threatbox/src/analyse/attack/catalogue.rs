//! The attack-step catalogue, written as data in `data/attack/steps.toml`
//! and read once. Steps carry what the reports and the attribute analyses
//! need (technique ids, STRIDE, cost, difficulty, probability); their
//! preconditions are grounded over the model in [`super::ground`], and a test
//! checks every grounded instance against the `requires`/`grants` written
//! here.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::analyse::finding::Stride;

const STEPS_TOML: &str = include_str!("../../../data/attack/steps.toml");

/// Skill an attacker needs (ADTool's L/M/H/E difficulty domain).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Difficulty {
    L,
    M,
    H,
    E,
}

impl Difficulty {
    pub fn name(self) -> &'static str {
        match self {
            Difficulty::L => "low",
            Difficulty::M => "medium",
            Difficulty::H => "high",
            Difficulty::E => "expert",
        }
    }
}

/// One attacker move.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StepMeta {
    pub id: String,
    pub title: String,
    pub description: String,
    pub requires: Vec<String>,
    pub grants: String,
    pub attack: Vec<String>,
    pub matrix: Vec<String>,
    /// STRIDE letters, e.g. `"TE"`.
    pub stride: String,
    pub cost: u32,
    pub difficulty: Difficulty,
    pub probability: f64,
}

impl StepMeta {
    pub fn stride(&self) -> Vec<Stride> {
        Stride::ALL
            .into_iter()
            .filter(|s| self.stride.contains(s.letter()))
            .collect()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    step: Vec<StepMeta>,
}

/// Every step, in file order.
pub fn steps() -> &'static [StepMeta] {
    static STEPS: OnceLock<Vec<StepMeta>> = OnceLock::new();
    STEPS.get_or_init(|| {
        // The file is part of the binary and checked by the tests below: a
        // broken catalogue is a build defect, not an input error.
        toml::from_str::<CatalogueFile>(STEPS_TOML)
            .map(|c| c.step)
            .unwrap_or_else(|e| panic!("data/attack/steps.toml is invalid: {e}"))
    })
}

/// The step with this id.
pub fn step(id: &str) -> Option<&'static StepMeta> {
    steps().iter().find(|s| s.id == id)
}

/// Index of a step in [`steps`]; grounding code names steps by id (once
/// per grounded instance, so looked up in a map, not by scanning).
pub(crate) fn index(id: &str) -> usize {
    static INDEX: OnceLock<std::collections::HashMap<&'static str, usize>> = OnceLock::new();
    let map = INDEX.get_or_init(|| {
        steps()
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str(), i))
            .collect()
    });
    *map.get(id)
        .unwrap_or_else(|| panic!("attack step `{id}` is not in data/attack/steps.toml"))
}

/// `threatbox explain STEP-ID`: the step's documentation in Markdown.
pub fn explain(id: &str) -> Option<String> {
    let s = step(id)?;
    let mut out = format!("# {} — {}\n\n", s.id, s.title);
    out.push_str(s.description.trim());
    out.push_str("\n\n");
    out.push_str(&format!("- Requires: {}\n", s.requires.join(" AND ")));
    out.push_str(&format!("- Grants: {}\n", s.grants));
    out.push_str(&format!(
        "- STRIDE: {}\n",
        s.stride()
            .iter()
            .map(|x| x.name())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    out.push_str(&format!("- MITRE ATT&CK: {}\n", s.attack.join(", ")));
    out.push_str(&format!(
        "- Microsoft Threat Matrix for Kubernetes: {}\n",
        s.matrix.join(", ")
    ));
    out.push_str(&format!(
        "- Cost {} · difficulty {} · probability {}\n",
        s.cost,
        s.difficulty.name(),
        s.probability
    ));
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn catalogue_parses_with_unique_ids_and_sane_attributes() {
        let steps = steps();
        assert!(steps.len() >= 40, "{} steps", steps.len());
        let ids: BTreeSet<&str> = steps.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids.len(), steps.len(), "duplicate step ids");
        for s in steps {
            assert!(!s.requires.is_empty(), "{}: no precondition", s.id);
            assert!((0.0..=1.0).contains(&s.probability), "{}", s.id);
            assert!(s.cost <= 10, "{}", s.id);
            assert!(!s.stride().is_empty(), "{}: no STRIDE letter", s.id);
            assert!(
                s.attack.iter().all(|t| t.starts_with('T')),
                "{}: ATT&CK ids start with T",
                s.id
            );
            assert!(s.matrix.iter().all(|t| t.starts_with("MS-TA9")), "{}", s.id);
            assert!(!s.description.trim().is_empty(), "{}", s.id);
        }
    }

    #[test]
    fn every_predicate_is_known() {
        use super::super::graph::{FactKind, PrivKind};
        for s in steps() {
            for p in s.requires.iter().chain(std::iter::once(&s.grants)) {
                assert!(
                    PrivKind::from_name(p).is_some() || FactKind::from_name(p).is_some(),
                    "{}: unknown predicate `{p}`",
                    s.id
                );
            }
            assert!(
                PrivKind::from_name(&s.grants).is_some(),
                "{}: grants a fact, not a privilege",
                s.id
            );
        }
    }

    #[test]
    fn explain_documents_a_step() {
        let doc = explain("escape-privileged").unwrap();
        assert!(doc.contains("T1611"));
        assert!(doc.contains("Requires: code-exec AND privileged"));
        assert!(explain("no-such-step").is_none());
    }
}
