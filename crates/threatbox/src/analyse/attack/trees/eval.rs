//! Deciding a tree against the attack graph. A leaf holds when some node of
//! its predicate (and subject) is a fact of the configuration or a reached
//! privilege. Minimal attacks are computed on the tree's set semantics
//! (OR: union of the children's attacks; AND/SAND: pairwise unions; then
//! minimised), so a leaf used in two branches counts once in an attack's
//! cost and probability.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use super::{Gate, Predicate, Spec, TreeSpec};
use crate::analyse::attack::catalogue::Difficulty;
use crate::analyse::attack::fixes::{FixSet, disabled_by, fix_set, hitting_set};
use crate::analyse::attack::graph::{Graph, NodeId, NodeKind};
use crate::analyse::attack::reach::{Reach, cheapest_path, reach_fast};
use crate::source::Location;

/// Minimal attacks kept per tree node (cheapest first).
const KEEP: usize = 32;
/// Matched graph nodes and evidence listed per leaf.
const LIST: usize = 10;
/// Largest number of reached privilege nodes a leaf's fix set is searched
/// for (each search runs the fixpoint several times).
const MAX_FIX_TARGETS: usize = 64;

/// A leaf's subject filter: a glob when it has glob characters, else a
/// substring; either may match anywhere in the subject (`shop/*` matches
/// `Deployment shop/web`).
pub(crate) enum SubjectFilter {
    Substring(String),
    Glob(globset::GlobMatcher),
}

impl SubjectFilter {
    pub(crate) fn new(text: &str) -> Result<SubjectFilter, String> {
        if text.contains(['*', '?', '[']) {
            globset::Glob::new(&format!("*{text}*"))
                .map(|g| SubjectFilter::Glob(g.compile_matcher()))
                .map_err(|e| format!("invalid subject glob `{text}`: {e}"))
        } else {
            Ok(SubjectFilter::Substring(text.to_string()))
        }
    }
    fn matches(&self, subject: &str) -> bool {
        match self {
            SubjectFilter::Substring(s) => subject.contains(s.as_str()),
            SubjectFilter::Glob(g) => g.is_match(subject),
        }
    }
}

/// One distinct leaf of a tree (same predicate and subject: one basic
/// action, however often it appears).
#[derive(Debug, Clone, Serialize)]
pub struct LeafResult {
    pub predicate: Predicate,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub label: String,
    pub holds: bool,
    /// Graph nodes that make it hold (at most 10 listed) and how many.
    pub matched: Vec<NodeId>,
    pub matched_count: usize,
    /// Where the configuration says it (facts only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Location>,
    /// Fixes (indexes into the graph's fixes) that together make it fail.
    pub fixes: Vec<usize>,
    /// Whether applying `fixes` makes the leaf fail.
    pub fixable: bool,
    pub cost: u64,
    pub difficulty: Difficulty,
    pub probability: f64,
    pub time: u64,
    /// For a privilege leaf without attribute overrides: the steps of its
    /// cheapest derivation, whose attributes it takes (a step two such
    /// leaves share counts once in an attack).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub path: Vec<u32>,
}

