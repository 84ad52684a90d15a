//! Tests of tree files: every kind of parsing error with its line, cycle
//! detection, and evaluation on small systems.

use super::*;
use crate::analyse::attack::catalogue::Difficulty;
use crate::analyse::attack::graph::PrivKind;
use crate::analyse::attack::{AttackAnalysis, AttackOptions, EntryPoints, Goal, analyse};
use crate::analyse::rules;
use crate::analyse::rules::testing::system;
use crate::config::Config;

fn errors_of(text: &str) -> Vec<TreeError> {
    parse("t.toml", text).1
}

/// The single error of `text`, as `line:column: message`.
fn only_error(text: &str) -> TreeError {
    let errors = errors_of(text);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    errors.into_iter().next().unwrap()
}

const GOOD: &str = r#"
[[tree]]
id = "one"
title = "One"
goal = "Get root"
root = { or = [ { leaf = "privileged" }, { ref = "shared" } ] }

[[tree]]
id = "two"
title = "Two"
goal = "Get root too"

[tree.root]
sand = [
  { leaf = "code-exec", subject = "shop/*", cost = 3, difficulty = "H", probability = 0.5, time = 2 },
  { ref = "shared" },
]

[subtree.shared]
label = "Host access"
and = [ { leaf = "host-pid" }, { leaf = "cap-sys-ptrace", label = "ptrace" } ]
"#;

#[test]
fn a_good_file_parses_with_refs_expanded() {
    let (trees, errors) = parse("t.toml", GOOD);
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(trees.len(), 2);
    assert_eq!((trees[0].id.as_str(), trees[0].line), ("one", 2));
    assert_eq!((trees[1].id.as_str(), trees[1].line), ("two", 8));
    let Spec::Gate {
        gate: Gate::Sand,
        children,
        ..
    } = &trees[1].root
    else {
        panic!("{:?}", trees[1].root)
    };
    let Spec::Leaf(first) = &children[0] else {
        panic!()
    };
    assert_eq!(first.predicate, Predicate::Privilege(PrivKind::CodeExec));
    assert_eq!(first.subject.as_deref(), Some("shop/*"));
    assert_eq!(
        (first.cost, first.difficulty, first.probability, first.time),
        (Some(3), Some(Difficulty::H), Some(0.5), Some(2))
    );
    // The subtree, expanded in place with its label.
    let Spec::Gate {
        gate: Gate::And,
        label,
        children: shared,
    } = &children[1]
    else {
        panic!()
    };
    assert_eq!(label.as_deref(), Some("Host access"));
    assert_eq!(shared.len(), 2);
}

#[test]
fn bad_toml_syntax_is_located() {
    let e = only_error("[[tree]]\nid = \"x\"\ntitle = \n");
    assert_eq!((e.path.as_str(), e.line), ("t.toml", 3));
    assert!(e.message.starts_with("invalid TOML"), "{}", e.message);
    assert!(e.to_string().starts_with("t.toml:3:"), "{e}");
}

#[test]
fn unknown_predicate_lists_the_known_ones_and_suggests_the_nearest() {
    let text = "[[tree]]\nid = \"x\"\ntitle = \"X\"\ngoal = \"G\"\n[tree.root]\nor = [\n  { leaf = \"privilegd\" },\n]\n";
    let e = only_error(text);
    assert_eq!((e.line, e.column), (7, 12));
    assert_eq!(e.tree.as_deref(), Some("x"));
    assert!(e.message.contains("unknown predicate `privilegd`"));
    assert!(
        e.message.contains("did you mean `privileged`?"),
        "{}",
        e.message
    );
    assert!(e.message.contains("token-mounted") && e.message.contains("cluster-admin"));
}

#[test]
fn a_gate_with_no_children_is_an_error() {
    let e = only_error("[[tree]]\nid = \"x\"\ntitle = \"X\"\ngoal = \"G\"\nroot = { and = [] }\n");
    assert_eq!(e.line, 5);
    assert!(
        e.message.contains("`and` gate with no children"),
        "{}",
        e.message
    );
}

