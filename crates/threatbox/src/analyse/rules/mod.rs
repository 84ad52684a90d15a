//! The rule catalogue. One file per rule; this list is the only place a rule
//! is registered, and the order here is the catalogue order.

#[cfg(test)]
mod catalogue_tests;
pub mod container_support;
pub mod packages;
#[cfg(test)]
mod runtime_end_to_end_tests;
pub mod scope;
pub mod support;
mod tb101_secret_in_env_or_arg;
mod tb102_secret_file_in_image;
mod tb103_build_secret_in_history;
mod tb104_remote_script_piped_to_shell;
mod tb105_add_remote_without_checksum;
mod tb106_tls_verification_disabled;
mod tb107_package_signature_check_disabled;
mod tb108_sudo_in_run;
mod tb109_insecure_build_privileges;
mod tb110_add_instead_of_copy;
mod tb111_world_writable_permissions;
mod tb112_password_set_in_build;
mod tb113_copy_whole_stage_filesystem;
mod tb114_unpinned_packages;
mod tb201_runs_as_root;
mod tb202_ssh_server_in_image;
mod tb203_missing_healthcheck;
mod tb204_package_manager_hygiene;
mod tb205_build_tools_in_final_image;
mod tb206_user_not_numeric;
mod tb301_base_image_unpinned;
mod tb302_base_image_not_digest_pinned;
mod tb303_base_image_untrusted_source;
mod tb401_privileged_container;
mod tb402_runtime_socket_mounted;
mod tb403_sensitive_host_path_mounted;
mod tb404_writable_host_path;
mod tb405_host_namespaces_shared;
mod tb406_privilege_escalation_allowed;
mod tb407_capabilities_not_restricted;
mod tb408_runs_as_root;
mod tb409_writable_root_filesystem;
mod tb410_no_seccomp_profile;
mod tb411_no_mandatory_access_control;
mod tb412_no_resource_limits;
mod tb413_unmasked_proc_mount;
mod tb414_secret_in_environment;
mod tb415_image_not_pinned;
mod tb416_host_port_published;
mod tb417_service_account_token_mounted;
mod tb418_missing_probes;
mod tb419_default_bridge_network;
mod tb420_logging_disabled;
mod tb421_host_devices_exposed;
mod tb422_workload_image_untrusted_source;
mod tb423_sudo_in_container_command;
mod tb424_unbounded_restart_policy;
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
        &tb109_insecure_build_privileges::InsecureBuildPrivileges,
        &tb110_add_instead_of_copy::AddInsteadOfCopy,
        &tb111_world_writable_permissions::WorldWritablePermissions,
        &tb112_password_set_in_build::PasswordSetInBuild,
        &tb113_copy_whole_stage_filesystem::CopyWholeStageFilesystem,
        &tb114_unpinned_packages::UnpinnedPackages,
        &tb201_runs_as_root::RunsAsRoot,
        &tb202_ssh_server_in_image::SshServerInImage,
        &tb203_missing_healthcheck::MissingHealthcheck,
        &tb204_package_manager_hygiene::PackageManagerHygiene,
        &tb205_build_tools_in_final_image::BuildToolsInFinalImage,
        &tb206_user_not_numeric::UserNotNumeric,
        &tb301_base_image_unpinned::BaseImageUnpinned,
        &tb302_base_image_not_digest_pinned::BaseImageNotDigestPinned,
        &tb303_base_image_untrusted_source::BaseImageUntrustedSource,
        &tb401_privileged_container::PrivilegedContainer,
        &tb402_runtime_socket_mounted::RuntimeSocketMounted,
        &tb403_sensitive_host_path_mounted::SensitiveHostPathMounted,
        &tb404_writable_host_path::WritableHostPath,
        &tb405_host_namespaces_shared::HostNamespacesShared,
        &tb406_privilege_escalation_allowed::PrivilegeEscalationAllowed,
        &tb407_capabilities_not_restricted::CapabilitiesNotRestricted,
        &tb408_runs_as_root::ContainerRunsAsRoot,
        &tb409_writable_root_filesystem::WritableRootFilesystem,
        &tb410_no_seccomp_profile::NoSeccompProfile,
        &tb411_no_mandatory_access_control::NoMandatoryAccessControl,
        &tb412_no_resource_limits::NoResourceLimits,
        &tb413_unmasked_proc_mount::UnmaskedProcMount,
        &tb414_secret_in_environment::SecretInEnvironment,
        &tb415_image_not_pinned::ContainerImageNotPinned,
        &tb416_host_port_published::HostPortPublished,
        &tb417_service_account_token_mounted::ServiceAccountTokenMounted,
        &tb418_missing_probes::MissingProbes,
        &tb419_default_bridge_network::DefaultBridgeNetwork,
        &tb420_logging_disabled::LoggingDisabled,
        &tb421_host_devices_exposed::HostDevicesExposed,
        &tb422_workload_image_untrusted_source::WorkloadImageUntrustedSource,
        &tb423_sudo_in_container_command::SudoInContainerCommand,
        &tb424_unbounded_restart_policy::UnboundedRestartPolicy,
    ]
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