/// The tree as evaluated, for display.
#[derive(Debug, Clone, Serialize)]
pub struct EvalNode {
    /// `or`, `and`, `sand` or `leaf`.
    pub kind: &'static str,
    pub label: String,
    pub holds: bool,
    /// Index into [`TreeResult::leaves`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leaf: Option<usize>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<EvalNode>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct TreeFixes {
    /// Leaves (indexes into [`TreeResult::leaves`]) whose failure cuts
    /// every attack.
    pub leaves: Vec<usize>,
    /// The fixes that make those leaves fail.
    pub fixes: Vec<usize>,
    /// `exact` or `greedy`.
    pub method: &'static str,
    /// Re-evaluating the tree on the fixpoint without those fixes finds it
    /// unreachable.
    pub verified: bool,
    /// Some attack has no fixable leaf.
    pub uncuttable: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct TreeResult {
    pub id: String,
    pub title: String,
    pub goal: String,
    /// `catalogue` or the file it was read from.
    pub source: String,
    pub line: usize,
    pub reachable: bool,
    pub root: EvalNode,
    pub leaves: Vec<LeafResult>,
    /// Minimal attacks as sets of leaves, cheapest first.
    pub attacks: Vec<Vec<usize>>,
    /// More minimal attacks may exist than are listed.
    pub attacks_capped: bool,
    pub min_cost: Option<u64>,
    pub min_difficulty: Option<Difficulty>,
    pub probability: f64,
    pub probability_exact: bool,
    /// SAND time domain on the tree: OR min, AND max, SAND sum.
    pub min_time: Option<u64>,
    pub fixes: TreeFixes,
}

/// Graph nodes per predicate, built once for many trees.
struct Index(HashMap<Predicate, Vec<NodeId>>);

impl Index {
    fn new(graph: &Graph) -> Index {
        let mut map: HashMap<Predicate, Vec<NodeId>> = HashMap::new();
        for (i, n) in graph.nodes.iter().enumerate() {
            let p = match &n.kind {
                NodeKind::Fact { kind, .. } => Predicate::Fact(*kind),
                NodeKind::Privilege(p) => Predicate::Privilege(*p),
            };
            map.entry(p).or_default().push(i as NodeId);
        }
        Index(map)
    }
}

/// Fix sets of privilege nodes, by the reached nodes they cut: the goals'
/// (already computed) and those found while evaluating.
#[derive(Default)]
pub struct FixCache(HashMap<Vec<NodeId>, (Vec<usize>, bool)>);

impl FixCache {
    /// Seeds the cache with a fix set known to cut `targets`.
    pub fn insert(&mut self, reach: &Reach, targets: &[NodeId], set: &FixSet) {
        let mut reached: Vec<NodeId> = targets
            .iter()
            .copied()
            .filter(|&t| reach.is_reached(t))
            .collect();
        reached.sort_unstable();
        self.0.insert(reached, fixable(set));
    }