#[test]
fn a_ref_to_an_undefined_subtree_is_an_error() {
    let text = "[[tree]]\nid = \"x\"\ntitle = \"X\"\ngoal = \"G\"\nroot = { or = [{ leaf = \"privileged\" }, { ref = \"nope\" }] }\n\n[subtree.other]\nleaf = \"host-pid\"\n";
    let e = only_error(text);
    assert_eq!(e.line, 5);
    assert!(
        e.message
            .contains("`ref = \"nope\"`: no subtree of that name")
    );
    assert!(e.message.contains("defined: other"), "{}", e.message);
}

#[test]
fn a_cycle_through_refs_is_named() {
    let text = r#"[[tree]]
id = "x"
title = "X"
goal = "G"
root = { ref = "a" }

[subtree.a]
or = [ { leaf = "privileged" }, { ref = "b" } ]

[subtree.b]
and = [ { leaf = "host-pid" }, { ref = "a" } ]
"#;
    let errors = errors_of(text);
    let cycle = errors
        .iter()
        .find(|e| e.message.contains("cycle"))
        .expect("a cycle error");
    assert!(cycle.message.contains("a → b → a"), "{}", cycle.message);
    assert!(
        cycle
            .to_string()
            .starts_with("t.toml:11:40: subtree `b`: cycle"),
        "{cycle}"
    );
    assert_eq!(cycle.line, 11);
    // The tree using it is reported at its ref, and left out.
    let used = errors
        .iter()
        .find(|e| e.tree.as_deref() == Some("x"))
        .expect("the tree's error");
    assert_eq!(used.line, 5);
    assert!(parse("t.toml", text).0.is_empty());
    // A subtree referring to itself.
    let own = "[subtree.s]\nor = [ { ref = \"s\" } ]\n";
    let e = only_error(own);
    assert!(e.message.contains("s → s"), "{}", e.message);
    assert_eq!(e.line, 2);
}

#[test]
fn unknown_fields_are_errors_in_trees_nodes_and_at_the_top() {
    let text = "colour = 1\n[[tree]]\nid = \"x\"\ntitle = \"X\"\ngoal = \"G\"\nowner = \"me\"\nroot = { leaf = \"privileged\", weight = 3 }\n";
    let errors = errors_of(text);
    let lines: Vec<(usize, bool)> = errors
        .iter()
        .map(|e| (e.line, e.message.contains("unknown")))
        .collect();
    assert_eq!(lines, [(1, true), (6, true), (7, true)], "{errors:#?}");
    assert!(errors[2].message.contains("`weight`"));
}

#[test]
fn probability_outside_zero_one_is_an_error() {
    let e = only_error(
        "[[tree]]\nid = \"x\"\ntitle = \"X\"\ngoal = \"G\"\nroot = { leaf = \"privileged\", probability = 1.5 }\n",
    );
    assert_eq!(e.line, 5);
    assert!(e.message.contains("probability 1.5 is outside [0, 1]"));
}

#[test]
fn missing_fields_and_node_kinds_are_errors() {
    let errors = errors_of("[[tree]]\nid = \"x\"\nroot = { label = \"nothing\" }\n");
    let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
    assert!(messages.contains(&"a tree needs a `title`"), "{messages:?}");
    assert!(messages.contains(&"a tree needs a `goal`"));
    assert!(messages.iter().any(|m| m.contains("a node needs one of")));
    let e = only_error(
        "[[tree]]\nid = \"x\"\ntitle = \"X\"\ngoal = \"G\"\nroot = { leaf = \"privileged\", or = [] }\n",
    );
    assert!(e.message.contains("exactly one of"), "{}", e.message);
}

#[test]
fn one_bad_tree_leaves_the_others() {
    let text = r#"[[tree]]
id = "bad"
title = "Bad"
goal = "G"
root = { leaf = "nonsense" }

[[tree]]
id = "good"
title = "Good"
goal = "G"
root = { leaf = "privileged" }

[[tree]]
id = "good"
title = "Again"
goal = "G"
root = { leaf = "privileged" }
"#;
    let (trees, errors) = parse("t.toml", text);
    let ids: Vec<&str> = trees.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["good"]);
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert_eq!(
        (errors[0].line, errors[0].tree.as_deref()),
        (5, Some("bad"))
    );
    assert!(
        errors[1]
            .message
            .contains("duplicate tree id (first defined on line 7)")
    );
}

