//! Reading tree files: TOML parsed with spans (`toml::de::DeTable`), then
//! walked by hand so that every problem is reported with its line and
//! column and one bad tree does not stop the others.

use std::collections::{BTreeMap, HashMap};

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::{Gate, LeafSpec, Predicate, Spec, TreeError, TreeSpec};
use crate::analyse::attack::catalogue::Difficulty;

/// Nodes a tree may have once its references are expanded (a DAG of
/// subtrees can unfold exponentially).
const MAX_NODES: usize = 10_000;
/// Depth a tree may have once its references are expanded (evaluation
/// recurses over it).
const MAX_DEPTH: usize = 200;

const NODE_FIELDS: &[&str] = &[
    "or",
    "and",
    "sand",
    "leaf",
    "ref",
    "label",
    "subject",
    "cost",
    "difficulty",
    "probability",
    "time",
];
const TREE_FIELDS: &[&str] = &["id", "title", "goal", "root"];

/// A node as written, references unresolved.
enum Raw {
    Gate {
        gate: Gate,
        label: Option<String>,
        children: Vec<Raw>,
    },
    Leaf(LeafSpec),
    Ref {
        name: String,
        offset: usize,
    },
}

struct Reader<'a> {
    path: &'a str,
    text: &'a str,
    errors: Vec<TreeError>,
    /// Where the tree being read starts, for errors about it as a whole.
    tree_start: usize,
}

impl Reader<'_> {
    fn position(&self, offset: usize) -> (usize, usize) {
        let before = self.text.get(..offset).unwrap_or(self.text);
        let line = before.matches('\n').count() + 1;
        let column = before
            .rsplit('\n')
            .next()
            .map_or(1, |l| l.chars().count() + 1);
        (line, column)
    }

    fn error(&mut self, offset: usize, tree: Option<&str>, message: String) {
        let (line, column) = self.position(offset);
        self.errors.push(TreeError {
            path: self.path.to_string(),
            line,
            column,
            tree: tree.map(str::to_string),
            message,
        });
    }
}

/// Parses a tree file. Returns the valid trees and a diagnostic for each
/// problem; a tree with a problem is left out, the others are kept.
pub fn parse(path: &str, text: &str) -> (Vec<TreeSpec>, Vec<TreeError>) {
    let mut r = Reader {
        path,
        text,
        errors: Vec::new(),
        tree_start: 0,
    };
    let doc = match DeTable::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            let offset = e.span().map_or(0, |s| s.start);
            let message = format!("invalid TOML: {}", e.message().trim());
            r.error(offset, None, message);
            return (Vec::new(), r.errors);
        }
    };
    let mut tree_values: Vec<&Spanned<DeValue>> = Vec::new();
    let mut subtree_values: Vec<(String, usize, &Spanned<DeValue>)> = Vec::new();
    for (key, value) in doc.get_ref().iter() {
        match key.get_ref().as_ref() {
            "tree" => match value.get_ref() {
                DeValue::Array(items) => tree_values.extend(items.iter()),
                _ => r.error(
                    value.span().start,
                    None,
                    "`tree` must be an array of tables: write `[[tree]]`".into(),
                ),
            },
            "subtree" => match value.get_ref() {
                DeValue::Table(t) => {
                    for (name, v) in t.iter() {
                        subtree_values.push((name.get_ref().to_string(), name.span().start, v));
                    }
                }
                _ => r.error(
                    value.span().start,
                    None,
                    "`subtree` must be a table of named nodes: write `[subtree.NAME]`".into(),
                ),
            },
            other => r.error(
                key.span().start,
                None,
                format!("unknown top-level key `{other}`: expected `tree` or `subtree`"),
            ),
        }
    }

    // Subtrees: parsed once, then checked for reference cycles.
    let mut subtrees: BTreeMap<String, (usize, Option<Raw>)> = BTreeMap::new();
    for (name, offset, value) in subtree_values {
        let label = format!("subtree {name}");
        let raw = node(&mut r, value, &label);
        subtrees.insert(name, (offset, raw));
    }
    let cyclic = find_cycles(&mut r, &subtrees);

    let mut trees = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for value in tree_values {
        let start = value.span().start;
        let (line, _) = r.position(start);
        if let Some(tree) = tree(&mut r, value, &subtrees, &cyclic) {
            if let Some(first) = seen.get(&tree.id) {
                let message = format!("duplicate tree id (first defined on line {first})");
                r.error(start, Some(&tree.id), message);
                continue;
            }
            seen.insert(tree.id.clone(), line);
            trees.push(TreeSpec {
                line,
                path: path.to_string(),
                ..tree
            });
        }
    }
    (trees, r.errors)
}

