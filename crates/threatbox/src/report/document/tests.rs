//! Unit tests of the document model, section by section, over the bundled
//! example system and a hand-made attack summary.

use std::path::Path;

use super::*;
use crate::analyse::finding::Stride;
use crate::config::Config;
use crate::{ScanOptions, scan};

fn examples() -> Analysis {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let options = ScanOptions {
        paths: vec![root],
        today: Some("2026-06-01".into()),
        ..ScanOptions::default()
    };
    scan(&options, &Config::default())
}

fn leaf(label: &str, fp: Option<String>) -> TreeNodeView {
    TreeNodeView {
        kind: TreeNodeKind::Leaf,
        label: label.into(),
        reachable: fp.is_some(),
        finding: fp,
        children: vec![],
    }
}

/// A goal over two real findings, as the attack analysis would give it.
fn attack(analysis: &Analysis) -> AttackSummary {
    let fp = |code: &str| {
        analysis
            .active()
            .find(|f| f.rule.code == code)
            .map(|f| f.fingerprint.clone())
    };
    AttackSummary {
        analysed: true,
        goals: vec![GoalView {
            name: "root on a node".into(),
            reachable: true,
            tree: TreeView {
                root: 0,
                nodes: vec![
                    TreeNodeView {
                        kind: TreeNodeKind::And,
                        label: "escape through the log agent".into(),
                        reachable: true,
                        finding: None,
                        children: vec![1, 2],
                    },
                    leaf("privileged container", fp("TB401")),
                    leaf("host / mounted", fp("TB403")),
                ],
            },
        }],
        fix_set: fp("TB401").into_iter().collect(),
        fixes: vec![FixView {
            finding: fp("TB403").unwrap_or_default(),
            paths_removed: 1,
            goals_cut: vec!["root on a node".into()],
        }],
        assumptions: vec!["An attacker controls [x](javascript:alert(1))".into()],
    }
}

#[test]
fn scope_counts_inputs_by_kind_and_keeps_assumptions() {
    let a = examples();
    let s = &a.system;
    let doc = build(&a, s, &AttackSummary::default());
    let kinds: BTreeMap<&str, usize> = doc
        .scope
        .inputs_by_kind
        .iter()
        .map(|(k, n)| (k.as_str(), *n))
        .collect();
    assert_eq!(kinds.get("Dockerfile"), Some(&2));
    assert_eq!(kinds.get("Compose file"), Some(&1));
    assert_eq!(kinds.get("Kubernetes manifest"), Some(&6));
    assert_eq!(kinds.get("Compose env file"), Some(&1));
    assert_eq!(doc.scope.inputs.len(), 10);
    assert_eq!(doc.scope.assumptions.len(), ASSUMPTIONS.len());
    assert_eq!(doc.scope.tool_version, env!("CARGO_PKG_VERSION"));
}

#[test]
fn summary_counts_add_up() {
    let a = examples();
    let s = &a.system;
    let doc = build(&a, s, &AttackSummary::default());
    let sum = &doc.summary;
    assert_eq!(sum.total, a.active().count());
    assert_eq!(sum.suppressed, 2);
    assert_eq!(
        sum.by_severity.iter().map(|(_, n)| n).sum::<usize>(),
        sum.total
    );
    assert_eq!(
        sum.by_stage.iter().map(|(_, n)| n).sum::<usize>(),
        sum.total
    );
    // A finding counts once per STRIDE category it enables.
    let stride: usize = a.active().map(|f| f.rule.stride.len()).sum();
    assert_eq!(sum.by_stride.iter().map(|(_, n)| n).sum::<usize>(), stride);
    assert!(sum.goals.is_empty());
}