#[test]
fn catalogue_trees_parse() {
    let trees = catalogue();
    let ids: Vec<&str> = trees.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "seed-kubernetes-cluster",
            "container-escape",
            "secrets-theft",
            "supply-chain"
        ]
    );
    assert!(trees.iter().all(|t| t.catalogue));
}

// ---------------------------------------------------------------- evaluation

const API_SERVER: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: kube-apiserver
  namespace: kube-system
spec:
  containers:
  - name: kube-apiserver
    image: registry.k8s.io/kube-apiserver@sha256:4f5ca1c8b7abe2bd1162e629cafbd824c303b98954b1a168a6e5c45c7e6e1d9b
    command:
    - kube-apiserver
    - --anonymous-auth=false
    - --authorization-mode=AlwaysAllow
";

/// An exposed Deployment `shop/web`; `extra` goes into its pod spec.
fn exposed_web(extra: &str) -> String {
    format!(
        "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
{extra}      containers:
      - name: web
        image: registry.example.com/web@sha256:4f5ca1c8b7abe2bd1162e629cafbd824c303b98954b1a168a6e5c45c7e6e1d9b
        ports:
        - containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  type: LoadBalancer
  selector: {{app: web}}
  ports:
  - port: 80
"
    )
}

fn analysis_of(files: &[(&str, &str)]) -> AttackAnalysis {
    let system = system(files);
    let findings = crate::analyse::run_rules(&system, &Config::default(), &rules::all());
    let options = AttackOptions {
        entries: EntryPoints {
            internet: true,
            supply_chain: false,
            assume_breach: Vec::new(),
        },
        goals: vec![Goal::ClusterAdmin],
    };
    analyse(&system, &findings, &options)
}

fn tree<'a>(analysis: &'a AttackAnalysis, id: &str) -> &'a TreeResult {
    analysis
        .trees
        .iter()
        .find(|t| t.id == id)
        .expect("the tree is evaluated")
}

#[test]
fn the_seed_tree_is_reachable_with_a_mounted_token_and_always_allow() {
    let web = exposed_web("");
    let analysis = analysis_of(&[("api.yaml", API_SERVER), ("web.yaml", &web)]);
    let seed = tree(&analysis, "seed-kubernetes-cluster");
    assert!(seed.reachable);
    let holding: Vec<&str> = seed
        .leaves
        .iter()
        .filter(|l| l.holds)
        .map(|l| l.predicate.name())
        .collect();
    assert_eq!(
        holding,
        [
            "code-exec",
            "token-mounted",
            "credential",
            "authz-always-allow"
        ]
    );
    // Evidence: the AlwaysAllow flag's line.
    let always = seed
        .leaves
        .iter()
        .find(|l| l.predicate.name() == "authz-always-allow")
        .unwrap();
    assert_eq!(always.evidence[0].path.as_ref(), "api.yaml");
    assert_eq!(always.evidence[0].start_line, 13);
    assert_eq!(seed.attacks.len(), 1);
    assert_eq!(seed.attacks[0].len(), 4);
    // One fix cuts it (the token or AlwaysAllow), verified.
    assert!(seed.fixes.verified, "{:?}", seed.fixes);
    assert_eq!(seed.fixes.fixes.len(), 1);
    let code = analysis.graph.fixes[seed.fixes.fixes[0]].code;
    assert!(code == "TB417" || code == "TB602", "{code}");
    // The container-escape tree has no escape here.
    assert!(!tree(&analysis, "container-escape").reachable);
}

#[test]
fn the_seed_tree_is_not_reachable_without_the_token() {
    let web = exposed_web("      automountServiceAccountToken: false\n");
    let analysis = analysis_of(&[("api.yaml", API_SERVER), ("web.yaml", &web)]);
    let seed = tree(&analysis, "seed-kubernetes-cluster");
    assert!(!seed.reachable);
    assert!(seed.attacks.is_empty());
    let token = seed
        .leaves
        .iter()
        .find(|l| l.predicate.name() == "token-mounted")
        .unwrap();
    assert!(!token.holds);
    assert!(!seed.root.holds);
}

