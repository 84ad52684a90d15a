//! The fewest fixes (findings) that make goals unreachable: a minimum
//! hitting set of the minimal attacks, exact when few findings are involved
//! and greedy beyond, always checked by re-running the fixpoint without the
//! facts those fixes remove, then pruned so that no fix can be dropped.

use std::collections::BTreeSet;

use serde::Serialize;

use super::attacks::{KEEP, minimal_attacks, relevant_to};
use super::graph::{Graph, NodeId};
use super::reach::reach;

/// Candidates up to which the hitting set is searched exhaustively.
const EXACT_LIMIT: usize = 20;
/// Largest set the exhaustive search tries before falling back to greedy.
const MAX_EXACT_SIZE: usize = 6;

#[derive(Debug, Clone, Default, Serialize)]
pub struct FixSet {
    /// Indexes into [`Graph::fixes`], in catalogue order of their rules.
    pub fixes: Vec<usize>,
    /// `exact` (a minimum over the attacks found) or `greedy`.
    pub method: &'static str,
    /// Re-running the fixpoint without the fixed facts reaches no target.
    pub verified: bool,
    /// Some attack uses no fixable fact (only entry points and design
    /// facts): no set of findings cuts it.
    pub uncuttable: bool,
}

/// Facts a set of fixes removes.
pub fn disabled_by(graph: &Graph, fixes: &BTreeSet<usize>) -> Vec<bool> {
    graph
        .nodes
        .iter()
        .map(|n| n.fix().is_some_and(|f| fixes.contains(&f)))
        .collect()
}

fn any_reached(graph: &Graph, fixes: &BTreeSet<usize>, targets: &[NodeId]) -> bool {
    let r = reach(graph, &disabled_by(graph, fixes));
    targets.iter().any(|&t| r.is_reached(t))
}

pub fn fix_set(graph: &Graph, targets: &[NodeId]) -> FixSet {
    let relevant = relevant_to(graph, targets);
    let mut chosen: BTreeSet<usize> = BTreeSet::new();
    let mut exact = true;
    let mut uncuttable = false;
    for _round in 0..32 {
        let r = reach(graph, &disabled_by(graph, &chosen));
        let reached: Vec<NodeId> = targets
            .iter()
            .copied()
            .filter(|&t| r.is_reached(t))
            .collect();
        if reached.is_empty() {
            break;
        }
        let sets = minimal_attacks(graph, &r, &relevant, KEEP);
        let mut families: BTreeSet<Vec<usize>> = BTreeSet::new();
        for t in reached {
            for attack in &sets[t as usize] {
                let fixes: BTreeSet<usize> = attack
                    .facts
                    .iter()
                    .filter_map(|&f| graph.node(f).fix())
                    .collect();
                if fixes.is_empty() {
                    uncuttable = true;
                }
                families.insert(fixes.into_iter().collect());
            }
        }
        if uncuttable || families.is_empty() {
            break;
        }
        let families: Vec<Vec<usize>> = families.into_iter().collect();
        let (hit, was_exact) = hitting_set(&families);
        exact &= was_exact;
        let before = chosen.len();
        chosen.extend(hit);
        if chosen.len() == before {
            break;
        }
    }
    let verified = !uncuttable && !any_reached(graph, &chosen, targets);
    if verified {
        // Drop any fix the others make redundant.
        for f in chosen.clone() {
            chosen.remove(&f);
            if any_reached(graph, &chosen, targets) {
                chosen.insert(f);
            }
        }
    }
    let mut fixes: Vec<usize> = chosen.into_iter().collect();
    fixes.sort_by(|&a, &b| {
        let (x, y) = (&graph.fixes[a], &graph.fixes[b]);
        (x.code, &x.location).cmp(&(y.code, &y.location))
    });
    FixSet {
        fixes,
        method: if exact { "exact" } else { "greedy" },
        verified,
        uncuttable,
    }
}

/// A smallest set meeting every family: exhaustive over subsets of growing
/// size when at most [`EXACT_LIMIT`] candidates, greedy otherwise.
pub fn hitting_set(families: &[Vec<usize>]) -> (Vec<usize>, bool) {
    let candidates: Vec<usize> = families
        .iter()
        .flatten()
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if candidates.len() <= EXACT_LIMIT {
        for size in 1..=candidates.len().min(MAX_EXACT_SIZE) {
            let mut pick: Vec<usize> = (0..size).collect();
            loop {
                let set: Vec<usize> = pick.iter().map(|&i| candidates[i]).collect();
                if families.iter().all(|f| f.iter().any(|x| set.contains(x))) {
                    return (set, true);
                }
                if !next_combination(&mut pick, candidates.len()) {
                    break;
                }
            }
        }
    }
    // Greedy: the fix in most unmet families first (ln n approximation).
    greedy(families, &candidates)
}

fn greedy(families: &[Vec<usize>], candidates: &[usize]) -> (Vec<usize>, bool) {
    let mut unmet: Vec<&Vec<usize>> = families.iter().collect();
    let mut out = Vec::new();
    while !unmet.is_empty() {
        let best = candidates
            .iter()
            .copied()
            .max_by_key(|c| {
                (
                    unmet.iter().filter(|f| f.contains(c)).count(),
                    std::cmp::Reverse(*c),
                )
            })
            .unwrap_or_default();
        out.push(best);
        unmet.retain(|f| !f.contains(&best));
    }
    (out, false)
}

fn next_combination(pick: &mut [usize], n: usize) -> bool {
    let k = pick.len();
    for i in (0..k).rev() {
        if pick[i] < n - k + i {
            pick[i] += 1;
            for j in i + 1..k {
                pick[j] = pick[j - 1] + 1;
            }
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_hitting_set_is_minimum() {
        // {1,2} {2,3} {3,4}: {2,3} or {2,4}… minimum size is 2.
        let families = vec![vec![1, 2], vec![2, 3], vec![3, 4]];
        let (set, exact) = hitting_set(&families);
        assert!(exact);
        assert_eq!(set.len(), 2);
        assert!(families.iter().all(|f| f.iter().any(|x| set.contains(x))));
        // A fix shared by every family is enough on its own.
        let (set, _) = hitting_set(&[vec![1, 5], vec![5, 2], vec![5]]);
        assert_eq!(set, vec![5]);
    }

    #[test]
    fn greedy_covers_every_family_beyond_the_exact_limit() {
        let families: Vec<Vec<usize>> = (0..30).map(|i| vec![i, i + 1]).collect();
        let (set, exact) = hitting_set(&families);
        assert!(!exact);
        assert!(families.iter().all(|f| f.iter().any(|x| set.contains(x))));
    }
}
