//! Docker engine inputs: `docker inspect` output (each record a
//! [`super::runtime::Workload`]) and the daemon's `daemon.json`.
//!
//! An inspect record is the engine's view after merging the image config:
//! every key is present, with zero values meaning "not set" (`Memory: 0` is
//! no limit, `PidsLimit: 0` or `-1` unlimited); those become `None` here so
//! that rules read compose, Kubernetes and docker alike.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::Fragment;
use super::compose::{
    Reader, apply_security_opt, apply_user, env_value, normalise_capability, restart_text,
    scalar_text, split_extra_host,
};
use super::runtime::{
    Container, Device, EnvVar, HostAlias, Mount, MountSource, Platform, Port, Setting, Sysctl,
    Ulimit, Workload,
};
use crate::parse::yaml::Node;
use crate::source::{Diagnostic, Location, SourceFile};

/// A `daemon.json`, kept as its spanned tree; typed accessors read the keys
/// rules need, each with the location of its value.
#[derive(Debug, Clone)]
pub struct DaemonConfig {
    pub node: Node,
    pub source: Arc<SourceFile>,
    pub location: Location,
}

/// Adds a `docker inspect` array of container records.
pub fn add_inspect(fragment: &mut Fragment, source: &Arc<SourceFile>, root: &Node) {
    let Some(records) = root.as_seq() else { return };
    for (index, record) in records.iter().enumerate() {
        if index == super::compose::MAX_WORKLOADS {
            fragment.diagnostics.push(Diagnostic::warning(
                "input-limit",
                format!(
                    "more than {} container records: the rest are skipped",
                    super::compose::MAX_WORKLOADS
                ),
                source.location(&record.span),
            ));
            break;
        }
        if record.as_map().is_none() {
            continue;
        }
        let name = record
            .get("Name")
            .and_then(Node::as_str)
            .map(|n| n.trim_start_matches('/').to_string())
            .filter(|n| !n.is_empty())
            .or_else(|| {
                let id = record.get("Id").and_then(Node::as_str)?;
                Some(id.chars().take(12).collect())
            })
            .unwrap_or_else(|| "container".to_string());
        let mut r = Reader {
            source,
            diagnostics: &mut fragment.diagnostics,
            what: format!("container `{name}`"),
            entry: None,
        };
        let w = inspect_record(&mut r, name, record);
        fragment.workloads.push(w);
    }
}

/// The value at `keys` unless it is null (inspect writes `null` for unset
/// lists and maps).
fn at<'a>(node: &'a Node, keys: &[&str]) -> Option<&'a Node> {
    node.path(keys).filter(|n| !n.is_null())
}

fn inspect_record(r: &mut Reader<'_>, name: String, record: &Node) -> Workload {
    let loc = r.loc(record);
    let host = at(record, &["HostConfig"]);
    let config = at(record, &["Config"]);
    let mut w = Workload {
        platform: Platform::Docker,
        kind: "container".to_string(),
        name: name.clone(),
        location: record
            .get("Name")
            .map(|n| r.loc(n))
            .unwrap_or_else(|| loc.clone()),
        extent: loc.clone(),
        spec_location: host.map(|h| r.loc(h)).unwrap_or_else(|| loc.clone()),
        ..Default::default()
    };
    let mut c = Container {
        name,
        location: w.location.clone(),
        ..Default::default()
    };
    if let Some(config) = config {
        read_config(r, &mut w, &mut c, config);
    }
    if let Some(host) = host {
        read_host_config(r, &mut w, &mut c, host);
    }
    // The top-level `Mounts` is the engine's resolved list; `Binds` only
    // holds what `-v` wrote, so it is the fallback.
    match at(record, &["Mounts"]) {
        Some(mounts) => read_mounts(r, &mut c, mounts),
        None => {
            if let Some(binds) = host.and_then(|h| at(h, &["Binds"])) {
                for b in r.strings("HostConfig.Binds", binds, false) {
                    let mut parts = b.value.splitn(3, ':');
                    let src = parts.next().unwrap_or("");
                    let Some(target) = parts.next() else { continue };
                    let mode = parts.next().unwrap_or("");
                    let source = if src.starts_with('/') {
                        MountSource::HostPath(src.to_string())
                    } else {
                        MountSource::Volume(src.to_string())
                    };
                    c.mounts.push(Mount {
                        source,
                        target: target.to_string(),
                        read_only: mode.split(',').any(|m| m == "ro"),
                        location: b.location,
                    });
                }
            }
        }
    }
    if c.apparmor.is_none()
        && let Some(p) =
            at(record, &["AppArmorProfile"]).and_then(|n| r.string("AppArmorProfile", n))
        && !p.value.is_empty()
    {
        apply_security_opt(&mut c, &format!("apparmor={}", p.value), p.location);
    }
    if let Some(networks) = at(record, &["NetworkSettings", "Networks"]) {
        for (k, _) in networks.as_map().unwrap_or_default() {
            if let Some(s) = scalar_text(k) {
                w.networks.push(Setting::new(s, r.loc(k)));
            }
        }
    }
    w.containers.push(c);
    w
}

