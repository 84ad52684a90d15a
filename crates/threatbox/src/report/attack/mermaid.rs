//! Attack trees as Mermaid flowcharts (they render in GitHub Markdown): one
//! subgraph per goal, the reachable part in the `reachable` class.

use std::fmt::Write;

use crate::analyse::attack::AttackAnalysis;
use crate::analyse::attack::tree::{TreeKind, TreeNode};

/// Text safe inside a Mermaid `"…"` label: quotes and markup characters as
/// entity codes, no line breaks.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '#' => out.push_str("#35;"),
            '`' => out.push_str("#96;"),
            '&' => out.push_str("#amp;"),
            '[' | ']' | '{' | '}' | '(' | ')' | '|' => {
                let _ = write!(out, "#{};", c as u32);
            }
            '\n' | '\r' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

pub fn render(attack: &AttackAnalysis) -> String {
    let mut out = String::from("flowchart TD\n");
    out.push_str("  classDef reachable stroke:#c00,stroke-width:3px;\n");
    out.push_str("  classDef blocked stroke:#999,stroke-dasharray:4 3,color:#666;\n");
    for (g, goal) in attack.goals.iter().enumerate() {
        if goal.targets.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "  subgraph goal{g}[\"{}{}\"]",
            escape(&goal.goal.title()),
            if goal.reachable {
                " — reachable"
            } else {
                " — not reachable"
            }
        );
        node(&mut out, &format!("g{g}"), &goal.tree);
        out.push_str("  end\n");
    }
    for (t, tree) in attack.trees.iter().enumerate() {
        let _ = writeln!(
            out,
            "  subgraph tree{t}[\"tree {}: {}{}\"]",
            escape(&tree.id),
            escape(&tree.title),
            if tree.reachable {
                " — reachable"
            } else {
                " — not reachable"
            }
        );
        node(&mut out, &format!("t{t}"), &super::drawable(tree));
        out.push_str("  end\n");
    }
    out
}

pub fn render_goal(tree: &TreeNode, prefix: &str) -> String {
    let mut out = String::from("flowchart TD\n");
    out.push_str("  classDef reachable stroke:#c00,stroke-width:3px;\n");
    out.push_str("  classDef blocked stroke:#999,stroke-dasharray:4 3,color:#666;\n");
    node(&mut out, prefix, tree);
    out
}

fn node(out: &mut String, prefix: &str, n: &TreeNode) {
    let label = escape(&n.label);
    let shape = match n.kind {
        TreeKind::Or => format!("([\"OR: {label}\"])"),
        TreeKind::And => format!("[\"AND: {label}\"]"),
        TreeKind::Leaf => format!("[/\"{label}\"/]"),
        TreeKind::Cycle | TreeKind::More => format!("[\"{label}\"]"),
    };
    let class = if n.reachable { "reachable" } else { "blocked" };
    let _ = writeln!(out, "    {prefix}{}{shape}:::{class}", n.id);
    for c in &n.children {
        node(out, prefix, c);
        let _ = writeln!(out, "    {prefix}{} --> {prefix}{}", n.id, c.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(escape("a\"<b>[c]"), "a#quot;#lt;b#gt;#91;c#93;");
        assert!(!escape("x\ny").contains('\n'));
    }
}
