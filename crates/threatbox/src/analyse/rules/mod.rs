//! The rule catalogue. One file per rule; this list is the only place a rule
//! is registered, and the order here is the catalogue order.

pub mod support;
mod tb101_secret_in_env_or_arg;
mod tb102_secret_file_in_image;
mod tb103_build_secret_in_history;
mod tb104_remote_script_piped_to_shell;
mod tb105_add_remote_without_checksum;
mod tb106_tls_verification_disabled;
mod tb107_package_signature_check_disabled;
mod tb108_sudo_in_run;
mod tb112_password_set_in_build;
#[cfg(test)]
pub mod testing;

use super::rule::{Rule, RuleMeta};
use crate::config::Config;

/// Every rule, in catalogue order.
pub fn all() -> Vec<&'static dyn Rule> {
    vec![
        &tb101_secret_in_env_or_arg::SecretInEnvOrArg,
        &tb102_secret_file_in_image::SecretFileInImage,
        &tb103_build_secret_in_history::BuildSecretInHistory,
        &tb104_remote_script_piped_to_shell::RemoteScriptPipedToShell,
        &tb105_add_remote_without_checksum::AddRemoteWithoutChecksum,
        &tb106_tls_verification_disabled::TlsVerificationDisabled,
        &tb107_package_signature_check_disabled::PackageSignatureCheckDisabled,
        &tb108_sudo_in_run::SudoInRun,
        &tb112_password_set_in_build::PasswordSetInBuild,
    ]
}

/// The rules the configuration leaves on.
pub fn enabled(config: &Config) -> Vec<&'static dyn Rule> {
    all()
        .into_iter()
        .filter(|r| !config.is_disabled(r.meta()))
        .collect()
}

/// Looks a rule up by code (`TB101`) or slug, case-insensitively.
pub fn find(code_or_slug: &str) -> Option<&'static RuleMeta> {
    all().into_iter().map(|r| r.meta()).find(|m| {
        m.code.eq_ignore_ascii_case(code_or_slug) || m.slug.eq_ignore_ascii_case(code_or_slug)
    })
}