fn read_config(r: &mut Reader<'_>, w: &mut Workload, c: &mut Container, config: &Node) {
    for (key_node, v) in config.as_map().unwrap_or_default() {
        let Some(k) = key_node.as_str() else { continue };
        if v.is_null() {
            continue;
        }
        r.enter(key_node, v);
        let key = format!("Config.{k}");
        match k {
            "User" => {
                if let Some(u) = r.string(&key, v)
                    && !u.value.is_empty()
                {
                    apply_user(c, &u.value, u.location);
                }
            }
            "Image" => c.image = r.string(&key, v),
            "Env" => {
                for e in r.strings(&key, v, false) {
                    let (name, value) = match e.value.split_once('=') {
                        Some((n, v)) => (n.to_string(), Some(v.to_string())),
                        None => (e.value.clone(), None),
                    };
                    c.env.push(EnvVar {
                        name,
                        // The engine has already substituted everything.
                        value: match value {
                            Some(v) => super::runtime::EnvValue::Literal(v),
                            None => env_value(None),
                        },
                        location: e.location,
                    });
                }
            }
            "Healthcheck" => {
                let Some(test) = at(v, &["Test"]) else {
                    continue;
                };
                let first = test.as_seq().and_then(|s| s.first()).and_then(Node::as_str);
                let enabled = first.is_some_and(|f| f != "NONE");
                c.liveness_probe = enabled;
                c.healthcheck = Some(Setting::new(enabled, r.setting_loc(v)));
            }
            "ExposedPorts" => {
                for (key_node, _) in v.as_map().unwrap_or_default() {
                    let Some(p) = key_node.as_str() else { continue };
                    let (port, proto) = p.split_once('/').unwrap_or((p, "tcp"));
                    if let Ok(port) = port.parse() {
                        let location = r.loc(key_node);
                        c.ports.push(Port {
                            container_port: Some(port),
                            host_port: None,
                            host_ip: None,
                            protocol: proto.to_ascii_lowercase(),
                            location,
                        });
                    }
                }
            }
            "Entrypoint" | "Cmd" => c.command.extend(r.strings(&key, v, true)),
            "Labels" => {
                for (name, value, _) in r.key_values(&key, v) {
                    if name == "com.docker.compose.project" {
                        w.namespace = value.clone();
                    }
                    w.pod_labels.insert(name, value.unwrap_or_default());
                }
            }
            _ => {}
        }
    }
}

/// A positive number, else `None` (inspect's 0 / -1 mean "no limit").
fn positive(r: &mut Reader<'_>, key: &str, v: &Node) -> Option<Setting<i64>> {
    r.int(key, v).filter(|s| s.value > 0)
}

