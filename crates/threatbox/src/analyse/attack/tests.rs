//! End-to-end tests of the attack analysis on small systems: the classic
//! "bad pods" in every workload kind, the seed's tree, fix sets.

use std::collections::BTreeSet;

use super::*;
use crate::analyse::rules;
use crate::analyse::rules::testing::system;
use crate::config::Config;

/// Grounds and analyses the files with every rule's findings linked.
fn analysed(files: &[(&str, &str)], options: &AttackOptions) -> (System, AttackAnalysis) {
    let system = system(files);
    let findings = crate::analyse::run_rules(&system, &Config::default(), &rules::all());
    let result = analyse(&system, &findings, options);
    (system, result)
}

/// Grounds and analyses the files, starting from the given breach only.
fn attack_on(files: &[(&str, &str)], breach: &[&str]) -> (System, AttackAnalysis) {
    let options = AttackOptions {
        entries: EntryPoints {
            internet: false,
            supply_chain: false,
            assume_breach: breach.iter().map(|s| s.to_string()).collect(),
        },
        goals: Vec::new(),
    };
    analysed(files, &options)
}

/// The step ids of a goal's cheapest path.
fn path_steps<'a>(result: &'a AttackAnalysis, goal: &GoalResult) -> Vec<&'a str> {
    goal.path
        .iter()
        .map(|&s| result.graph.steps[s as usize].meta().id.as_str())
        .collect()
}

fn reachable(result: &AttackAnalysis) -> BTreeSet<String> {
    result.reachable_goals().map(|g| g.goal.id()).collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// A pod spec, indented for `spec:` of a Pod (4 spaces deeper in templates).
fn bad_pod(pattern: &str) -> String {
    let (pod, container, volumes) = match pattern {
        "everything-allowed" => (
            "hostNetwork: true\nhostPID: true\nhostIPC: true\n",
            "securityContext:\n  privileged: true\nvolumeMounts:\n- mountPath: /host\n  name: noderoot\n",
            "volumes:\n- name: noderoot\n  hostPath:\n    path: /\n",
        ),
        "priv-and-hostpid" => (
            "hostPID: true\n",
            "securityContext:\n  privileged: true\n",
            "",
        ),
        "priv" => ("", "securityContext:\n  privileged: true\n", ""),
        "hostpath" => (
            "",
            "volumeMounts:\n- mountPath: /host\n  name: noderoot\n",
            "volumes:\n- name: noderoot\n  hostPath:\n    path: /\n",
        ),
        "hostpid" => ("hostPID: true\n", "", ""),
        "hostnetwork" => ("hostNetwork: true\n", "", ""),
        "hostipc" => ("hostIPC: true\n", "", ""),
        "nothing-allowed" => ("", "", ""),
        other => panic!("unknown pattern {other}"),
    };
    let container = container
        .lines()
        .map(|l| format!("  {l}\n"))
        .collect::<String>();
    format!(
        "{pod}containers:\n- name: bad\n  image: ubuntu@sha256:4f5ca1c8b7abe2bd1162e629cafbd824c303b98954b1a168a6e5c45c7e6e1d9b\n  command: [sleep, infinity]\n{container}{volumes}"
    )
}

fn indent(text: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    text.lines().map(|l| format!("{pad}{l}\n")).collect()
}

/// The pod spec wrapped in a workload of `kind`.
fn manifest(kind: &str, pattern: &str) -> String {
    let spec = bad_pod(pattern);
    let head = |api: &str| {
        format!("apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: bad\n  namespace: test\n")
    };
    match kind {
        "Pod" => format!("{}spec:\n{}", head("v1"), indent(&spec, 2)),
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" => format!(
            "{}spec:\n  selector:\n    matchLabels: {{app: bad}}\n  template:\n    metadata:\n      labels: {{app: bad}}\n    spec:\n{}",
            head("apps/v1"),
            indent(&spec, 6)
        ),
        "ReplicationController" => format!(
            "{}spec:\n  template:\n    metadata:\n      labels: {{app: bad}}\n    spec:\n{}",
            head("v1"),
            indent(&spec, 6)
        ),
        "Job" => format!(
            "{}spec:\n  template:\n    spec:\n{}",
            head("batch/v1"),
            indent(&spec, 6)
        ),
        "CronJob" => format!(
            "{}spec:\n  schedule: \"* * * * *\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n{}",
            head("batch/v1"),
            indent(&spec, 10)
        ),
        other => panic!("unknown kind {other}"),
    }
}

