//! Attack trees written as data: the catalogue's (`data/attack/trees/`) and
//! the user's (`threatbox attack --trees FILE`), in one TOML format (see
//! docs/attack-trees.md). Leaves name predicates of the attack graph (a fact
//! kind or a privilege, optionally filtered by subject); [`parse`] checks a
//! file and turns every problem into a diagnostic with file:line:column, and
//! [`evaluate`] decides each tree against an analysis: which leaves hold,
//! the minimal attacks, attribute values and the fixes that cut the tree.

mod eval;
mod parse;

#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::OnceLock;

use serde::Serialize;

use super::catalogue::Difficulty;
use super::graph::{FactKind, PrivKind};

pub use eval::{EvalNode, FixCache, LeafResult, TreeFixes, TreeResult, evaluate, evaluate_with};
pub use parse::parse;

/// The catalogue trees, as (file name, text).
const CATALOGUE: [(&str, &str); 4] = [
    (
        "data/attack/trees/kubernetes.toml",
        include_str!("../../../../data/attack/trees/kubernetes.toml"),
    ),
    (
        "data/attack/trees/container-escape.toml",
        include_str!("../../../../data/attack/trees/container-escape.toml"),
    ),
    (
        "data/attack/trees/secrets.toml",
        include_str!("../../../../data/attack/trees/secrets.toml"),
    ),
    (
        "data/attack/trees/supply-chain.toml",
        include_str!("../../../../data/attack/trees/supply-chain.toml"),
    ),
];

/// The catalogue trees, parsed once.
pub fn catalogue() -> &'static [TreeSpec] {
    static TREES: OnceLock<Vec<TreeSpec>> = OnceLock::new();
    TREES.get_or_init(|| {
        let mut all = Vec::new();
        for (path, text) in CATALOGUE {
            let (trees, errors) = parse(path, text);
            // Part of the binary and checked by the tests: a broken
            // catalogue tree is a build defect, not an input error.
            if let Some(e) = errors.first() {
                panic!("catalogue attack tree is invalid: {e}");
            }
            all.extend(trees.into_iter().map(|mut t| {
                t.catalogue = true;
                t
            }));
        }
        all
    })
}

/// A leaf's predicate: a fact of the configuration or a privilege the
/// attacker can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Predicate {
    Fact(FactKind),
    Privilege(PrivKind),
}

impl Predicate {
    pub fn from_name(name: &str) -> Option<Predicate> {
        FactKind::from_name(name)
            .map(Predicate::Fact)
            .or_else(|| PrivKind::from_name(name).map(Predicate::Privilege))
    }
    pub fn name(self) -> &'static str {
        match self {
            Predicate::Fact(f) => f.name(),
            Predicate::Privilege(p) => p.name(),
        }
    }
    /// Every predicate name a leaf may use.
    pub fn all_names() -> Vec<&'static str> {
        FactKind::ALL
            .iter()
            .map(|f| f.name())
            .chain(PrivKind::ALL.iter().map(|p| p.name()))
            .collect()
    }
}

impl Serialize for Predicate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Gate {
    Or,
    And,
    /// Sequential AND: the children in order.
    Sand,
}

impl Gate {
    pub fn name(self) -> &'static str {
        match self {
            Gate::Or => "or",
            Gate::And => "and",
            Gate::Sand => "sand",
        }
    }
}

/// A leaf as written: the predicate, a subject filter and attribute
/// overrides.
#[derive(Debug, Clone, PartialEq)]
pub struct LeafSpec {
    pub predicate: Predicate,
    /// Substring of the node's subject, or a glob when it has `*`, `?` or `[`.
    pub subject: Option<String>,
    pub label: Option<String>,
    pub cost: Option<u64>,
    pub difficulty: Option<Difficulty>,
    pub probability: Option<f64>,
    pub time: Option<u64>,
}

/// A tree node with its subtree references expanded.
#[derive(Debug, Clone, PartialEq)]
pub enum Spec {
    Gate {
        gate: Gate,
        label: Option<String>,
        children: Vec<Spec>,
    },
    Leaf(LeafSpec),
}

/// One parsed tree.
#[derive(Debug, Clone)]
pub struct TreeSpec {
    pub id: String,
    pub title: String,
    pub goal: String,
    /// The file it came from and the line of its `[[tree]]`.
    pub path: String,
    pub line: usize,
    /// Part of the built-in catalogue.
    pub catalogue: bool,
    pub root: Spec,
}

/// A problem in a tree file, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeError {
    pub path: String,
    pub line: usize,
    pub column: usize,
    /// The tree it invalidates (`subtree NAME` for a subtree), when known.
    pub tree: Option<String>,
    pub message: String,
}

impl fmt::Display for TreeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.path, self.line, self.column)?;
        match self
            .tree
            .as_deref()
            .map(|t| (t, t.strip_prefix("subtree ")))
        {
            Some((_, Some(sub))) => write!(f, "subtree `{sub}`: ")?,
            Some((t, None)) => write!(f, "tree `{t}`: ")?,
            None => {}
        }
        f.write_str(&self.message)
    }
}