fn read_host_config(r: &mut Reader<'_>, w: &mut Workload, c: &mut Container, host: &Node) {
    let mut cpu_period = 100_000;
    if let Some(p) = at(host, &["CpuPeriod"]).and_then(Node::as_i64)
        && p > 0
    {
        cpu_period = p;
    }
    for (key_node, v) in host.as_map().unwrap_or_default() {
        let Some(k) = key_node.as_str() else { continue };
        if v.is_null() {
            continue;
        }
        r.enter(key_node, v);
        let key = format!("HostConfig.{k}");
        match k {
            "Privileged" => c.privileged = r.bool(&key, v),
            "ReadonlyRootfs" => c.read_only_root_fs = r.bool(&key, v),
            "OomKillDisable" => c.oom_kill_disable = r.bool(&key, v),
            "CapAdd" | "CapDrop" => {
                let caps = r
                    .strings(&key, v, false)
                    .into_iter()
                    .map(|s| Setting::new(normalise_capability(&s.value), s.location))
                    .collect();
                if k == "CapAdd" {
                    c.capabilities_add = caps;
                } else {
                    c.capabilities_drop = caps;
                }
            }
            "SecurityOpt" => {
                for opt in r.strings(&key, v, false) {
                    apply_security_opt(c, &opt.value, opt.location);
                }
            }
            "NetworkMode" => {
                if let Some(s) = r.string(&key, v) {
                    w.host_network = Some(Setting::new(s.value == "host", s.location.clone()));
                    w.network_mode = Some(s);
                }
            }
            "PidMode" | "IpcMode" | "UsernsMode" | "UTSMode" | "CgroupnsMode" => {
                if let Some(s) = r.string(&key, v) {
                    if s.value.is_empty() {
                        continue;
                    }
                    let shared = Some(Setting::new(s.value == "host", s.location));
                    match k {
                        "PidMode" => w.host_pid = shared,
                        "IpcMode" => w.host_ipc = shared,
                        "UsernsMode" => w.host_users = shared,
                        "UTSMode" => w.host_uts = shared,
                        _ => w.host_cgroupns = shared,
                    }
                }
            }
            "PortBindings" => port_bindings(r, c, v),
            "Memory" => {
                c.resources.memory_limit =
                    positive(r, &key, v).map(|s| Setting::new(s.value.to_string(), s.location));
            }
            "MemoryReservation" => {
                c.resources.memory_request =
                    positive(r, &key, v).map(|s| Setting::new(s.value.to_string(), s.location));
            }
            "NanoCpus" => {
                if let Some(s) = positive(r, &key, v) {
                    let cpus = s.value as f64 / 1e9;
                    c.resources.cpu_limit = Some(Setting::new(cpus.to_string(), s.location));
                }
            }
            "CpuQuota" => {
                if c.resources.cpu_limit.is_none()
                    && let Some(s) = positive(r, &key, v)
                {
                    let cpus = s.value as f64 / cpu_period as f64;
                    c.resources.cpu_limit = Some(Setting::new(cpus.to_string(), s.location));
                }
            }
            "CpuShares" => {
                c.resources.cpu_request =
                    positive(r, &key, v).map(|s| Setting::new(s.value.to_string(), s.location));
            }
            "PidsLimit" => c.resources.pids_limit = positive(r, &key, v),
            "LogConfig" => {
                if let Some(t) = at(v, &["Type"]) {
                    w.logging_driver = r.string("HostConfig.LogConfig.Type", t);
                }
            }
            "Devices" => {
                for d in v.as_seq().unwrap_or_default() {
                    let text = |k: &str| d.get(k).and_then(scalar_text);
                    let Some(host_path) = text("PathOnHost") else {
                        r.bad(&key, d, "a mapping with `PathOnHost`");
                        continue;
                    };
                    c.devices.push(Device {
                        container_path: text("PathInContainer")
                            .unwrap_or_else(|| host_path.clone()),
                        host_path,
                        permissions: text("CgroupPermissions").unwrap_or_else(|| "rwm".to_string()),
                        location: r.loc(d),
                    });
                }
            }
            "Sysctls" => {
                for (name, value, location) in r.key_values(&key, v) {
                    c.sysctls.push(Sysctl {
                        name,
                        value: value.unwrap_or_default(),
                        location,
                    });
                }
            }
            "Ulimits" => {
                for u in v.as_seq().unwrap_or_default() {
                    let Some(name) = u.get("Name").and_then(scalar_text) else {
                        continue;
                    };
                    c.ulimits.push(Ulimit {
                        name,
                        soft: u.get("Soft").and_then(Node::as_i64),
                        hard: u.get("Hard").and_then(Node::as_i64),
                        location: r.loc(u),
                    });
                }
            }
            "PublishAllPorts" => c.publish_all_ports = r.bool(&key, v),
            "GroupAdd" => c.group_add = r.strings(&key, v, false),
            // `host:ip` strings, as `docker run --add-host` stored them.
            "ExtraHosts" => {
                for item in r.strings(&key, v, false) {
                    if let Some((host, ip)) = split_extra_host(&item.value) {
                        w.host_aliases.push(HostAlias {
                            ip,
                            hostnames: vec![host],
                            location: item.location,
                        });
                    }
                }
            }
            "CgroupParent" => {
                c.cgroup_parent = r.string(&key, v).filter(|s| !s.value.is_empty());
            }
            "RestartPolicy" => {
                let name = at(v, &["Name"]).and_then(Node::as_str).unwrap_or("");
                if !name.is_empty() {
                    let retries = at(v, &["MaximumRetryCount"]).and_then(Node::as_i64);
                    w.restart_policy =
                        Some(Setting::new(restart_text(name, retries), r.setting_loc(v)));
                }
            }
            "Tmpfs" => {
                for (path, _) in v.str_entries() {
                    c.mounts.push(Mount {
                        source: MountSource::Ephemeral,
                        target: path.to_string(),
                        read_only: false,
                        location: r.loc(v),
                    });
                }
            }
            _ => {}
        }
    }
}

/// `{"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}`. An empty HostIp,
/// `0.0.0.0` or `::` publishes on every interface: `host_ip: None`.
fn port_bindings(r: &mut Reader<'_>, c: &mut Container, v: &Node) {
    for (spec, bindings) in v.str_entries() {
        let (port, proto) = spec.split_once('/').unwrap_or((spec, "tcp"));
        let Ok(container_port) = port.parse::<u16>() else {
            continue;
        };
        for b in bindings.as_seq().unwrap_or_default() {
            let ip = b.get("HostIp").and_then(scalar_text).unwrap_or_default();
            let host_port = b
                .get("HostPort")
                .and_then(scalar_text)
                .map(|p| p.parse::<u16>().unwrap_or(0))
                .unwrap_or(0);
            c.ports.push(Port {
                container_port: Some(container_port),
                host_port: Some(host_port),
                host_ip: match ip.as_str() {
                    "" | "0.0.0.0" | "::" => None,
                    other => Some(other.to_string()),
                },
                protocol: proto.to_ascii_lowercase(),
                location: r.loc(b),
            });
        }
    }
}