#[test]
fn tables_describe_the_model() {
    let a = examples();
    let s = &a.system;
    let t = build(&a, s, &AttackSummary::default()).tables;
    assert_eq!(t.images.rows.len(), 2);
    let api_image = t
        .images
        .rows
        .iter()
        .find(|r| r[0].ends_with("api/Dockerfile"))
        .unwrap();
    assert_eq!(api_image[2], "python:latest");
    assert_eq!(api_image[3], "no");
    let worker = t
        .images
        .rows
        .iter()
        .find(|r| r[0].ends_with("worker/Dockerfile"))
        .unwrap();
    assert_eq!(worker[3], "yes");
    assert!(
        t.workloads
            .rows
            .iter()
            .any(|r| r[0] == "Deployment shop/api" && r[4] == "yes")
    );
    assert!(
        t.containers
            .rows
            .iter()
            .any(|r| r[1] == "agent" && r[4] == "yes")
    );
    let api_sa = t
        .identities
        .rows
        .iter()
        .find(|r| r[0] == "ServiceAccount shop/api")
        .unwrap();
    assert!(api_sa[3].contains("get, list on secrets"), "{api_sa:?}");
    assert!(api_sa[3].contains("pods/exec"), "{api_sa:?}");
    assert!(
        t.exposures
            .rows
            .iter()
            .any(|r| r[1].contains("Ingress") && r[1].ends_with("no TLS"))
    );
    assert!(
        t.exposures
            .rows
            .iter()
            .any(|r| r[1].starts_with("published on 0.0.0.0:8080"))
    );
    assert!(
        t.settings
            .rows
            .iter()
            .any(|r| r[1] == "--authorization-mode" && r[2] == "AlwaysAllow")
    );
}

#[test]
fn diagram_has_boundaries_elements_and_flows() {
    let a = examples();
    let s = &a.system;
    let d = build(&a, s, &AttackSummary::default()).dfd;
    for kind in [
        BoundaryKind::Internet,
        BoundaryKind::Network,
        BoundaryKind::Namespace,
        BoundaryKind::Host,
        BoundaryKind::Container,
    ] {
        assert!(d.boundaries.iter().any(|b| b.kind == kind), "{kind:?}");
    }
    let node = |label: &str| d.nodes.iter().find(|n| n.label == label).unwrap();
    let api = node("Deployment shop/api");
    let container = d.boundary(&api.boundary).unwrap();
    assert_eq!(container.kind, BoundaryKind::Container);
    let ns = d.boundary(container.parent.as_deref().unwrap()).unwrap();
    assert_eq!(ns.label, "Namespace shop");
    let client = node("Internet client");
    assert_eq!(client.kind, ElementKind::ExternalEntity);
    assert!(
        d.flows
            .iter()
            .any(|f| f.from == client.id && f.to == api.id && f.label.starts_with("LoadBalancer"))
    );
    let apiserver = node("Kubernetes API server");
    assert!(
        d.flows
            .iter()
            .any(|f| f.from == api.id && f.to == apiserver.id && f.label.contains("shop/api"))
    );
    // The socket mount: flow from the compose worker to the store, which
    // carries the finding.
    let socket = node("Runtime socket /var/run/docker.sock");
    assert_eq!(socket.kind, ElementKind::DataStore);
    assert_eq!(socket.worst, Some(Severity::Critical));
    assert!(
        d.flows
            .iter()
            .any(|f| f.to == socket.id && !f.findings.is_empty())
    );
    // Every flow joins two drawn nodes; ids are unique.
    for f in &d.flows {
        assert!(d.node(&f.from).is_some() && d.node(&f.to).is_some());
    }
    let mut ids: Vec<&str> = d.nodes.iter().map(|n| n.id.as_str()).collect();
    ids.extend(d.flows.iter().map(|f| f.id.as_str()));
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n);
}

#[test]
fn stride_per_element_marks_found_clean_unexamined_and_not_applicable() {
    let a = examples();
    let s = &a.system;
    let doc = build(&a, s, &AttackSummary::default());
    let row = |label: &str| doc.stride.iter().find(|e| e.label == label).unwrap();
    let cell = |label: &str, s: Stride| {
        row(label)
            .cells
            .iter()
            .find(|(c, _)| *c == s)
            .unwrap()
            .1
            .clone()
    };
    // External entity: only S and R apply.
    let client = row("Internet client");
    for (s, c) in &client.cells {
        let applies = matches!(s, Stride::Spoofing | Stride::Repudiation);
        assert_eq!(*c == Cell::NotApplicable, !applies, "{s:?}");
    }
    // The privileged log agent: elevation found, linked to its findings.
    let Cell::Found(links) = cell(
        "DaemonSet kube-system/log-agent",
        Stride::ElevationOfPrivilege,
    ) else {
        panic!("E not found on the log agent");
    };
    assert!(links.iter().all(|l| l.starts_with("f-")));
    // The hardened worker: information disclosure examined and clean.
    assert!(matches!(
        cell("service worker", Stride::InformationDisclosure),
        Cell::Clean(_)
    ));
    // Nothing examines a named volume.
    assert_eq!(cell("Volume dbdata", Stride::Tampering), Cell::NotExamined);
    assert_eq!(cell("Volume dbdata", Stride::Spoofing), Cell::NotApplicable);
    // Data flows: T, I, D only.
    let flow = doc
        .stride
        .iter()
        .find(|e| e.kind == ElementKind::DataFlow)
        .unwrap();
    let applicable: Vec<Stride> = flow
        .cells
        .iter()
        .filter(|(_, c)| *c != Cell::NotApplicable)
        .map(|(s, _)| *s)
        .collect();
    assert_eq!(
        applicable,
        vec![
            Stride::Tampering,
            Stride::InformationDisclosure,
            Stride::DenialOfService
        ]
    );
}

