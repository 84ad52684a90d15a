//! Minimal attacks (the minimal cut sets of fault-tree analysis): the
//! minimal sets of facts and steps that together reach a privilege. The
//! number of minimal attacks can be exponential, so each node keeps the
//! cheapest few; attribute values are computed on these sets, which counts
//! a step shared by two branches once (bottom-up evaluation would count it
//! twice, see docs/attack-analysis.md).

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};

use super::catalogue::Difficulty;
use super::graph::{Graph, NodeId, NodeKind};
use super::reach::Reach;

/// Attacks kept per node while propagating.
pub const KEEP: usize = 8;
/// Attacks of each premise combined per step when listing the cheapest.
pub const COMBINE: usize = 3;
/// Evaluations per step on average before the search stops (bounds time on
/// large graphs; the result then says it may be incomplete).
const EVALUATIONS_PER_STEP: usize = 8;
/// Total evaluations, whatever the size of the graph.
const MAX_EVALUATIONS: usize = 100_000;

/// One minimal attack: the facts it needs and the steps it takes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Attack {
    pub facts: Vec<NodeId>,
    pub steps: Vec<u32>,
}

impl Attack {
    pub fn cost(&self, graph: &Graph) -> u64 {
        self.steps
            .iter()
            .map(|&s| u64::from(graph.steps[s as usize].meta().cost))
            .sum()
    }
    pub fn difficulty(&self, graph: &Graph) -> Difficulty {
        self.steps
            .iter()
            .map(|&s| graph.steps[s as usize].meta().difficulty)
            .max()
            .unwrap_or(Difficulty::L)
    }
    /// Success probability of the attack: every step must succeed (steps
    /// independent, each counted once).
    pub fn probability(&self, graph: &Graph) -> f64 {
        self.steps
            .iter()
            .map(|&s| graph.steps[s as usize].meta().probability)
            .product()
    }
    fn union(&self, other: &Attack) -> Attack {
        Attack {
            facts: merge(&self.facts, &other.facts),
            steps: merge(&self.steps, &other.steps),
        }
    }
    fn contains(&self, other: &Attack) -> bool {
        is_subset(&other.facts, &self.facts) && is_subset(&other.steps, &self.steps)
    }
}

/// Union of two sorted, duplicate-free lists.
fn merge<T: Ord + Copy>(a: &[T], b: &[T]) -> Vec<T> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

fn is_subset<T: Ord>(small: &[T], big: &[T]) -> bool {
    small.iter().all(|x| big.binary_search(x).is_ok())
}

/// Keeps the minimal attacks, cheapest first, at most `keep`.
fn minimise(graph: &Graph, attacks: Vec<Attack>, keep: usize) -> Vec<Attack> {
    // (cost, size, attack) is a total order: an unstable sort gives the
    // same order as a stable one, and equal attacks end up side by side.
    let mut attacks: Vec<(u64, usize, Attack)> = attacks
        .into_iter()
        .map(|a| (a.cost(graph), a.steps.len() + a.facts.len(), a))
        .collect();
    attacks.sort_unstable();
    attacks.dedup_by(|x, y| x.2 == y.2);
    let mut out: Vec<Attack> = Vec::new();
    for (_, _, a) in attacks {
        if out.iter().any(|kept| a.contains(kept)) {
            continue;
        }
        out.retain(|kept| !kept.contains(&a));
        out.push(a);
        if out.len() >= keep {
            break;
        }
    }
    out
}

