//! Workloads and containers as the platform would run them, whatever file
//! described them: a Kubernetes pod template, a compose service or a
//! `docker inspect` record. Rules about containers are written once, over
//! these types.
//!
//! Every setting that came from a file is a [`Setting`] carrying the
//! location where it was written; a setting the file left out is `None` and
//! the rule applies the platform default (documented per field).

use std::collections::BTreeMap;

use crate::source::Location;

/// A value and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting<T> {
    pub value: T,
    pub location: Location,
}

impl<T> Setting<T> {
    pub fn new(value: T, location: Location) -> Self {
        Setting { value, location }
    }
}

/// Which platform runs the workload: decides defaults (e.g. Docker's
/// default capability set, token automounting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Platform {
    #[default]
    Kubernetes,
    Compose,
    /// A container seen in `docker inspect` output.
    Docker,
}

/// A pod template owner (Deployment, Pod, CronJob…), a compose service, or a
/// plain container.
#[derive(Debug, Clone, Default)]
pub struct Workload {
    pub platform: Platform,
    /// `Deployment`, `Pod`, `CronJob`, … for Kubernetes; `service` for
    /// compose; `container` for docker inspect.
    pub kind: String,
    pub name: String,
    /// Kubernetes namespace (`default` when the object names none); compose
    /// project name when known.
    pub namespace: Option<String>,
    /// The object / service as a whole (its first line).
    pub location: Location,
    /// Every line of the object / service: what an object-level suppression
    /// covers.
    pub extent: Location,
    /// Where the pod spec (or service body) is: findings about something
    /// missing point here.
    pub spec_location: Location,
    pub containers: Vec<Container>,
    pub host_network: Option<Setting<bool>>,
    pub host_pid: Option<Setting<bool>>,
    pub host_ipc: Option<Setting<bool>>,
    /// `hostUsers: false` (Kubernetes user namespaces) or compose/docker
    /// `userns_mode`. `None`: the host's user namespace (the default).
    pub host_users: Option<Setting<bool>>,
    /// Kubernetes service account name (`default` when unset, resolved).
    pub service_account: Option<Setting<String>>,
    /// Whether the service-account token is mounted, after resolving the
    /// pod's and the ServiceAccount's `automountServiceAccountToken`
    /// (Kubernetes default: mounted). Always false outside Kubernetes.
    pub token_mounted: Option<Setting<bool>>,
    /// Labels of the pods it creates (for Service and NetworkPolicy
    /// selectors).
    pub pod_labels: BTreeMap<String, String>,
    /// Volumes declared at pod / compose level.
    pub volumes: Vec<Volume>,
    /// Node placement constraints exist (nodeSelector, affinity, nodeName,
    /// tolerations-only does not count).
    pub has_node_placement: bool,
    /// A DaemonSet (or compose `deploy.mode: global`) runs on every node.
    pub runs_on_every_node: bool,
    /// Networks a compose service joins (`default` when none is named);
    /// `network_mode` when set (e.g. `host`, `bridge`, `none`).
    pub networks: Vec<Setting<String>>,
    pub network_mode: Option<Setting<String>>,
    /// Logging driver (compose `logging.driver`, docker `HostConfig.LogConfig.Type`).
    pub logging_driver: Option<Setting<String>>,
    /// Suppressions written on the object (Kubernetes annotation
    /// `threatbox.io/ignore`, compose `x-threatbox-ignore`).
    pub suppressions: Vec<ObjectSuppression>,
    // Compose / docker settings with no Kubernetes counterpart (`None`: the
    // container's own namespace, no restart).
    /// `uts: host`, docker `UTSMode`.
    pub host_uts: Option<Setting<bool>>,
    /// `cgroup: host`, docker `CgroupnsMode`.
    pub host_cgroupns: Option<Setting<bool>>,
    /// `restart` / `deploy.restart_policy` / docker `RestartPolicy`, as
    /// `no`, `always`, `unless-stopped`, `on-failure` or `on-failure:N`.
    pub restart_policy: Option<Setting<String>>,
    /// Static `/etc/hosts` entries: Kubernetes `spec.hostAliases`, compose
    /// `extra_hosts`, docker `HostConfig.ExtraHosts`, each at its entry.
    pub host_aliases: Vec<HostAlias>,
    /// Kubernetes pod-level `spec.resources` (the PodLevelResources feature,
    /// 1.32+): CPU and memory limits and requests shared by the pod's
    /// containers. Empty elsewhere.
    pub pod_resources: Resources,
}

/// One static name-to-address entry the platform writes into the
/// container's `/etc/hosts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostAlias {
    /// The address as written: an IP, or compose/docker's `host-gateway`
    /// (the host's own address on the container network).
    pub ip: String,
    /// The names that resolve to `ip` (never empty).
    pub hostnames: Vec<String>,
    pub location: Location,
}

