//! The spanned YAML/JSON tree builder: aliases, merge keys, limits, spans.
#![no_main]

use libfuzzer_sys::fuzz_target;
use threatbox::parse::yaml::{parse_json, parse_stream};
use threatbox::source::SourceFile;

fuzz_target!(|data: &[u8]| {
    let Ok((text, _)) = threatbox::decode_text(data.to_vec(), "x.yaml".into()) else {
        return;
    };
    let source = SourceFile::new("x.yaml", text);
    let (documents, diagnostics) = parse_stream(&source);
    for d in &diagnostics {
        assert!(d.location.start_line <= source.line_count() + 1);
    }
    for doc in &documents {
        // Every span maps to a location without panicking.
        let _ = source.location(&doc.root.span);
    }
    let _ = parse_json(&source);
});
