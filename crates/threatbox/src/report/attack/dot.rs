//! Attack trees as Graphviz DOT: one cluster per goal; OR nodes as
//! ellipses, AND (steps) as boxes, facts as notes; the reachable part drawn
//! solid and red, the rest grey and dashed.

use std::fmt::Write;

use crate::analyse::attack::AttackAnalysis;
use crate::analyse::attack::tree::{TreeKind, TreeNode};

/// A DOT double-quoted string body.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' | '\r' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

pub fn render(attack: &AttackAnalysis) -> String {
    let mut out = String::from(
        "digraph attack_trees {\n  rankdir=TB;\n  node [fontname=\"Helvetica\", fontsize=10];\n  edge [arrowhead=none];\n",
    );
    for (g, goal) in attack.goals.iter().enumerate() {
        if goal.targets.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "  subgraph cluster_{g} {{\n    label=\"{}{}\";\n    color={};",
            escape(&goal.goal.title()),
            if goal.reachable {
                " (reachable)"
            } else {
                " (not reachable)"
            },
            if goal.reachable { "red" } else { "grey" }
        );
        node(&mut out, &format!("g{g}_"), &goal.tree);
        out.push_str("  }\n");
    }
    for (t, tree) in attack.trees.iter().enumerate() {
        let _ = writeln!(
            out,
            "  subgraph cluster_t{t} {{\n    label=\"tree {}: {}{}\";\n    color={};",
            escape(&tree.id),
            escape(&tree.title),
            if tree.reachable {
                " (reachable)"
            } else {
                " (not reachable)"
            },
            if tree.reachable { "red" } else { "grey" }
        );
        node(&mut out, &format!("t{t}_"), &super::drawable(tree));
        out.push_str("  }\n");
    }
    out.push_str("}\n");
    out
}

fn node(out: &mut String, prefix: &str, n: &TreeNode) {
    let shape = match n.kind {
        TreeKind::Or => "ellipse",
        TreeKind::And => "box",
        TreeKind::Leaf => "note",
        TreeKind::Cycle | TreeKind::More => "plaintext",
    };
    let gate = match n.kind {
        TreeKind::Or => "OR: ",
        TreeKind::And => "AND: ",
        _ => "",
    };
    let style = if n.reachable {
        "color=red, penwidth=2, style=solid"
    } else {
        "color=grey50, fontcolor=grey40, style=dashed"
    };
    let _ = writeln!(
        out,
        "    {prefix}{} [shape={shape}, label=\"{gate}{}\", {style}];",
        n.id,
        escape(&n.label)
    );
    for c in &n.children {
        node(out, prefix, c);
        let edge = if n.reachable && c.reachable {
            "color=red, penwidth=2"
        } else {
            "color=grey60, style=dashed"
        };
        let _ = writeln!(out, "    {prefix}{} -> {prefix}{} [{edge}];", n.id, c.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_quotes_backslashes_and_newlines() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
