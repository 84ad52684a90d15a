//! Attack trees for display, unfolded from the graph per goal: OR over the
//! steps that grant a privilege, AND over a step's preconditions, facts as
//! leaves. Cycles are cut per path; size is bounded (the unfolding of a
//! graph can be exponential), with a leaf saying how much was left out.

use serde::Serialize;

use super::graph::{Graph, NodeId, NodeKind};
use super::reach::Reach;
use crate::source::Location;

/// Nodes per tree.
const BUDGET: usize = 40;
/// Reachable alternatives shown under an OR node (the cheapest).
const ALTERNATIVES: usize = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TreeKind {
    /// A goal or privilege: any child suffices.
    Or,
    /// A step: every child is needed.
    And,
    /// A fact from the configuration.
    Leaf,
    /// A privilege already being unfolded higher on this path.
    Cycle,
    /// Alternatives left out for size.
    More,
}

#[derive(Debug, Clone, Serialize)]
pub struct TreeNode {
    /// Unique within the tree (`n0`, `n1`, …), for diagrams.
    pub id: String,
    pub kind: TreeKind,
    pub label: String,
    /// Predicate (`node-root`, `privileged`) or step id.
    pub predicate: String,
    pub reachable: bool,
    /// Index into the graph's fixes, for leaves a finding removes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<usize>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<TreeNode>,
}

struct Unfold<'a> {
    graph: &'a Graph,
    reach: &'a Reach,
    count: usize,
    on_path: Vec<bool>,
}

impl Unfold<'_> {
    fn id(&mut self) -> String {
        let id = format!("n{}", self.count);
        self.count += 1;
        id
    }

    fn leafish(
        &mut self,
        kind: TreeKind,
        label: String,
        predicate: &str,
        reachable: bool,
    ) -> TreeNode {
        TreeNode {
            id: self.id(),
            kind,
            label,
            predicate: predicate.to_string(),
            reachable,
            fix: None,
            evidence: Vec::new(),
            children: Vec::new(),
        }
    }

    fn node(&mut self, id: NodeId, depth: usize) -> TreeNode {
        let graph = self.graph;
        let n = graph.node(id);
        let reachable = self.reach.is_reached(id);
        if let NodeKind::Fact { evidence, fix, .. } = &n.kind {
            let mut leaf = self.leafish(TreeKind::Leaf, n.label.clone(), n.predicate(), reachable);
            leaf.fix = *fix;
            leaf.evidence = evidence.clone();
            return leaf;
        }
        if self.on_path[id as usize] {
            return self.leafish(
                TreeKind::Cycle,
                format!("{} (already on this path)", n.label),
                n.predicate(),
                false,
            );
        }
        if depth > 12 || self.count >= BUDGET {
            return self.leafish(
                TreeKind::More,
                format!("{} (not unfolded further)", n.label),
                n.predicate(),
                reachable,
            );
        }
        self.on_path[id as usize] = true;
        let mut steps: Vec<u32> = graph.concluding[id as usize].clone();
        // Reachable steps first, cheapest first; then the blocked ones.
        let step_cost = |s: &u32| {
            let st = &graph.steps[*s as usize];
            let ok = st.premises.iter().all(|&p| self.reach.is_reached(p));
            let cost: u64 = st
                .premises
                .iter()
                .map(|&p| self.reach.cost[p as usize])
                .fold(u64::from(st.meta().cost), u64::saturating_add);
            (!ok, cost, *s)
        };
        steps.sort_by_key(step_cost);
        let reachable_steps = steps.iter().filter(|s| !step_cost(s).0).count();
        let shown = reachable_steps.min(ALTERNATIVES) + usize::from(reachable_steps < steps.len());
        let mut node = self.leafish(TreeKind::Or, n.label.clone(), n.predicate(), reachable);
        for &s in steps.iter().take(shown) {
            if self.count >= BUDGET {
                break;
            }
            let st = &graph.steps[s as usize];
            let step_ok = st.premises.iter().all(|&p| self.reach.is_reached(p));
            let mut and = self.leafish(
                TreeKind::And,
                st.meta().title.clone(),
                &st.meta().id,
                step_ok,
            );
            for &p in &st.premises {
                let child = self.node(p, depth + 1);
                and.children.push(child);
            }
            node.children.push(and);
        }
        let left = steps.len().saturating_sub(node.children.len());
        if left > 0 {
            let more = self.leafish(
                TreeKind::More,
                format!("{left} other way(s)"),
                "more",
                false,
            );
            node.children.push(more);
        }
        self.on_path[id as usize] = false;
        node
    }
}

/// The tree of a goal: an OR over its targets.
pub fn unfold(
    graph: &Graph,
    reach: &Reach,
    title: &str,
    goal: &str,
    targets: &[NodeId],
) -> TreeNode {
    let mut u = Unfold {
        graph,
        reach,
        count: 0,
        on_path: vec![false; graph.nodes.len()],
    };
    let mut sorted = targets.to_vec();
    sorted.sort_by_key(|&t| (!reach.is_reached(t), reach.cost[t as usize], t));
    let reachable = sorted.iter().any(|&t| reach.is_reached(t));
    let mut root = u.leafish(TreeKind::Or, title.to_string(), goal, reachable);
    let reached = sorted.iter().filter(|&&t| reach.is_reached(t)).count();
    let shown = if reached > 0 {
        reached.min(ALTERNATIVES)
    } else {
        sorted.len().min(1)
    };
    for &t in sorted.iter().take(shown) {
        let child = u.node(t, 0);
        root.children.push(child);
    }
    if sorted.len() > shown {
        let more = u.leafish(
            TreeKind::More,
            format!("{} other target(s)", sorted.len() - shown),
            "more",
            false,
        );
        root.children.push(more);
    }
    root
}
