//! `docs/rules.md` is generated from the rules' own metadata; this test
//! fails when it is stale. Regenerate with
//! `UPDATE_DOCS=1 cargo test --test docs_up_to_date`.

use std::path::Path;

#[test]
fn rules_md_matches_the_catalogue() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules.md");
    let expected = threatbox::report::catalogue::markdown();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/rules.md is stale: run `UPDATE_DOCS=1 cargo test --test docs_up_to_date`"
    );
}