fn tree(
    r: &mut Reader<'_>,
    value: &Spanned<DeValue>,
    subtrees: &BTreeMap<String, (usize, Option<Raw>)>,
    cyclic: &[String],
) -> Option<TreeSpec> {
    let start = value.span().start;
    r.tree_start = start;
    let DeValue::Table(table) = value.get_ref() else {
        r.error(start, None, "a tree must be a table".into());
        return None;
    };
    let field = |name: &str| {
        table
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == name)
            .map(|(_, v)| v)
    };
    // The id first, so that later errors name the tree.
    let id = match field("id").map(|v| string(r, v, None, "id")) {
        Some(Some(id)) if !id.trim().is_empty() => id,
        Some(Some(_)) => {
            r.error(start, None, "a tree's `id` must not be empty".into());
            return None;
        }
        Some(None) => return None,
        None => {
            r.error(start, None, "a tree needs an `id`".into());
            return None;
        }
    };
    let before = r.errors.len();
    for (key, _) in table.iter() {
        let k = key.get_ref().as_ref();
        if !TREE_FIELDS.contains(&k) {
            let message = format!(
                "unknown field `{k}` in a tree: expected one of {}",
                TREE_FIELDS.join(", ")
            );
            r.error(key.span().start, Some(&id), message);
        }
    }
    let text = |name: &str, r: &mut Reader<'_>| match field(name) {
        Some(v) => string(r, v, Some(&id), name),
        None => {
            r.error(start, Some(&id), format!("a tree needs a `{name}`"));
            None
        }
    };
    let title = text("title", r);
    let goal = text("goal", r);
    let root = match field("root") {
        Some(v) => node(r, v, &id),
        None => {
            r.error(
                start,
                Some(&id),
                "a tree needs a `root` node: `[tree.root]` or `root = { or = [...] }`".into(),
            );
            None
        }
    };
    let mut count = 0;
    let root = root.and_then(|raw| resolve(r, &raw, &id, subtrees, cyclic, &mut count, 0));
    if r.errors.len() > before {
        return None;
    }
    Some(TreeSpec {
        id,
        title: title?,
        goal: goal?,
        path: String::new(),
        line: 0,
        catalogue: false,
        root: root?,
    })
}

fn string(
    r: &mut Reader<'_>,
    value: &Spanned<DeValue>,
    tree: Option<&str>,
    name: &str,
) -> Option<String> {
    match value.get_ref() {
        DeValue::String(s) => Some(s.to_string()),
        other => {
            let message = format!("`{name}` must be a string, not {}", other.type_str());
            r.error(value.span().start, tree, message);
            None
        }
    }
}

fn integer(value: &DeValue) -> Option<i64> {
    match value {
        DeValue::Integer(i) => {
            let digits: String = i.as_str().chars().filter(|&c| c != '_').collect();
            let (sign, digits) = match digits.strip_prefix('-') {
                Some(rest) => (-1, rest.to_string()),
                None => (1, digits.trim_start_matches('+').to_string()),
            };
            let digits = digits
                .strip_prefix("0x")
                .or_else(|| digits.strip_prefix("0o"))
                .or_else(|| digits.strip_prefix("0b"))
                .unwrap_or(&digits);
            i64::from_str_radix(digits, i.radix())
                .ok()
                .map(|v| v * sign)
        }
        _ => None,
    }
}

fn number(value: &DeValue) -> Option<f64> {
    match value {
        DeValue::Float(f) => {
            let text: String = f.as_str().chars().filter(|&c| c != '_').collect();
            text.parse::<f64>().ok()
        }
        DeValue::Integer(_) => integer(value).map(|i| i as f64),
        _ => None,
    }
}

