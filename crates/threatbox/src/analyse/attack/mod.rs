//! Attack analysis: which attacker goals the configuration makes reachable,
//! by which minimal attacks, and the fewest fixes that cut them.
//!
//! Pipeline: [`ground`] instantiates the step catalogue
//! ([`catalogue`], `data/attack/steps.toml`) over the system model into a
//! logical attack graph ([`graph`]); [`reach`] computes the attacker's
//! privileges as a monotone fixpoint from the entry points; per goal,
//! [`attacks`] gives the minimal attacks and their attribute values,
//! [`fixes`] the smallest verified fix set, and [`tree`] the attack tree to
//! draw. See docs/attack-analysis.md.

pub mod attacks;
pub mod catalogue;
pub mod fixes;
pub mod graph;
pub mod ground;
pub mod reach;
pub mod tree;
pub mod trees;

#[cfg(test)]
mod tests;

use rayon::prelude::*;

use crate::analyse::finding::Finding;
use crate::model::System;
use crate::model::runtime::Workload;
use attacks::{Attack, COMBINE, KEEP, minimal_attacks, relevant_to, success_probability};
use catalogue::Difficulty;
use fixes::{FixSet, fix_set};
use graph::{Graph, NodeId, PrivKind};
use reach::{Reach, cheapest_path, reach};
use tree::TreeNode;

/// Where attacks start.
#[derive(Debug, Clone)]
pub struct EntryPoints {
    /// Workloads reachable from the internet.
    pub internet: bool,
    /// An attacker upstream of images and build inputs.
    pub supply_chain: bool,
    /// Workloads assumed compromised: names, `namespace/name`, keys, or
    /// `all`.
    pub assume_breach: Vec<String>,
}

impl Default for EntryPoints {
    fn default() -> Self {
        EntryPoints {
            internet: true,
            supply_chain: true,
            assume_breach: Vec::new(),
        }
    }
}

impl EntryPoints {
    pub fn breaches(&self, key: &str, w: &Workload) -> bool {
        self.assume_breach
            .iter()
            .any(|b| b == "all" || names_workload(b, key, w))
    }
}

/// Whether a user's name for a workload (`api`, `shop/api`, or its key)
/// names this one.
fn names_workload(name: &str, key: &str, w: &Workload) -> bool {
    let ns_name = format!("{}/{}", w.namespace.as_deref().unwrap_or("default"), w.name);
    name == key || name == w.name || name == ns_name
}

/// The user's names (`--assume-breach`, `--goal workload:…`,
/// `--goal secret:…`) that name nothing in the system: a typo must not
/// quietly turn into "not reachable".
pub fn unmatched_names(system: &System, options: &AttackOptions) -> Vec<String> {
    let keys = ground::workload_keys(system);
    let names_some = |name: &str| {
        system
            .workloads
            .iter()
            .zip(&keys)
            .any(|(w, key)| names_workload(name, key, w))
    };
    let mut out = Vec::new();
    for b in &options.entries.assume_breach {
        if b != "all" && !names_some(b) {
            out.push(format!(
                "--assume-breach {b}: no workload of that name in the input"
            ));
        }
    }
    for goal in &options.goals {
        match goal {
            Goal::Workload(name) if !names_some(name) => {
                out.push(format!(
                    "--goal workload:{name}: no workload of that name in the input"
                ));
            }
            Goal::Secret(full) => {
                let (ns, name) = full.split_once('/').unwrap_or(("default", full));
                let declared = system.kube_objects.iter().any(|o| {
                    o.kind == "Secret"
                        && o.name == name
                        && o.namespace.as_deref().unwrap_or("default") == ns
                });
                let used = system.workloads.iter().any(|w| {
                    w.namespace.as_deref().unwrap_or("default") == ns && uses_secret(w, name)
                });
                if !declared && !used {
                    out.push(format!(
                        "--goal secret:{full}: no Secret of that name is declared or used in the input"
                    ));
                }
            }
            _ => {}
        }
    }
    out
}

