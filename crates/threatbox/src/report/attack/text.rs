//! `threatbox attack` for people: each goal, reachable or not; for the
//! reachable ones the cheapest path hop by hop with the configuration
//! behind each hop (file:line), the attribute values, and the fewest fixes.

use std::fmt::Write;

use super::{at, fact_premises};
use crate::analyse::Analysis;
use crate::analyse::attack::fixes::FixSet;
use crate::analyse::attack::graph::Graph;
use crate::analyse::attack::{AttackAnalysis, GoalResult};

pub fn render(analysis: &Analysis, attack: &AttackAnalysis) -> String {
    let mut out = String::new();
    let graph = &attack.graph;
    let facts = graph
        .nodes
        .iter()
        .filter(|n| n.fact_kind().is_some())
        .count();
    let entries = &attack.entries;
    let mut starts = Vec::new();
    if entries.internet {
        starts.push("internet-exposed workloads".to_string());
    }
    if entries.supply_chain {
        starts.push("the supply chain".to_string());
    }
    if !entries.assume_breach.is_empty() {
        starts.push(format!(
            "assumed breach of {}",
            entries.assume_breach.join(", ")
        ));
    }
    let _ = writeln!(
        out,
        "Attack analysis of {} workloads from {} ({} facts, {} privileges, {} step instances; {} input files)\n",
        attack.workload_keys.len(),
        if starts.is_empty() {
            "no entry point".to_string()
        } else {
            starts.join(", ")
        },
        facts,
        graph.nodes.len() - facts,
        graph.steps.len(),
        analysis.inputs.len(),
    );
    for w in &graph.warnings {
        let _ = writeln!(out, "warning: {w}\n");
    }
    for goal in &attack.goals {
        goal_text(&mut out, graph, goal);
    }
    let reachable = attack.reachable_goals().count();
    let _ = writeln!(
        out,
        "{reachable} of {} goals reachable.",
        attack.goals.len()
    );
    if reachable > 0 {
        let _ = writeln!(
            out,
            "\nFix plan — the fewest fixes that cut every goal fixes can cut:"
        );
        fix_list(&mut out, graph, &attack.plan, "  ");
        let uncut: Vec<String> = attack
            .goals
            .iter()
            .filter(|g| g.reachable && g.fixes.uncuttable)
            .map(|g| g.goal.id())
            .collect();
        if !uncut.is_empty() {
            let _ = writeln!(
                out,
                "  Not cut by any finding's fix (entry points and design facts only): {}",
                uncut.join(", ")
            );
        }
    }
    super::trees::text(&mut out, graph, &attack.trees);
    out
}

fn goal_text(out: &mut String, graph: &Graph, goal: &GoalResult) {
    if !goal.reachable {
        let _ = writeln!(
            out,
            "not reachable  {} [{}]\n",
            goal.goal.title(),
            goal.goal.id()
        );
        return;
    }
    let _ = writeln!(out, "REACHABLE  {} [{}]", goal.goal.title(), goal.goal.id());
    let attacks = match (goal.attack_count, goal.attack_count_capped) {
        (Some(n), false) => format!("{n} minimal attack(s), {} listed", goal.attacks.len()),
        (Some(n), true) => format!("{n}+ minimal attacks, {} listed", goal.attacks.len()),
        (None, _) => format!("{}+ minimal attacks", goal.attacks.len()),
    };
    let _ = writeln!(
        out,
        "  cheapest attack: cost {} · difficulty {} · success probability {:.2}{} · {attacks}",
        goal.min_cost.unwrap_or_default(),
        goal.min_difficulty.map_or("-", |d| d.name()),
        goal.probability,
        if goal.probability_exact {
            ""
        } else {
            " (lower bound)"
        },
    );
    let _ = writeln!(out, "  Cheapest path:");
    for (n, &s) in goal.path.iter().enumerate() {
        let step = &graph.steps[s as usize];
        let meta = step.meta();
        let _ = writeln!(
            out,
            "    {}. {} → {}  [{}; {}]",
            n + 1,
            meta.title,
            graph.node(step.conclusion).label,
            meta.id,
            meta.attack.join(", ")
        );
        for f in fact_premises(graph, s) {
            let node = graph.node(f);
            let evidence = match node.evidence().first() {
                Some(l) => format!("  {}", at(l)),
                None if node.fact_kind().is_some_and(|k| k.is_entry()) => "  (assumption)".into(),
                None => String::new(),
            };
            let fix = node
                .fix()
                .map(|i| format!("  ({})", graph.fixes[i].code))
                .unwrap_or_default();
            let _ = writeln!(out, "         because {}{evidence}{fix}", node.label);
        }
    }
    let _ = writeln!(out, "  Fewest fixes that make it unreachable:");
    fix_list(out, graph, &goal.fixes, "    ");
    out.push('\n');
}

fn fix_list(out: &mut String, graph: &Graph, set: &FixSet, indent: &str) {
    if set.uncuttable {
        let _ = writeln!(
            out,
            "{indent}none: an attack uses only entry points and design facts (exposure, listening ports, secrets the workload needs)"
        );
        return;
    }
    if set.fixes.is_empty() {
        let _ = writeln!(out, "{indent}nothing to fix");
        return;
    }
    for &i in &set.fixes {
        let f = &graph.fixes[i];
        let accepted = if f.suppressed {
            " [suppressed: risk accepted]"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "{indent}- {} {}  {}{accepted}",
            f.code,
            at(&f.location),
            f.message
        );
    }
    let _ = writeln!(
        out,
        "{indent}({} fix(es), {} search, {})",
        set.fixes.len(),
        set.method,
        if set.verified {
            "verified: the goal is unreachable without them"
        } else {
            "NOT verified"
        }
    );
}