#[test]
fn lifecycle_walks_the_six_stages_in_order() {
    let a = examples();
    let s = &a.system;
    let doc = build(&a, s, &AttackSummary::default());
    let stages: Vec<LifecycleStage> = doc.lifecycle.iter().map(|s| s.stage).collect();
    assert_eq!(stages, STAGES.to_vec());
    let evaluated: usize = doc.lifecycle.iter().map(|s| s.rules_evaluated).sum();
    assert_eq!(evaluated, a.rules.len());
    let build_stage = &doc.lifecycle[0];
    assert!(build_stage.rules.iter().any(|(code, ..)| code == "TB104"));
}

#[test]
fn findings_are_grouped_once_each_with_cwe_links_and_evidence() {
    let a = examples();
    let s = &a.system;
    let doc = build(&a, s, &AttackSummary::default());
    let all: Vec<&FindingView> = doc
        .findings
        .iter()
        .flat_map(|g| {
            let stage = g.stage;
            g.components
                .iter()
                .flat_map(move |c| c.findings.iter().map(move |f| (stage, f)))
        })
        .map(|(stage, f)| {
            assert_eq!(stage, f.stage);
            f
        })
        .collect();
    assert_eq!(all.len(), a.active().count());
    let priv_ = all.iter().find(|f| f.code == "TB401").unwrap();
    assert_eq!(priv_.component, "DaemonSet kube-system/log-agent");
    assert_eq!(
        priv_.source_line.as_deref().map(str::trim),
        Some("privileged: true")
    );
    assert!(priv_.why.contains("STRIDE"), "{}", priv_.why);
    let cwe = &priv_.cwe[0];
    assert_eq!(
        cwe.url,
        format!("https://cwe.mitre.org/data/definitions/{}.html", cwe.id)
    );
    assert!(!cwe.name.is_empty());
    // Secrets are not quoted.
    assert!(
        all.iter()
            .all(|f| !f.source_line.as_deref().unwrap_or("").contains("hunter2"))
    );
}

#[test]
fn mitigation_without_attack_analysis_orders_by_severity() {
    let a = examples();
    let s = &a.system;
    let m = build(&a, s, &AttackSummary::default()).mitigation;
    assert!(!m.from_attack_analysis);
    assert!(m.items.windows(2).all(|w| w[0].severity >= w[1].severity));
    let findings: usize = m.items.iter().map(|i| i.findings.len()).sum();
    assert_eq!(findings, a.active().count());
}

#[test]
fn mitigation_and_trees_follow_the_attack_analysis() {
    let a = examples();
    let s = &a.system;
    let attack = attack(&a);
    let doc = build(&a, s, &attack);
    assert!(doc.mitigation.from_attack_analysis);
    let items = &doc.mitigation.items;
    assert_eq!(items.len(), 2);
    assert!(items[0].in_fix_set && items[0].code == "TB401");
    assert!(!items[1].in_fix_set && items[1].code == "TB403" && items[1].paths_removed == 1);
    assert_eq!(
        doc.summary.goals,
        vec![("root on a node".to_string(), true)]
    );
    assert!(doc.scope.assumptions.last().unwrap().contains("javascript"));

    let md = markdown::render(&doc);
    assert!(md.contains("### Goal: root on a node (reachable)"));
    assert!(md.contains("g0n0[\"AND: escape through the log agent<br/>reachable\"]"));
    assert!(md.contains("class g0n0,g0n1,g0n2 reachable"));
    assert!(md.contains("1. ★ **TB401"));
    assert!(
        md.contains(r"\[x\](javascript\:alert(1))"),
        "assumptions are escaped"
    );

    let page = html::render(&doc);
    assert!(page.contains("<svg id=\"goal-0-tree\""));
    assert!(page.contains("class=\"tree-node and reachable\" id=\"goal-0-n0\""));
    let fp = &attack.fix_set[0];
    assert!(page.contains(&format!(
        "<a href=\"#f-{fp}\"><g class=\"tree-node leaf reachable\""
    )));
    assert!(
        page.contains(&format!("id=\"f-{fp}\"")),
        "the leaf's target exists"
    );
}

