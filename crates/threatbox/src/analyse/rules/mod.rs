//! The rule catalogue. One file per rule; this list is the only place a rule
//! is registered, and the order here is the catalogue order.

#[cfg(test)]
mod catalogue_tests;
pub mod cluster;
pub mod container_support;
#[cfg(test)]
mod image_end_to_end_tests;
pub mod image_support;
pub mod limit_ranges;
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
mod tb115_pipe_without_pipefail;
mod tb201_runs_as_root;
mod tb202_ssh_server_in_image;
mod tb203_missing_healthcheck;
mod tb204_package_manager_hygiene;
mod tb205_build_tools_in_final_image;
mod tb206_user_not_numeric;
mod tb210_image_config_runs_as_root;
mod tb211_image_secret_in_config_env;
mod tb212_image_secret_in_history;
mod tb213_image_secret_file_in_layer;
mod tb214_image_setuid_binaries;
mod tb215_image_package_cache_left;
mod tb216_image_shell_in_minimal_image;
mod tb217_image_no_healthcheck;
mod tb218_image_history_exposes_build;
mod tb219_image_platform_mismatch;
mod tb220_image_too_old;
mod tb221_known_vulnerabilities;
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
mod tb425_unsafe_sysctls;
mod tb426_low_user_id;
mod tb427_host_user_namespace;
mod tb429_host_aliases;
mod tb430_non_core_volume_type;
mod tb431_no_resource_requests;
mod tb432_no_ephemeral_storage_limit;
mod tb433_mount_propagation_shared;
mod tb434_ulimit_unlimited;
mod tb435_cgroup_parent_set;
mod tb501_rbac_wildcard_or_cluster_admin;
mod tb502_rbac_secrets_read;
mod tb503_rbac_workload_create_or_exec;
mod tb504_rbac_privilege_escalation_verbs;
mod tb505_rbac_nodes_proxy;
mod tb506_rbac_anonymous_or_broad_group_binding;
mod tb507_default_service_account_bound;
mod tb508_rbac_binding_to_undefined_role;
mod tb509_rbac_delete_audit_evidence_or_resources;
mod tb510_rbac_manage_sensitive_config_or_network;
mod tb520_workload_exposed_without_network_policy;
mod tb521_namespace_without_default_deny;
mod tb522_ingress_without_tls;
mod tb523_service_external_ips_or_open_load_balancer;
mod tb524_secret_in_configmap;
mod tb525_known_dangerous_software;
mod tb526_default_namespace;
mod tb527_namespace_without_resource_quota;
mod tb528_network_policy_selects_nothing;
mod tb529_workload_in_kube_system;
mod tb530_deprecated_api_version;
mod tb531_image_signature_not_verified;
mod tb601_apiserver_anonymous_auth;
mod tb602_apiserver_authorization_always_allow;
mod tb603_apiserver_insecure_port_or_bind;
mod tb604_apiserver_audit_log_missing;
mod tb605_apiserver_weak_flags;
mod tb606_etcd_tls_weak;
mod tb607_controller_manager_scheduler_flags;
mod tb608_apiserver_admission_and_tls_gaps;
mod tb610_kubelet_anonymous_auth;
mod tb611_kubelet_authorization_always_allow;
mod tb612_kubelet_read_only_port;
mod tb613_kubelet_weak_settings;
mod tb614_kubelet_hardening_missing;
mod tb630_daemon_icc_enabled;
mod tb631_daemon_insecure_registries;
mod tb632_daemon_userns_remap_missing;
mod tb633_daemon_no_new_privileges_default;
mod tb634_daemon_live_restore_disabled;
mod tb635_daemon_userland_proxy;
mod tb636_daemon_tcp_without_tls;
mod tb637_daemon_log_driver_local;
mod tb638_daemon_authorization_plugin_missing;
mod tb639_daemon_log_level_not_info;
mod tb640_daemon_iptables_disabled;
mod tb641_daemon_deprecated_storage_settings;
mod tb642_daemon_default_ulimits_missing;
mod tb643_daemon_cgroup_parent_changed;
mod tb644_daemon_seccomp_profile_weakened;
mod tb645_daemon_experimental_enabled;
#[cfg(test)]
pub mod testing;
mod tls_suites;

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
        &tb115_pipe_without_pipefail::PipeWithoutPipefail,
        &tb201_runs_as_root::RunsAsRoot,
        &tb202_ssh_server_in_image::SshServerInImage,
        &tb203_missing_healthcheck::MissingHealthcheck,
        &tb204_package_manager_hygiene::PackageManagerHygiene,
        &tb205_build_tools_in_final_image::BuildToolsInFinalImage,
        &tb206_user_not_numeric::UserNotNumeric,
        &tb210_image_config_runs_as_root::ImageConfigRunsAsRoot,
        &tb211_image_secret_in_config_env::ImageSecretInConfigEnv,
        &tb212_image_secret_in_history::ImageSecretInHistory,
        &tb213_image_secret_file_in_layer::ImageSecretFileInLayer,
        &tb214_image_setuid_binaries::ImageSetuidBinaries,
        &tb215_image_package_cache_left::ImagePackageCacheLeft,
        &tb216_image_shell_in_minimal_image::ImageShellInMinimalImage,
        &tb217_image_no_healthcheck::ImageNoHealthcheck,
        &tb218_image_history_exposes_build::ImageHistoryExposesBuild,
        &tb219_image_platform_mismatch::ImagePlatformMismatch,
        &tb220_image_too_old::ImageTooOld,
        &tb221_known_vulnerabilities::KnownVulnerabilities,
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
        &tb425_unsafe_sysctls::UnsafeSysctls,
        &tb426_low_user_id::LowUserId,
        &tb427_host_user_namespace::HostUserNamespace,
        &tb429_host_aliases::HostAliases,
        &tb430_non_core_volume_type::NonCoreVolumeType,
        &tb431_no_resource_requests::NoResourceRequests,
        &tb432_no_ephemeral_storage_limit::NoEphemeralStorageLimit,
        &tb433_mount_propagation_shared::MountPropagationShared,
        &tb434_ulimit_unlimited::UlimitUnlimited,
        &tb435_cgroup_parent_set::CgroupParentSet,
        &tb501_rbac_wildcard_or_cluster_admin::RbacWildcardOrClusterAdmin,
        &tb502_rbac_secrets_read::RbacSecretsRead,
        &tb503_rbac_workload_create_or_exec::RbacWorkloadCreateOrExec,
        &tb504_rbac_privilege_escalation_verbs::RbacPrivilegeEscalationVerbs,
        &tb505_rbac_nodes_proxy::RbacNodesProxy,
        &tb506_rbac_anonymous_or_broad_group_binding::RbacAnonymousOrBroadGroupBinding,
        &tb507_default_service_account_bound::DefaultServiceAccountBound,
        &tb508_rbac_binding_to_undefined_role::RbacBindingToUndefinedRole,
        &tb509_rbac_delete_audit_evidence_or_resources::RbacDeleteAuditEvidenceOrResources,
        &tb510_rbac_manage_sensitive_config_or_network::RbacManageSensitiveConfigOrNetwork,
        &tb520_workload_exposed_without_network_policy::WorkloadExposedWithoutNetworkPolicy,
        &tb521_namespace_without_default_deny::NamespaceWithoutDefaultDeny,
        &tb522_ingress_without_tls::IngressWithoutTls,
        &tb523_service_external_ips_or_open_load_balancer::ServiceExternalIpsOrOpenLoadBalancer,
        &tb524_secret_in_configmap::SecretInConfigMap,
        &tb525_known_dangerous_software::KnownDangerousSoftware,
        &tb526_default_namespace::DefaultNamespace,
        &tb527_namespace_without_resource_quota::NamespaceWithoutResourceQuota,
        &tb528_network_policy_selects_nothing::NetworkPolicySelectsNothing,
        &tb529_workload_in_kube_system::WorkloadInKubeSystem,
        &tb530_deprecated_api_version::DeprecatedApiVersion,
        &tb531_image_signature_not_verified::ImageSignatureNotVerified,
        &tb601_apiserver_anonymous_auth::ApiserverAnonymousAuth,
        &tb602_apiserver_authorization_always_allow::ApiserverAuthorizationAlwaysAllow,
        &tb603_apiserver_insecure_port_or_bind::ApiserverInsecurePortOrBind,
        &tb604_apiserver_audit_log_missing::ApiserverAuditLogMissing,
        &tb605_apiserver_weak_flags::ApiserverWeakFlags,
        &tb606_etcd_tls_weak::EtcdTlsWeak,
        &tb607_controller_manager_scheduler_flags::ControllerManagerSchedulerFlags,
        &tb608_apiserver_admission_and_tls_gaps::ApiserverAdmissionAndTlsGaps,
        &tb610_kubelet_anonymous_auth::KubeletAnonymousAuth,
        &tb611_kubelet_authorization_always_allow::KubeletAuthorizationAlwaysAllow,
        &tb612_kubelet_read_only_port::KubeletReadOnlyPort,
        &tb613_kubelet_weak_settings::KubeletWeakSettings,
        &tb614_kubelet_hardening_missing::KubeletHardeningMissing,
        &tb630_daemon_icc_enabled::DaemonIccEnabled,
        &tb631_daemon_insecure_registries::DaemonInsecureRegistries,
        &tb632_daemon_userns_remap_missing::DaemonUsernsRemapMissing,
        &tb633_daemon_no_new_privileges_default::DaemonNoNewPrivilegesDefault,
        &tb634_daemon_live_restore_disabled::DaemonLiveRestoreDisabled,
        &tb635_daemon_userland_proxy::DaemonUserlandProxy,
        &tb636_daemon_tcp_without_tls::DaemonTcpWithoutTls,
        &tb637_daemon_log_driver_local::DaemonLogDriverLocal,
        &tb638_daemon_authorization_plugin_missing::DaemonAuthorizationPluginMissing,
        &tb639_daemon_log_level_not_info::DaemonLogLevelNotInfo,
        &tb640_daemon_iptables_disabled::DaemonIptablesDisabled,
        &tb641_daemon_deprecated_storage_settings::DaemonDeprecatedStorageSettings,
        &tb642_daemon_default_ulimits_missing::DaemonDefaultUlimitsMissing,
        &tb643_daemon_cgroup_parent_changed::DaemonCgroupParentChanged,
        &tb644_daemon_seccomp_profile_weakened::DaemonSeccompProfileWeakened,
        &tb645_daemon_experimental_enabled::DaemonExperimentalEnabled,
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