/// Minimal attacks of every node that `relevant` marks, from the facts
/// that `reach` reached: a worklist over steps, cheapest conclusions first,
/// re-evaluating a step when a premise's attacks change (cycles add no
/// minimal attack, so this settles). Returns the attacks per node and
/// whether the evaluation budget ran out (lists may then be incomplete).
pub fn minimal_attacks(
    graph: &Graph,
    reach: &Reach,
    relevant: &[bool],
    keep: usize,
    combine: usize,
) -> (Vec<Vec<Attack>>, bool) {
    let n = graph.nodes.len();
    let mut sets: Vec<Vec<Attack>> = vec![Vec::new(); n];
    for (i, node) in graph.nodes.iter().enumerate() {
        if reach.reached[i] && matches!(node.kind, NodeKind::Fact { .. }) {
            sets[i] = vec![Attack {
                facts: vec![i as NodeId],
                steps: Vec::new(),
            }];
        }
    }
    let candidate: Vec<bool> = graph
        .steps
        .iter()
        .map(|st| {
            relevant[st.conclusion as usize]
                && st.premises.iter().all(|&p| reach.reached[p as usize])
        })
        .collect();
    let mut queued = candidate.clone();
    let mut queue: BinaryHeap<Reverse<(u64, u32)>> = candidate
        .iter()
        .enumerate()
        .filter(|(_, c)| **c)
        .map(|(s, _)| Reverse((reach.cost[graph.steps[s].conclusion as usize], s as u32)))
        .collect();
    let mut budget = queue
        .len()
        .saturating_mul(EVALUATIONS_PER_STEP)
        .min(MAX_EVALUATIONS);
    let mut exhausted = false;
    let mut truncated = false;
    while let Some(Reverse((_, s))) = queue.pop() {
        let s = s as usize;
        queued[s] = false;
        if budget == 0 {
            exhausted = true;
            break;
        }
        budget -= 1;
        let st = &graph.steps[s];
        let mut combos = vec![Attack {
            facts: Vec::new(),
            steps: vec![s as u32],
        }];
        for &p in &st.premises {
            let options = &sets[p as usize];
            if options.is_empty() {
                combos.clear();
                break;
            }
            // Only the cheapest few of each premise are combined: attacks
            // using the others may be missed, which the result then says.
            truncated |= options.len() > combine;
            let mut next = Vec::with_capacity(combos.len() * options.len().min(combine));
            for c in &combos {
                for o in options.iter().take(combine) {
                    next.push(c.union(o));
                }
            }
            combos = minimise(graph, next, keep);
        }
        if combos.is_empty() {
            continue;
        }
        let target = st.conclusion as usize;
        let mut all = sets[target].clone();
        all.extend(combos);
        let merged = minimise(graph, all, keep);
        if merged != sets[target] {
            sets[target] = merged;
            for &next in &graph.using[target] {
                let next = next as usize;
                if candidate[next] && !queued[next] {
                    queued[next] = true;
                    queue.push(Reverse((
                        reach.cost[graph.steps[next].conclusion as usize],
                        next as u32,
                    )));
                }
            }
        }
    }
    (sets, exhausted || truncated)
}

/// Nodes from which some of `targets` can be derived (backwards over steps).
pub fn relevant_to(graph: &Graph, targets: &[NodeId]) -> Vec<bool> {
    let mut relevant = vec![false; graph.nodes.len()];
    let mut stack: Vec<NodeId> = targets.to_vec();
    while let Some(id) = stack.pop() {
        if std::mem::replace(&mut relevant[id as usize], true) {
            continue;
        }
        for &s in &graph.concluding[id as usize] {
            for &p in &graph.steps[s as usize].premises {
                if !relevant[p as usize] {
                    stack.push(p);
                }
            }
        }
    }
    relevant
}

/// Probability that at least one of the attacks succeeds, exact by
/// inclusion–exclusion over shared steps when there are at most 12
/// attacks; otherwise the best single attack's (a lower bound).
pub fn success_probability(graph: &Graph, attacks: &[Attack]) -> (f64, bool) {
    if attacks.is_empty() {
        return (0.0, true);
    }
    if attacks.len() > 12 {
        let best = attacks
            .iter()
            .map(|a| a.probability(graph))
            .fold(0.0, f64::max);
        return (best, false);
    }
    let mut total = 0.0;
    for mask in 1u32..(1 << attacks.len()) {
        let mut steps: BTreeSet<u32> = BTreeSet::new();
        for (i, a) in attacks.iter().enumerate() {
            if mask & (1 << i) != 0 {
                steps.extend(&a.steps);
            }
        }
        let p: f64 = steps
            .iter()
            .map(|&s| graph.steps[s as usize].meta().probability)
            .product();
        if mask.count_ones() % 2 == 1 {
            total += p;
        } else {
            total -= p;
        }
    }
    (total.clamp(0.0, 1.0), true)
}