/// Reads one node; `None` after reporting its problems.
fn node(r: &mut Reader<'_>, value: &Spanned<DeValue>, tree: &str) -> Option<Raw> {
    let start = value.span().start;
    let DeValue::Table(table) = value.get_ref() else {
        let message = format!(
            "a node must be a table such as `{{ leaf = \"privileged\" }}` or `{{ or = [...] }}`, not {}",
            value.get_ref().type_str()
        );
        r.error(start, Some(tree), message);
        return None;
    };
    let before = r.errors.len();
    let mut kinds: Vec<(&str, &Spanned<DeValue>)> = Vec::new();
    let mut label = None;
    let mut subject = None;
    let (mut cost, mut difficulty, mut probability, mut time) = (None, None, None, None);
    for (key, v) in table.iter() {
        let k = key.get_ref().as_ref();
        let at = v.span().start;
        match k {
            "or" | "and" | "sand" | "leaf" | "ref" => kinds.push((k, v)),
            "label" => label = string(r, v, Some(tree), k),
            "subject" => subject = string(r, v, Some(tree), k),
            "cost" | "time" => match integer(v.get_ref()) {
                Some(n) if n >= 0 => {
                    if k == "cost" {
                        cost = Some(n as u64);
                    } else {
                        time = Some(n as u64);
                    }
                }
                _ => r.error(
                    at,
                    Some(tree),
                    format!("`{k}` must be a non-negative integer"),
                ),
            },
            "probability" => match number(v.get_ref()) {
                Some(p) if (0.0..=1.0).contains(&p) => probability = Some(p),
                Some(p) => r.error(at, Some(tree), format!("probability {p} is outside [0, 1]")),
                None => r.error(at, Some(tree), "`probability` must be a number".into()),
            },
            "difficulty" => {
                let d = match v.get_ref() {
                    DeValue::String(s) => match s.as_ref() {
                        "L" => Some(Difficulty::L),
                        "M" => Some(Difficulty::M),
                        "H" => Some(Difficulty::H),
                        "E" => Some(Difficulty::E),
                        _ => None,
                    },
                    _ => None,
                };
                if d.is_none() {
                    r.error(
                        at,
                        Some(tree),
                        "`difficulty` must be \"L\", \"M\", \"H\" or \"E\"".into(),
                    );
                }
                difficulty = d;
            }
            other => {
                let message = format!(
                    "unknown field `{other}` in a node: expected one of {}",
                    NODE_FIELDS.join(", ")
                );
                r.error(key.span().start, Some(tree), message);
            }
        }
    }
    let [(kind, v)] = kinds[..] else {
        let message = if kinds.is_empty() {
            "a node needs one of `or`, `and`, `sand` (gates), `leaf` or `ref`".to_string()
        } else {
            let names: Vec<&str> = kinds.iter().map(|(k, _)| *k).collect();
            format!(
                "a node has exactly one of `or`, `and`, `sand`, `leaf` or `ref`, not {}",
                names.join(" and ")
            )
        };
        r.error(start, Some(tree), message);
        return None;
    };
    let at = v.span().start;
    let has_attributes = subject.is_some()
        || cost.is_some()
        || difficulty.is_some()
        || probability.is_some()
        || time.is_some();
    let raw = match kind {
        "or" | "and" | "sand" => {
            let gate = match kind {
                "or" => Gate::Or,
                "and" => Gate::And,
                _ => Gate::Sand,
            };
            if has_attributes {
                r.error(
                    start,
                    Some(tree),
                    "`subject`, `cost`, `difficulty`, `probability` and `time` belong on leaves, not gates".into(),
                );
            }
            let DeValue::Array(items) = v.get_ref() else {
                let message = format!("`{kind}` must be an array of nodes");
                r.error(at, Some(tree), message);
                return None;
            };
            if items.is_empty() {
                r.error(at, Some(tree), format!("`{kind}` gate with no children"));
                return None;
            }
            let children: Vec<Option<Raw>> = items.iter().map(|c| node(r, c, tree)).collect();
            Raw::Gate {
                gate,
                label,
                children: children.into_iter().flatten().collect(),
            }
        }
        "leaf" => {
            let name = string(r, v, Some(tree), "leaf")?;
            let Some(predicate) = Predicate::from_name(&name) else {
                r.error(at, Some(tree), unknown_predicate(&name));
                return None;
            };
            if let Some(s) = &subject
                && let Err(e) = super::eval::SubjectFilter::new(s)
            {
                r.error(start, Some(tree), e);
            }
            Raw::Leaf(LeafSpec {
                predicate,
                subject,
                label,
                cost,
                difficulty,
                probability,
                time,
            })
        }
        _ => {
            let name = string(r, v, Some(tree), "ref")?;
            if has_attributes || label.is_some() {
                r.error(
                    start,
                    Some(tree),
                    "a `ref` node has no other field: put them in the subtree".into(),
                );
            }
            Raw::Ref { name, offset: at }
        }
    };
    (r.errors.len() == before).then_some(raw)
}

fn unknown_predicate(name: &str) -> String {
    let names = Predicate::all_names();
    let nearest = names
        .iter()
        .map(|n| (edit_distance(name, n), *n))
        .min()
        .filter(|(d, n)| *d <= 3.max(n.len() / 3))
        .map(|(_, n)| format!(" (did you mean `{n}`?)"))
        .unwrap_or_default();
    format!(
        "unknown predicate `{name}`{nearest}; known predicates: {}",
        names.join(", ")
    )
}

/// Levenshtein distance, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

fn refs(raw: &Raw, out: &mut Vec<(String, usize)>) {
    match raw {
        Raw::Gate { children, .. } => children.iter().for_each(|c| refs(c, out)),
        Raw::Leaf(_) => {}
        Raw::Ref { name, offset } => out.push((name.clone(), *offset)),
    }
}

