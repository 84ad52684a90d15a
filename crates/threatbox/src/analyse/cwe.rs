//! The CWE entries findings may cite: the Base, Variant and Class entries of
//! MITRE's research view (CWE-1000, version 4.14). Categories, views and
//! pillars are not in the table, so a rule cannot cite them.
//!
//! CWE is © The MITRE Corporation; see `data/cwe/NOTICE` and
//! `data/cwe/TERMS-OF-USE`, which travel with this data.

use std::sync::OnceLock;

const TABLE: &str = include_str!("../../data/cwe/cwe-1000.tsv");

/// One CWE entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cwe {
    pub id: u32,
    /// `Base`, `Variant` or `Class`.
    pub abstraction: &'static str,
    pub name: &'static str,
}

impl Cwe {
    /// MITRE's page for the entry.
    pub fn url(&self) -> String {
        format!("https://cwe.mitre.org/data/definitions/{}.html", self.id)
    }
}

fn table() -> &'static [Cwe] {
    static CELL: OnceLock<Vec<Cwe>> = OnceLock::new();
    CELL.get_or_init(|| {
        TABLE
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .filter_map(|l| {
                let mut parts = l.splitn(3, '\t');
                let id = parts.next()?.parse().ok()?;
                Some(Cwe {
                    id,
                    abstraction: parts.next()?,
                    name: parts.next()?,
                })
            })
            .collect()
    })
}

/// The entry for `id`, if it is one findings may cite.
pub fn lookup(id: u32) -> Option<Cwe> {
    let t = table();
    t.binary_search_by_key(&id, |c| c.id).ok().map(|i| t[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_complete() {
        let t = table();
        assert!(t.len() > 900, "{}", t.len());
        assert!(t.windows(2).all(|w| w[0].id < w[1].id));
        assert_eq!(
            lookup(250).unwrap().name,
            "Execution with Unnecessary Privileges"
        );
        assert_eq!(lookup(1357).unwrap().abstraction, "Class");
    }

    #[test]
    fn categories_and_views_are_not_citable() {
        // CWE-16 Configuration is a category; CWE-1000 the research view itself;
        // CWE-284 is a pillar.
        for id in [16, 1000, 284, 254] {
            assert!(lookup(id).is_none(), "CWE-{id}");
        }
    }
}