/// Top-level `Mounts`: `{Type, Name, Source, Destination, RW}`.
fn read_mounts(r: &mut Reader<'_>, c: &mut Container, mounts: &Node) {
    for m in mounts.as_seq().unwrap_or_default() {
        let text = |k: &str| m.get(k).and_then(scalar_text).unwrap_or_default();
        let target = text("Destination");
        if target.is_empty() {
            r.bad("Mounts", m, "a mapping with `Destination`");
            continue;
        }
        let source = match text("Type").as_str() {
            "bind" | "npipe" => MountSource::HostPath(text("Source")),
            "volume" => MountSource::Volume(text("Name")),
            _ => MountSource::Ephemeral,
        };
        if let Some(p) = m.get("Propagation")
            && matches!(p.as_str(), Some("shared" | "rshared"))
        {
            c.shared_propagation
                .push(Setting::new(target.clone(), r.loc(p)));
        }
        let read_only = m.get("RW").and_then(Node::as_bool).is_some_and(|rw| !rw);
        c.mounts.push(Mount {
            source,
            target,
            read_only,
            location: r.loc(m),
        });
    }
}

/// Adds a `daemon.json`, with a warning for each known key of the wrong type.
pub fn add_daemon(fragment: &mut Fragment, source: &Arc<SourceFile>, root: &Node) {
    let daemon = DaemonConfig {
        node: root.clone(),
        source: source.clone(),
        location: source.location(&root.span),
    };
    for (key, value) in root.str_entries() {
        let expected = match key_type(key) {
            Some(t) => t,
            None => continue,
        };
        let ok = match expected {
            KeyType::Bool => value.as_bool().is_some(),
            KeyType::String => value.as_str().is_some(),
            KeyType::List => value
                .as_seq()
                .is_some_and(|s| s.iter().all(|i| i.as_str().is_some())),
            KeyType::Map => value.as_map().is_some(),
        };
        if !ok {
            fragment.diagnostics.push(Diagnostic::warning(
                "invalid-value",
                format!(
                    "daemon.json: `{key}` should be {}; ignored",
                    match expected {
                        KeyType::Bool => "a boolean",
                        KeyType::String => "a string",
                        KeyType::List => "a list of strings",
                        KeyType::Map => "an object",
                    }
                ),
                source.location(&value.span),
            ));
        }
    }
    fragment.daemons.push(daemon);
}

#[derive(Clone, Copy)]
enum KeyType {
    Bool,
    String,
    List,
    Map,
}

/// The type dockerd expects for the keys threatbox reads.
fn key_type(key: &str) -> Option<KeyType> {
    Some(match key {
        "icc" | "live-restore" | "userland-proxy" | "no-new-privileges" | "selinux-enabled"
        | "experimental" | "iptables" | "ip6tables" | "ip-forward" | "ip-masq" | "tls"
        | "tlsverify" | "debug" => KeyType::Bool,
        "userns-remap" | "log-driver" | "log-level" | "seccomp-profile" | "storage-driver"
        | "cgroup-parent" | "tlscacert" | "tlscert" | "tlskey" | "ip" => KeyType::String,
        "insecure-registries"
        | "registry-mirrors"
        | "authorization-plugins"
        | "hosts"
        | "storage-opts" => KeyType::List,
        "log-opts" | "default-ulimits" => KeyType::Map,
        _ => return None,
    })
}

