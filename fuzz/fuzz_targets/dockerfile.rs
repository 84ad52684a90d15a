//! Dockerfile parser and image model: bytes → text → parse → build stages
//! (variable expansion, stage links, USER resolution) → shell scripts.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use threatbox::model::build::build_image;
use threatbox::parse::dockerfile::parse;
use threatbox::source::SourceFile;

fuzz_target!(|data: &[u8]| {
    let Ok((text, _)) = threatbox::decode_text(data.to_vec(), "Dockerfile".into()) else {
        return;
    };
    let source = Arc::new(SourceFile::new("Dockerfile", text));
    let dockerfile = parse(source.clone());
    for d in &dockerfile.diagnostics {
        // Every diagnostic points inside the file.
        assert!(d.location.start_line <= source.line_count() + 1);
    }
    let image = build_image(dockerfile, None);
    for (n, _) in image.dockerfile.instructions.iter().enumerate() {
        let stage = image.stage_of(n).unwrap_or(usize::MAX);
        let _ = image.expand(stage, n, "${HOME:-/root} $PATH");
        for script in image.run_scripts(n) {
            let _ = script.commands();
        }
    }
});