fn user_tree(analysis: &AttackAnalysis, text: &str) -> TreeResult {
    let (specs, errors) = parse("user.toml", text);
    assert!(errors.is_empty(), "{errors:#?}");
    evaluate(&analysis.graph, &analysis.reach, &specs).remove(0)
}

#[test]
fn attribute_values_count_a_shared_leaf_once() {
    let web = exposed_web("");
    let analysis = analysis_of(&[("api.yaml", API_SERVER), ("web.yaml", &web)]);
    // (A and S) or (B and S), S shared: bottom-up would add S's cost twice
    // in the AND and multiply its probability twice across the OR.
    let text = r#"
[[tree]]
id = "shared"
title = "Shared"
goal = "G"
root = { or = [
  { and = [ { leaf = "token-mounted", cost = 2, probability = 0.5, difficulty = "M" }, { ref = "s" } ] },
  { and = [ { leaf = "authz-always-allow", cost = 3, probability = 0.5, difficulty = "H" }, { ref = "s" } ] },
] }

[subtree.s]
leaf = "internet-exposed"
cost = 5
probability = 0.4
difficulty = "L"
"#;
    let t = user_tree(&analysis, text);
    assert!(t.reachable);
    assert_eq!(t.leaves.len(), 3, "the shared leaf is one leaf");
    assert_eq!(t.attacks, [vec![0, 1], vec![1, 2]]);
    assert_eq!(t.min_cost, Some(7));
    assert_eq!(t.min_difficulty, Some(Difficulty::M));
    // P = P(S)·(1 − (1 − 0.5)(1 − 0.5)) = 0.4 · 0.75 = 0.3.
    assert!((t.probability - 0.3).abs() < 1e-9, "{}", t.probability);
    assert!(t.probability_exact);
    // The exposure is an entry point no fix removes: the tree is cut by
    // fixing both the token and AlwaysAllow.
    assert_eq!(t.fixes.leaves, [0, 2]);
    assert_eq!(t.fixes.fixes.len(), 2);
    assert!(t.fixes.verified);
}

#[test]
fn sand_time_is_a_sum_and_and_time_a_maximum() {
    let web = exposed_web("");
    let analysis = analysis_of(&[("api.yaml", API_SERVER), ("web.yaml", &web)]);
    let text = r#"
[[tree]]
id = "time"
title = "Time"
goal = "G"
root = { sand = [
  { leaf = "internet-exposed", time = 2 },
  { and = [ { leaf = "token-mounted", time = 3 }, { leaf = "authz-always-allow", time = 5 } ] },
  { or = [ { leaf = "privileged", time = 1 }, { leaf = "listens", time = 4 } ] },
] }
"#;
    let t = user_tree(&analysis, text);
    assert!(t.reachable);
    // 2 + max(3, 5) + 4 (privileged does not hold).
    assert_eq!(t.min_time, Some(11));
}

#[test]
fn subject_filters_restrict_a_leaf_to_matching_nodes() {
    let web = exposed_web("");
    let analysis = analysis_of(&[("api.yaml", API_SERVER), ("web.yaml", &web)]);
    let text = r#"
[[tree]]
id = "subjects"
title = "Subjects"
goal = "G"
root = { or = [
  { leaf = "token-mounted", subject = "shop/*" },
  { leaf = "token-mounted", subject = "billing" },
] }
"#;
    let t = user_tree(&analysis, text);
    assert!(t.leaves[0].holds);
    assert!(!t.leaves[1].holds);
    assert_eq!(t.attacks, [vec![0]]);
}

