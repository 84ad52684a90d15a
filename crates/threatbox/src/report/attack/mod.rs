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
