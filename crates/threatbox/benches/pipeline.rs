//! Criterion benchmarks of the pipeline's stages: parse, model + rules, and a
//! whole scan. They run over the shared Dockerfile corpus when it is there
//! (`THREATBOX_CORPUS`, default `../shared/corpora/dockerfiles` from the
//! repository root), else over the bundled examples.
//!
//! `cargo bench -p threatbox --bench pipeline`

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use threatbox::analyse::{rules, run_rules};
use threatbox::config::Config;
use threatbox::model::System;
use threatbox::model::build::build_image;
use threatbox::parse::dockerfile::parse;
use threatbox::source::SourceFile;
use threatbox::{ScanOptions, scan};

fn corpus_dir() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = std::env::var_os("THREATBOX_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/corpora/dockerfiles"));
    if dir.is_dir() {
        dir
    } else {
        root.join("examples")
    }
}

fn load_sources(dir: &Path) -> Vec<Arc<SourceFile>> {
    let (candidates, _) = threatbox::discover::discover(&[dir.to_path_buf()], &[]);
    candidates
        .iter()
        .filter_map(|c| {
            let (text, _) = threatbox::read_text(&c.path).ok()?;
            Some(Arc::new(SourceFile::new(
                c.path.display().to_string(),
                text,
            )))
        })
        .collect()
}

fn benches(c: &mut Criterion) {
    let dir = corpus_dir();
    let sources = load_sources(&dir);
    let bytes: usize = sources.iter().map(|s| s.text.len()).sum();

    let mut g = c.benchmark_group(format!("{} Dockerfiles", sources.len()));
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("parse", |b| {
        b.iter(|| {
            for s in &sources {
                black_box(parse(s.clone()));
            }
        })
    });
    let system = System {
        images: sources
            .iter()
            .map(|s| build_image(parse(s.clone()), None))
            .collect(),
        ..System::default()
    };
    let all = rules::all();
    let config = Config::default();
    g.bench_function("rules", |b| {
        b.iter(|| black_box(run_rules(&system, &config, &all)))
    });
    let options = ScanOptions {
        paths: vec![dir.clone()],
        ..ScanOptions::default()
    };
    g.bench_function("scan (discover, read, parse, model, rules)", |b| {
        b.iter(|| black_box(scan(&options, &config)))
    });
    g.finish();
}

criterion_group!(pipeline, benches);
criterion_main!(pipeline);
