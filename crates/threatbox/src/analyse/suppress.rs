//! Suppressions: inline `# threatbox:ignore=CODE reason` comments and
//! `[[ignore]]` entries in `.threatbox.toml`.

use super::finding::Finding;
use crate::config::Config;
use crate::model::System;
use crate::source::Diagnostic;

pub fn apply(
    _system: &System,
    _config: &Config,
    _strict: bool,
    _findings: &mut [Finding],
    _diagnostics: &mut Vec<Diagnostic>,
) {
}
