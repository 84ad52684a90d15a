//! The system-model tables: images, workloads, containers, identities and
//! their effective permissions, exposures, and host / daemon / control-plane
//! settings. Every cell is text ready to print (renderers escape it).

use std::collections::BTreeMap;

use super::dfd::Dfd;
use crate::analyse::Analysis;
use crate::model::System;
use crate::model::image::BaseImage;
use crate::model::network::ExposureVia;
use crate::model::rbac::{BindingKind, SubjectKey, SubjectKind};
use crate::model::runtime::{Container, MountSource, Platform, Setting};
use crate::parse::yaml::{Node, Value};
use crate::source::Location;

/// A table: header and rows of cells.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

#[derive(Debug, Clone, Default)]
pub struct SystemTables {
    pub images: Table,
    pub workloads: Table,
    pub containers: Table,
    pub identities: Table,
    pub exposures: Table,
    pub settings: Table,
}

fn at(l: &Location) -> String {
    format!("{}:{}", l.path, l.start_line)
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

fn flag<T>(s: &Option<Setting<T>>, default: &str, show: impl Fn(&T) -> String) -> String {
    s.as_ref()
        .map_or_else(|| default.to_string(), |s| show(&s.value))
}

fn user_of(c: &Container) -> String {
    if let Some(uid) = &c.run_as_user {
        return if uid.value == 0 {
            "root (uid 0)".into()
        } else {
            format!("uid {}", uid.value)
        };
    }
    if let Some(name) = &c.user_name {
        return name.value.clone();
    }
    match c.runs_as_root() {
        Some(false) => "non-root (runAsNonRoot)".into(),
        _ => "image default (root unless the image sets USER)".into(),
    }
}

/// Lines of the active findings in each file, sorted, for counting the
/// findings inside a range of lines without a pass over all of them.
struct FindingLines(BTreeMap<String, Vec<usize>>);

impl FindingLines {
    fn new(analysis: &Analysis) -> Self {
        let mut map: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for f in analysis.active() {
            map.entry(f.location.path.to_string())
                .or_default()
                .push(f.location.start_line);
        }
        for lines in map.values_mut() {
            lines.sort_unstable();
        }
        FindingLines(map)
    }

    fn count(&self, path: &str, from: usize, to: usize) -> usize {
        self.0.get(path).map_or(0, |lines| {
            lines.partition_point(|&l| l <= to) - lines.partition_point(|&l| l < from)
        })
    }
}

pub fn build(system: &System, analysis: &Analysis, _dfd: &Dfd) -> SystemTables {
    let mut t = SystemTables::default();
    let finding_lines = FindingLines::new(analysis);

    t.images.header = vec![
        "Dockerfile",
        "Stages",
        "Final base image",
        "Pinned by digest",
        "Final user",
        "Findings",
    ];
    for image in &system.images {
        let fin = image.final_stage();
        let base = fin.map_or("-".to_string(), |s| match &s.base {
            BaseImage::Scratch => "scratch".into(),
            BaseImage::Stage(i) => format!(
                "stage {}",
                image
                    .stages
                    .get(*i)
                    .and_then(|s| s.name.clone())
                    .unwrap_or_else(|| i.to_string())
            ),
            BaseImage::Image(r) => r.text.clone(),
            BaseImage::Unresolved { raw } => format!("{raw} (unresolved)"),
        });
        let pinned = fin.map_or("-".to_string(), |s| match &s.base {
            BaseImage::Image(r) => yes_no(r.is_pinned()),
            BaseImage::Scratch => "n/a".into(),
            _ => "-".into(),
        });
        let user = fin
            .and_then(|s| s.user.as_ref())
            .map_or("root (no USER)".to_string(), |u| {
                if u.is_root() {
                    format!("{} (root)", u.value)
                } else {
                    u.value.clone()
                }
            });
        let path = image.path().to_string();
        t.images.rows.push(vec![
            path.clone(),
            image.stages.len().to_string(),
            base,
            pinned,
            user,
            finding_lines.count(&path, 1, usize::MAX).to_string(),
        ]);
    }

    t.workloads.header = vec![
        "Workload",
        "Platform",
        "Defined at",
        "Service account",
        "Token mounted",
        "Host namespaces",
        "Containers",
        "Findings",
    ];
    t.containers.header = vec![
        "Workload",
        "Container",
        "Image",
        "User",
        "Privileged",
        "Privilege escalation",
        "Read-only root fs",
        "Capabilities",
        "seccomp",
        "Mounts",
    ];
    for w in &system.workloads {
        let name = match (&w.namespace, w.platform) {
            (Some(ns), Platform::Kubernetes) => format!("{} {}/{}", w.kind, ns, w.name),
            _ => format!("{} {}", w.kind, w.name),
        };
        let platform = match w.platform {
            Platform::Kubernetes => "Kubernetes",
            Platform::Compose => "compose",
            Platform::Docker => "docker",
        };
        let host_ns: Vec<&str> = [
            ("network", &w.host_network),
            ("PID", &w.host_pid),
            ("IPC", &w.host_ipc),
            ("UTS", &w.host_uts),
        ]
        .iter()
        .filter(|(_, s)| s.as_ref().is_some_and(|s| s.value))
        .map(|(n, _)| *n)
        .collect();
        let mode_host = w.network_mode.as_ref().is_some_and(|m| m.value == "host");
        let host_ns = if host_ns.is_empty() && !mode_host {
            "none".to_string()
        } else if mode_host && !host_ns.contains(&"network") {
            let mut v = host_ns.clone();
            v.insert(0, "network");
            v.join(", ")
        } else {
            host_ns.join(", ")
        };
        t.workloads.rows.push(vec![
            name.clone(),
            platform.to_string(),
            at(&w.location),
            flag(&w.service_account, "-", |s| s.clone()),
            if w.platform == Platform::Kubernetes {
                flag(&w.token_mounted, "yes (default)", |b| yes_no(*b))
            } else {
                "n/a".into()
            },
            host_ns,
            w.containers.len().to_string(),
            finding_lines
                .count(&w.extent.path, w.extent.start_line, w.extent.end_line)
                .to_string(),
        ]);
        for c in &w.containers {
            let mut caps = Vec::new();
            if !c.capabilities_add.is_empty() {
                caps.push(format!(
                    "add {}",
                    c.capabilities_add
                        .iter()
                        .map(|s| s.value.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            if !c.capabilities_drop.is_empty() {
                caps.push(format!(
                    "drop {}",
                    c.capabilities_drop
                        .iter()
                        .map(|s| s.value.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            let mounts: Vec<String> = c
                .mounts
                .iter()
                .filter_map(|m| {
                    let src = match &m.source {
                        MountSource::HostPath(p) => format!("host {p}"),
                        MountSource::Volume(v) => format!("volume {v}"),
                        MountSource::Secret(s) => format!("secret {s}"),
                        MountSource::ConfigMap(c) => format!("configmap {c}"),
                        MountSource::DockerApiSocket => "Docker API socket".into(),
                        MountSource::Ephemeral => return None,
                    };
                    Some(format!(
                        "{src} → {} ({})",
                        m.target,
                        if m.read_only { "ro" } else { "rw" }
                    ))
                })
                .collect();
            let image = match (&c.image, c.built_image) {
                (Some(i), _) => i.value.clone(),
                (None, Some(i)) => system.images.get(i).map_or("built here".into(), |im| {
                    format!("built from {}", im.path())
                }),
                (None, None) => "-".into(),
            };
            t.containers.rows.push(vec![
                name.clone(),
                c.name.clone(),
                image,
                user_of(c),
                flag(&c.privileged, "no", |b| yes_no(*b)),
                flag(&c.allow_privilege_escalation, "allowed (default)", |b| {
                    if *b { "allowed" } else { "blocked" }.to_string()
                }),
                flag(&c.read_only_root_fs, "no", |b| yes_no(*b)),
                if caps.is_empty() {
                    "runtime default".into()
                } else {
                    caps.join("; ")
                },
                flag(&c.seccomp, "not set", |s| s.clone()),
                if mounts.is_empty() {
                    "-".into()
                } else {
                    mounts.join("; ")
                },
            ]);
        }
    }

    // Identities: every subject of a binding, with what the bound role
    // allows, plus service accounts that workloads use without a binding.
    t.identities.header = vec![
        "Subject",
        "Granted by",
        "Scope",
        "Effective permissions",
        "Used by",
    ];
    let mut used_by: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for w in system
        .workloads
        .iter()
        .filter(|w| w.platform == Platform::Kubernetes)
    {
        let ns = w.namespace.clone().unwrap_or_else(|| "default".into());
        let sa = w
            .service_account
            .as_ref()
            .map_or("default".to_string(), |s| s.value.clone());
        let token = w.token_mounted.as_ref().is_none_or(|t| t.value);
        let key = SubjectKey::service_account(&ns, &sa).to_string();
        used_by.entry(key).or_default().push(format!(
            "{} {} ({})",
            w.kind,
            w.name,
            if token { "token mounted" } else { "no token" }
        ));
    }
    let mut seen_subjects = std::collections::BTreeSet::new();
    for binding in &system.rbac.bindings {
        if binding.managed {
            continue;
        }
        let role = binding.role.and_then(|r| system.rbac.roles.get(r));
        let perms: Vec<String> = binding
            .role
            .map(|r| system.rbac.effective_rules(r))
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(r, i)| system.rbac.roles.get(r)?.rules.get(i))
            .map(|rule| {
                let what = if rule.non_resource_urls.is_empty() {
                    rule.resources.join(", ")
                } else {
                    rule.non_resource_urls.join(", ")
                };
                let names = if rule.resource_names.is_empty() {
                    String::new()
                } else {
                    format!(" (only {})", rule.resource_names.join(", "))
                };
                format!("{} on {what}{names}", rule.verbs.join(", "))
            })
            .collect();
        let perms = if role.is_none() {
            format!("role {} not in the input", binding.role_name)
        } else if perms.is_empty() {
            "none".into()
        } else {
            perms.join("; ")
        };
        let kind = match binding.kind {
            BindingKind::RoleBinding => "RoleBinding",
            BindingKind::ClusterRoleBinding => "ClusterRoleBinding",
        };
        let scope = binding
            .scope()
            .map_or("whole cluster".to_string(), |ns| format!("namespace {ns}"));
        for s in &binding.subjects {
            let subject = s.key.to_string();
            seen_subjects.insert(subject.clone());
            t.identities.rows.push(vec![
                subject.clone(),
                format!(
                    "{kind} {} → {:?} {} ({})",
                    binding.name,
                    binding.role_kind,
                    binding.role_name,
                    at(&binding.location)
                ),
                scope.clone(),
                perms.clone(),
                used_by.get(&subject).map_or("-".into(), |v| v.join(", ")),
            ]);
        }
    }
    for (subject, users) in &used_by {
        if !seen_subjects.contains(subject) {
            t.identities.rows.push(vec![
                subject.clone(),
                "no binding in the input".into(),
                "-".into(),
                "none granted by the input".into(),
                users.join(", "),
            ]);
        }
    }
    let _ = SubjectKind::User;

    // Exposures.
    t.exposures.header = vec![
        "Workload",
        "Reachable through",
        "Written at",
        "Isolated by a NetworkPolicy",
    ];
    for (wi, w) in system.workloads.iter().enumerate() {
        let name = match (&w.namespace, w.platform) {
            (Some(ns), Platform::Kubernetes) => format!("{} {}/{}", w.kind, ns, w.name),
            _ => format!("{} {}", w.kind, w.name),
        };
        if w.platform == Platform::Kubernetes {
            let Some(net) = system.network.workloads.get(wi) else {
                continue;
            };
            let isolated = yes_no(net.ingress_isolated(&system.network));
            for via in &net.exposed_by {
                if let Some((text, loc)) = system.network.describe(via) {
                    let text = match via {
                        ExposureVia::Ingress(i, _) => {
                            let tls = system.network.ingresses.get(*i).is_some_and(|i| i.has_tls);
                            format!("{text}{}", if tls { ", TLS" } else { ", no TLS" })
                        }
                        _ => text,
                    };
                    t.exposures
                        .rows
                        .push(vec![name.clone(), text, at(&loc), isolated.clone()]);
                }
            }
        } else {
            for port in w.containers.iter().flat_map(|c| &c.ports) {
                let Some(hp) = port.host_port else { continue };
                let ip = port.host_ip.clone().unwrap_or_else(|| "0.0.0.0".into());
                let hp = if hp == 0 {
                    "any port".to_string()
                } else {
                    hp.to_string()
                };
                let target = port
                    .container_port
                    .map_or(String::new(), |c| format!(" → {c}"));
                t.exposures.rows.push(vec![
                    name.clone(),
                    format!("published on {ip}:{hp}{target}/{}", port.protocol),
                    at(&port.location),
                    "n/a".into(),
                ]);
            }
            if w.network_mode.as_ref().is_some_and(|m| m.value == "host") {
                t.exposures.rows.push(vec![
                    name.clone(),
                    "host network (every port it listens on)".into(),
                    w.network_mode
                        .as_ref()
                        .map_or(String::new(), |m| at(&m.location)),
                    "n/a".into(),
                ]);
            }
        }
    }

    // Host, daemon and control-plane settings that were written down.
    t.settings.header = vec!["Component", "Setting", "Value", "Written at"];
    const FLAGS: &[&str] = &[
        "anonymous-auth",
        "authorization-mode",
        "enable-admission-plugins",
        "insecure-port",
        "insecure-bind-address",
        "bind-address",
        "audit-log-path",
        "profiling",
        "tls-cert-file",
        "client-ca-file",
        "kubelet-client-certificate",
        "etcd-cafile",
        "client-cert-auth",
        "peer-client-cert-auth",
        "auto-tls",
        "use-service-account-credentials",
        "encryption-provider-config",
    ];
    for c in &system.control_plane.components {
        for name in FLAGS {
            if let Some(f) = c.flag(name) {
                t.settings.rows.push(vec![
                    format!("{} (pod {})", c.kind.program(), c.pod),
                    format!("--{name}"),
                    f.text().to_string(),
                    at(&f.location),
                ]);
            }
        }
    }
    const KUBELET: &[&[&str]] = &[
        &["authentication", "anonymous", "enabled"],
        &["authentication", "webhook", "enabled"],
        &["authorization", "mode"],
        &["readOnlyPort"],
        &["protectKernelDefaults"],
        &["rotateCertificates"],
        &["serverTLSBootstrap"],
        &["makeIPTablesUtilChains"],
    ];
    for obj in system
        .kube_objects
        .iter()
        .filter(|o| o.kind == "KubeletConfiguration")
    {
        for path in KUBELET {
            if let Some(n) = obj.node.path(path) {
                t.settings.rows.push(vec![
                    "kubelet (KubeletConfiguration)".into(),
                    path.join("."),
                    scalar(n, &obj.source),
                    at(&obj.loc(n)),
                ]);
            }
        }
    }
    const DAEMON: &[&str] = &[
        "icc",
        "userns-remap",
        "live-restore",
        "no-new-privileges",
        "userland-proxy",
        "insecure-registries",
        "hosts",
        "tls",
        "tlsverify",
        "authorization-plugins",
        "log-driver",
        "iptables",
        "selinux-enabled",
        "seccomp-profile",
    ];
    for d in &system.daemons {
        for key in DAEMON {
            if let Some(n) = d.node.get(key) {
                t.settings.rows.push(vec![
                    "dockerd (daemon.json)".into(),
                    key.to_string(),
                    scalar(n, &d.source),
                    at(&d.source.location(&n.span)),
                ]);
            }
        }
    }
    t
}

/// A setting's value as text: scalars as they read, lists joined.
fn scalar(n: &Node, source: &crate::source::SourceFile) -> String {
    match &n.value {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Seq(items) => items
            .iter()
            .map(|i| scalar(i, source))
            .collect::<Vec<_>>()
            .join(", "),
        _ => n.source_text(source).chars().take(200).collect(),
    }
}