#[test]
fn appendix_lists_rules_suppressions_and_diagnostics() {
    let a = examples();
    let s = &a.system;
    let ap = build(&a, s, &AttackSummary::default()).appendix;
    assert_eq!(ap.rules.len(), a.rules.len());
    assert_eq!(ap.suppressed.len(), 2);
    assert!(ap.suppressed.iter().all(|s| !s.reason.is_empty()));
    assert!(ap.diagnostics.is_empty());
}

#[test]
fn empty_input_gives_a_document_that_says_so() {
    let doc = build(
        &Analysis::default(),
        &System::default(),
        &AttackSummary::default(),
    );
    let md = markdown::render(&doc);
    assert!(md.contains("Nothing to draw"));
    assert!(md.contains("No active findings."));
    let page = html::render(&doc);
    assert!(page.contains("Nothing to draw"));
    assert!(page.ends_with("</html>\n"));
}

#[test]
fn why_paragraph_is_taken_from_the_rule_docs() {
    let docs = "**What it detects.** x\n\n**Why it is a threat.** Because\nit is.\n\n**Fix.** y";
    assert_eq!(why_paragraph(docs, "t"), "Because it is.");
    assert_eq!(why_paragraph("no marker", "title"), "title");
}

#[test]
fn secrets_on_quoted_lines_are_redacted() {
    let line = "ENV AWS_ACCESS_KEY_ID=AKIAZ7Q3R5T6Y8U2W4E1 \\";
    let out = redact_line(line, &[798]);
    assert!(!out.contains("Z7Q3R5T6Y8U2W4E1"), "{out}");
    let out = redact_line("  value: hunter2-but-longer", &[798]);
    assert!(!out.contains("hunter2"), "{out}");
    assert_eq!(
        redact_line("RUN apt-get install x", &[250]),
        "RUN apt-get install x"
    );
}

#[test]
fn the_attack_analysis_becomes_the_attack_view() {
    let a = examples();
    let result = crate::analyse::attack::analyse(
        &a.system,
        &a.findings,
        &crate::analyse::attack::AttackOptions::default(),
    );
    let view = attack_view::from_analysis(&result);
    assert!(view.analysed);
    assert_eq!(view.goals.len(), result.goals.len());
    assert!(view.goals.iter().any(|g| g.reachable));
    let known: std::collections::BTreeSet<&str> =
        a.findings.iter().map(|f| f.fingerprint.as_str()).collect();
    for g in &view.goals {
        assert_eq!(g.tree.root, 0);
        assert!(!g.tree.nodes.is_empty());
        for n in &g.tree.nodes {
            assert!(n.children.iter().all(|&c| c < g.tree.nodes.len()));
            if let Some(fp) = &n.finding {
                assert!(known.contains(fp.as_str()), "leaf links to no finding");
            }
        }
    }
    assert!(!view.fix_set.is_empty());
    assert!(view.fix_set.iter().all(|fp| known.contains(fp.as_str())));
    assert!(
        view.fixes
            .windows(2)
            .all(|w| w[0].paths_removed >= w[1].paths_removed)
    );
    // Each fix in the document's plan resolves a finding listed in it.
    let doc = build(&a, &a.system, &view);
    assert!(doc.mitigation.from_attack_analysis);
    assert!(
        doc.mitigation
            .items
            .iter()
            .take_while(|i| i.in_fix_set)
            .count()
            > 0
    );
    let md = markdown::render(&doc);
    assert!(md.contains("### Goal: "));
}
