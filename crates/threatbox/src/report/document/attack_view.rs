//! The part of the document that comes from the attack analysis: attacker
//! goals as AND/OR trees and the fixes that cut them.
//!
//! The report module owns these view types so that it does not depend on
//! how the attack analysis is computed: the analysis fills an
//! [`AttackSummary`] and the document renders it. Until the analysis is
//! plugged in, [`AttackSummary::default`] (no goals) is used and the
//! document says so.

use serde::Serialize;

/// What the attack analysis tells the document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AttackSummary {
    /// `false` when no attack analysis ran (the document then says so
    /// instead of claiming that no goal is reachable).
    pub analysed: bool,
    /// Attacker goals in the order to show them.
    pub goals: Vec<GoalView>,
    /// Fingerprints of the findings whose fixes form the smallest set that
    /// makes every goal unreachable.
    pub fix_set: Vec<String>,
    /// Every fix that cuts at least one attack path, in the order the
    /// mitigation plan lists them (the analysis decides the order: paths
    /// removed, then severity removed).
    pub fixes: Vec<FixView>,
    /// Entry points and breach assumptions the analysis started from, for
    /// the scope section.
    pub assumptions: Vec<String>,
}

/// One attacker goal, e.g. "root on a node".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GoalView {
    pub name: String,
    pub reachable: bool,
    pub tree: TreeView,
}

/// A goal's tree: nodes by index, `root` the goal itself. Children are
/// indices into `nodes`; a node may be shared by several parents.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TreeView {
    pub root: usize,
    pub nodes: Vec<TreeNodeView>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TreeNodeKind {
    /// Every child is needed.
    And,
    /// Any child will do.
    Or,
    /// A fact about this configuration.
    Leaf,
}

impl TreeNodeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TreeNodeKind::And => "AND",
            TreeNodeKind::Or => "OR",
            TreeNodeKind::Leaf => "leaf",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TreeNodeView {
    pub kind: TreeNodeKind,
    pub label: String,
    pub reachable: bool,
    /// For a leaf: the fingerprint of the finding whose fix removes it.
    pub finding: Option<String>,
    pub children: Vec<usize>,
}

/// One fix in the mitigation plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FixView {
    /// Fingerprint of the finding the fix resolves.
    pub finding: String,
    /// Attack paths (minimal attacks) the fix removes.
    pub paths_removed: usize,
    /// Names of the goals that become unreachable with this fix alone.
    pub goals_cut: Vec<String>,
}
