//! Renderings of the attack analysis: text for people, JSON for tools,
//! DOT and Mermaid for the trees.

pub mod dot;
pub mod json;
pub mod mermaid;
pub mod text;
pub mod trees;

use crate::analyse::Analysis;
use crate::analyse::attack::AttackAnalysis;
use crate::analyse::attack::graph::{Graph, NodeId};
use crate::analyse::attack::tree::{TreeKind, TreeNode};
use crate::analyse::attack::trees::EvalNode;
use crate::source::Location;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AttackFormat {
    Text,
    Json,
    Dot,
    Mermaid,
}

pub fn render(analysis: &Analysis, attack: &AttackAnalysis, format: AttackFormat) -> String {
    match format {
        AttackFormat::Text => text::render(analysis, attack),
        AttackFormat::Json => json::render(attack),
        AttackFormat::Dot => dot::render(attack),
        AttackFormat::Mermaid => mermaid::render(attack),
    }
}

/// `path:line` of a location.
pub fn at(location: &Location) -> String {
    format!("{}:{}", location.path, location.start_line)
}

/// The facts among a step's premises.
pub fn fact_premises(graph: &Graph, step: u32) -> Vec<NodeId> {
    graph.steps[step as usize]
        .premises
        .iter()
        .copied()
        .filter(|&p| graph.node(p).fact_kind().is_some())
        .collect()
}

/// An evaluated catalogue or `--trees` tree in the shape the DOT and
/// Mermaid renderers draw (sequential AND drawn as AND, labelled so).
pub fn drawable(tree: &crate::analyse::attack::trees::TreeResult) -> TreeNode {
    fn convert(n: &EvalNode, count: &mut usize) -> TreeNode {
        let id = format!("n{count}");
        *count += 1;
        let (kind, label) = match n.kind {
            "or" => (TreeKind::Or, n.label.clone()),
            "and" => (TreeKind::And, n.label.clone()),
            "sand" => (TreeKind::And, format!("in order: {}", n.label)),
            _ => (TreeKind::Leaf, n.label.clone()),
        };
        TreeNode {
            id,
            kind,
            label,
            predicate: n.kind.to_string(),
            reachable: n.holds,
            fix: None,
            evidence: Vec::new(),
            children: n.children.iter().map(|c| convert(c, count)).collect(),
        }
    }
    let mut count = 0;
    convert(&tree.root, &mut count)
}
