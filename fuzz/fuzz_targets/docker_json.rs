//! JSON inputs: `docker inspect` output and `daemon.json` (and any
//! Kubernetes JSON) → model → resolution.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use threatbox::model::System;
use threatbox::model::load::load;
use threatbox::model::resolve::resolve;
use threatbox::source::SourceFile;

fuzz_target!(|data: &[u8]| {
    let Ok((text, _)) = threatbox::decode_text(data.to_vec(), "x.json".into()) else {
        return;
    };
    let source = Arc::new(SourceFile::new("x.json", text));
    let (fragment, _kinds) = load(&source, true, true);
    let mut system = System::default();
    let _ = system.add(fragment);
    resolve(&mut system);
});
