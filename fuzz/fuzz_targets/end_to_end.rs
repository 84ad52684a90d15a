//! End to end: the bytes as each kind of input at once (a Dockerfile, a
//! YAML manifest or compose file, a JSON file), the whole analysis, then
//! every output format.
#![no_main]

use std::path::PathBuf;

use libfuzzer_sys::fuzz_target;
use threatbox::config::Config;
use threatbox::report::{Format, render};
use threatbox::{ScanOptions, scan_texts};

fuzz_target!(|data: &[u8]| {
    // The first byte chooses which names the bytes are given; all three by
    // default so that cross-file joins see them together.
    let (choice, body) = match data.split_first() {
        Some((c, rest)) => (*c, rest),
        None => (0, data),
    };
    let names: &[&str] = match choice % 4 {
        0 => &["<fuzz>/Dockerfile"],
        1 => &["<fuzz>/manifest.yaml"],
        2 => &["<fuzz>/input.json"],
        _ => &[
            "<fuzz>/Dockerfile",
            "<fuzz>/manifest.yaml",
            "<fuzz>/input.json",
        ],
    };
    let files: Vec<(PathBuf, Vec<u8>)> = names
        .iter()
        .map(|n| (PathBuf::from(n), body.to_vec()))
        .collect();
    let options = ScanOptions {
        today: Some("2026-01-01".into()),
        ..ScanOptions::default()
    };
    let analysis = scan_texts(&files, &options, &Config::default());
    for format in [Format::Json, Format::Sarif] {
        let out = render(&analysis, format, false);
        assert!(
            out.starts_with('{'),
            "{format:?} output is not a JSON object"
        );
    }
    let _ = render(&analysis, Format::Text, true);
    let _ = render(&analysis, Format::Text, false);
});