/// Reports each cycle of references between subtrees once, naming it, and
/// returns the subtrees on a cycle.
fn find_cycles(
    r: &mut Reader<'_>,
    subtrees: &BTreeMap<String, (usize, Option<Raw>)>,
) -> Vec<String> {
    let edges: BTreeMap<&str, Vec<(String, usize)>> = subtrees
        .iter()
        .map(|(name, (_, raw))| {
            let mut out = Vec::new();
            if let Some(raw) = raw {
                refs(raw, &mut out);
            }
            (name.as_str(), out)
        })
        .collect();
    // Iterative DFS with colours: 0 new, 1 on the stack, 2 done.
    let mut colour: BTreeMap<&str, u8> = edges.keys().map(|k| (*k, 0)).collect();
    let mut cyclic: Vec<String> = Vec::new();
    for &start in edges.keys() {
        if colour[start] != 0 {
            continue;
        }
        let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
        colour.insert(start, 1);
        while let Some(&mut (name, ref mut next)) = stack.last_mut() {
            let out = &edges[name];
            if *next >= out.len() {
                colour.insert(name, 2);
                stack.pop();
                continue;
            }
            let (target, offset) = &out[*next];
            *next += 1;
            match colour.get(target.as_str()).copied() {
                Some(0) => {
                    let key = edges.get_key_value(target.as_str()).map(|(k, _)| *k);
                    if let Some(key) = key {
                        colour.insert(key, 1);
                        stack.push((key, 0));
                    }
                }
                Some(1) => {
                    let from = stack.iter().position(|(n, _)| n == target).unwrap_or(0);
                    let mut cycle: Vec<&str> = stack[from..].iter().map(|(n, _)| *n).collect();
                    cycle.push(target);
                    let message = format!("cycle of subtree references: {}", cycle.join(" → "));
                    r.error(*offset, Some(&format!("subtree {name}")), message);
                    cyclic.extend(stack[from..].iter().map(|(n, _)| n.to_string()));
                }
                // Done, or undefined (reported where it is used).
                _ => {}
            }
        }
    }
    cyclic.sort();
    cyclic.dedup();
    cyclic
}

/// Expands references; `None` after reporting a problem.
fn resolve(
    r: &mut Reader<'_>,
    raw: &Raw,
    tree: &str,
    subtrees: &BTreeMap<String, (usize, Option<Raw>)>,
    cyclic: &[String],
    count: &mut usize,
    depth: usize,
) -> Option<Spec> {
    // Past a limit: one error per tree, then silence.
    if *count > MAX_NODES {
        return None;
    }
    if depth > MAX_DEPTH {
        let offset = match raw {
            Raw::Ref { offset, .. } => *offset,
            _ => r.tree_start,
        };
        r.error(
            offset,
            Some(tree),
            format!("deeper than {MAX_DEPTH} levels once subtree references are expanded"),
        );
        *count = MAX_NODES + 2;
        return None;
    }
    *count += 1;
    if *count == MAX_NODES + 1 {
        r.error(
            r.tree_start,
            Some(tree),
            format!("more than {MAX_NODES} nodes once subtree references are expanded"),
        );
    }
    if *count > MAX_NODES {
        return None;
    }
    match raw {
        Raw::Leaf(l) => Some(Spec::Leaf(l.clone())),
        Raw::Gate {
            gate,
            label,
            children,
        } => {
            let children: Vec<Option<Spec>> = children
                .iter()
                .map(|c| resolve(r, c, tree, subtrees, cyclic, count, depth + 1))
                .collect();
            Some(Spec::Gate {
                gate: *gate,
                label: label.clone(),
                children: children.into_iter().collect::<Option<Vec<_>>>()?,
            })
        }
        Raw::Ref { name, offset } => match subtrees.get(name) {
            None => {
                let known: Vec<&str> = subtrees.keys().map(String::as_str).collect();
                let message = if known.is_empty() {
                    format!(
                        "`ref = \"{name}\"`: no subtree of that name (define it as `[subtree.{name}]`)"
                    )
                } else {
                    format!(
                        "`ref = \"{name}\"`: no subtree of that name; defined: {}",
                        known.join(", ")
                    )
                };
                r.error(*offset, Some(tree), message);
                None
            }
            Some(_) if cyclic.contains(name) => {
                let message = format!("`ref = \"{name}\"` is on a cycle of subtree references");
                r.error(*offset, Some(tree), message);
                None
            }
            // Its own problems were reported where it is defined.
            Some((_, None)) => {
                let message = format!("`ref = \"{name}\"`: that subtree is invalid");
                r.error(*offset, Some(tree), message);
                None
            }
            Some((_, Some(sub))) => resolve(r, sub, tree, subtrees, cyclic, count, depth + 1),
        },
    }
}
