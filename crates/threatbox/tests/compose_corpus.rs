//! Runs every compose file under `/work/shared/corpora/compose/` (or
//! `$THREATBOX_COMPOSE_CORPUS`) through `threatbox::scan` and the model:
//! no panic, no error diagnostic, and every `build:` that names a Dockerfile
//! present in the corpus linked to it. Prints the figures quoted in
//! `docs/compose-and-docker-input.md`.
//!
//! Ignored by default (it needs the corpus):
//! `cargo test -p threatbox --test compose_corpus -- --ignored --nocapture`

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use threatbox::discover::{InputKind, discover};
use threatbox::model::build::build_image;
use threatbox::model::runtime::{Container, Platform};
use threatbox::model::{System, load::load, resolve::resolve};
use threatbox::parse::dockerfile::parse;
use threatbox::source::{DiagnosticLevel, SourceFile};

fn corpus_root() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("THREATBOX_COMPOSE_CORPUS") {
        return Some(PathBuf::from(p));
    }
    let default = "shared/corpora/compose";
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    [
        manifest.join("../../..").join(default),
        Path::new("/work").join(default),
    ]
    .into_iter()
    .find(|p| p.is_dir())
}

/// The model as `scan` builds it (scan does not hand the system out).
fn model(root: &Path) -> System {
    let (candidates, _) = discover(&[root.to_path_buf()], &[]);
    let mut system = System::default();
    for c in &candidates {
        let Ok((text, _)) = threatbox::read_text(&c.path) else {
            continue;
        };
        let source = Arc::new(SourceFile::new(c.path.display().to_string(), text));
        if c.kind == InputKind::Dockerfile {
            system.images.push(build_image(parse(source), None));
        } else {
            let (fragment, _) = load(&source, c.kind == InputKind::Json, false);
            system.add(fragment);
        }
    }
    resolve(&mut system);
    system
}

#[test]
#[ignore = "needs the compose corpus"]
fn compose_corpus() {
    let Some(root) = corpus_root() else {
        eprintln!("compose corpus not found; skipped");
        return;
    };
    let started = std::time::Instant::now();
    let analysis = threatbox::scan(
        &threatbox::ScanOptions {
            paths: vec![root.clone()],
            ..Default::default()
        },
        &threatbox::config::Config::default(),
    );
    let scan_time = started.elapsed();
    for d in &analysis.diagnostics {
        eprintln!(
            "{:?} {} {}:{} {}",
            d.level, d.code, d.location.path, d.location.start_line, d.message
        );
    }
    let errors = analysis
        .diagnostics
        .iter()
        .filter(|d| d.level == DiagnosticLevel::Error)
        .count();

    let system = model(&root);
    let services: Vec<_> = system
        .workloads
        .iter()
        .filter(|w| w.platform == Platform::Compose)
        .collect();
    let files: BTreeSet<_> = services.iter().map(|w| w.location.path.clone()).collect();
    let containers: Vec<&Container> = services.iter().flat_map(|w| &w.containers).collect();
    let builds: Vec<_> = containers
        .iter()
        .filter(|c| c.build_dockerfile.is_some())
        .collect();
    let linked = builds.iter().filter(|c| c.built_image.is_some()).count();
    let from_image = |c: &&&&Container| {
        let in_dockerfile = |p: &str| p.contains("Dockerfile");
        c.run_as_user
            .as_ref()
            .is_some_and(|s| in_dockerfile(&s.location.path))
            || c.user_name
                .as_ref()
                .is_some_and(|s| in_dockerfile(&s.location.path))
    };
    let user_from_image = builds.iter().filter(from_image).count();
    let published = containers
        .iter()
        .flat_map(|c| &c.ports)
        .filter(|p| p.host_port.is_some())
        .count();
    let mounts: usize = containers.iter().map(|c| c.mounts.len()).sum();
    println!(
        "compose files {}, services {}, Dockerfiles {}, build: {}, linked {}, USER from the image {}, \
         published ports {}, mounts {}, diagnostics {} ({} errors), scan {:?}",
        files.len(),
        services.len(),
        system.images.len(),
        builds.len(),
        linked,
        user_from_image,
        published,
        mounts,
        analysis.diagnostics.len(),
        errors,
        scan_time
    );
    for c in &builds {
        if c.built_image.is_none() {
            println!("unlinked: {} -> {:?}", c.name, c.build_dockerfile);
        }
    }
    assert_eq!(errors, 0);
    assert_eq!(linked, builds.len());
}
