//! Compose files: each service becomes a [`Workload`] with one
//! [`Container`], its security-relevant keys mapped onto the runtime model
//! (`docs/compose-and-docker-input.md` lists them with their defaults).
//!
//! Values of the wrong type get a `invalid-value` warning at their line and are
//! ignored, as if the key were absent. Compose interpolates `${VAR}` before
//! reading values; threatbox does not know the environment, so interpolated
//! values are kept as written (and environment values with them count as
//! not literal).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::Fragment;
use super::resolve::normalise;
use super::runtime::{
    Container, Device, EnvValue, EnvVar, HostAlias, Mount, MountSource, ObjectSuppression,
    Platform, Port, Setting, Sysctl, Ulimit, Workload,
};
use crate::parse::yaml::{Node, Value};
use crate::source::{Diagnostic, Location, SourceFile, Span};

/// Ranges of ports longer than this are kept as their first and last port:
/// `1-65535` must not make 65 535 model entries.
const MAX_PORT_RANGE: u32 = 1024;

/// Once a container has this many ports, further ranges are kept as their
/// two ends: a file of many ranges cannot make millions of entries.
const MAX_EXPANDED_PORTS: usize = 4096;

/// Services read from one document; the rest are reported and skipped (real
/// projects have tens; a 16 MiB file of `a: {}` lines would otherwise make
/// millions of workloads).
pub(crate) const MAX_WORKLOADS: usize = 10_000;

/// Adds a compose file (a document with top-level `services`).
pub fn add_document(fragment: &mut Fragment, source: &Arc<SourceFile>, root: &Node) {
    let Some(services) = root.get("services").and_then(Node::as_map) else {
        return;
    };
    let project = root.get("name").and_then(Node::as_str).map(str::to_string);
    let dir = Path::new(&*source.path)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let bind_volumes = bind_volumes(root, &dir);
    for (index, (key, body)) in services.iter().enumerate() {
        if index == MAX_WORKLOADS {
            fragment.diagnostics.push(Diagnostic::warning(
                "input-limit",
                format!("more than {MAX_WORKLOADS} services: the rest are skipped"),
                source.location(&key.span),
            ));
            break;
        }
        let Some(name) = key.as_str() else { continue };
        let mut r = Reader {
            source,
            diagnostics: &mut fragment.diagnostics,
            what: format!("compose service `{name}`"),
            entry: None,
        };
        if !body.is_null() && body.as_map().is_none() {
            r.bad("", body, "a mapping");
            continue;
        }
        let mut w = service(&mut r, name, key, body, &bind_volumes, &dir);
        w.namespace = project.clone();
        fragment.workloads.push(w);
    }
}

/// Reads values of one service (or inspect record), reporting bad types.
pub(crate) struct Reader<'a> {
    pub source: &'a Arc<SourceFile>,
    pub diagnostics: &'a mut Vec<Diagnostic>,
    /// `compose service `web`` or `container `db``, for messages.
    pub what: String,
    /// The key being read (its span) and its value's span: a setting read
    /// from that very value is located from the key to the end of the
    /// value (`privileged: true`), as the Kubernetes input does.
    pub entry: Option<(Span, Span)>,
}

impl Reader<'_> {
    pub fn loc(&self, node: &Node) -> Location {
        self.source.location(&node.span)
    }

    /// Sets the key being read (see [`Reader::entry`]).
    pub fn enter(&mut self, key: &Node, value: &Node) {
        self.entry = Some((key.span.clone(), value.span.clone()));
    }

    /// Where a setting read from `node` is: from its key when `node` is the
    /// value of the entry being read (and written after the key, not a
    /// merged or aliased value written elsewhere), else the node itself.
    pub fn setting_loc(&self, node: &Node) -> Location {
        match &self.entry {
            Some((key, value)) if *value == node.span && key.start <= node.span.start => {
                self.source.location(&(key.start..node.span.end))
            }
            _ => self.loc(node),
        }
    }

    pub fn bad(&mut self, key: &str, node: &Node, expected: &str) {
        let key = if key.is_empty() {
            String::new()
        } else {
            format!(": `{key}`")
        };
        self.diagnostics.push(Diagnostic::warning(
            "invalid-value",
            format!(
                "{}{key} should be {expected}, found {}; ignored",
                self.what,
                kind_name(node)
            ),
            self.loc(node),
        ));
    }

    /// A boolean, also the strings compose casts (`"true"`, `yes`, `on`…).
    pub fn bool(&mut self, key: &str, node: &Node) -> Option<Setting<bool>> {
        let value = match &node.value {
            Value::Bool(b) => Some(*b),
            Value::String(s) => match s.to_ascii_lowercase().as_str() {
                "true" | "yes" | "y" | "on" => Some(true),
                "false" | "no" | "n" | "off" => Some(false),
                _ => None,
            },
            _ => None,
        };
        match value {
            Some(v) => Some(Setting::new(v, self.setting_loc(node))),
            None => {
                self.bad(key, node, "a boolean");
                None
            }
        }
    }

    /// A string; numbers are taken as their text (`user: 1000`, `cpus: 0.5`).
    /// Interpolation defaults are applied (`${TAG:-1.2}` → `1.2`).
    pub fn string(&mut self, key: &str, node: &Node) -> Option<Setting<String>> {
        match scalar_text(node) {
            Some(s) => Some(Setting::new(
                interpolate_defaults(&s).into_owned(),
                self.setting_loc(node),
            )),
            None => {
                self.bad(key, node, "a string");
                None
            }
        }
    }

    /// An integer, also written as a string (`"100"`).
    pub fn int(&mut self, key: &str, node: &Node) -> Option<Setting<i64>> {
        let value = match &node.value {
            Value::Int(i) => Some(*i),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        match value {
            Some(v) => Some(Setting::new(v, self.setting_loc(node))),
            None => {
                self.bad(key, node, "an integer");
                None
            }
        }
    }

    /// A list of strings; a single string is accepted where compose accepts
    /// one (`env_file`, `tmpfs`, `dns`).
    pub fn strings(&mut self, key: &str, node: &Node, single_ok: bool) -> Vec<Setting<String>> {
        if single_ok && let Some(s) = node.as_str() {
            return vec![Setting::new(
                interpolate_defaults(s).into_owned(),
                self.setting_loc(node),
            )];
        }
        let Some(items) = node.as_seq() else {
            if !node.is_null() {
                self.bad(key, node, "a list");
            }
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items {
            match scalar_text(item) {
                Some(s) => out.push(Setting::new(
                    interpolate_defaults(&s).into_owned(),
                    self.loc(item),
                )),
                None => self.bad(key, item, "a string"),
            }
        }
        out
    }

    /// Entries of a mapping, or `k=v` items of a list (`environment`,
    /// `labels`, `sysctls`). The value is `None` for a list item without `=`
    /// or a null map value.
    pub fn key_values(
        &mut self,
        key: &str,
        node: &Node,
    ) -> Vec<(String, Option<String>, Location)> {
        let mut out = Vec::new();
        if let Some(entries) = node.as_map() {
            for (k, v) in entries {
                let Some(name) = scalar_text(k) else {
                    self.bad(key, k, "a string key");
                    continue;
                };
                let value = if v.is_null() {
                    None
                } else if let Some(t) =
                    scalar_text(v).or_else(|| v.as_bool().map(|b| b.to_string()))
                {
                    Some(t)
                } else {
                    self.bad(key, v, "a scalar");
                    continue;
                };
                let loc = self
                    .source
                    .location(&(k.span.start..v.span.end.max(k.span.end)));
                out.push((name, value, loc));
            }
        } else if let Some(items) = node.as_seq() {
            for item in items {
                let Some(text) = scalar_text(item) else {
                    self.bad(key, item, "a `KEY=value` string");
                    continue;
                };
                let (k, v) = match text.split_once('=') {
                    Some((k, v)) => (k.to_string(), Some(v.to_string())),
                    None => (text, None),
                };
                out.push((k, v, self.loc(item)));
            }
        } else if !node.is_null() {
            self.bad(key, node, "a mapping or a list");
        }
        out
    }
}

/// What a node is, for messages.
fn kind_name(node: &Node) -> &'static str {
    match node.value {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Int(_) | Value::Float(_) => "a number",
        Value::String(_) => "a string",
        Value::Seq(_) => "a list",
        Value::Map(_) => "a mapping",
    }
}

/// The text of a string or number scalar.
pub(crate) fn scalar_text(node: &Node) -> Option<String> {
    match &node.value {
        Value::String(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(f.to_string()),
        _ => None,
    }
}

/// `CAP_SYS_ADMIN`, `sys_admin` → `SYS_ADMIN`.
pub(crate) fn normalise_capability(name: &str) -> String {
    let upper = name.trim().to_ascii_uppercase();
    match upper.strip_prefix("CAP_") {
        Some(rest) => rest.to_string(),
        None => upper,
    }
}

/// Compose interpolation (`${VAR}`, `$VAR`) in a value; `$$` is a literal `$`.
pub(crate) fn has_interpolation(s: &str) -> bool {
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '$' {
            continue;
        }
        match chars.peek() {
            Some('$') => {
                chars.next();
            }
            Some(n) if *n == '{' || *n == '_' || n.is_ascii_alphabetic() => return true,
            _ => {}
        }
    }
    false
}

/// Compose interpolation with the environment unknown: `${VAR:-default}`
/// and `${VAR-default}` give their default (what compose uses when `VAR` is
/// unset), `${VAR:+x}` gives nothing, `$$` a literal `$`; `${VAR}`,
/// `${VAR:?msg}` and `$VAR` stay as `${VAR}` / `$VAR`.
pub(crate) fn interpolate_defaults(s: &str) -> std::borrow::Cow<'_, str> {
    interpolate_at_depth(s, 0)
}

