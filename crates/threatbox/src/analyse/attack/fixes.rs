//! The fewest fixes (findings) that make goals unreachable: a minimum
//! hitting set of the minimal attacks, exact when few findings are involved
//! and greedy beyond, always checked by re-running the fixpoint without the
//! facts those fixes remove, then pruned so that no fix can be dropped.

use std::collections::BTreeSet;

use serde::Serialize;

use super::graph::{Graph, NodeId};
use super::reach::{Paths, reach_fast};

/// Candidates up to which the hitting set is searched exhaustively.
const EXACT_LIMIT: usize = 20;
// The exact search keeps a subset of the candidates in a `u32`.
const _: () = assert!(EXACT_LIMIT <= 32);
/// Largest set the exhaustive search tries before falling back to greedy.
const MAX_EXACT_SIZE: usize = 6;
/// Rounds of path generation (each adds at least one new attack).
const MAX_ROUNDS: usize = 64;
/// Targets whose cheapest derivation is taken per round.
const MAX_PATHS_PER_ROUND: usize = 2000;
/// Attack families after which the search stops (reported as not
/// verified): bounds time on huge clusters, where such a goal needs
/// thousands of fixes anyway.
const MAX_FAMILIES: usize = 20_000;
/// Largest greedy set checked fix by fix for redundancy (one fixpoint each).
const MAX_PRUNE: usize = 64;

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
    let mut fixed = vec![false; graph.fixes.len()];
    for &f in fixes {
        if let Some(x) = fixed.get_mut(f) {
            *x = true;
        }
    }
    graph
        .nodes
        .iter()
        .map(|n| n.fix().is_some_and(|f| fixed[f]))
        .collect()
}

fn any_reached(graph: &Graph, fixes: &BTreeSet<usize>, targets: &[NodeId]) -> bool {
    let r = reach_fast(graph, &disabled_by(graph, fixes));
    targets.iter().any(|&t| r.is_reached(t))
}

/// The fewest fixes cutting every target, by implicit hitting sets: take
/// the cheapest derivation of each target still reached, add its fixable
/// facts as a family, solve the hitting set of all families so far, and
/// repeat until the fixpoint reaches no target. With an exact solver the
/// result is a minimum (each family is an attack any cut must hit).
pub fn fix_set(graph: &Graph, targets: &[NodeId]) -> FixSet {
    let mut families: Vec<Vec<usize>> = Vec::new();
    let mut seen: std::collections::HashSet<Vec<usize>> = std::collections::HashSet::new();
    let mut chosen: BTreeSet<usize> = BTreeSet::new();
    let mut exact = true;
    let mut uncuttable = false;
    for _round in 0..MAX_ROUNDS {
        let r = reach_fast(graph, &disabled_by(graph, &chosen));
        let reached: Vec<NodeId> = targets
            .iter()
            .copied()
            .filter(|&t| r.is_reached(t))
            .collect();
        if reached.is_empty() {
            break;
        }
        let before = families.len();
        let mut paths = Paths::new(graph);
        // One family per reachable way into each target (not only its
        // cheapest): a target reached by a hundred escapes yields a hundred
        // families in one round instead of one per round.
        let mut budget = MAX_PATHS_PER_ROUND;
        'targets: for &t in &reached {
            for &s in &graph.concluding[t as usize] {
                if budget == 0 {
                    break 'targets;
                }
                let step = &graph.steps[s as usize];
                if !step.premises.iter().all(|&p| r.is_reached(p)) {
                    continue;
                }
                budget -= 1;
                let fixes: Vec<usize> = paths
                    .via(&r, s)
                    .into_iter()
                    .flat_map(|s| graph.steps[s as usize].premises.iter().copied())
                    .filter_map(|p| graph.node(p).fix())
                    .collect::<BTreeSet<usize>>()
                    .into_iter()
                    .collect();
                if fixes.is_empty() {
                    uncuttable = true;
                    break 'targets;
                }
                if seen.insert(fixes.clone()) {
                    families.push(fixes);
                }
            }
        }
        if uncuttable || families.len() == before {
            break;
        }
        let (hit, was_exact) = hitting_set(&families);
        exact &= was_exact;
        chosen = hit.into_iter().collect();
        if families.len() > MAX_FAMILIES {
            break;
        }
    }
    let verified = !uncuttable && !any_reached(graph, &chosen, targets);
    if verified && !exact && chosen.len() <= MAX_PRUNE {
        // Greedy may pick a fix the others make redundant.
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
    // Sorted and deduplicated. Fix ids are dense indexes: marking them in a
    // vector is linear (this runs every round over all families so far).
    let size = families.iter().flatten().max().map_or(0, |&m| m + 1);
    let mut present = vec![false; size];
    for &c in families.iter().flatten() {
        present[c] = true;
    }
    let candidates: Vec<usize> = (0..size).filter(|&c| present[c]).collect();
    if candidates.len() <= EXACT_LIMIT && families.len() <= 500 {
        // Families as bit masks over the candidates (at most 20 bits): a
        // subset meets a family when the masks share a bit. Up to C(20, 6)
        // subsets × 500 families are tried, so this test must be cheap.
        let bit = |x: &usize| candidates.binary_search(x).map_or(0, |i| 1u32 << i);
        let masks: Vec<u32> = families
            .iter()
            .map(|f| f.iter().map(bit).fold(0, |a, b| a | b))
            .collect();
        for size in 1..=candidates.len().min(MAX_EXACT_SIZE) {
            let mut pick: Vec<usize> = (0..size).collect();
            loop {
                let set = pick.iter().fold(0u32, |a, &i| a | 1 << i);
                if masks.iter().all(|&m| m & set != 0) {
                    return (pick.iter().map(|&i| candidates[i]).collect(), true);
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
    // Fix ids are dense indexes: plain vectors instead of hash maps.
    let size = candidates.last().map_or(0, |&c| c + 1);
    let mut count: Vec<usize> = vec![0; size];
    for &c in families.iter().flatten() {
        count[c] += 1;
    }
    let mut members: Vec<Vec<usize>> = count.iter().map(|&n| Vec::with_capacity(n)).collect();
    for (i, f) in families.iter().enumerate() {
        for &c in f {
            members[c].push(i);
        }
    }
    let mut met = vec![false; families.len()];
    let mut left = families.len();
    let mut out = Vec::new();
    // A max-heap of (count, candidate) with stale entries skipped on pop.
    let mut heap: std::collections::BinaryHeap<(usize, std::cmp::Reverse<usize>)> = candidates
        .iter()
        .map(|&c| (count[c], std::cmp::Reverse(c)))
        .collect();
    while left > 0 {
        let Some((n, std::cmp::Reverse(best))) = heap.pop() else {
            break;
        };
        if n != count[best] {
            if count[best] > 0 {
                heap.push((count[best], std::cmp::Reverse(best)));
            }
            continue;
        }
        if n == 0 {
            break;
        }
        out.push(best);
        for &f in &members[best] {
            if !std::mem::replace(&mut met[f], true) {
                left -= 1;
                for &c in &families[f] {
                    count[c] -= 1;
                }
            }
        }
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
