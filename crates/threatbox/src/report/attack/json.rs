//! The attack analysis as JSON (schema in docs/attack-json.md): the whole
//! graph, each goal's cheapest path, minimal attacks, fix set and tree.

use serde_json::{Value, json};

use crate::analyse::attack::AttackAnalysis;
use crate::analyse::attack::fixes::FixSet;
use crate::analyse::attack::graph::NodeKind;

pub const SCHEMA_VERSION: &str = "1.0";

pub fn value(attack: &AttackAnalysis) -> Value {
    let graph = &attack.graph;
    let nodes: Vec<Value> = graph
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let mut v = json!({
                "id": i,
                "kind": match n.kind { NodeKind::Fact { .. } => "fact", NodeKind::Privilege(_) => "privilege" },
                "predicate": n.predicate(),
                "subject": n.subject,
                "label": n.label,
                "reached": attack.reach.reached[i],
            });
            if let NodeKind::Fact { evidence, fix, kind } = &n.kind {
                v["evidence"] = json!(evidence);
                v["fix"] = json!(fix);
                v["entry_point"] = json!(kind.is_entry());
            }
            v
        })
        .collect();
    let steps: Vec<Value> = graph
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            json!({
                "id": i,
                "step": s.meta().id,
                "premises": s.premises,
                "conclusion": s.conclusion,
            })
        })
        .collect();
    let goals: Vec<Value> = attack
        .goals
        .iter()
        .map(|g| {
            let attacks: Vec<Value> = g
                .attacks
                .iter()
                .map(|a| {
                    json!({
                        "facts": a.facts,
                        "steps": a.steps,
                        "cost": a.cost(graph),
                        "difficulty": a.difficulty(graph),
                        "probability": a.probability(graph),
                    })
                })
                .collect();
            json!({
                "id": g.goal.id(),
                "title": g.goal.title(),
                "reachable": g.reachable,
                "targets": g.targets,
                "target": g.target,
                "path": g.path,
                "min_cost": g.min_cost,
                "min_difficulty": g.min_difficulty,
                "probability": g.probability,
                "probability_exact": g.probability_exact,
                "attacks": attacks,
                "attacks_capped": g.attacks_capped,
                "attack_count": g.attack_count,
                "attack_count_capped": g.attack_count_capped,
                "fix_set": fix_set(&g.fixes),
                "tree": g.tree,
            })
        })
        .collect();
    let catalogue: Vec<Value> = crate::analyse::attack::catalogue::steps()
        .iter()
        .map(|s| json!({"id": s.id, "title": s.title, "attack": s.attack, "matrix": s.matrix, "stride": s.stride, "cost": s.cost, "difficulty": s.difficulty, "probability": s.probability}))
        .collect();
    json!({
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "threatbox", "version": env!("CARGO_PKG_VERSION")},
        "entry_points": {
            "internet": attack.entries.internet,
            "supply_chain": attack.entries.supply_chain,
            "assume_breach": attack.entries.assume_breach,
        },
        "steps_catalogue": catalogue,
        "graph": {"nodes": nodes, "steps": steps},
        "warnings": graph.warnings,
        "fixes": graph.fixes,
        "goals": goals,
        "plan": fix_set(&attack.plan),
        "trees": super::trees::json(&attack.trees),
    })
}

fn fix_set(set: &FixSet) -> Value {
    json!({
        "fixes": set.fixes,
        "method": set.method,
        "verified": set.verified,
        "uncuttable": set.uncuttable,
    })
}

pub fn render(attack: &AttackAnalysis) -> String {
    let mut s = serde_json::to_string_pretty(&value(attack)).unwrap_or_default();
    s.push('\n');
    s
}