/// Whether a workload is given the Secret `name` (environment or volume).
fn uses_secret(w: &Workload, name: &str) -> bool {
    use crate::model::runtime::{EnvValue, MountSource};
    w.containers.iter().any(|c| {
        c.env
            .iter()
            .any(|e| matches!(&e.value, EnvValue::SecretRef(s) if s == name))
            || c.mounts
                .iter()
                .any(|m| matches!(&m.source, MountSource::Secret(s) if s == name))
    }) || w
        .volumes
        .iter()
        .any(|v| matches!(&v.source, MountSource::Secret(s) if s == name))
}

/// What the attacker is after.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Goal {
    ClusterAdmin,
    NodeRoot,
    Secrets,
    ApiAccess,
    HostDisclosure,
    NodeDos,
    ImageTamper,
    /// Code execution in a named workload.
    Workload(String),
    /// Reading one Secret, `namespace/name` (`default/name` when only a
    /// name is given).
    Secret(String),
}

impl Goal {
    pub const DEFAULTS: [Goal; 7] = [
        Goal::ClusterAdmin,
        Goal::NodeRoot,
        Goal::Secrets,
        Goal::ApiAccess,
        Goal::HostDisclosure,
        Goal::NodeDos,
        Goal::ImageTamper,
    ];

    pub fn parse(text: &str) -> Result<Goal, String> {
        Ok(match text {
            "cluster-admin" => Goal::ClusterAdmin,
            "node-root" => Goal::NodeRoot,
            "secrets" => Goal::Secrets,
            "api-access" => Goal::ApiAccess,
            "host-disclosure" => Goal::HostDisclosure,
            "node-dos" => Goal::NodeDos,
            "image-tamper" => Goal::ImageTamper,
            other => match (
                other.strip_prefix("workload:"),
                other.strip_prefix("secret:"),
            ) {
                (Some(name), _) if !name.is_empty() => Goal::Workload(name.to_string()),
                (_, Some(name)) if !name.is_empty() && !name.ends_with('/') => {
                    if name.contains('/') {
                        Goal::Secret(name.to_string())
                    } else {
                        Goal::Secret(format!("default/{name}"))
                    }
                }
                _ => {
                    return Err(format!(
                        "unknown goal `{other}`: expected cluster-admin, node-root, secrets, api-access, host-disclosure, node-dos, image-tamper, workload:NAME or secret:NAMESPACE/NAME"
                    ));
                }
            },
        })
    }

    pub fn id(&self) -> String {
        match self {
            Goal::ClusterAdmin => "cluster-admin".into(),
            Goal::NodeRoot => "node-root".into(),
            Goal::Secrets => "secrets".into(),
            Goal::ApiAccess => "api-access".into(),
            Goal::HostDisclosure => "host-disclosure".into(),
            Goal::NodeDos => "node-dos".into(),
            Goal::ImageTamper => "image-tamper".into(),
            Goal::Workload(w) => format!("workload:{w}"),
            Goal::Secret(s) => format!("secret:{s}"),
        }
    }

    pub fn title(&self) -> String {
        match self {
            Goal::ClusterAdmin => "Control the cluster API (cluster-admin)".into(),
            Goal::NodeRoot => "Root on a node or Docker host".into(),
            Goal::Secrets => "Read secrets".into(),
            Goal::ApiAccess => {
                "Call the Kubernetes API with a stolen or anonymous credential".into()
            }
            Goal::HostDisclosure => "Read the host's files, processes or traffic".into(),
            Goal::NodeDos => "Deny service of a node or host".into(),
            Goal::ImageTamper => "Tamper with a deployed image".into(),
            Goal::Workload(w) => format!("Run code in workload {w}"),
            Goal::Secret(s) => format!("Read secret {s}"),
        }
    }

