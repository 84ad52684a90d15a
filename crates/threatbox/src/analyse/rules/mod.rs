//! The rule catalogue. One file per rule; this list is the only place a rule
//! is registered, and the order here is the catalogue order.

#[cfg(test)]
mod catalogue_tests;
mod tb108_sudo_in_run;
#[cfg(test)]
pub mod testing;

use super::rule::{Rule, RuleMeta};
use crate::config::Config;

/// Every rule, in catalogue order.
pub fn all() -> Vec<&'static dyn Rule> {
    vec![&tb108_sudo_in_run::SudoInRun]
}

/// The rules the configuration leaves on.
pub fn enabled(config: &Config) -> Vec<&'static dyn Rule> {
    all()
        .into_iter()
        .filter(|r| !config.is_disabled(r.meta()))
        .collect()
}

/// Looks a rule up by code (`TB101`), slug or a peer's id (`DL3002`),
/// case-insensitively. A peer id shared by several rules gives the first.
pub fn find(name: &str) -> Option<&'static RuleMeta> {
    let metas = || all().into_iter().map(|r| r.meta());
    metas()
        .find(|m| m.code.eq_ignore_ascii_case(name) || m.slug.eq_ignore_ascii_case(name))
        .or_else(|| metas().find(|m| m.peers.iter().any(|p| p.eq_ignore_ascii_case(name))))
}