#[test]
fn trees_are_in_the_text_and_json_reports() {
    let web = exposed_web("");
    let analysis = analysis_of(&[("api.yaml", API_SERVER), ("web.yaml", &web)]);
    let mut text = String::new();
    crate::report::attack::trees::text(&mut text, &analysis.graph, &analysis.trees);
    assert!(text.contains("Catalogue trees"), "{text}");
    assert!(text.contains("REACHABLE  Control the cluster from a shell in a pod"));
    assert!(text.contains("(authz-always-allow) api.yaml:13"), "{text}");
    let json = crate::report::attack::json::value(&analysis);
    let trees = json["trees"].as_array().unwrap();
    assert_eq!(trees.len(), 4);
    assert_eq!(trees[0]["id"], "seed-kubernetes-cluster");
    assert_eq!(trees[0]["reachable"], true);
    assert_eq!(trees[0]["root"]["kind"], "sand");
    assert!(trees[0]["leaves"][0]["holds"].as_bool().unwrap());
}

#[test]
fn the_documented_example_parses() {
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/attack-trees.md"),
    )
    .unwrap();
    let example = doc
        .split("```toml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("docs/attack-trees.md has a toml example");
    let (trees, errors) = parse("docs/attack-trees.md", example);
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(trees.len(), 2);
}

#[test]
fn reusing_the_goals_fix_sets_gives_the_same_tree_fixes() {
    let web = exposed_web("");
    let escape = "\
apiVersion: v1
kind: Pod
metadata:
  name: esc
  namespace: shop
spec:
  containers:
  - name: c
    image: ubuntu@sha256:4f5ca1c8b7abe2bd1162e629cafbd824c303b98954b1a168a6e5c45c7e6e1d9b
    securityContext:
      privileged: true
";
    let system = system(&[
        ("api.yaml", API_SERVER),
        ("web.yaml", &web),
        ("esc.yaml", escape),
    ]);
    let findings = crate::analyse::run_rules(&system, &Config::default(), &rules::all());
    let options = AttackOptions {
        entries: EntryPoints {
            internet: true,
            supply_chain: false,
            assume_breach: vec!["esc".into()],
        },
        goals: Vec::new(),
    };
    let analysis = analyse(&system, &findings, &options);
    let fresh = evaluate(&analysis.graph, &analysis.reach, catalogue());
    for (cached, fresh) in analysis.trees.iter().zip(&fresh) {
        assert_eq!(cached.id, fresh.id);
        assert_eq!(cached.reachable, fresh.reachable);
        assert_eq!(cached.fixes.fixes, fresh.fixes.fixes, "{}", cached.id);
        assert_eq!(cached.fixes.verified, fresh.fixes.verified);
    }
    // The privileged pod: the escape tree holds, and its fix is TB401.
    let escape = tree(&analysis, "container-escape");
    assert!(escape.reachable);
    let codes: Vec<&str> = escape
        .fixes
        .fixes
        .iter()
        .map(|&f| analysis.graph.fixes[f].code)
        .collect();
    assert_eq!(codes, ["TB401"]);
    assert!(escape.fixes.verified);
}

#[test]
fn long_ref_chains_and_exponential_expansions_are_errors_not_crashes() {
    let mut chain = String::from(
        "[[tree]]\nid = \"chain\"\ntitle = \"C\"\ngoal = \"G\"\nroot = { ref = \"s0\" }\n",
    );
    for i in 0..5000 {
        chain.push_str(&format!(
            "[subtree.s{i}]\nor = [ {{ ref = \"s{}\" }} ]\n",
            i + 1
        ));
    }
    chain.push_str("[subtree.s5000]\nleaf = \"privileged\"\n");
    let e = only_error(&chain);
    assert!(
        e.message.contains("deeper than 200 levels"),
        "{}",
        e.message
    );
    let mut dag = String::from(
        "[[tree]]\nid = \"dag\"\ntitle = \"D\"\ngoal = \"G\"\nroot = { ref = \"d0\" }\n",
    );
    for i in 0..20 {
        dag.push_str(&format!(
            "[subtree.d{i}]\nand = [ {{ ref = \"d{0}\" }}, {{ ref = \"d{0}\" }} ]\n",
            i + 1
        ));
    }
    dag.push_str("[subtree.d20]\nleaf = \"privileged\"\n");
    let e = only_error(&dag);
    assert!(e.message.contains("more than 10000 nodes"), "{}", e.message);
    assert_eq!(e.line, 1);
}