/// `threatbox.io/ignore: "TB401,TB402 reason"` on an object, or
/// `x-threatbox-ignore` on a compose service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectSuppression {
    pub codes: Vec<String>,
    pub reason: Option<String>,
    pub location: Location,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ContainerKind {
    #[default]
    Regular,
    Init,
    Ephemeral,
}

/// A container with its effective settings: pod-level security context
/// inherited, image `USER` filled in when the image is built here.
#[derive(Debug, Clone, Default)]
pub struct Container {
    pub name: String,
    pub kind: ContainerKind,
    pub location: Location,
    /// The image reference as written.
    pub image: Option<Setting<String>>,
    pub image_pull_policy: Option<Setting<String>>,
    /// The Dockerfile a compose `build:` names (context joined with
    /// `dockerfile`, default `Dockerfile`), as a path on disk.
    pub build_dockerfile: Option<std::path::PathBuf>,
    /// Index into `System::images` once `build_dockerfile` is matched to a
    /// Dockerfile scanned in this run (done in `model::resolve`).
    pub built_image: Option<usize>,
    pub privileged: Option<Setting<bool>>,
    /// `allowPrivilegeEscalation`, or `no-new-privileges` (inverted: nnp true
    /// = escalation false). `None`: allowed (the default).
    pub allow_privilege_escalation: Option<Setting<bool>>,
    /// Effective UID (container, else pod level, else image `USER` resolved
    /// to a number when it is one).
    pub run_as_user: Option<Setting<i64>>,
    pub run_as_group: Option<Setting<i64>>,
    pub run_as_non_root: Option<Setting<bool>>,
    /// A user given by name (compose `user: app`, image `USER app`), when no
    /// numeric UID is known.
    pub user_name: Option<Setting<String>>,
    pub read_only_root_fs: Option<Setting<bool>>,
    /// Normalised: upper case, no `CAP_` prefix, `ALL` kept as `ALL`.
    pub capabilities_add: Vec<Setting<String>>,
    pub capabilities_drop: Vec<Setting<String>>,
    /// `RuntimeDefault`, `Localhost/<path>`, `Unconfined` (compose
    /// `seccomp:unconfined` maps to `Unconfined`, a path to `Localhost`).
    pub seccomp: Option<Setting<String>>,
    /// `runtime/default`, `localhost/<name>`, `unconfined`.
    pub apparmor: Option<Setting<String>>,
    /// SELinux options as written (`type`, `level`…), or `disable` for
    /// compose/docker `label:disable`.
    pub selinux: Option<Setting<String>>,
    /// `procMount: Unmasked`, docker `systempaths=unconfined`.
    pub unmasked_proc: Option<Setting<bool>>,
    /// Kubernetes `securityContext.procMount` as written (`Default`,
    /// `Unmasked`, or a value the API server would reject).
    pub proc_mount: Option<Setting<String>>,
    /// Kubernetes `securityContext.windowsOptions.hostProcess` (container
    /// level, else pod level): a Windows HostProcess container, which runs
    /// on the node as a host process. `None`: not written (an ordinary,
    /// isolated container). Never set outside Kubernetes.
    pub host_process: Option<Setting<bool>>,
    pub mounts: Vec<Mount>,
    pub resources: Resources,
    pub env: Vec<EnvVar>,
    pub ports: Vec<Port>,
    pub liveness_probe: bool,
    pub readiness_probe: bool,
    /// Command and args as written (for `sudo`, shells).
    pub command: Vec<Setting<String>>,
    // Compose / docker settings with no Kubernetes counterpart.
    /// Host devices passed in (`devices`, docker `HostConfig.Devices`).
    pub devices: Vec<Device>,
    /// Kernel parameters set for the container: compose `sysctls`, docker
    /// `HostConfig.Sysctls`, and the Kubernetes pod's
    /// `securityContext.sysctls`, copied into every container of the pod
    /// (they apply to the pod's shared namespaces), each located at its own
    /// list item. Names as written (Kubernetes allows `/` as separator).
    pub sysctls: Vec<Sysctl>,
    pub cgroup_parent: Option<Setting<String>>,
    pub ulimits: Vec<Ulimit>,
    pub oom_kill_disable: Option<Setting<bool>>,
    /// Supplementary groups (`group_add`, docker `GroupAdd`).
    pub group_add: Vec<Setting<String>>,
    /// A health check as written: `true` when a test is given, `false` when
    /// disabled (`disable: true`, test `NONE`); `None`: the image's own.
    pub healthcheck: Option<Setting<bool>>,
    /// Compose `build.args` (values as literal, or `Other` when taken from
    /// the environment).
    pub build_args: Vec<EnvVar>,
    /// Compose `env_file` paths as written. `model::env_file` reads them
    /// (when inside the compose file's directory) and appends their
    /// variables to `env`.
    pub env_files: Vec<Setting<String>>,
    /// Targets of mounts whose propagation is `shared` / `rshared`
    /// (compose, docker) or Kubernetes `mountPropagation: Bidirectional`:
    /// mounts made inside reach the host. Located at the propagation value.
    pub shared_propagation: Vec<Setting<String>>,
    /// Docker `HostConfig.PublishAllPorts` (`docker run -P`): every exposed
    /// port is published on an engine-chosen host port, on all interfaces.
    pub publish_all_ports: Option<Setting<bool>>,
    /// Compose `build.target`: the stage that ships instead of the last one.
    pub build_target: Option<String>,
    /// Index into `System::image_archives` when the image reference matches
    /// an archive scanned in this run (done in `model::resolve`).
    pub image_archive: Option<usize>,
    /// Indices into `System::vulnerability_reports` about this container's
    /// image (by reference, or through its archive).
    pub vulnerability_reports: Vec<usize>,
    /// Kubernetes: the pod volumes the container's `volumeMounts` name, in
    /// the order written (to look up a mount's [`Volume`] by name). Empty
    /// for compose and docker, whose mounts carry their own source.
    pub mounted_volumes: Vec<String>,
}