    fn get(&mut self, graph: &Graph, reached: &[NodeId]) -> (Vec<usize>, bool) {
        let mut key = reached.to_vec();
        key.sort_unstable();
        self.0
            .entry(key)
            .or_insert_with(|| fixable(&fix_set(graph, reached)))
            .clone()
    }
}

fn fixable(set: &FixSet) -> (Vec<usize>, bool) {
    if set.verified && !set.uncuttable {
        (set.fixes.clone(), true)
    } else {
        (Vec::new(), false)
    }
}

/// Evaluates every tree.
pub fn evaluate(graph: &Graph, reach: &Reach, trees: &[TreeSpec]) -> Vec<TreeResult> {
    evaluate_with(graph, reach, trees, &mut FixCache::default())
}

/// Evaluates every tree, reusing and filling `fixes`.
pub fn evaluate_with(
    graph: &Graph,
    reach: &Reach,
    trees: &[TreeSpec],
    fixes: &mut FixCache,
) -> Vec<TreeResult> {
    let index = Index::new(graph);
    trees
        .iter()
        .map(|t| evaluate_one(graph, reach, &index, t, fixes))
        .collect()
}

struct Leaves<'a> {
    keys: Vec<(Predicate, Option<&'a str>)>,
    specs: Vec<&'a super::LeafSpec>,
}

impl<'a> Leaves<'a> {
    fn collect(spec: &'a Spec, out: &mut Leaves<'a>) {
        match spec {
            Spec::Gate { children, .. } => children.iter().for_each(|c| Leaves::collect(c, out)),
            Spec::Leaf(l) => {
                let key = (l.predicate, l.subject.as_deref());
                if !out.keys.contains(&key) {
                    out.keys.push(key);
                    out.specs.push(l);
                }
            }
        }
    }
    fn of(&self, spec: &super::LeafSpec) -> usize {
        let key = (spec.predicate, spec.subject.as_deref());
        self.keys.iter().position(|k| *k == key).unwrap_or(0)
    }
}

/// The graph nodes a leaf names (reached or not).
fn matching(graph: &Graph, index: &Index, spec: &super::LeafSpec) -> Vec<NodeId> {
    let filter = spec
        .subject
        .as_deref()
        .and_then(|s| SubjectFilter::new(s).ok());
    index
        .0
        .get(&spec.predicate)
        .map(|ids| {
            ids.iter()
                .copied()
                .filter(|&id| {
                    filter
                        .as_ref()
                        .is_none_or(|f| f.matches(&graph.node(id).subject))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn leaf_result(
    graph: &Graph,
    reach: &Reach,
    fixes: &mut FixCache,
    spec: &super::LeafSpec,
    nodes: &[NodeId],
) -> LeafResult {
    let reached: Vec<NodeId> = nodes
        .iter()
        .copied()
        .filter(|&n| reach.is_reached(n))
        .collect();
    let holds = !reached.is_empty();
    let label = spec.label.clone().unwrap_or_else(|| match &spec.subject {
        Some(s) => format!("{} ({s})", spec.predicate.name()),
        None => spec.predicate.name().to_string(),
    });
    let mut evidence = Vec::new();
    for &n in &reached {
        for loc in graph.node(n).evidence() {
            if evidence.len() < LIST && !evidence.contains(loc) {
                evidence.push(loc.clone());
            }
        }
    }
    // Defaults: a fact that holds is free; a privilege costs its cheapest
    // derivation in the graph.
    let (mut cost, mut difficulty, mut probability, mut time) = (0, Difficulty::L, 1.0, 0);
    let mut path = Vec::new();
    let (fixes, fixable) = match spec.predicate {
        Predicate::Fact(_) => {
            let fixes: Option<BTreeSet<usize>> =
                reached.iter().map(|&n| graph.node(n).fix()).collect();
            match fixes {
                Some(f) if holds => (f.into_iter().collect(), true),
                _ => (Vec::new(), false),
            }
        }
        Predicate::Privilege(_) => {
            if let Some(&best) = reached.iter().min_by_key(|&&n| (reach.cost[n as usize], n)) {
                path = cheapest_path(graph, reach, best);
                time = path.len() as u64;
                for &s in &path {
                    let meta = graph.steps[s as usize].meta();
                    cost += u64::from(meta.cost);
                    difficulty = difficulty.max(meta.difficulty);
                    probability *= meta.probability;
                }
            }
            if holds && reached.len() <= MAX_FIX_TARGETS {
                fixes.get(graph, &reached)
            } else {
                (Vec::new(), false)
            }
        }
    };
    LeafResult {
        predicate: spec.predicate,
        subject: spec.subject.clone(),
        label,
        holds,
        matched_count: reached.len(),
        matched: reached.into_iter().take(LIST).collect(),
        evidence,
        fixes,
        fixable,
        cost: spec.cost.unwrap_or(cost),
        difficulty: spec.difficulty.unwrap_or(difficulty),
        probability: spec.probability.unwrap_or(probability),
        time: spec.time.unwrap_or(time),
        path: if spec.cost.is_none() && spec.difficulty.is_none() && spec.probability.is_none() {
            path
        } else {
            Vec::new()
        },
    }
}

/// Whether the tree holds given which leaves hold.
fn holds(spec: &Spec, leaves: &Leaves<'_>, leaf_holds: &[bool]) -> bool {
    match spec {
        Spec::Leaf(l) => leaf_holds[leaves.of(l)],
        Spec::Gate { gate, children, .. } => match gate {
            Gate::Or => children.iter().any(|c| holds(c, leaves, leaf_holds)),
            Gate::And | Gate::Sand => children.iter().all(|c| holds(c, leaves, leaf_holds)),
        },
    }
}

fn display(spec: &Spec, leaves: &Leaves<'_>, results: &[LeafResult]) -> EvalNode {
    let leaf_holds: Vec<bool> = results.iter().map(|l| l.holds).collect();
    match spec {
        Spec::Leaf(l) => {
            let i = leaves.of(l);
            EvalNode {
                kind: "leaf",
                label: results[i].label.clone(),
                holds: results[i].holds,
                leaf: Some(i),
                children: Vec::new(),
            }
        }
        Spec::Gate {
            gate,
            label,
            children,
        } => EvalNode {
            kind: gate.name(),
            label: label.clone().unwrap_or_default(),
            holds: holds(spec, leaves, &leaf_holds),
            leaf: None,
            children: children
                .iter()
                .map(|c| display(c, leaves, results))
                .collect(),
        },
    }
}

/// An attack's basic events: leaves taken whole, and the derivation steps
/// of privilege leaves (shared steps once).
fn events(set: &[usize], results: &[LeafResult]) -> (BTreeSet<usize>, BTreeSet<u32>) {
    let mut leaves = BTreeSet::new();
    let mut steps = BTreeSet::new();
    for &i in set {
        if results[i].path.is_empty() {
            leaves.insert(i);
        } else {
            steps.extend(results[i].path.iter().copied());
        }
    }
    (leaves, steps)
}

fn set_cost(graph: &Graph, set: &[usize], results: &[LeafResult]) -> u64 {
    let (leaves, steps) = events(set, results);
    let steps = steps
        .iter()
        .map(|&s| u64::from(graph.steps[s as usize].meta().cost));
    leaves
        .iter()
        .map(|&i| results[i].cost)
        .chain(steps)
        .fold(0, u64::saturating_add)
}

fn set_probability(graph: &Graph, set: &[usize], results: &[LeafResult]) -> f64 {
    let (leaves, steps) = events(set, results);
    let steps: f64 = steps
        .iter()
        .map(|&s| graph.steps[s as usize].meta().probability)
        .product();
    leaves
        .iter()
        .map(|&i| results[i].probability)
        .product::<f64>()
        * steps
}

/// Keeps the minimal sets, cheapest first, at most [`KEEP`].
fn minimise(
    graph: &Graph,
    mut sets: Vec<Vec<usize>>,
    results: &[LeafResult],
    capped: &mut bool,
) -> Vec<Vec<usize>> {
    sets.sort_by_cached_key(|s| (set_cost(graph, s, results), s.len(), s.clone()));
    sets.dedup();
    let mut out: Vec<Vec<usize>> = Vec::new();
    for s in sets {
        if out.iter().any(|k| k.iter().all(|x| s.contains(x))) {
            continue;
        }
        if out.len() == KEEP {
            *capped = true;
            break;
        }
        out.push(s);
    }
    out
}

/// Minimal attacks of a node, over the leaves that hold.
fn attacks(
    graph: &Graph,
    spec: &Spec,
    leaves: &Leaves<'_>,
    results: &[LeafResult],
    capped: &mut bool,
) -> Vec<Vec<usize>> {
    match spec {
        Spec::Leaf(l) => {
            let i = leaves.of(l);
            if results[i].holds {
                vec![vec![i]]
            } else {
                Vec::new()
            }
        }
        Spec::Gate { gate, children, .. } => match gate {
            Gate::Or => {
                let all = children
                    .iter()
                    .flat_map(|c| attacks(graph, c, leaves, results, capped))
                    .collect();
                minimise(graph, all, results, capped)
            }
            Gate::And | Gate::Sand => {
                let mut acc: Vec<Vec<usize>> = vec![Vec::new()];
                for c in children {
                    let theirs = attacks(graph, c, leaves, results, capped);
                    let mut next = Vec::with_capacity(acc.len() * theirs.len());
                    for a in &acc {
                        for b in &theirs {
                            let mut u: Vec<usize> = a.iter().chain(b).copied().collect();
                            u.sort_unstable();
                            u.dedup();
                            next.push(u);
                        }
                    }
                    acc = minimise(graph, next, results, capped);
                    if acc.is_empty() {
                        break;
                    }
                }
                acc
            }
        },
    }
}

/// Minimal time (ADTool's SAND domain): OR min, AND max, SAND sum; `None`
/// when the node does not hold.
fn min_time(spec: &Spec, leaves: &Leaves<'_>, results: &[LeafResult]) -> Option<u64> {
    match spec {
        Spec::Leaf(l) => {
            let r = &results[leaves.of(l)];
            r.holds.then_some(r.time)
        }
        Spec::Gate { gate, children, .. } => {
            let times = children.iter().map(|c| min_time(c, leaves, results));
            match gate {
                Gate::Or => times.flatten().min(),
                Gate::And => times.collect::<Option<Vec<u64>>>()?.into_iter().max(),
                Gate::Sand => times
                    .collect::<Option<Vec<u64>>>()
                    .map(|t| t.into_iter().fold(0, u64::saturating_add)),
            }
        }
    }
}

/// Probability that one of the attacks succeeds (leaves independent, a
/// shared leaf counted once): exact by inclusion–exclusion up to 12
/// attacks, else the best single attack's (a lower bound).
fn probability(graph: &Graph, sets: &[Vec<usize>], results: &[LeafResult]) -> (f64, bool) {
    if sets.len() > 12 {
        let best = sets
            .iter()
            .map(|s| set_probability(graph, s, results))
            .fold(0.0, f64::max);
        return (best, false);
    }
    let mut total = 0.0;
    for mask in 1u32..(1u32 << sets.len()) {
        let mut union = BTreeSet::new();
        for (i, s) in sets.iter().enumerate() {
            if mask & (1 << i) != 0 {
                union.extend(s.iter().copied());
            }
        }
        let union: Vec<usize> = union.into_iter().collect();
        let p = set_probability(graph, &union, results);
        if mask.count_ones() % 2 == 1 {
            total += p;
        } else {
            total -= p;
        }
    }
    (total.clamp(0.0, 1.0), true)
}

fn evaluate_one(
    graph: &Graph,
    reach: &Reach,
    index: &Index,
    tree: &TreeSpec,
    fixes: &mut FixCache,
) -> TreeResult {
    let mut leaves = Leaves {
        keys: Vec::new(),
        specs: Vec::new(),
    };
    Leaves::collect(&tree.root, &mut leaves);
    let matched: Vec<Vec<NodeId>> = leaves
        .specs
        .iter()
        .map(|l| matching(graph, index, l))
        .collect();
    let results: Vec<LeafResult> = leaves
        .specs
        .iter()
        .zip(&matched)
        .map(|(l, m)| leaf_result(graph, reach, fixes, l, m))
        .collect();
    let leaf_holds: Vec<bool> = results.iter().map(|l| l.holds).collect();
    let reachable = holds(&tree.root, &leaves, &leaf_holds);
    let mut capped = false;
    let sets = attacks(graph, &tree.root, &leaves, &results, &mut capped);
    let min_cost = sets.iter().map(|s| set_cost(graph, s, &results)).min();
    let min_difficulty = sets
        .iter()
        .map(|s| {
            s.iter()
                .map(|&i| results[i].difficulty)
                .max()
                .unwrap_or(Difficulty::L)
        })
        .min();
    let (probability, exact) = probability(graph, &sets, &results);
    let fixes = if reachable {
        tree_fixes(graph, &tree.root, &leaves, &matched, &results, &sets)
    } else {
        TreeFixes {
            method: "exact",
            verified: true,
            ..TreeFixes::default()
        }
    };
    TreeResult {
        id: tree.id.clone(),
        title: tree.title.clone(),
        goal: tree.goal.clone(),
        source: if tree.catalogue {
            "catalogue".into()
        } else {
            tree.path.clone()
        },
        line: tree.line,
        reachable,
        root: display(&tree.root, &leaves, &results),
        min_time: min_time(&tree.root, &leaves, &results),
        leaves: results,
        attacks: sets,
        attacks_capped: capped,
        min_cost,
        min_difficulty,
        probability,
        probability_exact: exact && !capped,
        fixes,
    }
}

/// The fewest leaves whose fixes cut every minimal attack (a hitting set
/// over the attacks' fixable leaves), verified by re-running the fixpoint
/// without the fixed facts and re-evaluating the tree.
fn tree_fixes(
    graph: &Graph,
    root: &Spec,
    leaves: &Leaves<'_>,
    matched: &[Vec<NodeId>],
    results: &[LeafResult],
    sets: &[Vec<usize>],
) -> TreeFixes {
    let families: Vec<Vec<usize>> = sets
        .iter()
        .map(|s| s.iter().copied().filter(|&i| results[i].fixable).collect())
        .collect();
    if families.iter().any(Vec::is_empty) {
        return TreeFixes {
            method: "exact",
            uncuttable: true,
            ..TreeFixes::default()
        };
    }
    let (mut chosen, exact) =
        fewest_fixes(&families, results).unwrap_or_else(|| hitting_set(&families));
    chosen.sort_unstable();
    let fixes: BTreeSet<usize> = chosen
        .iter()
        .flat_map(|&i| results[i].fixes.iter().copied())
        .collect();
    let after = reach_fast(graph, &disabled_by(graph, &fixes));
    let still: Vec<bool> = matched
        .iter()
        .map(|m| m.iter().any(|&n| after.is_reached(n)))
        .collect();
    TreeFixes {
        leaves: chosen,
        fixes: fixes.into_iter().collect(),
        method: if exact { "exact" } else { "greedy" },
        verified: !holds(root, leaves, &still),
        uncuttable: false,
    }
}

/// Leaves to make fail so that every family is hit, with the fewest fixes
/// in total (a leaf may need several: one per workload it matches), then
/// the fewest leaves; exhaustive, so only for a few candidate leaves.
fn fewest_fixes(families: &[Vec<usize>], results: &[LeafResult]) -> Option<(Vec<usize>, bool)> {
    let candidates: Vec<usize> = families
        .iter()
        .flatten()
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if candidates.len() > 16 {
        return None;
    }
    let mut best: Option<(usize, u32, u32)> = None;
    for mask in 1u32..(1u32 << candidates.len()) {
        let picked = |leaf: &usize| {
            candidates
                .iter()
                .position(|c| c == leaf)
                .is_some_and(|i| mask & (1 << i) != 0)
        };
        if !families.iter().all(|f| f.iter().any(picked)) {
            continue;
        }
        let fixes: BTreeSet<usize> = candidates
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .flat_map(|(_, &c)| results[c].fixes.iter().copied())
            .collect();
        let key = (fixes.len(), mask.count_ones(), mask);
        if best.is_none_or(|b| key < b) {
            best = Some(key);
        }
    }
    let (_, _, mask) = best?;
    let chosen = candidates
        .iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, &c)| c)
        .collect();
    Some((chosen, true))
}