/// Nested defaults deeper than this are kept as written: bounded recursion
/// and linear work on hostile strings.
const MAX_INTERPOLATION_DEPTH: usize = 8;

fn interpolate_at_depth(s: &str, depth: usize) -> std::borrow::Cow<'_, str> {
    if !s.contains('$') || depth > MAX_INTERPOLATION_DEPTH {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(body) = after.strip_prefix('{') {
            // The matching `}`, counting nested `${…}` in defaults.
            let mut braces = 1usize;
            let mut end = None;
            for (j, c) in body.char_indices() {
                match c {
                    '{' => braces += 1,
                    '}' => {
                        braces -= 1;
                        if braces == 0 {
                            end = Some(j);
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let Some(end) = end else {
                out.push_str(&rest[i..]);
                return std::borrow::Cow::Owned(out);
            };
            let inner = &body[..end];
            let name_len = inner
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(inner.len());
            let (name, op) = inner.split_at(name_len);
            if let Some(default) = op.strip_prefix(":-").or_else(|| op.strip_prefix('-')) {
                out.push_str(&interpolate_at_depth(default, depth + 1));
            } else if op.starts_with(":+") || op.starts_with('+') {
                // Set only when the variable is: assumed unset.
            } else if !name.is_empty() && (op.is_empty() || op.starts_with([':', '?'])) {
                out.push_str("${");
                out.push_str(name);
                out.push('}');
            } else {
                // Not a form compose knows: kept as written.
                out.push_str("${");
                out.push_str(inner);
                out.push('}');
            }
            rest = &body[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// An environment value as written: literal unless taken from the
/// environment (`KEY` alone, null, or interpolated).
pub(crate) fn env_value(value: Option<String>) -> EnvValue {
    match value {
        Some(v) if !has_interpolation(&v) => EnvValue::Literal(v),
        _ => EnvValue::Other,
    }
}

/// Applies one `security_opt` / `SecurityOpt` entry (compose writes `:` or
/// `=`, docker inspect `=`). Returns false for an option it does not know.
pub(crate) fn apply_security_opt(c: &mut Container, opt: &str, loc: Location) -> bool {
    let (name, value) = match opt.find([':', '=']) {
        Some(i) => (&opt[..i], Some(opt[i + 1..].trim())),
        None => (opt, None),
    };
    match (name.trim(), value) {
        ("no-new-privileges", None | Some("true")) => {
            c.allow_privilege_escalation = Some(Setting::new(false, loc));
        }
        ("no-new-privileges", Some("false")) => {
            c.allow_privilege_escalation = Some(Setting::new(true, loc));
        }
        ("seccomp", Some(v)) => {
            let profile = match v {
                "unconfined" => "Unconfined".to_string(),
                "builtin" | "default" => "RuntimeDefault".to_string(),
                // docker inspect holds a custom profile's JSON itself.
                json if json.starts_with('{') => "Localhost/inline".to_string(),
                path => format!("Localhost/{path}"),
            };
            c.seccomp = Some(Setting::new(profile, loc));
        }
        ("apparmor", Some(v)) => {
            let profile = match v {
                "unconfined" => "unconfined".to_string(),
                "docker-default" => "runtime/default".to_string(),
                name => format!("localhost/{name}"),
            };
            c.apparmor = Some(Setting::new(profile, loc));
        }
        ("label", Some(v)) => {
            // `disable` wins over any other label option; others are joined
            // in place (many options must not copy the list each time).
            match &mut c.selinux {
                Some(prev) if prev.value == "disable" => {}
                Some(prev) if v != "disable" => {
                    prev.value.push(',');
                    prev.value.push_str(v);
                    prev.location = loc;
                }
                _ => c.selinux = Some(Setting::new(v.to_string(), loc)),
            }
        }
        ("systempaths", Some("unconfined")) => {
            c.unmasked_proc = Some(Setting::new(true, loc));
        }
        _ => return false,
    }
    true
}

/// `uid[:gid]` or `name[:group]` into the container's user fields.
pub(crate) fn apply_user(c: &mut Container, user: &str, loc: Location) {
    let (u, g) = match user.split_once(':') {
        Some((u, g)) => (u.trim(), Some(g.trim())),
        None => (user.trim(), None),
    };
    match u.parse::<i64>() {
        Ok(uid) => c.run_as_user = Some(Setting::new(uid, loc.clone())),
        Err(_) => c.user_name = Some(Setting::new(user.trim().to_string(), loc.clone())),
    }
    if let Some(gid) = g.and_then(|g| g.parse::<i64>().ok()) {
        c.run_as_group = Some(Setting::new(gid, loc));
    }
}

/// `on-failure:N` from a restart policy name and retry count.
pub(crate) fn restart_text(name: &str, retries: Option<i64>) -> String {
    match retries {
        Some(n) if name == "on-failure" && n > 0 => format!("on-failure:{n}"),
        _ => name.to_string(),
    }
}

fn service(
    r: &mut Reader<'_>,
    name: &str,
    key: &Node,
    body: &Node,
    bind_volumes: &HashMap<String, String>,
    dir: &Path,
) -> Workload {
    let key_loc = r.loc(key);
    let mut w = Workload {
        platform: Platform::Compose,
        kind: "service".to_string(),
        name: name.to_string(),
        location: key_loc.clone(),
        extent: r
            .source
            .location(&(key.span.start..body.span.end.max(key.span.end))),
        spec_location: r.loc(body),
        ..Default::default()
    };
    let mut c = Container {
        name: name.to_string(),
        location: key_loc.clone(),
        ..Default::default()
    };
    let mut networks_written = false;
    let mut deploy_node = None;
    for (key_node, v) in body.as_map().unwrap_or_default() {
        let Some(k) = key_node.as_str() else { continue };
        r.enter(key_node, v);
        match k {
            "container_name" => {
                if let Some(s) = r.string(k, v) {
                    c.name = s.value;
                }
            }
            "image" => c.image = r.string(k, v),
            "pull_policy" => c.image_pull_policy = r.string(k, v),
            "build" => build(r, &mut c, v, dir),
            "privileged" => c.privileged = r.bool(k, v),
            "read_only" => c.read_only_root_fs = r.bool(k, v),
            "cap_add" | "cap_drop" => {
                let caps = r
                    .strings(k, v, false)
                    .into_iter()
                    .map(|s| Setting::new(normalise_capability(&s.value), s.location))
                    .collect();
                if k == "cap_add" {
                    c.capabilities_add = caps;
                } else {
                    c.capabilities_drop = caps;
                }
            }
            "security_opt" => {
                for opt in r.strings(k, v, false) {
                    if !apply_security_opt(&mut c, &opt.value, opt.location.clone()) {
                        r.diagnostics.push(Diagnostic::note(
                            "unknown-value",
                            format!("{}: security option `{}` not understood", r.what, opt.value),
                            opt.location,
                        ));
                    }
                }
            }
            "user" => {
                if let Some(s) = r.string(k, v) {
                    apply_user(&mut c, &s.value, s.location);
                }
            }
            "network_mode" => {
                if let Some(s) = r.string(k, v) {
                    w.host_network = Some(Setting::new(s.value == "host", s.location.clone()));
                    w.network_mode = Some(s);
                }
            }
            "networks" => {
                networks_written = true;
                if let Some(entries) = v.as_map() {
                    for (nk, _) in entries {
                        if let Some(s) = r.string(k, nk) {
                            w.networks.push(s);
                        }
                    }
                } else {
                    w.networks = r.strings(k, v, false);
                }
            }
            "pid" | "ipc" | "userns_mode" | "uts" | "cgroup" => {
                if let Some(s) = r.string(k, v) {
                    let host = Some(Setting::new(s.value == "host", s.location));
                    match k {
                        "pid" => w.host_pid = host,
                        "ipc" => w.host_ipc = host,
                        "userns_mode" => w.host_users = host,
                        "uts" => w.host_uts = host,
                        _ => w.host_cgroupns = host,
                    }
                }
            }
            "volumes" => volumes(r, &mut c, v, bind_volumes, dir),
            "tmpfs" => {
                for t in r.strings(k, v, true) {
                    let target = t.value.split(':').next().unwrap_or("").to_string();
                    c.mounts.push(Mount {
                        source: MountSource::Ephemeral,
                        target,
                        read_only: false,
                        location: t.location,
                    });
                }
            }
            "use_api_socket" => {
                if let Some(b) = r.bool(k, v)
                    && b.value
                {
                    c.mounts.push(Mount {
                        source: MountSource::DockerApiSocket,
                        target: "/var/run/docker.sock".to_string(),
                        read_only: false,
                        location: b.location,
                    });
                }
            }
            "secrets" | "configs" => secrets(r, &mut c, k, v),
            "ports" => ports(r, &mut c, v),
            "expose" => expose(r, &mut c, v),
            "environment" => {
                for (name, value, location) in r.key_values(k, v) {
                    c.env.push(EnvVar {
                        name,
                        value: env_value(value),
                        location,
                    });
                }
            }
            "env_file" => {
                if let Some(items) = v.as_seq() {
                    for item in items {
                        // Long form: `{path, required}`.
                        let node = item.get("path").unwrap_or(item);
                        c.env_files.extend(r.string(k, node));
                    }
                } else {
                    c.env_files = r.strings(k, v, true);
                }
            }
            "labels" => {
                for (name, value, _) in r.key_values(k, v) {
                    w.pod_labels.insert(name, value.unwrap_or_default());
                }
            }
            "mem_limit" => c.resources.memory_limit = r.string(k, v),
            "mem_reservation" => c.resources.memory_request = r.string(k, v),
            "cpus" => c.resources.cpu_limit = r.string(k, v),
            "cpu_quota" if c.resources.cpu_limit.is_none() => {
                c.resources.cpu_limit = r.string(k, v);
            }
            // A relative weight, not a limit: the closest thing is a request.
            "cpu_shares" => c.resources.cpu_request = r.string(k, v),
            "pids_limit" => c.resources.pids_limit = r.int(k, v),
            // Read after the loop: `deploy` limits win over `mem_limit` & co.
            "deploy" => deploy_node = Some(v),
            "logging" => {
                if let Some(d) = v.get("driver") {
                    w.logging_driver = r.string("logging.driver", d);
                } else if v.as_map().is_none() && !v.is_null() {
                    r.bad(k, v, "a mapping");
                }
            }
            "healthcheck" => healthcheck(r, &mut c, v),
            "command" | "entrypoint" => {
                let parts = r.strings(k, v, true);
                if k == "entrypoint" {
                    c.command.splice(0..0, parts);
                } else {
                    c.command.extend(parts);
                }
            }
            "devices" => devices(r, &mut c, v),
            "sysctls" => {
                for (name, value, location) in r.key_values(k, v) {
                    c.sysctls.push(Sysctl {
                        name,
                        value: value.unwrap_or_default(),
                        location,
                    });
                }
            }
            "ulimits" => ulimits(r, &mut c, v),
            "oom_kill_disable" => c.oom_kill_disable = r.bool(k, v),
            "group_add" => c.group_add = r.strings(k, v, false),
            "cgroup_parent" => c.cgroup_parent = r.string(k, v),
            "restart" => w.restart_policy = r.string(k, v),
            "extra_hosts" => w.host_aliases = extra_hosts(r, k, v),
            "x-threatbox-ignore" => w.suppressions = suppressions(r, v),
            _ => {}
        }
    }
    if let Some(v) = deploy_node {
        deploy(r, &mut w, &mut c, v);
    }
    if !networks_written && w.network_mode.is_none() {
        w.networks
            .push(Setting::new("default".to_string(), key_loc.clone()));
    }
    w.containers.push(c);
    w
}

/// `x-threatbox-ignore: "TB401,TB402 reason"` (or a list of such strings).
fn suppressions(r: &mut Reader<'_>, v: &Node) -> Vec<ObjectSuppression> {
    let mut out = Vec::new();
    for s in r.strings("x-threatbox-ignore", v, true) {
        let text = s.value.trim();
        let (codes, reason) = match text.split_once(char::is_whitespace) {
            Some((c, rest)) => (c, Some(rest.trim().to_string()).filter(|r| !r.is_empty())),
            None => (text, None),
        };
        let codes: Vec<String> = codes
            .split(',')
            .map(|c| c.trim().to_ascii_uppercase())
            .filter(|c| !c.is_empty())
            .collect();
        if codes.is_empty() {
            r.diagnostics.push(Diagnostic::warning(
                "invalid-suppression",
                format!("{}: `x-threatbox-ignore` names no rule code", r.what),
                s.location,
            ));
            continue;
        }
        out.push(ObjectSuppression {
            codes,
            reason,
            location: s.location,
        });
    }
    out
}

/// `build: ./dir` or `build: {context, dockerfile, args}`: the Dockerfile
/// path the service's image comes from, lexically normalised.
fn build(r: &mut Reader<'_>, c: &mut Container, v: &Node, dir: &Path) {
    let (context, dockerfile) = if let Some(s) = v.as_str() {
        (interpolate_defaults(s).into_owned(), None)
    } else if v.as_map().is_some() {
        let context = match v.get("context") {
            Some(n) => match r.string("build.context", n) {
                Some(s) => s.value,
                None => return,
            },
            None => ".".to_string(),
        };
        let dockerfile = v
            .get("dockerfile")
            .and_then(|n| r.string("build.dockerfile", n))
            .map(|s| s.value);
        if let Some(args) = v.get("args") {
            for (name, value, location) in r.key_values("build.args", args) {
                c.build_args.push(EnvVar {
                    name,
                    value: env_value(value),
                    location,
                });
            }
        }
        if let Some(t) = v.get("target") {
            c.build_target = r.string("build.target", t).map(|s| s.value);
        }
        if dockerfile.is_none() && v.get("dockerfile_inline").is_some() {
            return;
        }
        (context, dockerfile)
    } else {
        r.bad("build", v, "a string or a mapping");
        return;
    };
    // A remote context (git URL, tarball) is not on disk.
    if context.contains("://") || context.starts_with("git@") {
        return;
    }
    let mut path: PathBuf = dir.join(&context);
    path.push(dockerfile.as_deref().unwrap_or("Dockerfile"));
    c.build_dockerfile = Some(normalise(&path));
}

/// A host path as compose reads it: relative paths are relative to the
/// compose file's directory (resolved lexically), others as written.
fn host_path(source: &str, dir: &Path) -> String {
    if source == "." || source == ".." || source.starts_with("./") || source.starts_with("../") {
        let p = normalise(&dir.join(source));
        let s = p.to_string_lossy().into_owned();
        if s.is_empty() { ".".to_string() } else { s }
    } else {
        source.to_string()
    }
}

/// A named volume's name: compose requires `[a-zA-Z0-9][a-zA-Z0-9_.-]*`;
/// anything else in the source position is a host path.
fn is_volume_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// Top-level volumes that bind a host directory
/// (`driver_opts: {type: none, o: bind, device: /path}`): name → host path.
/// Built once per file, so that each mount is a lookup.
fn bind_volumes(root: &Node, dir: &Path) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let Some(volumes) = root.get("volumes") else {
        return out;
    };
    for (name, decl) in volumes.str_entries() {
        let Some(opts) = decl.get("driver_opts") else {
            continue;
        };
        let binds = opts.get("o").and_then(Node::as_str).is_some_and(|o| {
            o.split(',')
                .any(|x| x.trim() == "bind" || x.trim() == "rbind")
        });
        if let Some(device) = opts.get("device").and_then(Node::as_str)
            && binds
        {
            // The first declaration wins, as `Node::get` reads duplicates.
            out.entry(name.to_string())
                .or_insert_with(|| host_path(device, dir));
        }
    }
    out
}

/// A named volume, or the host directory it binds.
fn named_volume(name: &str, bind_volumes: &HashMap<String, String>) -> MountSource {
    match bind_volumes.get(name) {
        Some(path) => MountSource::HostPath(path.clone()),
        None => MountSource::Volume(name.to_string()),
    }
}

/// Splits `SRC:DST[:MODE]`, keeping a Windows drive (`C:\x`) in the source.
fn split_volume(s: &str) -> Vec<&str> {
    let b = s.as_bytes();
    let drive = b.len() >= 3
        && b[0].is_ascii_alphabetic()
        && b[1] == b':'
        && (b[2] == b'\\' || b[2] == b'/');
    if drive {
        let mut parts: Vec<&str> = s[2..].split(':').collect();
        if let Some(first) = parts.first_mut() {
            *first = &s[..2 + first.len()];
        }
        parts
    } else {
        s.split(':').collect()
    }
}

fn volumes(
    r: &mut Reader<'_>,
    c: &mut Container,
    v: &Node,
    bind_volumes: &HashMap<String, String>,
    dir: &Path,
) {
    let Some(items) = v.as_seq() else {
        if !v.is_null() {
            r.bad("volumes", v, "a list");
        }
        return;
    };
    for item in items {
        let location = r.loc(item);
        if let Some(s) = item.as_str() {
            let s = interpolate_defaults(s);
            let parts = split_volume(&s);
            let (src, target, mode) = match parts.as_slice() {
                [t] => (None, *t, ""),
                [s, t] => (Some(*s), *t, ""),
                [s, t, m] => (Some(*s), *t, *m),
                _ => {
                    r.bad("volumes", item, "`SOURCE:TARGET[:MODE]`");
                    continue;
                }
            };
            let source = match src {
                None => MountSource::Volume(String::new()),
                Some(name) if is_volume_name(name) => named_volume(name, bind_volumes),
                Some(path) => MountSource::HostPath(host_path(path, dir)),
            };
            if mode.split(',').any(|m| m == "shared" || m == "rshared") {
                c.shared_propagation
                    .push(Setting::new(target.to_string(), location.clone()));
            }
            c.mounts.push(Mount {
                source,
                target: target.to_string(),
                read_only: mode.split(',').any(|m| m == "ro"),
                location,
            });
        } else if item.as_map().is_some() {
            let text = |k: &str| item.get(k).and_then(scalar_text);
            let Some(target) = text("target") else {
                r.bad("volumes", item, "a mapping with `target`");
                continue;
            };
            let source = text("source").unwrap_or_default();
            let kind = text("type").unwrap_or_else(|| "volume".to_string());
            let source = match kind.as_str() {
                "bind" | "npipe" => MountSource::HostPath(host_path(&source, dir)),
                "volume" if source.is_empty() => MountSource::Volume(String::new()),
                "volume" => named_volume(&source, bind_volumes),
                _ => MountSource::Ephemeral,
            };
            if let Some(p) = item.path(&["bind", "propagation"])
                && matches!(p.as_str(), Some("shared" | "rshared"))
            {
                c.shared_propagation
                    .push(Setting::new(target.clone(), r.loc(p)));
            }
            let read_only = match item.get("read_only") {
                Some(n) => r.bool("volumes.read_only", n).is_some_and(|b| b.value),
                None => false,
            };
            c.mounts.push(Mount {
                source,
                target,
                read_only,
                location,
            });
        } else {
            r.bad("volumes", item, "a string or a mapping");
        }
    }
}

/// Service-level `secrets` (files under `/run/secrets/`) and `configs`
/// (files at `/<name>` by default).
fn secrets(r: &mut Reader<'_>, c: &mut Container, key: &str, v: &Node) {
    let Some(items) = v.as_seq() else {
        if !v.is_null() {
            r.bad(key, v, "a list");
        }
        return;
    };
    for item in items {
        let (name, target) = if let Some(s) = scalar_text(item) {
            (s, None)
        } else if let Some(source) = item.get("source").and_then(scalar_text) {
            (source, item.get("target").and_then(scalar_text))
        } else {
            r.bad(key, item, "a name or a mapping with `source`");
            continue;
        };
        let target_name = target.unwrap_or_else(|| name.clone());
        let (source, target) = if key == "secrets" {
            let t = if target_name.starts_with('/') {
                target_name
            } else {
                format!("/run/secrets/{target_name}")
            };
            (MountSource::Secret(name), t)
        } else {
            let t = if target_name.starts_with('/') {
                target_name
            } else {
                format!("/{target_name}")
            };
            (MountSource::ConfigMap(name), t)
        };
        c.mounts.push(Mount {
            source,
            target,
            read_only: true,
            location: r.loc(item),
        });
    }
}

/// `a` or `a-b` → (first, last).
fn port_range(s: &str) -> Option<(u16, u16)> {
    let s = s.trim();
    match s.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
            (a <= b).then_some((a, b))
        }
        None => s.parse().ok().map(|p| (p, p)),
    }
}

/// The ports of a range, or its two ends when it is too long to list.
fn range_ports((first, last): (u16, u16), already: usize) -> Vec<u16> {
    if u32::from(last - first) < MAX_PORT_RANGE && already < MAX_EXPANDED_PORTS {
        (first..=last).collect()
    } else {
        vec![first, last]
    }
}

/// Host IP, host port, container port, protocol.
type PortSpec = (Option<String>, Option<u16>, u16, String);

/// Parses the short form `[IP:][HOST:]CONTAINER[/PROTO]`; a missing host
/// port is `Some(0)` (the engine picks one), a missing IP `None` (all
/// interfaces).
fn short_port(s: &str, already: usize) -> Option<Vec<PortSpec>> {
    let (rest, proto) = match s.rsplit_once('/') {
        Some((r, p)) => (r, p.to_ascii_lowercase()),
        None => (s, "tcp".to_string()),
    };
    let (ip, rest) = if let Some(after) = rest.strip_prefix('[') {
        let (ip, tail) = after.split_once(']')?;
        (Some(ip.to_string()), tail.strip_prefix(':')?)
    } else {
        let colons = rest.matches(':').count();
        if colons >= 2 {
            // The IP is everything before the last two fields (IPv6 too).
            let mut it = rest.rsplitn(3, ':');
            let (_container, _host, ip) = (it.next()?, it.next()?, it.next()?);
            let tail = &rest[ip.len() + 1..];
            (Some(ip.to_string()), tail)
        } else {
            (None, rest)
        }
    };
    let (host, container) = match rest.rsplit_once(':') {
        Some((h, c)) => (h, c),
        None => ("", rest),
    };
    let container = port_range(container)?;
    let ip = ip.filter(|i| !i.is_empty());
    let host = if host.is_empty() {
        None
    } else {
        Some(port_range(host)?)
    };
    let ctr_ports = range_ports(container, already);
    let out = match host {
        // Same length: one host port per container port.
        Some(h) if h.1 - h.0 == container.1 - container.0 => range_ports(h, already)
            .into_iter()
            .zip(ctr_ports)
            .map(|(h, c)| (ip.clone(), Some(h), c, proto.clone()))
            .collect(),
        // A host range for one container port: the engine picks one of them.
        Some(h) => ctr_ports
            .into_iter()
            .map(|c| (ip.clone(), Some(h.0), c, proto.clone()))
            .collect(),
        None => ctr_ports
            .into_iter()
            .map(|c| (ip.clone(), Some(0), c, proto.clone()))
            .collect(),
    };
    Some(out)
}

fn ports(r: &mut Reader<'_>, c: &mut Container, v: &Node) {
    let Some(items) = v.as_seq() else {
        if !v.is_null() {
            r.bad("ports", v, "a list");
        }
        return;
    };
    for item in items {
        let location = r.loc(item);
        if let Some(s) = scalar_text(item) {
            let s = interpolate_defaults(&s);
            if s.contains('$') {
                unresolved_port(r, c, &s, location);
                continue;
            }
            match short_port(&s, c.ports.len()) {
                Some(list) => c
                    .ports
                    .extend(list.into_iter().map(|(ip, h, cp, proto)| Port {
                        container_port: Some(cp),
                        host_port: h,
                        host_ip: ip,
                        protocol: proto,
                        location: location.clone(),
                    })),
                None => r.bad("ports", item, "`[IP:][HOST:]CONTAINER[/PROTOCOL]`"),
            }
        } else if item.as_map().is_some() {
            let text = |k: &str| item.get(k).and_then(scalar_text);
            let Some(target) = text("target").as_deref().and_then(port_range) else {
                r.bad("ports", item, "a mapping with a numeric `target`");
                continue;
            };
            let published = match text("published") {
                Some(p) if !p.is_empty() => match port_range(&p) {
                    Some(range) => Some(range.0),
                    None => {
                        r.bad("ports.published", item, "a port or a port range");
                        continue;
                    }
                },
                _ => Some(0),
            };
            let host_ip = text("host_ip").filter(|i| !i.is_empty());
            let protocol = text("protocol").unwrap_or_else(|| "tcp".to_string());
            c.ports.push(Port {
                container_port: Some(target.0),
                host_port: published,
                host_ip,
                protocol: protocol.to_ascii_lowercase(),
                location,
            });
        } else {
            r.bad("ports", item, "a string or a mapping");
        }
    }
}

/// A short port with a variable left after defaults (`${PORT}:80`): the
/// container port if it is known; a variable host port or IP publishes on a
/// port the engine is told at run time, so `Some(0)` on all interfaces —
/// the exposure rules then err on the side of reporting.
fn unresolved_port(r: &mut Reader<'_>, c: &mut Container, s: &str, location: Location) {
    let (rest, proto) = match s.rsplit_once('/') {
        Some((r, p)) if !p.contains('$') => (r, p.to_ascii_lowercase()),
        _ => (s, "tcp".to_string()),
    };
    let container = rest.rsplit(':').next().unwrap_or("");
    match port_range(container) {
        Some((first, _)) => c.ports.push(Port {
            container_port: Some(first),
            host_port: Some(0),
            host_ip: None,
            protocol: proto,
            location,
        }),
        None => r.diagnostics.push(Diagnostic::note(
            "unknown-value",
            format!(
                "{}: port `{s}` depends on a variable without a default; not read",
                r.what
            ),
            location,
        )),
    }
}

/// `expose`: ports reachable from other containers, not published.
fn expose(r: &mut Reader<'_>, c: &mut Container, v: &Node) {
    for s in r.strings("expose", v, false) {
        let (port, proto) = match s.value.split_once('/') {
            Some((p, proto)) => (p, proto.to_ascii_lowercase()),
            None => (s.value.as_str(), "tcp".to_string()),
        };
        let Some(range) = port_range(port) else {
            r.diagnostics.push(Diagnostic::warning(
                "invalid-value",
                format!("{}: `expose` entry `{}` is not a port", r.what, s.value),
                s.location,
            ));
            continue;
        };
        for p in range_ports(range, c.ports.len()) {
            c.ports.push(Port {
                container_port: Some(p),
                host_port: None,
                host_ip: None,
                protocol: proto.clone(),
                location: s.location.clone(),
            });
        }
    }
}

/// `host:ip` or `host=ip` (compose and docker's `--add-host` forms) as
/// `(host, ip)`. `=` wins when present, so `host=::1` splits once; with `:`
/// the first colon separates the name (`myhost:::1` → `myhost`, `::1`).
/// Brackets around an IPv6 address are removed. `None` when either side is
/// empty.
pub(crate) fn split_extra_host(text: &str) -> Option<(String, String)> {
    let (host, ip) = text.split_once('=').or_else(|| text.split_once(':'))?;
    let host = host.trim();
    let ip = unbracket(ip);
    (!host.is_empty() && !ip.is_empty()).then(|| (host.to_string(), ip.to_string()))
}

/// An address without surrounding space and IPv6 brackets (`[::1]` → `::1`).
fn unbracket(ip: &str) -> &str {
    let ip = ip.trim();
    ip.strip_prefix('[')
        .and_then(|i| i.strip_suffix(']'))
        .unwrap_or(ip)
}

/// `extra_hosts`: a list of `host:ip` / `host=ip` strings, or a mapping of
/// host to an address (or to a list of addresses). One entry per address,
/// at its line; items that name no host or no address are warned about.
fn extra_hosts(r: &mut Reader<'_>, key: &str, v: &Node) -> Vec<HostAlias> {
    let mut out = Vec::new();
    if let Some(entries) = v.as_map() {
        for (k, value) in entries {
            let Some(host) = scalar_text(k).filter(|h| !h.trim().is_empty()) else {
                r.bad(key, k, "a host name");
                continue;
            };
            let addresses: Vec<&Node> = match value.as_seq() {
                Some(items) => items.iter().collect(),
                None => vec![value],
            };
            for a in addresses {
                let Some(ip) = scalar_text(a)
                    .map(|t| unbracket(&interpolate_defaults(&t)).to_string())
                    .filter(|t| !t.is_empty())
                else {
                    r.bad(key, a, "an address");
                    continue;
                };
                let location = if std::ptr::eq(a, value) {
                    r.source
                        .location(&(k.span.start..a.span.end.max(k.span.end)))
                } else {
                    r.loc(a)
                };
                out.push(HostAlias {
                    ip,
                    hostnames: vec![host.trim().to_string()],
                    location,
                });
            }
        }
        return out;
    }
    for item in r.strings(key, v, false) {
        match split_extra_host(&item.value) {
            Some((host, ip)) => out.push(HostAlias {
                ip,
                hostnames: vec![host],
                location: item.location,
            }),
            None => r.diagnostics.push(Diagnostic::warning(
                "invalid-value",
                format!(
                    "{}: `{key}` entry `{}` should be `host:ip` or `host=ip`; ignored",
                    r.what, item.value
                ),
                item.location,
            )),
        }
    }
    out
}

/// `deploy`: resources, `mode: global`, `restart_policy`.
fn deploy(r: &mut Reader<'_>, w: &mut Workload, c: &mut Container, v: &Node) {
    if v.as_map().is_none() {
        if !v.is_null() {
            r.bad("deploy", v, "a mapping");
        }
        return;
    }
    if let Some(mode) = v.get("mode").and_then(|m| r.string("deploy.mode", m)) {
        w.runs_on_every_node = mode.value == "global";
    }
    if let Some(limits) = v.path(&["resources", "limits"]) {
        if let Some(n) = limits.get("memory") {
            c.resources.memory_limit = r.string("deploy.resources.limits.memory", n);
        }
        if let Some(n) = limits.get("cpus") {
            c.resources.cpu_limit = r.string("deploy.resources.limits.cpus", n);
        }
        if let Some(n) = limits.get("pids") {
            c.resources.pids_limit = r.int("deploy.resources.limits.pids", n);
        }
    }
    if let Some(res) = v.path(&["resources", "reservations"]) {
        if let Some(n) = res.get("memory") {
            c.resources.memory_request = r.string("deploy.resources.reservations.memory", n);
        }
        if let Some(n) = res.get("cpus") {
            c.resources.cpu_request = r.string("deploy.resources.reservations.cpus", n);
        }
    }
    if let Some(policy) = v.get("restart_policy") {
        let condition = policy
            .get("condition")
            .and_then(Node::as_str)
            .unwrap_or("any");
        let name = match condition {
            "none" => "no",
            "any" => "always",
            other => other,
        };
        let retries = policy.get("max_attempts").and_then(Node::as_i64);
        w.restart_policy = Some(Setting::new(restart_text(name, retries), r.loc(policy)));
    }
}

fn healthcheck(r: &mut Reader<'_>, c: &mut Container, v: &Node) {
    let Some(entries) = v.as_map() else {
        if !v.is_null() {
            r.bad("healthcheck", v, "a mapping");
        }
        return;
    };
    // The entry that decides (`disable: true`, `test: [NONE]`), located from
    // its key to the end of its value.
    let entry = |name: &str| {
        entries
            .iter()
            .find(|(k, _)| k.as_str() == Some(name))
            .map(|(k, val)| (val, k.span.start..val.span.end.max(k.span.end)))
    };
    let disable = entry("disable");
    let test = entry("test");
    let disabled = disable
        .as_ref()
        .is_some_and(|(d, _)| r.bool("healthcheck.disable", d).is_some_and(|b| b.value));
    let test_none = test.as_ref().is_some_and(|(t, _)| {
        let first = t.as_seq().and_then(|s| s.first()).unwrap_or(t);
        first.as_str() == Some("NONE")
    });
    if let (true, Some((_, span))) = (disabled, &disable) {
        c.healthcheck = Some(Setting::new(false, r.source.location(span)));
    } else if let (true, Some((_, span))) = (test_none, &test) {
        c.healthcheck = Some(Setting::new(false, r.source.location(span)));
    } else if test.is_some() {
        c.liveness_probe = true;
        c.healthcheck = Some(Setting::new(true, r.setting_loc(v)));
    }
}

/// Short `HOST[:CONTAINER[:PERMS]]` or long `{source, target, permissions}`.
fn devices(r: &mut Reader<'_>, c: &mut Container, v: &Node) {
    let Some(items) = v.as_seq() else {
        if !v.is_null() {
            r.bad("devices", v, "a list");
        }
        return;
    };
    for item in items {
        let location = r.loc(item);
        let (host, ctr, perms) = if let Some(s) = item.as_str() {
            // CDI names (`vendor.com/class=name`) have no container path.
            if !s.starts_with('/') && s.contains('=') {
                (s.to_string(), String::new(), String::new())
            } else {
                let mut parts = s.splitn(3, ':');
                let host = parts.next().unwrap_or("").to_string();
                let ctr = parts.next().map(str::to_string);
                let perms = parts.next().unwrap_or("rwm").to_string();
                (host.clone(), ctr.unwrap_or(host), perms)
            }
        } else if let Some(source) = item.get("source").and_then(scalar_text) {
            let ctr = item
                .get("target")
                .and_then(scalar_text)
                .unwrap_or_else(|| source.clone());
            let perms = item
                .get("permissions")
                .and_then(scalar_text)
                .unwrap_or_else(|| "rwm".to_string());
            (source, ctr, perms)
        } else {
            r.bad("devices", item, "a device path or a mapping with `source`");
            continue;
        };
        c.devices.push(Device {
            host_path: host,
            container_path: ctr,
            permissions: perms,
            location,
        });
    }
}

/// `ulimits: {nproc: 65535, nofile: {soft: 20000, hard: 40000}}`.
fn ulimits(r: &mut Reader<'_>, c: &mut Container, v: &Node) {
    if v.as_map().is_none() {
        if !v.is_null() {
            r.bad("ulimits", v, "a mapping");
        }
        return;
    }
    for (name, limit) in v.str_entries() {
        let location = r.loc(limit);
        let (soft, hard) = if let Some(n) = limit.as_i64() {
            (Some(n), Some(n))
        } else if limit.as_map().is_some() {
            (
                limit.get("soft").and_then(Node::as_i64),
                limit.get("hard").and_then(Node::as_i64),
            )
        } else {
            r.bad("ulimits", limit, "a number or `{soft, hard}`");
            continue;
        };
        c.ulimits.push(Ulimit {
            name: name.to_string(),
            soft,
            hard,
            location,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::load::load;
    use crate::model::runtime::EnvValue;

    /// Loads `text` as `app/compose.yaml`: workloads and diagnostics.
    fn compose(text: &str) -> (Vec<Workload>, Vec<Diagnostic>) {
        let source = Arc::new(SourceFile::new("app/compose.yaml", text.to_string()));
        let (fragment, _) = load(&source, false, true);
        (fragment.workloads, fragment.diagnostics)
    }

    /// The one container of the first service.
    fn one(text: &str) -> (Workload, Container) {
        let (mut ws, diags) = compose(text);
        assert!(diags.is_empty(), "{diags:?}");
        let mut w = ws.remove(0);
        let c = w.containers.remove(0);
        (w, c)
    }

    fn line<T>(s: &Option<Setting<T>>) -> usize {
        s.as_ref().expect("setting").location.start_line
    }

    #[test]
    fn each_service_is_a_workload_with_one_container() {
        let (ws, _) = compose(
            "name: shop\nservices:\n  web:\n    image: nginx:1.27\n  db:\n    container_name: pg\n    image: postgres\n",
        );
        assert_eq!(ws.len(), 2);
        let web = &ws[0];
        assert_eq!(web.platform, Platform::Compose);
        assert_eq!(web.kind, "service");
        assert_eq!(web.name, "web");
        assert_eq!(web.namespace.as_deref(), Some("shop"));
        assert_eq!(web.location.start_line, 3);
        assert_eq!(web.spec_location.start_line, 4);
        assert_eq!((web.extent.start_line, web.extent.end_line), (3, 4));
        assert_eq!(web.containers.len(), 1);
        assert_eq!(web.containers[0].name, "web");
        assert_eq!(
            web.containers[0].image.as_ref().unwrap().value,
            "nginx:1.27"
        );
        assert_eq!(ws[1].containers[0].name, "pg");
        assert_eq!(ws[1].name, "db");
    }

    #[test]
    fn privileged_read_only_and_capabilities() {
        let (_, c) = one(
            "services:\n  a:\n    privileged: true\n    read_only: 'yes'\n    cap_add: [cap_sys_admin, NET_ADMIN]\n    cap_drop:\n      - ALL\n",
        );
        assert!(c.privileged.as_ref().unwrap().value);
        assert_eq!(line(&c.privileged), 3);
        // From the key to the end of the value, as the Kubernetes input.
        let loc = &c.privileged.as_ref().unwrap().location;
        assert_eq!((loc.start_column, loc.end_column), (5, 21));
        assert!(c.read_only_root_fs.as_ref().unwrap().value);
        let add: Vec<&str> = c
            .capabilities_add
            .iter()
            .map(|s| s.value.as_str())
            .collect();
        assert_eq!(add, ["SYS_ADMIN", "NET_ADMIN"]);
        assert_eq!(c.capabilities_drop[0].value, "ALL");
        assert_eq!(c.capabilities_drop[0].location.start_line, 7);
    }

    #[test]
    fn security_opt_forms() {
        let (_, c) = one(
            "services:\n  a:\n    security_opt:\n      - no-new-privileges:true\n      - seccomp:unconfined\n      - apparmor=unconfined\n      - label:disable\n      - systempaths=unconfined\n",
        );
        assert!(!c.allow_privilege_escalation.as_ref().unwrap().value);
        assert_eq!(line(&c.allow_privilege_escalation), 4);
        assert_eq!(c.seccomp.as_ref().unwrap().value, "Unconfined");
        assert_eq!(line(&c.seccomp), 5);
        assert_eq!(c.apparmor.as_ref().unwrap().value, "unconfined");
        assert_eq!(c.selinux.as_ref().unwrap().value, "disable");
        assert!(c.unmasked_proc.as_ref().unwrap().value);
        assert_eq!(line(&c.unmasked_proc), 8);

        let (_, c) = one(
            "services:\n  a:\n    security_opt: [no-new-privileges, 'seccomp=./prof.json', 'apparmor:my-prof', 'label=type:svirt_t']\n",
        );
        assert!(!c.allow_privilege_escalation.unwrap().value);
        assert_eq!(c.seccomp.unwrap().value, "Localhost/./prof.json");
        assert_eq!(c.apparmor.unwrap().value, "localhost/my-prof");
        assert_eq!(c.selinux.unwrap().value, "type:svirt_t");

        let (_, c) = one("services:\n  a:\n    security_opt: ['label=type:a', 'label=level:s0']\n");
        assert_eq!(c.selinux.unwrap().value, "type:a,level:s0");
        let (_, c) = one(
            "services:\n  a:\n    security_opt: ['label=type:a', 'label:disable', 'label=level:s0']\n",
        );
        assert_eq!(c.selinux.unwrap().value, "disable");
        let (_, c) = one("services:\n  a:\n    security_opt: ['no-new-privileges=false']\n");
        assert!(c.allow_privilege_escalation.unwrap().value);
    }

    #[test]
    fn unknown_security_opt_is_a_note() {
        let (_, diags) = compose("services:\n  a:\n    security_opt: [bogus]\n");
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].code, "unknown-value");
        assert_eq!(diags[0].location.start_line, 3);
    }

    #[test]
    fn user_numeric_and_named() {
        let (_, c) = one("services:\n  a:\n    user: \"1000:2000\"\n");
        assert_eq!(c.run_as_user.as_ref().unwrap().value, 1000);
        assert_eq!(c.run_as_group.as_ref().unwrap().value, 2000);
        assert_eq!(c.runs_as_root(), Some(false));
        let (_, c) = one("services:\n  a:\n    user: 0\n");
        assert_eq!(c.runs_as_root(), Some(true));
        let (_, c) = one("services:\n  a:\n    user: app\n");
        assert_eq!(c.user_name.as_ref().unwrap().value, "app");
        assert!(c.run_as_user.is_none());
        assert_eq!(line(&c.user_name), 3);
        let (_, c) = one("services:\n  a:\n    user: root\n");
        assert_eq!(c.runs_as_root(), Some(true));
        let (_, c) = one("services:\n  a:\n    image: x\n");
        assert_eq!(c.runs_as_root(), None);
    }

    #[test]
    fn namespaces_and_network_mode() {
        let (w, _) = one(
            "services:\n  a:\n    network_mode: host\n    pid: host\n    ipc: host\n    userns_mode: host\n    uts: host\n    cgroup: host\n",
        );
        assert!(w.host_network.as_ref().unwrap().value);
        assert_eq!(w.network_mode.as_ref().unwrap().value, "host");
        assert_eq!(line(&w.host_pid), 4);
        assert!(w.host_pid.unwrap().value);
        assert!(w.host_ipc.unwrap().value);
        assert!(w.host_users.unwrap().value);
        assert!(w.host_uts.unwrap().value);
        assert!(w.host_cgroupns.unwrap().value);
        // network_mode replaces networks: no default network.
        assert!(w.networks.is_empty());

        let (w, _) = one("services:\n  a:\n    network_mode: 'service:b'\n    ipc: shareable\n");
        assert_eq!(w.network_mode.unwrap().value, "service:b");
        assert!(!w.host_network.unwrap().value);
        assert!(!w.host_ipc.unwrap().value);
    }

    #[test]
    fn networks_list_map_and_default() {
        let (w, _) = one("services:\n  a:\n    networks: [front, back]\n");
        let names: Vec<&str> = w.networks.iter().map(|n| n.value.as_str()).collect();
        assert_eq!(names, ["front", "back"]);
        let (w, _) = one(
            "services:\n  a:\n    networks:\n      front:\n        aliases: [x]\n      back:\n",
        );
        let names: Vec<&str> = w.networks.iter().map(|n| n.value.as_str()).collect();
        assert_eq!(names, ["front", "back"]);
        assert_eq!(w.networks[1].location.start_line, 6);
        let (w, _) = one("services:\n  a:\n    image: x\n");
        assert_eq!(w.networks.len(), 1);
        assert_eq!(w.networks[0].value, "default");
        assert_eq!(w.networks[0].location.start_line, 2);
    }

    #[test]
    fn volumes_short_form() {
        let (_, c) = one(
            "services:\n  a:\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock:ro\n      - ./data:/data\n      - ../shared:/shared:rw,z\n      - cache:/cache\n      - /scratch\n      - .:/src\n      - 'C:\\logs:/logs'\n",
        );
        let m = &c.mounts;
        assert_eq!(m.len(), 7);
        assert_eq!(
            m[0].source,
            MountSource::HostPath("/var/run/docker.sock".into())
        );
        assert_eq!(m[0].target, "/var/run/docker.sock");
        assert!(m[0].read_only);
        assert_eq!(m[0].location.start_line, 4);
        assert_eq!(m[1].source, MountSource::HostPath("app/data".into()));
        assert!(!m[1].read_only);
        assert_eq!(m[2].source, MountSource::HostPath("shared".into()));
        assert!(!m[2].read_only);
        assert_eq!(m[3].source, MountSource::Volume("cache".into()));
        assert_eq!(m[4].source, MountSource::Volume(String::new()));
        assert_eq!(m[4].target, "/scratch");
        assert_eq!(m[5].source, MountSource::HostPath("app".into()));
        assert_eq!(m[6].source, MountSource::HostPath("C:\\logs".into()));
        assert_eq!(m[6].target, "/logs");
        assert!(c.shared_propagation.is_empty());
        let (_, c) = one(
            "services:\n  a:\n    volumes:\n      - /mnt:/mnt:rshared\n      - type: bind\n        source: /srv\n        target: /srv\n        bind:\n          propagation: shared\n",
        );
        let shared: Vec<_> = c
            .shared_propagation
            .iter()
            .map(|s| (s.value.as_str(), s.location.start_line))
            .collect();
        assert_eq!(shared, [("/mnt", 4), ("/srv", 9)]);
    }

    #[test]
    fn volumes_long_form_and_bind_volumes() {
        let (_, c) = one(
            "services:\n  a:\n    volumes:\n      - type: bind\n        source: /etc\n        target: /host-etc\n        read_only: true\n      - type: volume\n        source: data\n        target: /data\n      - type: tmpfs\n        target: /tmp\n      - type: npipe\n        source: '\\\\.\\pipe\\docker_engine'\n        target: '\\\\.\\pipe\\docker_engine'\n      - type: volume\n        source: hostdir\n        target: /h\nvolumes:\n  data: {}\n  hostdir:\n    driver: local\n    driver_opts: {type: none, o: bind, device: ./srv}\n",
        );
        let m = &c.mounts;
        assert_eq!(m[0].source, MountSource::HostPath("/etc".into()));
        assert!(m[0].read_only);
        assert_eq!(m[0].location.start_line, 4);
        assert_eq!(m[1].source, MountSource::Volume("data".into()));
        assert_eq!(m[2].source, MountSource::Ephemeral);
        assert_eq!(
            m[3].source,
            MountSource::HostPath("\\\\.\\pipe\\docker_engine".into())
        );
        assert_eq!(m[4].source, MountSource::HostPath("app/srv".into()));
    }

    #[test]
    fn api_socket_tmpfs_secrets_configs() {
        let (_, c) = one(
            "services:\n  a:\n    use_api_socket: true\n    tmpfs: /run:size=64m\n    secrets:\n      - db_pw\n      - source: api_key\n        target: key.txt\n    configs: [nginx_conf]\n",
        );
        let m = &c.mounts;
        assert_eq!(m[0].source, MountSource::DockerApiSocket);
        assert_eq!(m[0].location.start_line, 3);
        assert_eq!(m[1].source, MountSource::Ephemeral);
        assert_eq!(m[1].target, "/run");
        assert_eq!(m[2].source, MountSource::Secret("db_pw".into()));
        assert_eq!(m[2].target, "/run/secrets/db_pw");
        assert!(m[2].read_only);
        assert_eq!(m[3].source, MountSource::Secret("api_key".into()));
        assert_eq!(m[3].target, "/run/secrets/key.txt");
        assert_eq!(m[3].location.start_line, 7);
        assert_eq!(m[4].source, MountSource::ConfigMap("nginx_conf".into()));
        assert_eq!(m[4].target, "/nginx_conf");
        let (_, c) = one("services:\n  a:\n    use_api_socket: false\n");
        assert!(c.mounts.is_empty());
    }

    fn port_tuple(p: &Port) -> (Option<&str>, Option<u16>, Option<u16>, &str) {
        (
            p.host_ip.as_deref(),
            p.host_port,
            p.container_port,
            p.protocol.as_str(),
        )
    }

    #[test]
    fn ports_short_form() {
        let (_, c) = one(
            "services:\n  a:\n    ports:\n      - \"80\"\n      - 8080:80\n      - \"127.0.0.1:8443:443/udp\"\n      - \"127.0.0.1::53\"\n      - \"[::1]:9000:9000\"\n      - \"3000-3001:4000-4001\"\n      - 9090\n      - \"1-65535:1-65535\"\n",
        );
        let p: Vec<_> = c.ports.iter().map(port_tuple).collect();
        assert_eq!(
            p,
            [
                (None, Some(0), Some(80), "tcp"),
                (None, Some(8080), Some(80), "tcp"),
                (Some("127.0.0.1"), Some(8443), Some(443), "udp"),
                (Some("127.0.0.1"), Some(0), Some(53), "tcp"),
                (Some("::1"), Some(9000), Some(9000), "tcp"),
                (None, Some(3000), Some(4000), "tcp"),
                (None, Some(3001), Some(4001), "tcp"),
                (None, Some(0), Some(9090), "tcp"),
                (None, Some(1), Some(1), "tcp"),
                (None, Some(65535), Some(65535), "tcp"),
            ]
        );
        assert_eq!(c.ports[2].location.start_line, 6);
    }

    #[test]
    fn many_port_ranges_stay_bounded() {
        let mut text = String::from("services:\n  a:\n    ports:\n");
        for _ in 0..100 {
            text.push_str("      - \"1000-2000:1000-2000\"\n");
        }
        let (_, c) = one(&text);
        // Ranges expand (1001 ports each) while under 4096 ports: five of
        // them; then two ends per range.
        assert_eq!(c.ports.len(), 5 * 1001 + 95 * 2);
    }

    #[test]
    fn many_volumes_and_mounts_stay_linear() {
        let n = 20_000;
        let mut text = String::from("services:\n  a:\n    volumes:\n");
        for i in 0..n {
            text.push_str(&format!("      - v{i}:/m{i}\n"));
        }
        text.push_str("volumes:\n");
        for i in 0..n {
            text.push_str(&format!(
                "  v{i}: {{driver_opts: {{o: bind, device: /h{i}}}}}\n"
            ));
        }
        let (_, c) = one(&text);
        assert_eq!(c.mounts.len(), n);
        assert_eq!(
            c.mounts[n - 1].source,
            MountSource::HostPath(format!("/h{}", n - 1))
        );
    }

    #[test]
    fn services_per_document_are_capped() {
        let mut text = String::from("services:\n");
        for i in 0..MAX_WORKLOADS + 5 {
            text.push_str(&format!("  s{i}: {{}}\n"));
        }
        let (ws, diags) = compose(&text);
        assert_eq!(ws.len(), MAX_WORKLOADS);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].code, "input-limit");
        assert_eq!(diags[0].location.start_line, MAX_WORKLOADS + 2);
    }

    #[test]
    fn ports_long_form_and_expose() {
        let (_, c) = one(
            "services:\n  a:\n    ports:\n      - target: 80\n        published: \"8080\"\n        protocol: TCP\n      - target: 443\n        host_ip: 127.0.0.1\n        published: 8443\n      - target: 53\n    expose: [\"3000\", 4000/udp]\n",
        );
        let p: Vec<_> = c.ports.iter().map(port_tuple).collect();
        assert_eq!(
            p,
            [
                (None, Some(8080), Some(80), "tcp"),
                (Some("127.0.0.1"), Some(8443), Some(443), "tcp"),
                (None, Some(0), Some(53), "tcp"),
                (None, None, Some(3000), "tcp"),
                (None, None, Some(4000), "udp"),
            ]
        );
        assert_eq!(c.ports[1].location.start_line, 7);
    }

    #[test]
    fn environment_map_and_list() {
        let (_, c) = one(
            "services:\n  a:\n    environment:\n      DB_PASSWORD: hunter2\n      TOKEN: ${TOKEN}\n      FROM_SHELL:\n      PORT: 8080\n      PRICE: $$5\n",
        );
        let env: Vec<_> = c.env.iter().map(|e| (e.name.as_str(), &e.value)).collect();
        assert_eq!(
            env,
            [
                ("DB_PASSWORD", &EnvValue::Literal("hunter2".into())),
                ("TOKEN", &EnvValue::Other),
                ("FROM_SHELL", &EnvValue::Other),
                ("PORT", &EnvValue::Literal("8080".into())),
                ("PRICE", &EnvValue::Literal("$$5".into())),
            ]
        );
        assert_eq!(c.env[0].location.start_line, 4);
        let (_, c) = one(
            "services:\n  a:\n    environment:\n      - API_KEY=abc\n      - HOME\n      - URL=http://$HOST/x\n    env_file: [.env, {path: ./x.env, required: false}]\n",
        );
        assert_eq!(c.env[0].value, EnvValue::Literal("abc".into()));
        assert_eq!(c.env[1].value, EnvValue::Other);
        assert_eq!(c.env[2].value, EnvValue::Other);
        assert_eq!(c.env[2].location.start_line, 6);
        let files: Vec<&str> = c.env_files.iter().map(|s| s.value.as_str()).collect();
        assert_eq!(files, [".env", "./x.env"]);
    }

    /// `(first host name, address, line)` of each `/etc/hosts` entry.
    fn hosts(w: &Workload) -> Vec<(&str, &str, usize)> {
        w.host_aliases
            .iter()
            .map(|h| {
                (
                    h.hostnames[0].as_str(),
                    h.ip.as_str(),
                    h.location.start_line,
                )
            })
            .collect()
    }

    #[test]
    fn extra_hosts_list_and_map() {
        let (w, _) = one(
            "services:\n  a:\n    extra_hosts:\n      - \"db:10.0.0.1\"\n      - \"v6=::1\"\n      - \"gw:host-gateway\"\n",
        );
        assert_eq!(
            hosts(&w),
            [
                ("db", "10.0.0.1", 4),
                ("v6", "::1", 5),
                ("gw", "host-gateway", 6)
            ]
        );
        let (w, _) = one(
            "services:\n  a:\n    extra_hosts:\n      db: 10.0.0.1\n      two: [\"10.0.0.2\", \"[::2]\"]\n",
        );
        assert_eq!(
            hosts(&w),
            [
                ("db", "10.0.0.1", 4),
                ("two", "10.0.0.2", 5),
                ("two", "::2", 5)
            ]
        );
        let (workloads, diagnostics) =
            compose("services:\n  a:\n    extra_hosts: [\"nohost\", \"db:\"]\n");
        assert!(workloads[0].host_aliases.is_empty());
        assert_eq!(diagnostics.len(), 2, "{diagnostics:?}");
    }

    #[test]
    fn resources_from_service_keys_and_deploy() {
        let (_, c) =
            one("services:\n  a:\n    mem_limit: 512m\n    cpus: 0.5\n    pids_limit: 100\n");
        assert_eq!(c.resources.memory_limit.as_ref().unwrap().value, "512m");
        assert_eq!(c.resources.cpu_limit.as_ref().unwrap().value, "0.5");
        assert_eq!(c.resources.pids_limit.as_ref().unwrap().value, 100);
        assert_eq!(line(&c.resources.pids_limit), 5);
        let (w, c) = one(
            "services:\n  a:\n    deploy:\n      mode: global\n      resources:\n        limits:\n          memory: 1G\n          cpus: '2'\n          pids: 50\n        reservations:\n          memory: 256M\n          cpus: '0.25'\n      restart_policy:\n        condition: on-failure\n        max_attempts: 3\n",
        );
        assert!(w.runs_on_every_node);
        assert_eq!(c.resources.memory_limit.as_ref().unwrap().value, "1G");
        assert_eq!(line(&c.resources.memory_limit), 7);
        assert_eq!(c.resources.cpu_limit.unwrap().value, "2");
        assert_eq!(c.resources.pids_limit.unwrap().value, 50);
        assert_eq!(c.resources.memory_request.unwrap().value, "256M");
        assert_eq!(c.resources.cpu_request.unwrap().value, "0.25");
        assert_eq!(w.restart_policy.unwrap().value, "on-failure:3");
        let (_, c) = one(
            "services:\n  a:\n    deploy:\n      resources:\n        limits:\n          memory: 1G\n    mem_limit: 2G\n",
        );
        assert_eq!(c.resources.memory_limit.unwrap().value, "1G");
        let (w, c) = one("services:\n  a:\n    image: x\n");
        assert!(!w.runs_on_every_node);
        assert_eq!(c.resources, Default::default());
    }

    #[test]
    fn logging_healthcheck_image_command() {
        let (w, c) = one(
            "services:\n  a:\n    image: app:1\n    pull_policy: always\n    logging:\n      driver: none\n    healthcheck:\n      test: [CMD, curl, -f, http://localhost]\n    entrypoint: [/bin/sh, -c]\n    command: sudo run\n    restart: unless-stopped\n",
        );
        assert_eq!(w.logging_driver.as_ref().unwrap().value, "none");
        assert_eq!(line(&w.logging_driver), 6);
        assert!(c.liveness_probe);
        assert!(c.healthcheck.as_ref().unwrap().value);
        assert_eq!(c.image_pull_policy.unwrap().value, "always");
        let cmd: Vec<&str> = c.command.iter().map(|s| s.value.as_str()).collect();
        assert_eq!(cmd, ["/bin/sh", "-c", "sudo run"]);
        assert_eq!(w.restart_policy.unwrap().value, "unless-stopped");
        let (_, c) =
            one("services:\n  a:\n    healthcheck:\n      test: [CMD, x]\n      disable: true\n");
        assert!(!c.liveness_probe);
        let hc = c.healthcheck.unwrap();
        assert!(!hc.value);
        assert_eq!(hc.location.start_line, 5);
        let (_, c) = one("services:\n  a:\n    healthcheck:\n      test: [\"NONE\"]\n");
        assert!(!c.liveness_probe);
        assert_eq!(c.healthcheck.unwrap().location.start_line, 4);
        let (_, c) = one("services:\n  a:\n    healthcheck:\n      interval: 10s\n");
        assert!(c.healthcheck.is_none());
    }

    #[test]
    fn devices_sysctls_ulimits_and_others() {
        let (_, c) = one(
            "services:\n  a:\n    devices:\n      - /dev/fuse\n      - /dev/sda:/dev/xvda:r\n      - nvidia.com/gpu=all\n      - source: /dev/kvm\n    sysctls:\n      net.core.somaxconn: 1024\n      kernel.shm_rmid_forced: 1\n    ulimits:\n      nproc: 65535\n      nofile: {soft: 20000, hard: 40000}\n    oom_kill_disable: true\n    group_add: [docker]\n    cgroup_parent: m-executor\n",
        );
        let d: Vec<_> = c
            .devices
            .iter()
            .map(|d| {
                (
                    d.host_path.as_str(),
                    d.container_path.as_str(),
                    d.permissions.as_str(),
                )
            })
            .collect();
        assert_eq!(
            d,
            [
                ("/dev/fuse", "/dev/fuse", "rwm"),
                ("/dev/sda", "/dev/xvda", "r"),
                ("nvidia.com/gpu=all", "", ""),
                ("/dev/kvm", "/dev/kvm", "rwm"),
            ]
        );
        assert_eq!(c.devices[1].location.start_line, 5);
        assert_eq!(c.sysctls[1].name, "kernel.shm_rmid_forced");
        assert_eq!(c.sysctls[1].value, "1");
        assert_eq!(c.sysctls[1].location.start_line, 10);
        assert_eq!(c.ulimits[0].soft, Some(65535));
        assert_eq!(
            (c.ulimits[1].soft, c.ulimits[1].hard),
            (Some(20000), Some(40000))
        );
        assert!(c.oom_kill_disable.unwrap().value);
        assert_eq!(c.group_add[0].value, "docker");
        assert_eq!(c.cgroup_parent.unwrap().value, "m-executor");
        let (_, c) = one("services:\n  a:\n    sysctls: [net.ipv4.ip_forward=1]\n");
        assert_eq!(
            (c.sysctls[0].name.as_str(), c.sysctls[0].value.as_str()),
            ("net.ipv4.ip_forward", "1")
        );
    }

    #[test]
    fn build_paths_and_args() {
        let (_, c) = one("services:\n  a:\n    build: ./api\n");
        assert_eq!(
            c.build_dockerfile,
            Some(PathBuf::from("app/api/Dockerfile"))
        );
        let (_, c) = one(
            "services:\n  a:\n    build:\n      context: ../svc\n      dockerfile: docker/Dockerfile.prod\n      args:\n        GIT_TOKEN: abc\n        VERSION:\n",
        );
        assert_eq!(
            c.build_dockerfile,
            Some(PathBuf::from("svc/docker/Dockerfile.prod"))
        );
        assert_eq!(c.build_args[0].value, EnvValue::Literal("abc".into()));
        assert_eq!(c.build_args[0].location.start_line, 7);
        assert_eq!(c.build_args[1].value, EnvValue::Other);
        let (_, c) = one("services:\n  a:\n    build: {}\n");
        assert_eq!(c.build_dockerfile, Some(PathBuf::from("app/Dockerfile")));
        let (_, c) = one("services:\n  a:\n    build: https://github.com/x/y.git\n");
        assert_eq!(c.build_dockerfile, None);
        let (_, c) = one("services:\n  a:\n    build:\n      dockerfile_inline: FROM alpine\n");
        assert_eq!(c.build_dockerfile, None);
    }

    #[test]
    fn suppressions_and_labels() {
        let (w, _) = one(
            "services:\n  a:\n    labels:\n      team: core\n    x-threatbox-ignore: \"tb401,TB402 needs the host network\"\n",
        );
        assert_eq!(w.pod_labels.get("team").map(String::as_str), Some("core"));
        assert_eq!(w.suppressions.len(), 1);
        assert_eq!(w.suppressions[0].codes, ["TB401", "TB402"]);
        assert_eq!(
            w.suppressions[0].reason.as_deref(),
            Some("needs the host network")
        );
        assert_eq!(w.suppressions[0].location.start_line, 5);
        let (w, _) = one("services:\n  a:\n    x-threatbox-ignore: TB403\n");
        assert_eq!(w.suppressions[0].reason, None);
        let (ws, diags) = compose("services:\n  a:\n    x-threatbox-ignore: ' '\n");
        assert!(ws[0].suppressions.is_empty());
        assert_eq!(diags[0].code, "invalid-suppression");
        assert_eq!(diags[0].location.start_line, 3);
    }

    #[test]
    fn anchors_and_merge_keys() {
        let (ws, diags) = compose(
            "x-defaults: &defaults\n  privileged: true\n  cap_drop: [ALL]\n  read_only: true\nservices:\n  a:\n    <<: *defaults\n    image: a\n    read_only: false\n  b:\n    <<: *defaults\n",
        );
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(ws.len(), 2);
        let a = &ws[0].containers[0];
        assert!(a.privileged.as_ref().unwrap().value);
        // The merged value points where it was written: the anchor.
        assert_eq!(a.privileged.as_ref().unwrap().location.start_line, 2);
        assert!(!a.read_only_root_fs.as_ref().unwrap().value);
        assert_eq!(a.read_only_root_fs.as_ref().unwrap().location.start_line, 9);
        let b = &ws[1].containers[0];
        assert!(b.read_only_root_fs.as_ref().unwrap().value);
        assert_eq!(b.capabilities_drop[0].value, "ALL");
    }

    #[test]
    fn bad_types_warn_at_their_line_and_are_ignored() {
        let (ws, diags) = compose(
            "services:\n  a:\n    privileged: maybe\n    cap_add: SYS_ADMIN\n    pids_limit: lots\n    ports:\n      - \"http\"\n      - [80]\n    volumes: /data\n    user: [1]\n  b: just-a-string\n",
        );
        assert_eq!(ws.len(), 1);
        let c = &ws[0].containers[0];
        assert!(c.privileged.is_none());
        assert!(c.capabilities_add.is_empty());
        assert!(c.resources.pids_limit.is_none());
        assert!(c.ports.is_empty());
        assert!(c.mounts.is_empty());
        assert!(c.run_as_user.is_none() && c.user_name.is_none());
        let lines: Vec<usize> = diags.iter().map(|d| d.location.start_line).collect();
        assert_eq!(lines, [3, 4, 5, 7, 8, 9, 10, 11]);
        assert!(diags.iter().all(|d| d.code == "invalid-value"));
        assert!(
            diags[0]
                .message
                .contains("`privileged` should be a boolean"),
            "{}",
            diags[0].message
        );
    }

    #[test]
    fn odd_shapes_never_panic() {
        let odd = [
            "null",
            "[]",
            "{}",
            "''",
            "'/'",
            "':'",
            "'::'",
            "'[::1'",
            "'[]:'",
            "'65536:80'",
            "'2-1'",
            "'é:ü:ö'",
            "'C:'",
            "'C:\\'",
            "{target: 99999}",
            "{target: []}",
            "{source: {}}",
            "[{}]",
            "[[]]",
            "[null]",
            "{x: [], y: {}}",
            "1e99",
            "-1",
            "true",
        ];
        let keys = [
            "image",
            "build",
            "privileged",
            "cap_add",
            "security_opt",
            "user",
            "network_mode",
            "networks",
            "pid",
            "volumes",
            "tmpfs",
            "use_api_socket",
            "secrets",
            "configs",
            "ports",
            "expose",
            "environment",
            "env_file",
            "labels",
            "mem_limit",
            "cpus",
            "pids_limit",
            "deploy",
            "logging",
            "healthcheck",
            "command",
            "devices",
            "sysctls",
            "ulimits",
            "group_add",
            "restart",
            "x-threatbox-ignore",
        ];
        for key in keys {
            for value in odd {
                let text = format!("services:\n  a:\n    {key}: {value}\n");
                let _ = compose(&text);
                let text = format!(
                    "services:\n  a:\n    deploy:\n      resources:\n        limits: {{{key}: {value}}}\n    healthcheck: {{test: {value}, disable: {value}}}\n"
                );
                let _ = compose(&text);
            }
        }
    }

    #[test]
    fn empty_service_body_is_kept() {
        let (ws, diags) = compose("services:\n  a:\n");
        assert!(diags.is_empty());
        assert_eq!(ws.len(), 1);
        assert_eq!(ws[0].containers.len(), 1);
    }

    #[test]
    fn interpolation_defaults() {
        assert_eq!(interpolate_defaults("${TAG:-1.2}"), "1.2");
        assert_eq!(interpolate_defaults("a${X-b}c"), "abc");
        assert_eq!(interpolate_defaults("${A:-${B:-x}}"), "x");
        assert_eq!(interpolate_defaults("${A:+set}z"), "z");
        assert_eq!(interpolate_defaults("${A:?required}"), "${A}");
        assert_eq!(interpolate_defaults("$$HOME $X"), "$HOME $X");
        assert_eq!(interpolate_defaults("${open"), "${open");
        assert_eq!(interpolate_defaults("é${X:-ü}"), "éü");
        assert_eq!(interpolate_defaults("${É}"), "${É}");
        // Deep nesting stops at a fixed depth, without recursion blow-up.
        let deep = "${A:-".repeat(100_000) + &"}".repeat(100_000);
        assert!(interpolate_defaults(&deep).starts_with("${A:-"));
    }

    #[test]
    fn interpolated_ports_volumes_and_strings() {
        let (_, c) = one(
            "services:\n  a:\n    image: ${REGISTRY:-ghcr.io}/app:${TAG:-1}\n    user: ${UID:-1000}\n    ports:\n      - \"${WEB_PORT:-8080}:80\"\n      - \"${PORT}:443\"\n      - \"${BIND_IP}:${P}:53/udp\"\n    volumes:\n      - ${DATA:-./data}:/data\n      - ${LOGS}:/logs\n",
        );
        assert_eq!(c.image.unwrap().value, "ghcr.io/app:1");
        assert_eq!(c.run_as_user.unwrap().value, 1000);
        let p: Vec<_> = c.ports.iter().map(port_tuple).collect();
        assert_eq!(
            p,
            [
                (None, Some(8080), Some(80), "tcp"),
                (None, Some(0), Some(443), "tcp"),
                (None, Some(0), Some(53), "udp"),
            ]
        );
        assert_eq!(c.mounts[0].source, MountSource::HostPath("app/data".into()));
        assert_eq!(c.mounts[1].source, MountSource::HostPath("${LOGS}".into()));
        assert_eq!(c.mounts[1].target, "/logs");
        let (_, diags) = compose("services:\n  a:\n    ports: [\"80:${P}\"]\n");
        assert_eq!(diags[0].code, "unknown-value");
    }

    #[test]
    fn interpolation_detection() {
        assert!(has_interpolation("${A}"));
        assert!(has_interpolation("x$HOME"));
        assert!(!has_interpolation("$$HOME"));
        assert!(!has_interpolation("5$"));
        assert!(!has_interpolation("a$1"));
    }
}