const KINDS: [&str; 8] = [
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
];

fn expected(pattern: &str) -> BTreeSet<String> {
    match pattern {
        "everything-allowed" | "priv-and-hostpid" | "priv" | "hostpath" => {
            set(&["node-root", "host-disclosure", "node-dos", "api-access"])
        }
        // Disclosure or denial only: no way to root on the node.
        "hostpid" => set(&["host-disclosure", "node-dos", "api-access"]),
        "hostnetwork" | "hostipc" => set(&["host-disclosure", "api-access"]),
        // Only the service-account token path to the API.
        "nothing-allowed" => set(&["api-access"]),
        other => panic!("{other}"),
    }
}

#[test]
fn bad_pods_give_the_same_goals_in_every_workload_kind() {
    for pattern in [
        "everything-allowed",
        "priv-and-hostpid",
        "priv",
        "hostpath",
        "hostpid",
        "hostnetwork",
        "hostipc",
        "nothing-allowed",
    ] {
        for kind in KINDS {
            let text = manifest(kind, pattern);
            let path = format!("{pattern}-{kind}.yaml");
            let (system, result) = attack_on(&[(&path, &text)], &["all"]);
            assert_eq!(system.workloads.len(), 1, "{path}:\n{text}");
            assert_eq!(reachable(&result), expected(pattern), "{path}:\n{text}");
            // The evidence of every hop is in this file, at its own lines.
            for goal in result.reachable_goals() {
                for &s in &goal.path {
                    for &p in &result.graph.steps[s as usize].premises {
                        for loc in result.graph.node(p).evidence() {
                            assert_eq!(&*loc.path, path.as_str());
                            let line = text.lines().nth(loc.start_line - 1).unwrap_or("");
                            assert!(
                                !line.trim().is_empty(),
                                "{path}:{} is blank",
                                loc.start_line
                            );
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn privileged_escape_points_at_the_privileged_line_of_each_kind() {
    for kind in KINDS {
        let text = manifest(kind, "priv");
        let path = format!("priv-{kind}.yaml");
        let (_, result) = attack_on(&[(&path, &text)], &["bad"]);
        let goal = result
            .goals
            .iter()
            .find(|g| g.goal == Goal::NodeRoot)
            .unwrap();
        let steps = path_steps(&result, goal);
        assert_eq!(steps, ["assumed-breach", "escape-privileged"], "{kind}");
        let privileged_line = text
            .lines()
            .position(|l| l.trim() == "privileged: true")
            .unwrap()
            + 1;
        let escape = goal.path[1];
        let fact = result.graph.steps[escape as usize]
            .premises
            .iter()
            .copied()
            .find(|&p| result.graph.node(p).fact_kind() == Some(graph::FactKind::Privileged))
            .unwrap();
        assert_eq!(
            result.graph.node(fact).evidence()[0].start_line,
            privileged_line,
            "{kind}"
        );
        // The fix is the TB401 finding on that line.
        assert_eq!(goal.fixes.fixes.len(), 1, "{kind}");
        let fix = &result.graph.fixes[goal.fixes.fixes[0]];
        assert_eq!(
            (fix.code, fix.location.start_line),
            ("TB401", privileged_line)
        );
        assert!(goal.fixes.verified);
    }
}

const SEED_TREE: &str = "\
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
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
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
  selector: {app: web}
  ports:
  - port: 80
";

#[test]
fn the_seeds_tree_shell_token_api_without_authorisation_gives_the_cluster() {
    let options = AttackOptions {
        entries: EntryPoints {
            internet: true,
            supply_chain: false,
            assume_breach: Vec::new(),
        },
        goals: vec![Goal::ClusterAdmin],
    };
    let (_, result) = analysed(&[("cluster.yaml", SEED_TREE)], &options);
    let goal = &result.goals[0];
    assert!(goal.reachable);
    let steps = path_steps(&result, goal);
    assert_eq!(
        steps,
        [
            "exploit-exposed-service",
            "steal-service-account-token",
            "authorization-always-allow"
        ]
    );
    // Cutting either the token or AlwaysAllow cuts the goal: one fix.
    assert_eq!(goal.fixes.fixes.len(), 1);
    assert!(goal.fixes.verified);
    let code = result.graph.fixes[goal.fixes.fixes[0]].code;
    assert!(code == "TB417" || code == "TB602", "{code}");
    // The tree: OR (goal) over the privilege, whose reachable child is the
    // AlwaysAllow step with the credential and the fact beneath.
    assert!(goal.tree.reachable);
    let json = serde_json::to_string(&goal.tree).unwrap();
    assert!(json.contains("authorization-always-allow"));
}

#[test]
fn rbac_chain_exec_then_secrets_and_its_fix_set_is_minimal() {
    let rbac = "\
apiVersion: v1
kind: ServiceAccount
metadata: {name: app, namespace: shop}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: app, namespace: shop}
rules:
- apiGroups: [\"\"]
  resources: [pods/exec]
  verbs: [create]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: app, namespace: shop}
subjects:
- kind: ServiceAccount
  name: app
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: app}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app, namespace: shop}
spec:
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec:
      serviceAccountName: app
      containers:
      - name: app
        image: app@sha256:4f5ca1c8b7abe2bd1162e629cafbd824c303b98954b1a168a6e5c45c7e6e1d9b
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: db, namespace: shop}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      automountServiceAccountToken: false
      containers:
      - name: db
        image: db@sha256:4f5ca1c8b7abe2bd1162e629cafbd824c303b98954b1a168a6e5c45c7e6e1d9b
        env:
        - name: PASSWORD
          valueFrom: {secretKeyRef: {name: db, key: password}}
";
    let (_, result) = attack_on(&[("shop.yaml", rbac)], &["shop/app"]);
    let goal = result
        .goals
        .iter()
        .find(|g| g.goal == Goal::Secrets)
        .unwrap();
    assert!(goal.reachable);
    let steps = path_steps(&result, goal);
    assert_eq!(
        steps,
        [
            "assumed-breach",
            "steal-service-account-token",
            "rbac-exec-into-pods",
            "exec-in-namespace",
            "read-workload-secrets"
        ]
    );
    let codes: BTreeSet<&str> = goal
        .fixes
        .fixes
        .iter()
        .map(|&i| result.graph.fixes[i].code)
        .collect();
    // Either the token or the exec grant; one is enough.
    assert_eq!(goal.fixes.fixes.len(), 1, "{codes:?}");
    assert!(
        codes.contains("TB417") || codes.contains("TB503"),
        "{codes:?}"
    );
}

#[test]
fn runtime_socket_in_compose_gives_the_host() {
    let compose = "\
services:
  ci:
    image: docker@sha256:4f5ca1c8b7abe2bd1162e629cafbd824c303b98954b1a168a6e5c45c7e6e1d9b
    ports: [\"8080:8080\"]
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock
    mem_limit: 256m
    pids_limit: 100
";
    let (_, result) = analysed(&[("compose.yaml", compose)], &AttackOptions::default());
    let goal = result
        .goals
        .iter()
        .find(|g| g.goal == Goal::NodeRoot)
        .unwrap();
    let steps = path_steps(&result, goal);
    assert_eq!(steps, ["exploit-exposed-service", "escape-runtime-socket"]);
    let fix = &result.graph.fixes[goal.fixes.fixes[0]];
    assert_eq!((fix.code, fix.location.start_line), ("TB402", 6));
    assert!(!reachable(&result).contains("cluster-admin"));
}

#[test]
fn every_grounded_step_uses_the_predicates_its_catalogue_entry_names() {
    let files = [
        (
            "everything.yaml",
            manifest("DaemonSet", "everything-allowed"),
        ),
        ("seed.yaml", SEED_TREE.to_string()),
    ];
    let borrowed: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
    let (_, result) = attack_on(&borrowed, &["all"]);
    assert!(result.graph.steps.len() > 10);
    for s in &result.graph.steps {
        let meta = s.meta();
        let mut used: Vec<&str> = s
            .premises
            .iter()
            .map(|&p| result.graph.node(p).predicate())
            .collect();
        used.sort_unstable();
        used.dedup();
        let mut written: Vec<&str> = meta.requires.iter().map(String::as_str).collect();
        written.sort_unstable();
        written.dedup();
        assert_eq!(used, written, "{}", meta.id);
        assert_eq!(
            result.graph.node(s.conclusion).predicate(),
            meta.grants,
            "{}",
            meta.id
        );
    }
}

#[test]
fn unreachable_without_entry_points() {
    let text = manifest("Deployment", "everything-allowed");
    let (_, result) = attack_on(&[("d.yaml", &text)], &[]);
    assert!(reachable(&result).is_empty());
    assert!(result.goals.iter().all(|g| g.fixes.fixes.is_empty()));
}

#[test]
fn a_named_secret_is_reached_through_the_workload_that_holds_it_only() {
    let files = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: db, namespace: shop}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      automountServiceAccountToken: false
      containers:
      - name: db
        image: db@sha256:4f5ca1c8b7abe2bd1162e629cafbd824c303b98954b1a168a6e5c45c7e6e1d9b
        env:
        - name: PASSWORD
          valueFrom: {secretKeyRef: {name: db-password, key: password}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      automountServiceAccountToken: false
      containers:
      - name: web
        image: web@sha256:4f5ca1c8b7abe2bd1162e629cafbd824c303b98954b1a168a6e5c45c7e6e1d9b
";
    let run = |breach: &str, goal: &str| {
        let options = AttackOptions {
            entries: EntryPoints {
                internet: false,
                supply_chain: false,
                assume_breach: vec![breach.to_string()],
            },
            goals: vec![Goal::parse(goal).unwrap()],
        };
        analysed(&[("shop.yaml", files)], &options).1.goals[0].reachable
    };
    assert!(run("shop/db", "secret:shop/db-password"));
    assert!(!run("shop/web", "secret:shop/db-password"));
    assert!(!run("shop/db", "secret:shop/other"));
    assert!(Goal::parse("secret:").is_err());
    assert_eq!(Goal::parse("secret:x").unwrap().id(), "secret:default/x");
}

#[test]
fn minimal_attacks_are_counted_exactly_on_small_graphs() {
    let pod = |name: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: a}}\nspec:\n  automountServiceAccountToken: false\n  containers:\n  - name: c\n    image: x@sha256:4f5ca1c8b7abe2bd1162e629cafbd824c303b98954b1a168a6e5c45c7e6e1d9b\n    securityContext: {{privileged: true, runAsUser: 1000}}\n"
        )
    };
    let text = format!("{}---\n{}", pod("one"), pod("two"));
    let (_, result) = attack_on(&[("pods.yaml", &text)], &["all"]);
    let goal = result
        .goals
        .iter()
        .find(|g| g.goal == Goal::NodeRoot)
        .unwrap();
    // Escape from either pod: two minimal attacks, both listed, count exact.
    assert_eq!(goal.attacks.len(), 2);
    assert_eq!(
        (goal.attack_count, goal.attack_count_capped),
        (Some(2), false)
    );
    assert!(goal.probability_exact);
    // P(at least one of two independent escapes) = 1 - (1 - 0.95)^2.
    assert!(
        (goal.probability - (1.0 - 0.05f64 * 0.05)).abs() < 1e-9,
        "{}",
        goal.probability
    );
    // Cutting it needs both privileged flags fixed.
    assert_eq!(goal.fixes.fixes.len(), 2);
    assert!(goal.fixes.verified && goal.fixes.method == "exact");
}

#[test]
fn rbac_grounding_stops_at_its_limit_and_says_so() {
    // A role bound to more subjects than the (test-sized) limit allows.
    let subjects: String = (0..60)
        .map(|i| format!("- {{kind: ServiceAccount, name: sa{i}}}\n"))
        .collect();
    let text = format!(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {{name: r, namespace: a}}\nrules:\n- apiGroups: [\"\"]\n  resources: [secrets]\n  verbs: [get]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {{name: b, namespace: a}}\nsubjects:\n{subjects}roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}}\n"
    );
    let (_, result) = attack_on(&[("rbac.yaml", &text)], &[]);
    assert_eq!(
        result.graph.warnings.len(),
        1,
        "{:?}",
        result.graph.warnings
    );
    assert!(result.graph.warnings[0].contains("incomplete"));
    let facts = result
        .graph
        .nodes
        .iter()
        .filter(|n| n.fact_kind() == Some(graph::FactKind::RbacReadSecrets))
        .count();
    assert_eq!(facts, 50);
}
