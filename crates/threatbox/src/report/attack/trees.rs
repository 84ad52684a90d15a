//! The attack trees written as data (catalogue and `--trees`) in the text
//! and JSON reports.

use std::fmt::Write;

use serde_json::{Value, json};

use super::at;
use crate::analyse::attack::graph::Graph;
use crate::analyse::attack::trees::{EvalNode, TreeResult};

/// Text: a "Catalogue trees" section, then one per user file; each tree's
/// status, and for reachable ones the tree with the leaves that hold
/// (file:line) and the fixes that cut it.
pub fn text(out: &mut String, graph: &Graph, trees: &[TreeResult]) {
    let mut sources: Vec<&str> = Vec::new();
    for t in trees {
        if !sources.contains(&t.source.as_str()) {
            sources.push(&t.source);
        }
    }
    for source in sources {
        if source == "catalogue" {
            let _ = writeln!(out, "\nCatalogue trees");
        } else {
            let _ = writeln!(out, "\nTrees from {source}");
        }
        for t in trees.iter().filter(|t| t.source == source) {
            tree_text(out, graph, t);
        }
    }
}

fn tree_text(out: &mut String, graph: &Graph, t: &TreeResult) {
    let holding = t.leaves.iter().filter(|l| l.holds).count();
    if !t.reachable {
        let _ = writeln!(
            out,
            "  not reachable  {} [{}] ({holding} of {} leaves hold)",
            t.title,
            t.id,
            t.leaves.len()
        );
        return;
    }
    let _ = writeln!(out, "  REACHABLE  {} [{}]", t.title, t.id);
    let _ = writeln!(out, "    goal: {}", t.goal);
    let _ = writeln!(
        out,
        "    cheapest attack: cost {} · difficulty {} · success probability {:.2}{} · time {} · {}{} minimal attack(s)",
        t.min_cost.unwrap_or_default(),
        t.min_difficulty.map_or("-", |d| d.name()),
        t.probability,
        if t.probability_exact {
            ""
        } else {
            " (lower bound)"
        },
        t.min_time.unwrap_or_default(),
        t.attacks.len(),
        if t.attacks_capped { "+" } else { "" },
    );
    node_text(out, graph, t, &t.root, 2);
    if t.fixes.uncuttable {
        let _ = writeln!(
            out,
            "    Fixes that cut it: none (an attack uses only leaves no finding's fix removes)"
        );
    } else {
        let _ = writeln!(out, "    Fixes that cut it:");
        for &i in &t.fixes.fixes {
            let f = &graph.fixes[i];
            let _ = writeln!(out, "      - {} {}  {}", f.code, at(&f.location), f.message);
        }
        let _ = writeln!(
            out,
            "      ({} fix(es), {} search, {})",
            t.fixes.fixes.len(),
            t.fixes.method,
            if t.fixes.verified {
                "verified"
            } else {
                "NOT verified"
            }
        );
    }
}

fn node_text(out: &mut String, graph: &Graph, t: &TreeResult, node: &EvalNode, depth: usize) {
    let pad = "  ".repeat(depth);
    let mark = if node.holds { "[x]" } else { "[ ]" };
    match node.leaf {
        Some(i) => {
            let leaf = &t.leaves[i];
            // Facts: where the configuration says it; privileges: whose.
            let evidence = match leaf.evidence.first() {
                Some(loc) => at(loc),
                None => leaf
                    .matched
                    .first()
                    .map(|&n| graph.node(n).subject.clone())
                    .unwrap_or_default(),
            };
            let others = leaf.evidence.len().max(leaf.matched_count);
            let more = if others > 1 {
                format!(" (+{} more)", others - 1)
            } else {
                String::new()
            };
            let line = format!(
                "{pad}{mark} {}  ({}) {evidence}{more}",
                leaf.label,
                leaf.predicate.name()
            );
            let _ = writeln!(out, "{}", line.trim_end());
        }
        None => {
            let line = format!("{pad}{mark} {} {}", node.kind.to_uppercase(), node.label);
            let _ = writeln!(out, "{}", line.trim_end());
            for c in &node.children {
                node_text(out, graph, t, c, depth + 1);
            }
        }
    }
}

/// JSON: the `trees` array.
pub fn json(trees: &[TreeResult]) -> Value {
    json!(trees)
}
