//! The attack paths as the scan reports carry them: for each reachable
//! goal, its cheapest path hop by hop with the configuration behind each
//! hop, and the fewest fixes. Shared by the JSON and SARIF renderers.

use crate::analyse::attack::catalogue::StepMeta;
use crate::analyse::attack::graph::{Fix, Node};
use crate::analyse::attack::{AttackAnalysis, GoalResult};
use crate::source::Location;

pub struct Hop<'a> {
    pub step: &'static StepMeta,
    /// The privilege it gives (`code execution in Deployment shop/api`).
    pub reaches: &'a str,
    /// The configuration facts it needs, with their fixes.
    pub facts: Vec<(&'a Node, Option<&'a Fix>)>,
    /// Where to point for this hop: its first fact's evidence, else the
    /// previous hop's.
    pub location: Option<&'a Location>,
}

pub struct Path<'a> {
    pub goal: &'a GoalResult,
    pub hops: Vec<Hop<'a>>,
    pub fixes: Vec<&'a Fix>,
}

pub fn paths(attack: &AttackAnalysis) -> Vec<Path<'_>> {
    let graph = &attack.graph;
    attack
        .reachable_goals()
        .map(|goal| {
            let mut last: Option<&Location> = None;
            let hops = goal
                .path
                .iter()
                .map(|&s| {
                    let step = &graph.steps[s as usize];
                    let facts: Vec<(&Node, Option<&Fix>)> = step
                        .premises
                        .iter()
                        .map(|&p| graph.node(p))
                        .filter(|n| n.fact_kind().is_some())
                        .map(|n| (n, n.fix().and_then(|f| graph.fixes.get(f))))
                        .collect();
                    if let Some(l) = facts.iter().find_map(|(n, _)| n.evidence().first()) {
                        last = Some(l);
                    }
                    Hop {
                        step: step.meta(),
                        reaches: &graph.node(step.conclusion).label,
                        facts,
                        location: last,
                    }
                })
                .collect();
            let fixes = goal
                .fixes
                .fixes
                .iter()
                .filter_map(|&f| graph.fixes.get(f))
                .collect();
            Path { goal, hops, fixes }
        })
        .collect()
}
