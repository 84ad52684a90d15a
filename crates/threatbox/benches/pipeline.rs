//! Criterion benchmarks of the pipeline's stages over the shared corpora when
//! they are there (`../shared/corpora/` from the repository root; override
//! with `THREATBOX_CORPORA`), else over the bundled examples:
//!
//! - Dockerfiles: parse, model, rules (each iteration on fresh models: the
//!   shell parse of `RUN` scripts is cached in the model, so reusing one
//!   would leave it out), and a whole scan;
//! - Kubernetes manifests: YAML parse, model load (YAML → workloads, RBAC,
//!   Services…) and a whole scan;
//! - attack analysis (grounding, reachability, minimal attacks, fix sets,
//!   the fix plan and the catalogue's trees, as `threatbox attack` runs it)
//!   on the examples' system and on the Kubernetes corpus.
//!
//! The scans are `ScanOptions`' default: without the attack paths that
//! `threatbox scan --format json|sarif` adds (the attack benchmarks time
//! those).
//!
//! `cargo bench -p threatbox --bench pipeline`

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use threatbox::analyse::{attack, rules, run_rules};
use threatbox::config::Config;
use threatbox::discover::InputKind;
use threatbox::model::System;
use threatbox::model::build::build_image;
use threatbox::model::load::load;
use threatbox::parse::dockerfile::parse;
use threatbox::parse::yaml::parse_stream;
use threatbox::source::SourceFile;
use threatbox::{ScanOptions, scan};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A corpus directory, or the examples when the corpora are not there.
fn corpus(name: &str) -> PathBuf {
    let corpora = std::env::var_os("THREATBOX_CORPORA")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared/corpora"));
    let dir = corpora.join(name);
    if dir.is_dir() {
        dir
    } else {
        root().join("examples")
    }
}

/// The files of `dir` that discovery gives as `kinds`, read.
fn load_sources(dir: &Path, kinds: &[InputKind]) -> Vec<Arc<SourceFile>> {
    let (candidates, _) = threatbox::discover::discover(&[dir.to_path_buf()], &[]);
    candidates
        .iter()
        .filter(|c| kinds.contains(&c.kind))
        .filter_map(|c| {
            let (text, _) = threatbox::read_text(&c.path).ok()?;
            Some(Arc::new(SourceFile::new(
                c.path.display().to_string(),
                text,
            )))
        })
        .collect()
}

fn scan_options(dir: &Path) -> ScanOptions {
    ScanOptions {
        paths: vec![dir.to_path_buf()],
        today: Some("2026-01-01".into()),
        ..ScanOptions::default()
    }
}

fn dockerfiles(c: &mut Criterion) {
    let dir = corpus("dockerfiles");
    let sources = load_sources(&dir, &[InputKind::Dockerfile]);
    let bytes: usize = sources.iter().map(|s| s.text.len()).sum();
    let config = Config::default();
    let all = rules::all();
    let models = || System {
        images: sources
            .iter()
            .map(|s| build_image(parse(s.clone()), None))
            .collect(),
        ..System::default()
    };

    let mut g = c.benchmark_group(format!("{} Dockerfiles", sources.len()));
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("parse", |b| {
        b.iter(|| {
            for s in &sources {
                black_box(parse(s.clone()));
            }
        })
    });
    g.bench_function("model", |b| {
        b.iter_batched(
            || sources.iter().map(|s| parse(s.clone())).collect::<Vec<_>>(),
            |parsed| {
                for p in parsed {
                    black_box(build_image(p, None));
                }
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("rules", |b| {
        b.iter_batched(
            models,
            |system| black_box(run_rules(&system, &config, &all)),
            BatchSize::LargeInput,
        )
    });
    let options = scan_options(&dir);
    g.bench_function("scan (discover, read, parse, model, rules)", |b| {
        b.iter(|| black_box(scan(&options, &config)))
    });
    g.finish();
}

fn manifests(c: &mut Criterion) {
    let dir = corpus("k8s");
    let sources = load_sources(&dir, &[InputKind::Yaml, InputKind::Json]);
    let bytes: usize = sources.iter().map(|s| s.text.len()).sum();
    let config = Config::default();

    let mut g = c.benchmark_group(format!("{} YAML/JSON manifests", sources.len()));
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("yaml parse", |b| {
        b.iter(|| {
            for s in &sources {
                black_box(parse_stream(s));
            }
        })
    });
    g.bench_function("model load", |b| {
        b.iter(|| {
            for s in &sources {
                let json = s.path.ends_with(".json");
                black_box(load(s, json, false));
            }
        })
    });
    let options = scan_options(&dir);
    g.bench_function("scan (discover, read, parse, model, rules)", |b| {
        b.iter(|| black_box(scan(&options, &config)))
    });
    g.finish();
}

fn attack_analysis(c: &mut Criterion) {
    let config = Config::default();
    let mut g = c.benchmark_group("attack analysis");
    for (name, dir) in [
        ("examples", root().join("examples")),
        ("k8s corpus", corpus("k8s")),
    ] {
        let analysis = scan(&scan_options(&dir), &config);
        g.bench_function(name, |b| {
            b.iter(|| {
                black_box(attack::analyse(
                    &analysis.system,
                    &analysis.findings,
                    &Default::default(),
                ))
            })
        });
    }
    g.finish();
}

criterion_group!(pipeline, dockerfiles, manifests, attack_analysis);
criterion_main!(pipeline);
