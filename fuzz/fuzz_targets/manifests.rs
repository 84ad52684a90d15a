//! Kubernetes and compose model builders: bytes → YAML → objects, workloads,
//! RBAC, network and control-plane models, then cross-file resolution.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use threatbox::model::System;
use threatbox::model::load::load;
use threatbox::model::resolve::resolve;
use threatbox::source::SourceFile;

fuzz_target!(|data: &[u8]| {
    let Ok((text, _)) = threatbox::decode_text(data.to_vec(), "x.yaml".into()) else {
        return;
    };
    let source = Arc::new(SourceFile::new("x.yaml", text));
    let (fragment, _kinds) = load(&source, false, true);
    let mut system = System::default();
    let _ = system.add(fragment);
    resolve(&mut system);
});
