//! The bundled example system (`examples/`): the README shows its output, so
//! the findings it promises are asserted here, each at its line.

use std::collections::BTreeSet;
use std::path::Path;

use threatbox::config::Config;
use threatbox::{ScanOptions, scan};

/// `(code, path relative to examples/, line)` of active findings, and
/// `(code, path)` of suppressed ones.
type Found = BTreeSet<(String, String, usize)>;
type Suppressed = BTreeSet<(String, String)>;

fn example_findings() -> (Found, Suppressed) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let options = ScanOptions {
        paths: vec![root.clone()],
        ..ScanOptions::default()
    };
    let analysis = scan(&options, &Config::default());
    assert!(
        analysis
            .diagnostics
            .iter()
            .all(|d| d.level != threatbox::source::DiagnosticLevel::Error),
        "{:?}",
        analysis.diagnostics
    );
    let rel = |p: &str| {
        Path::new(p)
            .strip_prefix(&root)
            .map_or(p.to_string(), |r| r.display().to_string())
    };
    let active = analysis
        .active()
        .map(|f| {
            (
                f.rule.code.to_string(),
                rel(&f.location.path),
                f.location.start_line,
            )
        })
        .collect();
    let suppressed = analysis
        .suppressed()
        .map(|f| (f.rule.code.to_string(), rel(&f.location.path)))
        .collect();
    (active, suppressed)
}

#[test]
fn the_flaws_the_readme_promises_are_found_at_their_lines() {
    let (found, suppressed) = example_findings();
    let expected = [
        // api/Dockerfile
        ("TB301", "api/Dockerfile", 3),
        ("TB103", "api/Dockerfile", 5),
        ("TB101", "api/Dockerfile", 6),
        ("TB101", "api/Dockerfile", 7),
        ("TB106", "api/Dockerfile", 8),
        ("TB202", "api/Dockerfile", 11),
        ("TB104", "api/Dockerfile", 12),
        ("TB105", "api/Dockerfile", 14),
        ("TB102", "api/Dockerfile", 17),
        ("TB106", "api/Dockerfile", 18),
        ("TB108", "api/Dockerfile", 21),
        ("TB111", "api/Dockerfile", 21),
        ("TB202", "api/Dockerfile", 23),
        ("TB201", "api/Dockerfile", 24),
        // compose.yaml
        ("TB414", "compose.yaml", 16),
        ("TB402", "compose.yaml", 27),
        // api.env, read through the api service's `env_file`
        ("TB414", "api.env", 4),
        // k8s
        ("TB417", "k8s/api.yaml", 14),
        ("TB414", "k8s/api.yaml", 22),
        ("TB401", "k8s/log-agent.yaml", 18),
        ("TB403", "k8s/log-agent.yaml", 20),
        ("TB529", "k8s/log-agent.yaml", 6),
        ("TB527", "k8s/namespace.yaml", 1),
    ];
    let missing: Vec<_> = expected
        .iter()
        .filter(|(c, p, l)| !found.contains(&(c.to_string(), p.to_string(), *l)))
        .collect();
    assert!(missing.is_empty(), "missing {missing:?}\nfound {found:#?}");
    assert!(suppressed.contains(&("TB203".to_string(), "worker/Dockerfile".to_string())));
}

#[test]
fn the_well_built_worker_image_has_only_minor_findings() {
    let (found, _) = example_findings();
    let worker: Vec<_> = found
        .iter()
        .filter(|(_, p, _)| p == "worker/Dockerfile")
        .collect();
    assert_eq!(worker.len(), 1, "{worker:?}");
    assert_eq!(worker[0].0, "TB302");
}