    fn targets(&self, grounded: &ground::Grounded, system: &System) -> Vec<NodeId> {
        let graph = &grounded.graph;
        let of = |kinds: &[PrivKind]| -> Vec<NodeId> {
            kinds.iter().flat_map(|k| graph.privileges_of(*k)).collect()
        };
        match self {
            Goal::ClusterAdmin => of(&[PrivKind::ClusterAdmin]),
            Goal::NodeRoot => of(&[PrivKind::NodeRoot]),
            Goal::Secrets => of(&[PrivKind::ReadSecrets, PrivKind::SecretRead]),
            Goal::ApiAccess => of(&[PrivKind::Credential]),
            Goal::HostDisclosure => of(&[PrivKind::HostDisclosure]),
            Goal::NodeDos => of(&[PrivKind::NodeDos]),
            Goal::ImageTamper => of(&[PrivKind::ImageTamper]),
            Goal::Workload(name) => system
                .workloads
                .iter()
                .enumerate()
                .filter(|(i, w)| names_workload(name, &grounded.workload_keys[*i], w))
                .map(|(i, _)| grounded.exec[i])
                .collect(),
            Goal::Secret(name) => {
                // Whoever reads the namespace's secrets through the API, or
                // runs code in a workload given this secret.
                let (ns, secret) = name.split_once('/').unwrap_or(("default", name));
                let mut targets: Vec<NodeId> = [ns, "*"]
                    .iter()
                    .filter_map(|scope| graph.find_privilege(PrivKind::ReadSecrets, scope))
                    .collect();
                for (i, w) in system.workloads.iter().enumerate() {
                    if w.namespace.as_deref().unwrap_or("default") != ns || !uses_secret(w, secret)
                    {
                        continue;
                    }
                    if let Some(t) =
                        graph.find_privilege(PrivKind::SecretRead, &grounded.workload_keys[i])
                    {
                        targets.push(t);
                    }
                }
                targets
            }
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct AttackOptions {
    pub entries: EntryPoints,
    /// Empty: [`Goal::DEFAULTS`].
    pub goals: Vec<Goal>,
}

/// The analysis of one goal.
#[derive(Debug, Clone)]
pub struct GoalResult {
    pub goal: Goal,
    pub targets: Vec<NodeId>,
    pub reachable: bool,
    /// The cheapest target reached and its derivation, step by step.
    pub target: Option<NodeId>,
    pub path: Vec<u32>,
    /// Minimal attacks, cheapest first (at most [`KEEP`]).
    pub attacks: Vec<Attack>,
    /// More minimal attacks may exist than are listed.
    pub attacks_capped: bool,
    /// How many minimal attacks there are in all, counted with a wider cap
    /// on graphs small enough for it; `None` on large graphs.
    pub attack_count: Option<usize>,
    /// The count is a lower bound (the wider cap was reached too).
    pub attack_count_capped: bool,
    pub min_cost: Option<u64>,
    pub min_difficulty: Option<Difficulty>,
    pub probability: f64,
    pub probability_exact: bool,
    pub fixes: FixSet,
    pub tree: TreeNode,
}

/// Everything the attack reports render.
#[derive(Debug)]
pub struct AttackAnalysis {
    pub graph: Graph,
    pub workload_keys: Vec<String>,
    pub reach: Reach,
    pub goals: Vec<GoalResult>,
    /// The fewest fixes that cut every goal that fixes can cut.
    pub plan: FixSet,
    pub entries: EntryPoints,
    /// Attack trees written as data: the catalogue's, then any the user
    /// added (`--trees`).
    pub trees: Vec<trees::TreeResult>,
}

impl AttackAnalysis {
    pub fn reachable_goals(&self) -> impl Iterator<Item = &GoalResult> {
        self.goals.iter().filter(|g| g.reachable)
    }
}

/// Grounds the catalogue over `system`, links facts to `findings` (active
/// and suppressed: a suppressed finding's configuration still holds), and
/// analyses every goal, then the fix plan over all goals and the
/// catalogue's attack trees.
pub fn analyse(system: &System, findings: &[Finding], options: &AttackOptions) -> AttackAnalysis {
    analyse_with(system, findings, options, true)
}

/// What `scan` reports (each goal's path and fix set): [`analyse`] without
/// the fix plan over all goals (left empty) and without the catalogue's
/// trees, which only the `attack` and `report` commands show.
pub fn analyse_goals(
    system: &System,
    findings: &[Finding],
    options: &AttackOptions,
) -> AttackAnalysis {
    analyse_with(system, findings, options, false)
}

fn analyse_with(
    system: &System,
    findings: &[Finding],
    options: &AttackOptions,
    plan_and_trees: bool,
) -> AttackAnalysis {
    let grounded = ground::ground(system, findings, options);
    let graph = &grounded.graph;
    let reach = reach(graph, &[]);
    let goals: Vec<Goal> = if options.goals.is_empty() {
        Goal::DEFAULTS.to_vec()
    } else {
        options.goals.clone()
    };
    let targets: Vec<Vec<NodeId>> = goals.iter().map(|g| g.targets(&grounded, system)).collect();
    // Minimal attacks once for every goal's targets.
    let all_targets: Vec<NodeId> = targets.iter().flatten().copied().collect();
    let relevant = relevant_to(graph, &all_targets);
    let (sets, exhausted) = minimal_attacks(graph, &reach, &relevant, KEEP, COMBINE);
    // On graphs of ordinary size, a second pass with a wider cap counts the
    // attacks the listing leaves out.
    let wide = (graph.steps.len() <= COUNT_GRAPH_LIMIT)
        .then(|| minimal_attacks(graph, &reach, &relevant, COUNT_KEEP, COUNT_COMBINE));
    // Goals are independent: analysed in parallel, results in goal order.
    let results: Vec<GoalResult> = goals
        .into_iter()
        .zip(targets)
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|(goal, targets)| {
            let counted = wide.as_ref().map(|(wide, exhausted)| {
                let (n, capped) = count_attacks(graph, &reach, wide, &targets);
                (n, capped || *exhausted)
            });
            let mut result = analyse_goal(graph, &reach, (&sets, exhausted), goal, targets);
            if result.reachable {
                result.attack_count = counted.map(|(n, _)| n);
                result.attack_count_capped = counted.is_none_or(|(_, capped)| capped);
            }
            result
        })
        .collect();
    let cuttable: Vec<NodeId> = results
        .iter()
        .filter(|r| r.reachable && !r.fixes.uncuttable)
        .flat_map(|r| r.targets.iter().copied())
        .collect();
    let (plan, trees) = if plan_and_trees {
        let plan = fix_set(graph, &cuttable);
        let trees = trees::evaluate_with(
            graph,
            &reach,
            trees::catalogue(),
            &mut fix_cache(&reach, &results),
        );
        (plan, trees)
    } else {
        (FixSet::default(), Vec::new())
    };
    let ground::Grounded {
        graph,
        workload_keys,
        ..
    } = grounded;
    AttackAnalysis {
        graph,
        workload_keys,
        reach,
        goals: results,
        plan,
        entries: options.entries.clone(),
        trees,
    }
}

/// Graphs up to this many step instances get their attacks counted.
const COUNT_GRAPH_LIMIT: usize = 2_000;
/// Attacks kept per node when counting.
const COUNT_KEEP: usize = 64;
/// Attacks of each premise combined per step when counting.
const COUNT_COMBINE: usize = 8;
/// Attacks of all targets compared for minimality when counting.
const COUNT_LIMIT: usize = 2048;

/// The number of minimal attacks reaching any of `targets`, from lists
/// kept with a wide cap; `true` when it is a lower bound.
fn count_attacks(
    graph: &Graph,
    reach: &Reach,
    sets: &[Vec<Attack>],
    targets: &[NodeId],
) -> (usize, bool) {
    let mut capped = false;
    let mut all: Vec<&Attack> = Vec::new();
    for &t in targets {
        if !reach.is_reached(t) {
            continue;
        }
        capped |= sets[t as usize].len() >= COUNT_KEEP;
        all.extend(&sets[t as usize]);
    }
    all.sort_by_key(|a| (a.facts.len() + a.steps.len(), a.cost(graph)));
    all.dedup();
    if all.len() > COUNT_LIMIT {
        all.truncate(COUNT_LIMIT);
        capped = true;
    }
    // Smaller sets first: an attack is minimal when no kept one is inside it.
    let mut kept: Vec<&Attack> = Vec::new();
    for a in all {
        let contains = |k: &&Attack| {
            k.facts.iter().all(|f| a.facts.binary_search(f).is_ok())
                && k.steps.iter().all(|s| a.steps.binary_search(s).is_ok())
        };
        if !kept.iter().any(contains) {
            kept.push(a);
        }
    }
    (kept.len(), capped)
}

fn analyse_goal(
    graph: &Graph,
    reach: &Reach,
    (sets, exhausted): (&[Vec<Attack>], bool),
    goal: Goal,
    targets: Vec<NodeId>,
) -> GoalResult {
    let target = targets
        .iter()
        .copied()
        .filter(|&t| reach.is_reached(t))
        .min_by_key(|&t| (reach.cost[t as usize], t));
    let reachable = target.is_some();
    let tree = tree::unfold(graph, reach, &goal.title(), &goal.id(), &targets);
    if !reachable {
        return GoalResult {
            goal,
            targets,
            reachable,
            target,
            path: Vec::new(),
            attacks: Vec::new(),
            attacks_capped: false,
            attack_count: Some(0),
            attack_count_capped: false,
            min_cost: None,
            min_difficulty: None,
            probability: 0.0,
            probability_exact: true,
            fixes: FixSet {
                method: "exact",
                verified: true,
                ..FixSet::default()
            },
            tree,
        };
    }
    let path = target.map_or_else(Vec::new, |t| cheapest_path(graph, reach, t));
    // The attacks of the cheapest targets reached are the cheapest overall.
    let mut reached: Vec<NodeId> = targets
        .iter()
        .copied()
        .filter(|&t| reach.is_reached(t))
        .collect();
    reached.sort_by_key(|&t| (reach.cost[t as usize], t));
    let mut all: Vec<Attack> = reached
        .iter()
        .take(4 * KEEP)
        .flat_map(|&t| sets[t as usize].iter().cloned())
        .collect();
    all.sort_by_cached_key(|a| (a.cost(graph), a.steps.len() + a.facts.len(), a.clone()));
    all.dedup();
    let mut attacks: Vec<Attack> = Vec::new();
    for a in all {
        if attacks.len() > KEEP {
            break;
        }
        let redundant = attacks.iter().any(|k| {
            k.facts.iter().all(|f| a.facts.contains(f))
                && k.steps.iter().all(|s| a.steps.contains(s))
        });
        if !redundant {
            attacks.push(a);
        }
    }
    let attacks_capped = exhausted
        || attacks.len() > KEEP
        || reached.len() > 4 * KEEP
        || reached.iter().any(|&t| sets[t as usize].len() >= KEEP);
    attacks.truncate(KEEP);
    let min_cost = attacks.iter().map(|a| a.cost(graph)).min();
    let min_difficulty = attacks.iter().map(|a| a.difficulty(graph)).min();
    let (probability, exact) = success_probability(graph, &attacks);
    let fixes = fix_set(graph, &targets);
    GoalResult {
        goal,
        targets,
        reachable,
        target,
        path,
        attacks,
        attacks_capped,
        attack_count: None,
        attack_count_capped: false,
        min_cost,
        min_difficulty,
        probability,
        probability_exact: exact && !attacks_capped,
        fixes,
        tree,
    }
}

/// The goals' fix sets, for the attack trees' privilege leaves to reuse.
pub fn fix_cache(reach: &Reach, goals: &[GoalResult]) -> trees::FixCache {
    let mut cache = trees::FixCache::default();
    for g in goals.iter().filter(|g| g.reachable) {
        cache.insert(reach, &g.targets, &g.fixes);
    }
    cache
}
