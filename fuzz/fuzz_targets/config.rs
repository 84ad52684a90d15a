//! `.threatbox.toml`: TOML → config (globs, dates, rule names).
#![no_main]

use libfuzzer_sys::fuzz_target;
use threatbox::config::Config;
use threatbox::source::SourceFile;

fuzz_target!(|data: &[u8]| {
    let Ok((text, _)) = threatbox::decode_text(data.to_vec(), ".threatbox.toml".into()) else {
        return;
    };
    let source = SourceFile::new(".threatbox.toml", text);
    if let Err(d) = Config::parse(source) {
        assert_eq!(d.code, "config-error");
    }
});
