//! The part of the document that comes from the attack analysis: attacker
//! goals as AND/OR trees and the fixes that cut them.
//!
//! The report module owns these view types so that it does not depend on
//! how the attack analysis is computed: the analysis fills an
//! [`AttackSummary`] and the document renders it. Until the analysis is
//! plugged in, [`AttackSummary::default`] (no goals) is used and the
//! document says so.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::analyse::attack::AttackAnalysis;
use crate::analyse::attack::tree::{TreeKind, TreeNode};

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

/// The view of the attack analysis (`analyse::attack`) the document shows:
/// each goal's tree flattened, leaves linked to the findings that remove
/// them, the analysis' plan as the fix set, and every fix with the minimal
/// attacks it removes and the goals it cuts alone.
pub fn from_analysis(a: &AttackAnalysis) -> AttackSummary {
    let fingerprint = |i: usize| a.graph.fixes.get(i).map(|f| f.fingerprint.clone());
    let goals = a
        .goals
        .iter()
        .map(|g| {
            let mut tree = TreeView::default();
            flatten(&g.tree, &mut tree, &fingerprint, 0);
            GoalView {
                name: g.goal.title(),
                reachable: g.reachable,
                tree,
            }
        })
        .collect();
    // Minimal attacks each fix removes: those with a fact the fix removes.
    let mut paths: BTreeMap<usize, usize> = BTreeMap::new();
    let mut goals_cut: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for g in a.goals.iter().filter(|g| g.reachable) {
        for attack in &g.attacks {
            let fixes: BTreeSet<usize> = attack
                .facts
                .iter()
                .filter_map(|&n| a.graph.nodes.get(n as usize)?.fix())
                .collect();
            for f in fixes {
                *paths.entry(f).or_default() += 1;
            }
        }
        if let [only] = g.fixes.fixes.as_slice()
            && !g.fixes.uncuttable
        {
            goals_cut.entry(*only).or_default().push(g.goal.title());
        }
    }
    let mut order: Vec<usize> = paths.keys().copied().collect();
    order.sort_by_key(|&i| {
        let severity = a.graph.fixes.get(i).map(|f| f.severity);
        (
            std::cmp::Reverse(paths.get(&i).copied().unwrap_or(0)),
            std::cmp::Reverse(severity),
            i,
        )
    });
    let fixes = order
        .into_iter()
        .filter(|&i| a.graph.fixes.get(i).is_some_and(|f| !f.suppressed))
        .filter_map(|i| {
            Some(FixView {
                finding: fingerprint(i)?,
                paths_removed: paths.get(&i).copied().unwrap_or(0),
                goals_cut: goals_cut.remove(&i).unwrap_or_default(),
            })
        })
        .collect();
    let mut assumptions = Vec::new();
    if a.entries.internet {
        assumptions.push(
            "Attack entry point: an attacker on the internet reaches every exposed workload."
                .to_string(),
        );
    }
    if a.entries.supply_chain {
        assumptions.push("Attack entry point: an attacker upstream of images and build inputs (mutable tags, untrusted registries, unverified downloads).".to_string());
    }
    for b in &a.entries.assume_breach {
        assumptions.push(format!(
            "Attack entry point: workload {b} is assumed compromised."
        ));
    }
    AttackSummary {
        analysed: true,
        goals,
        fix_set: a
            .plan
            .fixes
            .iter()
            .filter_map(|&i| fingerprint(i))
            .collect(),
        fixes,
        assumptions,
    }
}

/// Appends `node` and its subtree to `tree` (depth-bounded), returning its
/// index.
fn flatten(
    node: &TreeNode,
    tree: &mut TreeView,
    fingerprint: &dyn Fn(usize) -> Option<String>,
    depth: usize,
) -> usize {
    let index = tree.nodes.len();
    let (kind, label) = match node.kind {
        TreeKind::Or => (TreeNodeKind::Or, node.label.clone()),
        TreeKind::And => (TreeNodeKind::And, node.label.clone()),
        TreeKind::Leaf => (TreeNodeKind::Leaf, node.label.clone()),
        // The analysis' labels already say what a cycle or a cut is.
        TreeKind::Cycle => (TreeNodeKind::Leaf, node.label.clone()),
        TreeKind::More => (TreeNodeKind::Leaf, node.label.clone()),
    };
    tree.nodes.push(TreeNodeView {
        kind,
        label,
        reachable: node.reachable,
        finding: node.fix.and_then(fingerprint),
        children: Vec::new(),
    });
    if depth < 64 {
        let children: Vec<usize> = node
            .children
            .iter()
            .map(|c| flatten(c, tree, fingerprint, depth + 1))
            .collect();
        tree.nodes[index].children = children;
    }
    index
}