impl DaemonConfig {
    /// The entry `key` and the location from the key to the end of its value.
    fn entry(&self, key: &str) -> Option<(&Node, Location)> {
        let (k, v) = self
            .node
            .as_map()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))?;
        let end = v.span.end.max(k.span.end);
        Some((v, self.source.location(&(k.span.start..end))))
    }

    /// A boolean key (dockerd accepts JSON booleans only).
    pub fn bool_key(&self, key: &str) -> Option<Setting<bool>> {
        let (n, loc) = self.entry(key)?;
        Some(Setting::new(n.as_bool()?, loc))
    }

    pub fn string_key(&self, key: &str) -> Option<Setting<String>> {
        let (n, loc) = self.entry(key)?;
        Some(Setting::new(n.as_str()?.to_string(), loc))
    }

    /// A list of strings, its location the whole list.
    pub fn list_key(&self, key: &str) -> Option<Setting<Vec<String>>> {
        let (n, loc) = self.entry(key)?;
        let items = n
            .as_seq()?
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect();
        Some(Setting::new(items, loc))
    }

    /// CIS 2.2: inter-container communication on the default bridge
    /// (default true).
    pub fn icc(&self) -> Option<Setting<bool>> {
        self.bool_key("icc")
    }
    /// CIS 2.3 (default `info`).
    pub fn log_level(&self) -> Option<Setting<String>> {
        self.string_key("log-level")
    }
    /// CIS 2.4 (default true).
    pub fn iptables(&self) -> Option<Setting<bool>> {
        self.bool_key("iptables")
    }
    /// Default true.
    pub fn ip_forward(&self) -> Option<Setting<bool>> {
        self.bool_key("ip-forward")
    }
    /// CIS 2.5.
    pub fn insecure_registries(&self) -> Option<Setting<Vec<String>>> {
        self.list_key("insecure-registries")
    }
    pub fn registry_mirrors(&self) -> Option<Setting<Vec<String>>> {
        self.list_key("registry-mirrors")
    }
    /// CIS 2.6 (`aufs` is the failing value).
    pub fn storage_driver(&self) -> Option<Setting<String>> {
        self.string_key("storage-driver")
    }
    /// CIS 2.11 (`dm.basesize=…` is the failing entry).
    pub fn storage_opts(&self) -> Option<Setting<Vec<String>>> {
        self.list_key("storage-opts")
    }
    /// CIS 2.7: `-H` addresses (`unix://…`, `tcp://…`, `fd://`).
    pub fn hosts(&self) -> Option<Setting<Vec<String>>> {
        self.list_key("hosts")
    }
    pub fn tls(&self) -> Option<Setting<bool>> {
        self.bool_key("tls")
    }
    pub fn tlsverify(&self) -> Option<Setting<bool>> {
        self.bool_key("tlsverify")
    }
    /// CIS 2.7: the first `tcp://` host, at its own entry, when `tlsverify`
    /// is not true (with `tls` alone the server is encrypted but any client
    /// is accepted).
    pub fn tcp_host_without_tlsverify(&self) -> Option<Setting<String>> {
        if self.tlsverify().is_some_and(|s| s.value) {
            return None;
        }
        let n = self.node.get("hosts")?;
        n.as_seq()?.iter().find_map(|h| {
            let s = h.as_str()?;
            s.trim()
                .starts_with("tcp://")
                .then(|| Setting::new(s.to_string(), self.source.location(&h.span)))
        })
    }
    /// CIS 2.8: names of the default ulimits.
    pub fn default_ulimits(&self) -> Option<Setting<Vec<String>>> {
        let (n, loc) = self.entry("default-ulimits")?;
        let names = n.str_entries().map(|(k, _)| k.to_string()).collect();
        Some(Setting::new(names, loc))
    }
    /// CIS 2.9 (`""` or absent: no remapping).
    pub fn userns_remap(&self) -> Option<Setting<String>> {
        self.string_key("userns-remap")
    }
    /// CIS 2.10.
    pub fn cgroup_parent(&self) -> Option<Setting<String>> {
        self.string_key("cgroup-parent")
    }
    /// CIS 2.12.
    pub fn authorization_plugins(&self) -> Option<Setting<Vec<String>>> {
        self.list_key("authorization-plugins")
    }
    /// CIS 2.13 (default `json-file`).
    pub fn log_driver(&self) -> Option<Setting<String>> {
        self.string_key("log-driver")
    }
    /// `log-opts` values as strings (dockerd requires strings).
    pub fn log_opts(&self) -> Option<Setting<BTreeMap<String, String>>> {
        let (n, loc) = self.entry("log-opts")?;
        n.as_map()?;
        let opts = n
            .str_entries()
            .filter_map(|(k, v)| Some((k.to_string(), scalar_text(v)?)))
            .collect();
        Some(Setting::new(opts, loc))
    }
    /// CIS 2.14 (default false).
    pub fn no_new_privileges(&self) -> Option<Setting<bool>> {
        self.bool_key("no-new-privileges")
    }
    /// CIS 2.15 (default false).
    pub fn live_restore(&self) -> Option<Setting<bool>> {
        self.bool_key("live-restore")
    }
    /// CIS 2.16 (default true).
    pub fn userland_proxy(&self) -> Option<Setting<bool>> {
        self.bool_key("userland-proxy")
    }
    /// CIS 2.17: a profile path, `unconfined` or `builtin`.
    pub fn seccomp_profile(&self) -> Option<Setting<String>> {
        self.string_key("seccomp-profile")
    }
    /// CIS 2.18 (default false).
    pub fn experimental(&self) -> Option<Setting<bool>> {
        self.bool_key("experimental")
    }
    /// SELinux labelling of containers (default false).
    pub fn selinux_enabled(&self) -> Option<Setting<bool>> {
        self.bool_key("selinux-enabled")
    }
    pub fn debug(&self) -> Option<Setting<bool>> {
        self.bool_key("debug")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::load::load;
    use crate::model::runtime::EnvValue;

    fn fragment(path: &str, text: &str) -> Fragment {
        let source = Arc::new(SourceFile::new(path, text.to_string()));
        load(&source, true, true).0
    }

    /// A trimmed but realistic `docker inspect web` record (engine 27).
    const INSPECT: &str = r#"[
  {
    "Id": "4f2c9e1b7a3d5e6f",
    "Name": "/shop-web-1",
    "AppArmorProfile": "unconfined",
    "Mounts": [
      {
        "Type": "bind",
        "Source": "/var/run/docker.sock",
        "Destination": "/var/run/docker.sock",
        "Mode": "",
        "RW": true,
        "Propagation": "rshared"
      },
      {
        "Type": "volume",
        "Name": "shop_data",
        "Source": "/var/lib/docker/volumes/shop_data/_data",
        "Destination": "/data",
        "Driver": "local",
        "RW": false
      }
    ],
    "HostConfig": {
      "Binds": ["/ignored:/ignored"],
      "NetworkMode": "host",
      "PortBindings": {
        "80/tcp": [{"HostIp": "", "HostPort": "8080"}],
        "443/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8443"}]
      },
      "RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 5},
      "CapAdd": ["CAP_SYS_ADMIN"],
      "CapDrop": null,
      "IpcMode": "private",
      "PidMode": "host",
      "Privileged": true,
      "ReadonlyRootfs": false,
      "SecurityOpt": ["label=disable", "seccomp=unconfined", "no-new-privileges"],
      "UTSMode": "",
      "UsernsMode": "",
      "CgroupnsMode": "private",
      "LogConfig": {"Type": "json-file", "Config": {}},
      "Memory": 0,
      "NanoCpus": 500000000,
      "CpuQuota": 0,
      "PidsLimit": null,
      "Devices": [{"PathOnHost": "/dev/mem", "PathInContainer": "/dev/mem", "CgroupPermissions": "rwm"}],
      "Sysctls": {"net.ipv4.ip_unprivileged_port_start": "0"},
      "Ulimits": [{"Name": "nofile", "Soft": 1024, "Hard": 2048}],
      "GroupAdd": ["docker"],
      "PublishAllPorts": true,
      "CgroupParent": "/batch",
      "OomKillDisable": false
    },
    "Config": {
      "User": "1000:1000",
      "Env": ["DB_PASSWORD=hunter2", "PATH=/usr/bin"],
      "Image": "shop/web:latest",
      "ExposedPorts": {"80/tcp": {}, "443/tcp": {}},
      "Healthcheck": {"Test": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"]},
      "Labels": {"com.docker.compose.project": "shop", "com.docker.compose.service": "web"}
    },
    "NetworkSettings": {"Networks": {"host": {}}}
  }
]"#;

    fn line_of(needle: &str) -> usize {
        INSPECT
            .lines()
            .position(|l| l.contains(needle))
            .expect("needle")
            + 1
    }

    #[test]
    fn inspect_record_maps_host_config_and_config() {
        let f = fragment("inspect.json", INSPECT);
        assert!(f.diagnostics.is_empty(), "{:?}", f.diagnostics);
        assert_eq!(f.workloads.len(), 1);
        let w = &f.workloads[0];
        assert_eq!(w.platform, Platform::Docker);
        assert_eq!(w.kind, "container");
        assert_eq!(w.name, "shop-web-1");
        assert_eq!(w.location.start_line, line_of("\"Name\""));
        assert_eq!(w.namespace.as_deref(), Some("shop"));
        assert_eq!(
            w.pod_labels
                .get("com.docker.compose.service")
                .map(String::as_str),
            Some("web")
        );
        let net = w.host_network.as_ref().unwrap();
        assert!(net.value);
        assert_eq!(net.location.start_line, line_of("\"NetworkMode\""));
        assert!(w.host_pid.as_ref().unwrap().value);
        assert!(!w.host_ipc.as_ref().unwrap().value);
        assert!(w.host_users.is_none() && w.host_uts.is_none());
        assert!(!w.host_cgroupns.as_ref().unwrap().value);
        assert_eq!(w.logging_driver.as_ref().unwrap().value, "json-file");
        assert_eq!(w.restart_policy.as_ref().unwrap().value, "on-failure:5");
        assert_eq!(w.networks[0].value, "host");

        let c = &w.containers[0];
        assert_eq!(
            c.privileged.as_ref().unwrap().location.start_line,
            line_of("\"Privileged\"")
        );
        assert!(c.privileged.as_ref().unwrap().value);
        assert_eq!(c.capabilities_add[0].value, "SYS_ADMIN");
        assert!(c.capabilities_drop.is_empty());
        assert_eq!(c.selinux.as_ref().unwrap().value, "disable");
        assert_eq!(c.seccomp.as_ref().unwrap().value, "Unconfined");
        assert!(!c.allow_privilege_escalation.as_ref().unwrap().value);
        assert_eq!(c.apparmor.as_ref().unwrap().value, "unconfined");
        assert!(!c.read_only_root_fs.as_ref().unwrap().value);
        assert_eq!(c.run_as_user.as_ref().unwrap().value, 1000);
        assert_eq!(c.run_as_group.as_ref().unwrap().value, 1000);
        assert_eq!(c.image.as_ref().unwrap().value, "shop/web:latest");
        assert_eq!(c.env[0].value, EnvValue::Literal("hunter2".into()));
        assert!(c.liveness_probe);

        // Top-level Mounts win over Binds.
        assert_eq!(c.mounts.len(), 2);
        assert_eq!(
            c.mounts[0].source,
            MountSource::HostPath("/var/run/docker.sock".into())
        );
        assert!(!c.mounts[0].read_only);
        assert_eq!(c.mounts[0].location.start_line, line_of("\"Mounts\"") + 1);
        assert_eq!(c.mounts[1].source, MountSource::Volume("shop_data".into()));
        assert!(c.mounts[1].read_only);
        assert_eq!(c.shared_propagation[0].value, "/var/run/docker.sock");
        assert_eq!(
            c.shared_propagation[0].location.start_line,
            line_of("\"rshared\"")
        );

        let ports: Vec<_> = c
            .ports
            .iter()
            .map(|p| (p.host_ip.as_deref(), p.host_port, p.container_port))
            .collect();
        assert_eq!(
            ports,
            [
                (None, None, Some(80)),
                (None, None, Some(443)),
                (None, Some(8080), Some(80)),
                (Some("127.0.0.1"), Some(8443), Some(443)),
            ]
        );
        assert_eq!(c.ports[2].location.start_line, line_of("\"80/tcp\": [{"));

        // Zero means unlimited.
        assert!(c.resources.memory_limit.is_none());
        assert!(c.resources.pids_limit.is_none());
        assert_eq!(c.resources.cpu_limit.as_ref().unwrap().value, "0.5");
        assert_eq!(c.devices[0].host_path, "/dev/mem");
        assert_eq!(c.sysctls[0].name, "net.ipv4.ip_unprivileged_port_start");
        assert_eq!(c.ulimits[0].hard, Some(2048));
        assert_eq!(c.group_add[0].value, "docker");
        assert!(!c.oom_kill_disable.as_ref().unwrap().value);
        let all = c.publish_all_ports.as_ref().unwrap();
        assert!(all.value);
        assert_eq!(all.location.start_line, line_of("\"PublishAllPorts\""));
        assert_eq!(c.cgroup_parent.as_ref().unwrap().value, "/batch");
    }

    #[test]
    fn binds_are_the_fallback_and_limits_are_kept() {
        let f = fragment(
            "i.json",
            r#"[{"Id": "abcdef0123456789", "Name": "", "HostConfig": {
  "Binds": ["/etc:/host-etc:ro", "data:/data"],
  "Memory": 536870912, "PidsLimit": 100, "CpuQuota": 50000, "CpuPeriod": 100000,
  "PortBindings": {"53/udp": [{"HostIp": "0.0.0.0", "HostPort": ""}]},
  "RestartPolicy": {"Name": "", "MaximumRetryCount": 0}
}, "Config": {"User": "", "Healthcheck": {"Test": ["NONE"]}}, "AppArmorProfile": "docker-default"}]"#,
        );
        assert!(f.diagnostics.is_empty(), "{:?}", f.diagnostics);
        let w = &f.workloads[0];
        assert_eq!(w.name, "abcdef012345");
        assert!(w.restart_policy.is_none());
        let c = &w.containers[0];
        assert_eq!(c.mounts[0].source, MountSource::HostPath("/etc".into()));
        assert!(c.mounts[0].read_only);
        assert_eq!(c.mounts[0].location.start_line, 2);
        assert_eq!(c.mounts[1].source, MountSource::Volume("data".into()));
        assert_eq!(
            c.resources.memory_limit.as_ref().unwrap().value,
            "536870912"
        );
        assert_eq!(c.resources.pids_limit.as_ref().unwrap().value, 100);
        assert_eq!(c.resources.cpu_limit.as_ref().unwrap().value, "0.5");
        assert_eq!(c.ports[0].host_ip, None);
        assert_eq!(c.ports[0].host_port, Some(0));
        assert_eq!(c.ports[0].protocol, "udp");
        assert_eq!(c.runs_as_root(), None);
        assert!(!c.liveness_probe);
        assert!(!c.healthcheck.as_ref().unwrap().value);
        assert_eq!(c.apparmor.as_ref().unwrap().value, "runtime/default");
    }

    #[test]
    fn inspect_bad_types_warn() {
        let f = fragment(
            "i.json",
            "[{\"Name\": \"/x\", \"HostConfig\": {\n\"Privileged\": \"very\",\n\"CapAdd\": \"NET_ADMIN\"}, \"Config\": {}}]",
        );
        let lines: Vec<usize> = f
            .diagnostics
            .iter()
            .map(|d| d.location.start_line)
            .collect();
        assert_eq!(lines, [2, 3]);
        assert!(f.diagnostics[0].message.contains("HostConfig.Privileged"));
        let c = &f.workloads[0].containers[0];
        assert!(c.privileged.is_none() && c.capabilities_add.is_empty());
    }

    #[test]
    fn odd_inspect_shapes_never_panic() {
        let odd = [
            "null",
            "[]",
            "{}",
            "\"\"",
            "\"/\"",
            "-1",
            "1e99",
            "true",
            "[{}]",
            "[null]",
            "{\"80/tcp\": null}",
            "{\"x\": [{}]}",
            "{\"Type\": []}",
        ];
        let keys = [
            "Privileged",
            "CapAdd",
            "SecurityOpt",
            "NetworkMode",
            "PidMode",
            "Binds",
            "PortBindings",
            "Memory",
            "NanoCpus",
            "CpuQuota",
            "PidsLimit",
            "LogConfig",
            "Devices",
            "Sysctls",
            "Ulimits",
            "RestartPolicy",
            "Tmpfs",
            "PublishAllPorts",
            "CgroupParent",
            "User",
            "Env",
            "Healthcheck",
            "ExposedPorts",
            "Labels",
            "Cmd",
        ];
        for key in keys {
            for value in odd {
                let text = format!(
                    "[{{\"Name\": {value}, \"Mounts\": {value}, \"AppArmorProfile\": {value}, \"HostConfig\": {{\"{key}\": {value}}}, \"Config\": {{\"{key}\": {value}}}, \"NetworkSettings\": {value}}}]"
                );
                let _ = fragment("i.json", &text);
                let text = format!("{{\"{key}\": {value}, \"icc\": {value}, \"hosts\": {value}}}");
                let f = fragment("daemon.json", &text);
                for d in &f.daemons {
                    let _ = (
                        d.icc(),
                        d.hosts(),
                        d.tcp_host_without_tlsverify(),
                        d.log_opts(),
                    );
                    let _ = (d.default_ulimits(), d.insecure_registries());
                }
            }
        }
    }

    const DAEMON: &str = r#"{
  "icc": false,
  "userns-remap": "default",
  "live-restore": true,
  "userland-proxy": false,
  "no-new-privileges": true,
  "insecure-registries": ["registry.local:5000"],
  "registry-mirrors": ["https://mirror.example.com"],
  "log-driver": "syslog",
  "log-opts": {"syslog-address": "udp://10.0.0.1:514", "max-size": "10m"},
  "log-level": "debug",
  "seccomp-profile": "unconfined",
  "authorization-plugins": ["authz-broker"],
  "hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"],
  "tls": true,
  "default-ulimits": {"nofile": {"Name": "nofile", "Hard": 64000, "Soft": 64000}},
  "selinux-enabled": true,
  "experimental": false,
  "iptables": true,
  "ip-forward": true,
  "storage-driver": "aufs",
  "storage-opts": ["dm.basesize=20G"],
  "cgroup-parent": "/docker"
}"#;

    #[test]
    fn daemon_accessors_give_values_and_lines() {
        let f = fragment("daemon.json", DAEMON);
        assert!(f.diagnostics.is_empty(), "{:?}", f.diagnostics);
        let d = &f.daemons[0];
        let icc = d.icc().unwrap();
        assert!(!icc.value);
        assert_eq!(icc.location.start_line, 2);
        assert_eq!(
            (icc.location.start_column, icc.location.end_column),
            (3, 15)
        );
        assert_eq!(d.userns_remap().unwrap().value, "default");
        assert!(d.live_restore().unwrap().value);
        assert!(!d.userland_proxy().unwrap().value);
        assert!(d.no_new_privileges().unwrap().value);
        assert_eq!(
            d.insecure_registries().unwrap().value,
            ["registry.local:5000"]
        );
        assert_eq!(d.insecure_registries().unwrap().location.start_line, 7);
        assert_eq!(d.registry_mirrors().unwrap().value.len(), 1);
        assert_eq!(d.log_driver().unwrap().value, "syslog");
        assert_eq!(
            d.log_opts()
                .unwrap()
                .value
                .get("max-size")
                .map(String::as_str),
            Some("10m")
        );
        assert_eq!(d.log_level().unwrap().value, "debug");
        assert_eq!(d.seccomp_profile().unwrap().value, "unconfined");
        assert_eq!(d.authorization_plugins().unwrap().value, ["authz-broker"]);
        assert!(d.tls().unwrap().value);
        assert!(d.tlsverify().is_none());
        let tcp = d.tcp_host_without_tlsverify().unwrap();
        assert_eq!(tcp.value, "tcp://0.0.0.0:2375");
        assert_eq!(tcp.location.start_line, 14);
        assert_eq!(d.default_ulimits().unwrap().value, ["nofile"]);
        assert!(d.selinux_enabled().unwrap().value);
        assert!(!d.experimental().unwrap().value);
        assert!(d.iptables().unwrap().value);
        assert!(d.ip_forward().unwrap().value);
        assert_eq!(d.storage_driver().unwrap().value, "aufs");
        assert_eq!(d.storage_opts().unwrap().value, ["dm.basesize=20G"]);
        assert_eq!(d.cgroup_parent().unwrap().value, "/docker");
        assert!(d.debug().is_none());
    }

    #[test]
    fn daemon_tlsverify_covers_tcp_and_absent_keys_are_none() {
        let f = fragment(
            "daemon.json",
            r#"{"hosts": ["tcp://0.0.0.0:2376"], "tlsverify": true, "log-driver": "json-file"}"#,
        );
        let d = &f.daemons[0];
        assert!(d.tcp_host_without_tlsverify().is_none());
        assert!(d.icc().is_none() && d.userns_remap().is_none() && d.live_restore().is_none());
    }

    #[test]
    fn daemon_bad_types_warn_and_read_as_absent() {
        let f = fragment(
            "daemon.json",
            "{\n  \"icc\": \"false\",\n  \"insecure-registries\": \"r:5000\",\n  \"log-driver\": \"syslog\"\n}",
        );
        let lines: Vec<usize> = f
            .diagnostics
            .iter()
            .map(|d| d.location.start_line)
            .collect();
        assert_eq!(lines, [2, 3]);
        assert!(f.diagnostics.iter().all(|d| d.code == "invalid-value"));
        let d = &f.daemons[0];
        assert!(d.icc().is_none());
        assert!(d.insecure_registries().is_none());
    }
}
