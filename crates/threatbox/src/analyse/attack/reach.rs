//! Reachability: a monotone fixpoint over the AND/OR graph (Horn
//! satisfiability, linear in the graph), computed the way Knuth's
//! generalisation of Dijkstra's algorithm does so that each privilege also
//! gets its cheapest derivation.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::graph::{Graph, NodeId, NodeKind};

#[derive(Debug, Clone)]
pub struct Reach {
    pub reached: Vec<bool>,
    /// Cheapest derivation cost (sum of step costs along it; shared
    /// sub-derivations count once per use, so this orders paths, while the
    /// attack costs in [`super::attacks`] count each step once).
    pub cost: Vec<u64>,
    /// The step instance of the cheapest derivation of each privilege.
    pub best: Vec<Option<u32>>,
}

impl Reach {
    pub fn is_reached(&self, id: NodeId) -> bool {
        self.reached[id as usize]
    }
}

/// The state both fixpoints start from: nothing reached, every step
/// waiting for all its premises, and the facts not `disabled` to seed.
fn start(graph: &Graph, disabled: &[bool]) -> (Reach, Vec<u32>, Vec<NodeId>) {
    let n = graph.nodes.len();
    let unreached = Reach {
        reached: vec![false; n],
        cost: vec![u64::MAX; n],
        best: vec![None; n],
    };
    let remaining = graph
        .steps
        .iter()
        .map(|s| s.premises.len() as u32)
        .collect();
    let facts = (0..n)
        .filter(|&i| {
            matches!(graph.nodes[i].kind, NodeKind::Fact { .. })
                && !disabled.get(i).copied().unwrap_or(false)
        })
        .map(|i| i as NodeId)
        .collect();
    (unreached, remaining, facts)
}

/// Fixpoint from every fact not in `disabled` (a fix set applied).
pub fn reach(graph: &Graph, disabled: &[bool]) -> Reach {
    let (
        Reach {
            mut reached,
            mut cost,
            mut best,
        },
        mut remaining,
        facts,
    ) = start(graph, disabled);
    let mut sums = vec![0u64; graph.steps.len()];
    let mut heap = BinaryHeap::new();
    for f in facts {
        cost[f as usize] = 0;
        heap.push(Reverse((0u64, f)));
    }
    while let Some(Reverse((c, id))) = heap.pop() {
        let i = id as usize;
        if reached[i] || c > cost[i] {
            continue;
        }
        reached[i] = true;
        for &s in &graph.using[i] {
            let s = s as usize;
            remaining[s] -= 1;
            sums[s] = sums[s].saturating_add(c);
            if remaining[s] == 0 {
                let step = &graph.steps[s];
                let total = sums[s].saturating_add(u64::from(step.meta().cost));
                let target = step.conclusion as usize;
                if !reached[target] && total < cost[target] {
                    cost[target] = total;
                    best[target] = Some(s as u32);
                    heap.push(Reverse((total, step.conclusion)));
                }
            }
        }
    }
    Reach {
        reached,
        cost,
        best,
    }
}

/// Plain reachability (Horn satisfiability with a FIFO queue, linear in
/// the graph), recording the first derivation found: what the fix-set
/// search needs many times, cheaper than [`reach`].
pub fn reach_fast(graph: &Graph, disabled: &[bool]) -> Reach {
    let (
        Reach {
            mut reached,
            mut cost,
            mut best,
        },
        mut remaining,
        facts,
    ) = start(graph, disabled);
    let mut queue = std::collections::VecDeque::with_capacity(facts.len());
    for f in facts {
        reached[f as usize] = true;
        cost[f as usize] = 0;
        queue.push_back(f);
    }
    while let Some(id) = queue.pop_front() {
        let depth = cost[id as usize];
        for &s in &graph.using[id as usize] {
            let s = s as usize;
            remaining[s] -= 1;
            if remaining[s] == 0 {
                let target = graph.steps[s].conclusion as usize;
                if !reached[target] {
                    reached[target] = true;
                    cost[target] = depth + 1;
                    best[target] = Some(s as u32);
                    queue.push_back(target as NodeId);
                }
            }
        }
    }
    Reach {
        reached,
        cost,
        best,
    }
}

/// The cheapest derivation of `target` as steps in the order an attacker
/// takes them (premises before the step that uses them).
pub fn cheapest_path(graph: &Graph, reach: &Reach, target: NodeId) -> Vec<u32> {
    Paths::new(graph).cheapest(reach, target)
}

/// Extracts many cheapest derivations over one graph without clearing a
/// visited array per path (a stamp per node instead).
pub struct Paths<'a> {
    graph: &'a Graph,
    stamp: Vec<u32>,
    epoch: u32,
}

impl<'a> Paths<'a> {
    pub fn new(graph: &'a Graph) -> Self {
        Paths {
            graph,
            stamp: vec![0; graph.nodes.len()],
            epoch: 0,
        }
    }

    pub fn cheapest(&mut self, reach: &Reach, target: NodeId) -> Vec<u32> {
        self.epoch += 1;
        self.walk(reach, vec![(target, false)])
    }

    /// A derivation ending with the step instance `step`: the cheapest
    /// derivations of its premises, then the step.
    pub fn via(&mut self, reach: &Reach, step: u32) -> Vec<u32> {
        self.epoch += 1;
        let premises = self.graph.steps[step as usize].premises.iter().rev();
        let mut out = self.walk(reach, premises.map(|&p| (p, false)).collect());
        out.push(step);
        out
    }

    fn walk(&mut self, reach: &Reach, mut stack: Vec<(NodeId, bool)>) -> Vec<u32> {
        let mut out = Vec::new();
        while let Some((id, expanded)) = stack.pop() {
            let i = id as usize;
            let Some(step) = reach.best[i] else { continue };
            if expanded {
                out.push(step);
                continue;
            }
            if self.stamp[i] == self.epoch {
                continue;
            }
            self.stamp[i] = self.epoch;
            stack.push((id, true));
            for &p in self.graph.steps[step as usize].premises.iter().rev() {
                if self.stamp[p as usize] != self.epoch {
                    stack.push((p, false));
                }
            }
        }
        out
    }
}