/// A host device given to a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// Path on the host (`/dev/fuse`), or a CDI name (`vendor.com/gpu=all`).
    pub host_path: String,
    pub container_path: String,
    /// cgroup permissions (`rwm` when not written).
    pub permissions: String,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sysctl {
    pub name: String,
    pub value: String,
    pub location: Location,
}

/// A resource limit (`nofile`, `nproc`, …); one number sets both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ulimit {
    pub name: String,
    pub soft: Option<i64>,
    pub hard: Option<i64>,
    pub location: Location,
}

/// Where a mount's content comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MountSource {
    /// A path on the host (Kubernetes hostPath, compose/docker bind mount).
    HostPath(String),
    /// A named volume of the pod / project.
    Volume(String),
    /// A Kubernetes Secret (volume) by name.
    Secret(String),
    ConfigMap(String),
    /// emptyDir, tmpfs, projected token, anything that does not reach the
    /// host or shared state.
    Ephemeral,
    /// Compose `use_api_socket: true`: the Docker API socket by another name.
    DockerApiSocket,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    pub source: MountSource,
    /// Path inside the container.
    pub target: String,
    pub read_only: bool,
    pub location: Location,
}

/// Pod / service-level volume declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Volume {
    pub name: String,
    pub source: MountSource,
    pub location: Location,
    /// Kubernetes: the volume source key as written (`emptyDir`, `nfs`,
    /// `gitRepo`, an unknown key…), located at that key; `None` when the
    /// entry names no source.
    pub volume_type: Option<Setting<String>>,
    /// Kubernetes `emptyDir.sizeLimit` as written (unparsed quantity).
    pub size_limit: Option<Setting<String>>,
    /// Kubernetes `emptyDir.medium: Memory`: a tmpfs counted against the
    /// container's memory, not the node's disk.
    pub in_memory: bool,
}

/// Limits and requests as written (quantities unparsed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resources {
    pub cpu_limit: Option<Setting<String>>,
    pub memory_limit: Option<Setting<String>>,
    pub cpu_request: Option<Setting<String>>,
    pub memory_request: Option<Setting<String>>,
    /// Compose `pids_limit`, docker `PidsLimit`.
    pub pids_limit: Option<Setting<i64>>,
    /// Kubernetes `limits.ephemeral-storage` / `requests.ephemeral-storage`:
    /// the container's share of the node's local disk (writable layer,
    /// logs, emptyDir volumes).
    pub ephemeral_storage_limit: Option<Setting<String>>,
    pub ephemeral_storage_request: Option<Setting<String>>,
}

/// Where an environment variable's value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvValue {
    /// A literal value written in the file.
    Literal(String),
    /// `valueFrom.secretKeyRef` / `envFrom.secretRef` (name of the secret).
    SecretRef(String),
    ConfigMapRef(String),
    /// fieldRef, resourceFieldRef, compose `${VAR}` interpolation…
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvVar {
    pub name: String,
    pub value: EnvValue,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    pub container_port: Option<u16>,
    /// Published on the host (hostPort, compose `ports`). `Some(0)`: compose
    /// / docker publish it on a port the engine picks (`ports: ["80"]`).
    pub host_port: Option<u16>,
    /// Host address it binds to; compose publishes on `0.0.0.0` when unset.
    pub host_ip: Option<String>,
    pub protocol: String,
    pub location: Location,
}

impl Container {
    /// Runs as root after resolution: UID 0, user `root`, or nothing set and
    /// no non-root guarantee (`runAsNonRoot`) — the image default is root
    /// unless the image is built here with a non-root `USER`.
    pub fn runs_as_root(&self) -> Option<bool> {
        if let Some(uid) = &self.run_as_user {
            return Some(uid.value == 0);
        }
        if let Some(name) = &self.user_name {
            let user = name.value.split(':').next().unwrap_or("");
            return Some(user == "root" || user == "0");
        }
        if self.run_as_non_root.as_ref().is_some_and(|s| s.value) {
            return Some(false);
        }
        None
    }
}
