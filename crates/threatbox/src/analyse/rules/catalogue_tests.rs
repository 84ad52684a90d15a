//! Checks over the whole catalogue: every rule is complete and consistent.

use std::collections::HashSet;

use super::all;
use crate::analyse::cwe;

#[test]
fn every_rule_is_documented_and_tagged() {
    let rules = all();
    assert!(!rules.is_empty());
    let mut codes = HashSet::new();
    let mut slugs = HashSet::new();
    for r in rules {
        let m = r.meta();
        assert!(codes.insert(m.code), "duplicate code {}", m.code);
        assert!(slugs.insert(m.slug), "duplicate slug {}", m.slug);
        assert!(
            m.code.len() == 5
                && m.code.starts_with("TB")
                && m.code[2..].chars().all(|c| c.is_ascii_digit()),
            "code {} is not TBnnn",
            m.code
        );
        assert!(
            m.slug
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "slug {} is not kebab-case",
            m.slug
        );
        assert!(!m.stride.is_empty(), "{}: no STRIDE category", m.code);
        assert!(!m.cwe.is_empty(), "{}: no CWE", m.code);
        for id in m.cwe {
            assert!(
                cwe::lookup(*id).is_some(),
                "{}: CWE-{id} is not a Base/Variant/Class entry of CWE-1000",
                m.code
            );
        }
        assert!(
            !m.title.is_empty() && !m.remediation.is_empty(),
            "{}",
            m.code
        );
        for section in [
            "**What it detects.**",
            "**Why it is a threat.**",
            "**Example.**",
            "**Fix.**",
        ] {
            assert!(m.docs.contains(section), "{}: docs lack {section}", m.code);
        }
    }
}

#[test]
fn rules_are_listed_in_code_order() {
    let codes: Vec<&str> = all().iter().map(|r| r.meta().code).collect();
    let mut sorted = codes.clone();
    sorted.sort();
    assert_eq!(codes, sorted);
}
