//! The data-flow diagram drawn from the model, with its trust boundaries,
//! and STRIDE per element (Microsoft SDL) over it.
//!
//! Elements get plain generated ids (`b3`, `n7`, `f12`) in construction
//! order, which follows the sorted model: deterministic, and no input text
//! ever reaches an id.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::analyse::Analysis;
use crate::analyse::finding::{Finding, Severity, Stride};
use crate::model::System;
use crate::model::image::{BaseImage, ImageRef};
use crate::model::network::ExposureVia;
use crate::model::rbac::SubjectKey;
use crate::model::runtime::{EnvValue, MountSource, Platform, Workload};
use crate::source::Location;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum BoundaryKind {
    Internet,
    /// The cluster network or a Docker host's container network.
    Network,
    Namespace,
    /// A node or Docker host.
    Host,
    Container,
}

impl BoundaryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BoundaryKind::Internet => "internet",
            BoundaryKind::Network => "network",
            BoundaryKind::Namespace => "namespace",
            BoundaryKind::Host => "host",
            BoundaryKind::Container => "container",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Boundary {
    pub id: String,
    pub kind: BoundaryKind,
    pub label: String,
    /// Enclosing boundary; `None` at the top.
    pub parent: Option<String>,
}

/// DFD element types of STRIDE-per-element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ElementKind {
    ExternalEntity,
    Process,
    DataStore,
    DataFlow,
}

impl ElementKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ElementKind::ExternalEntity => "external entity",
            ElementKind::Process => "process",
            ElementKind::DataStore => "data store",
            ElementKind::DataFlow => "data flow",
        }
    }
    /// The categories that apply to the element type (Shostack, Table 3-9).
    pub fn applicable(self) -> &'static [Stride] {
        use Stride::*;
        match self {
            ElementKind::ExternalEntity => &[Spoofing, Repudiation],
            ElementKind::Process => &Stride::ALL,
            ElementKind::DataStore => &[
                Tampering,
                Repudiation,
                InformationDisclosure,
                DenialOfService,
            ],
            ElementKind::DataFlow => &[Tampering, InformationDisclosure, DenialOfService],
        }
    }
}

/// What an element stands for, which decides the rules that examine it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Client,
    LocalUser,
    Admin,
    Build,
    Workload,
    ApiServer,
    Kubelet,
    Daemon,
    Registry,
    Secret,
    HostStore,
    Volume,
    ExposureFlow,
    PullFlow,
    BuildFlow,
    MountFlow,
    ApiFlow,
    SecretFlow,
    AdminFlow,
    KubeletFlow,
}

impl Role {
    pub fn kind(self) -> ElementKind {
        use Role::*;
        match self {
            Client | LocalUser | Admin => ElementKind::ExternalEntity,
            Build | Workload | ApiServer | Kubelet | Daemon => ElementKind::Process,
            Registry | Secret | HostStore | Volume => ElementKind::DataStore,
            _ => ElementKind::DataFlow,
        }
    }
}

/// The elements a rule examines, by its code's family. A rule of a STRIDE
/// category that targets an element's role and ran without a finding on it
/// makes that cell "examined, clean".
pub fn rule_targets(code: &str) -> &'static [Role] {
    use Role::*;
    let n: u32 = code
        .strip_prefix("TB")
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    match n {
        101..=206 => &[Build],
        301..=303 => &[Build, Registry, PullFlow],
        402 | 403 | 404 | 421 => &[Workload, HostStore, MountFlow],
        415 | 422 => &[Workload, Registry, PullFlow],
        416 => &[Workload, ExposureFlow],
        417 => &[Workload, ApiFlow],
        401..=424 => &[Workload],
        501..=507 => &[ApiServer, ApiFlow],
        520..=523 => &[Workload, ExposureFlow],
        601..=607 => &[ApiServer],
        610..=613 => &[Kubelet],
        630..=638 => &[Daemon],
        _ => &[],
    }
}

/// Where in the input an element is written: findings located there are
/// about the element.
#[derive(Debug, Clone)]
pub enum Anchor {
    File(Arc<str>),
    Lines(Arc<str>, usize, usize),
}

impl Anchor {
    fn from_location(l: &Location) -> Anchor {
        Anchor::Lines(l.path.clone(), l.start_line, l.end_line.max(l.start_line))
    }
    fn contains(&self, l: &Location) -> bool {
        match self {
            Anchor::File(p) => **p == *l.path,
            Anchor::Lines(p, a, b) => **p == *l.path && *a <= l.start_line && l.start_line <= *b,
        }
    }
}

#[derive(Debug, Clone)]
pub struct DfdNode {
    pub id: String,
    pub kind: ElementKind,
    pub role: Role,
    pub label: String,
    /// A second line: what it is (`Deployment`, `hostPath`…).
    pub detail: String,
    pub boundary: String,
    pub anchors: Vec<Anchor>,
    /// Fingerprints of the active findings on it, and the worst severity.
    pub findings: Vec<String>,
    pub worst: Option<Severity>,
}

#[derive(Debug, Clone)]
pub struct DfdFlow {
    pub id: String,
    pub role: Role,
    pub from: String,
    pub to: String,
    pub label: String,
    pub anchors: Vec<Anchor>,
    pub findings: Vec<String>,
    pub worst: Option<Severity>,
}

#[derive(Debug, Clone, Default)]
pub struct Dfd {
    pub boundaries: Vec<Boundary>,
    pub nodes: Vec<DfdNode>,
    pub flows: Vec<DfdFlow>,
    /// Where elements are written, by file, so that placing a finding
    /// looks only at the elements written around its line.
    by_path: BTreeMap<Arc<str>, PathIndex>,
}

/// One file's anchors: (`false`: node, `true`: flow; its index).
#[derive(Debug, Clone, Default)]
struct PathIndex {
    /// Elements anchored to the whole file.
    whole: Vec<(bool, usize)>,
    /// Line ranges sorted by first line: (first, last, element).
    ranges: Vec<(usize, usize, (bool, usize))>,
    /// The longest range, which bounds how far back a range holding a
    /// given line can start.
    longest: usize,
}

impl PathIndex {
    /// Elements with an anchor that holds `line`.
    fn at(&self, line: usize) -> impl Iterator<Item = (bool, usize)> + '_ {
        let end = self.ranges.partition_point(|r| r.0 <= line);
        let start = self.ranges[..end].partition_point(|r| r.0 + self.longest < line);
        self.ranges[start..end]
            .iter()
            .filter(move |r| r.1 >= line)
            .map(|r| r.2)
            .chain(self.whole.iter().copied())
    }
}

/// The index in an id such as `n12`.
fn index_of(id: &str, prefix: char) -> Option<usize> {
    id.strip_prefix(prefix)?.parse().ok()
}

impl Dfd {
    pub fn node(&self, id: &str) -> Option<&DfdNode> {
        self.nodes.get(index_of(id, 'n')?).filter(|n| n.id == id)
    }
    pub fn flow(&self, id: &str) -> Option<&DfdFlow> {
        self.flows.get(index_of(id, 'f')?).filter(|f| f.id == id)
    }
    pub fn boundary(&self, id: &str) -> Option<&Boundary> {
        self.boundaries
            .get(index_of(id, 'b')?)
            .filter(|b| b.id == id)
    }

    fn index_paths(&mut self) {
        let mut by_path: BTreeMap<Arc<str>, PathIndex> = BTreeMap::new();
        let mut add = |anchors: &[Anchor], entry: (bool, usize)| {
            for a in anchors {
                match a {
                    Anchor::File(p) => by_path.entry(p.clone()).or_default().whole.push(entry),
                    Anchor::Lines(p, first, last) => {
                        let index = by_path.entry(p.clone()).or_default();
                        index.ranges.push((*first, *last, entry));
                        index.longest = index.longest.max(last.saturating_sub(*first));
                    }
                }
            }
        };
        for (i, n) in self.nodes.iter().enumerate() {
            add(&n.anchors, (false, i));
        }
        for (i, f) in self.flows.iter().enumerate() {
            add(&f.anchors, (true, i));
        }
        for index in by_path.values_mut() {
            index.ranges.sort_unstable();
        }
        self.by_path = by_path;
    }

    /// The label of an element (node or flow) by id.
    pub fn label(&self, id: &str) -> Option<&str> {
        self.node(id)
            .map(|n| n.label.as_str())
            .or_else(|| self.flow(id).map(|f| f.label.as_str()))
    }

    /// Ids of the elements a finding is attached to: those written where
    /// the finding points whose role the rule examines.
    pub fn elements_of(&self, f: &Finding) -> Vec<String> {
        let targets = rule_targets(f.rule.code);
        let Some(index) = self.by_path.get(&f.location.path) else {
            return Vec::new();
        };
        let hit = |role: Role, anchors: &[Anchor]| {
            targets.contains(&role) && anchors.iter().any(|a| a.contains(&f.location))
        };
        let mut nodes = Vec::new();
        let mut flows = Vec::new();
        for (is_flow, i) in index.at(f.location.start_line) {
            if is_flow {
                if let Some(fl) = self.flows.get(i).filter(|fl| hit(fl.role, &fl.anchors)) {
                    flows.push((i, fl.id.clone()));
                }
            } else if let Some(n) = self.nodes.get(i).filter(|n| hit(n.role, &n.anchors)) {
                nodes.push((i, n.id.clone()));
            }
        }
        nodes.sort();
        nodes.dedup();
        flows.sort();
        flows.dedup();
        nodes.into_iter().chain(flows).map(|(_, id)| id).collect()
    }
}

struct Builder {
    dfd: Dfd,
    /// Nodes by a key naming what they stand for (dedupe).
    by_key: BTreeMap<String, usize>,
    boundary_by_key: BTreeMap<String, String>,
    flow_by_key: BTreeMap<String, usize>,
}

impl Builder {
    fn boundary(
        &mut self,
        key: &str,
        kind: BoundaryKind,
        label: &str,
        parent: Option<&str>,
    ) -> String {
        if let Some(id) = self.boundary_by_key.get(key) {
            return id.clone();
        }
        let id = format!("b{}", self.dfd.boundaries.len());
        self.dfd.boundaries.push(Boundary {
            id: id.clone(),
            kind,
            label: label.to_string(),
            parent: parent.map(str::to_string),
        });
        self.boundary_by_key.insert(key.to_string(), id.clone());
        id
    }

    fn node(&mut self, key: &str, role: Role, label: &str, detail: &str, boundary: &str) -> String {
        if let Some(&i) = self.by_key.get(key) {
            return self.dfd.nodes[i].id.clone();
        }
        let id = format!("n{}", self.dfd.nodes.len());
        self.by_key.insert(key.to_string(), self.dfd.nodes.len());
        self.dfd.nodes.push(DfdNode {
            id: id.clone(),
            kind: role.kind(),
            role,
            label: label.to_string(),
            detail: detail.to_string(),
            boundary: boundary.to_string(),
            anchors: Vec::new(),
            findings: Vec::new(),
            worst: None,
        });
        id
    }

    fn anchor_node(&mut self, id: &str, anchor: Anchor) {
        if let Some(n) = index_of(id, 'n').and_then(|i| self.dfd.nodes.get_mut(i)) {
            n.anchors.push(anchor);
        }
    }

    /// A flow, merged with an earlier one between the same elements with
    /// the same label.
    fn flow(
        &mut self,
        role: Role,
        from: &str,
        to: &str,
        label: &str,
        anchors: Vec<Anchor>,
    ) -> String {
        let key = format!("{from}\u{0}{to}\u{0}{label}");
        if let Some(&i) = self.flow_by_key.get(&key) {
            self.dfd.flows[i].anchors.extend(anchors);
            return self.dfd.flows[i].id.clone();
        }
        let id = format!("f{}", self.dfd.flows.len());
        self.flow_by_key.insert(key, self.dfd.flows.len());
        self.dfd.flows.push(DfdFlow {
            id: id.clone(),
            role,
            from: from.to_string(),
            to: to.to_string(),
            label: label.to_string(),
            anchors,
            findings: Vec::new(),
            worst: None,
        });
        id
    }
}

fn registry_of(image: &ImageRef) -> String {
    if image.is_docker_hub() {
        "docker.io".to_string()
    } else {
        image.registry.clone().unwrap_or_default()
    }
}

fn workload_label(w: &Workload) -> String {
    match &w.namespace {
        Some(ns) if w.platform == Platform::Kubernetes => format!("{} {}/{}", w.kind, ns, w.name),
        _ => format!("{} {}", w.kind, w.name),
    }
}

/// Whole-object locations of Kubernetes objects by kind, namespace and
/// name (the first object wins, as in the input order).
struct Extents<'a>(BTreeMap<(&'a str, &'a str, &'a str), usize>, &'a System);

impl<'a> Extents<'a> {
    fn new(system: &'a System) -> Self {
        let mut map = BTreeMap::new();
        for (i, o) in system.kube_objects.iter().enumerate() {
            let ns = o.namespace.as_deref().unwrap_or("default");
            map.entry((o.kind.as_str(), ns, o.name.as_str()))
                .or_insert(i);
        }
        Extents(map, system)
    }
    fn get(&self, kind: &str, namespace: &str, name: &str) -> Option<Location> {
        let &i = self.0.get(&(kind, namespace, name))?;
        let o = self.1.kube_objects.get(i)?;
        Some(o.loc(&o.node))
    }
}

/// Builds the diagram from the model.
pub fn build(system: &System, analysis: &Analysis) -> Dfd {
    let extents = Extents::new(system);
    let mut b = Builder {
        dfd: Dfd::default(),
        by_key: BTreeMap::new(),
        boundary_by_key: BTreeMap::new(),
        flow_by_key: BTreeMap::new(),
    };
    let has_k8s = system
        .workloads
        .iter()
        .any(|w| w.platform == Platform::Kubernetes)
        || !system.kube_objects.is_empty();
    let has_docker = system
        .workloads
        .iter()
        .any(|w| w.platform != Platform::Kubernetes)
        || !system.daemons.is_empty();

    let internet = |b: &mut Builder| {
        b.boundary(
            "internet",
            BoundaryKind::Internet,
            "Internet (outside every boundary)",
            None,
        )
    };

    // Builds: one process per Dockerfile, pulling its base images.
    let mut build_nodes = Vec::new();
    if !system.images.is_empty() {
        let env = b.boundary(
            "build",
            BoundaryKind::Host,
            "Build environment (CI or developer machine)",
            None,
        );
        for image in &system.images {
            let path = image.path().clone();
            let id = b.node(
                &format!("build:{path}"),
                Role::Build,
                &format!("docker build {path}"),
                "image build (Dockerfile)",
                &env,
            );
            b.anchor_node(&id, Anchor::File(path.clone()));
            for stage in &image.stages {
                if let BaseImage::Image(r) = &stage.base {
                    let reg = registry_of(r);
                    let inet = internet(&mut b);
                    let store = b.node(
                        &format!("registry:{reg}"),
                        Role::Registry,
                        &format!("Registry {reg}"),
                        "image registry",
                        &inet,
                    );
                    let from = image.location(&image.instruction(stage.from).span);
                    b.anchor_node(&store, Anchor::from_location(&from));
                    b.flow(
                        Role::PullFlow,
                        &store,
                        &id,
                        &format!("pull base image {}", r.text),
                        vec![Anchor::from_location(&from)],
                    );
                }
            }
            build_nodes.push(id);
        }
    }

    // Where workloads live.
    let cluster = has_k8s.then(|| {
        b.boundary(
            "cluster",
            BoundaryKind::Network,
            "Kubernetes cluster network",
            None,
        )
    });
    let nodes_boundary = cluster.as_ref().map(|c| {
        b.boundary(
            "k8s-nodes",
            BoundaryKind::Host,
            "Nodes (host operating system)",
            Some(c),
        )
    });
    let docker_host =
        has_docker.then(|| b.boundary("docker-host", BoundaryKind::Host, "Docker host", None));

    // Control plane.
    let api_server = cluster.as_ref().map(|c| {
        let cp = b.boundary(
            "control-plane",
            BoundaryKind::Host,
            "Control plane node",
            Some(c),
        );
        b.node(
            "apiserver",
            Role::ApiServer,
            "Kubernetes API server",
            "control plane (API server, etcd, controllers)",
            &cp,
        )
    });
    if let Some(api) = &api_server {
        let cp_pods: Vec<Location> = system
            .control_plane
            .components
            .iter()
            .filter_map(|c| {
                system
                    .kube_objects
                    .iter()
                    .find(|o| o.kind == "Pod" && o.name == c.pod)
                    .map(|o| o.loc(&o.node))
            })
            .collect();
        for l in cp_pods {
            b.anchor_node(api, Anchor::from_location(&l));
        }
        let rbac: Vec<Location> = system
            .kube_objects
            .iter()
            .filter(|o| {
                matches!(
                    o.kind.as_str(),
                    "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding"
                )
            })
            .map(|o| o.loc(&o.node))
            .collect();
        for l in rbac {
            b.anchor_node(api, Anchor::from_location(&l));
        }
        let inet = internet(&mut b);
        let admin = b.node(
            "admin",
            Role::Admin,
            "Cluster administrator",
            "kubectl, CI deploy jobs",
            &inet,
        );
        b.flow(
            Role::AdminFlow,
            &admin,
            api,
            "kubectl / API requests",
            Vec::new(),
        );
        let kubelet_objects: Vec<Location> = system
            .kube_objects
            .iter()
            .filter(|o| o.kind == "KubeletConfiguration")
            .map(|o| o.loc(&o.node))
            .collect();
        if let Some(nb) = &nodes_boundary {
            let kubelet = b.node("kubelet", Role::Kubelet, "kubelet", "node agent", nb);
            for l in kubelet_objects {
                b.anchor_node(&kubelet, Anchor::from_location(&l));
            }
            b.flow(
                Role::KubeletFlow,
                api,
                &kubelet,
                "kubelet API (exec, logs, pod specs)",
                Vec::new(),
            );
        }
    }

    // Docker daemon.
    let daemon = docker_host.as_ref().map(|h| {
        b.node(
            "dockerd",
            Role::Daemon,
            "Docker daemon (dockerd)",
            "container engine",
            h,
        )
    });
    if let Some(d) = &daemon {
        for cfg in &system.daemons {
            b.anchor_node(d, Anchor::File(cfg.location.path.clone()));
        }
    }

    // Workloads.
    for (wi, w) in system.workloads.iter().enumerate() {
        let (parent, host) = if w.platform == Platform::Kubernetes {
            let ns = w.namespace.clone().unwrap_or_else(|| "default".into());
            let c = cluster.clone().unwrap_or_default();
            (
                b.boundary(
                    &format!("ns:{ns}"),
                    BoundaryKind::Namespace,
                    &format!("Namespace {ns}"),
                    Some(&c),
                ),
                nodes_boundary.clone().unwrap_or_default(),
            )
        } else {
            let h = docker_host.clone().unwrap_or_default();
            let project = w.namespace.clone().unwrap_or_else(|| "containers".into());
            let label = if w.platform == Platform::Compose {
                format!("Compose network {project}")
            } else {
                "Container network (docker inspect)".to_string()
            };
            (
                b.boundary(
                    &format!("net:{:?}:{project}", w.platform),
                    BoundaryKind::Network,
                    &label,
                    Some(&h),
                ),
                h,
            )
        };
        let names: Vec<&str> = w.containers.iter().map(|c| c.name.as_str()).collect();
        let container_label = if names.is_empty() {
            "Container".to_string()
        } else {
            format!("Container {}", names.join(", "))
        };
        let cbox = b.boundary(
            &format!("container:{wi}"),
            BoundaryKind::Container,
            &container_label,
            Some(&parent),
        );
        let label = workload_label(w);
        let detail = match w.platform {
            Platform::Kubernetes => "Kubernetes workload",
            Platform::Compose => "compose service",
            Platform::Docker => "container",
        };
        let p = b.node(
            &format!("workload:{wi}"),
            Role::Workload,
            &label,
            detail,
            &cbox,
        );
        b.anchor_node(&p, Anchor::from_location(&w.extent));
        b.anchor_node(&p, Anchor::from_location(&w.location));

        // Exposure.
        if w.platform == Platform::Kubernetes {
            if let Some(net) = system.network.workloads.get(wi) {
                for via in &net.exposed_by {
                    let Some((text, loc)) = system.network.describe(via) else {
                        continue;
                    };
                    let mut anchors = vec![Anchor::from_location(&loc)];
                    match via {
                        ExposureVia::Service(s) => {
                            if let Some(s) = system.network.services.get(*s) {
                                anchors.extend(
                                    extents
                                        .get("Service", &s.namespace, &s.name)
                                        .map(|l| Anchor::from_location(&l)),
                                );
                            }
                        }
                        ExposureVia::Ingress(i, _) => {
                            if let Some(i) = system.network.ingresses.get(*i) {
                                anchors.extend(
                                    extents
                                        .get("Ingress", &i.namespace, &i.name)
                                        .map(|l| Anchor::from_location(&l)),
                                );
                            }
                        }
                        ExposureVia::HostPort(_) => {}
                    }
                    let inet = internet(&mut b);
                    let client = b.node(
                        "client",
                        Role::Client,
                        "Internet client",
                        "anyone who can reach the network",
                        &inet,
                    );
                    let label = text
                        .strip_prefix("exposed by ")
                        .unwrap_or(&text)
                        .to_string();
                    b.flow(Role::ExposureFlow, &client, &p, &label, anchors);
                }
            }
        } else {
            for port in w.containers.iter().flat_map(|c| &c.ports) {
                let Some(hp) = port.host_port else { continue };
                let ip = port.host_ip.clone().unwrap_or_else(|| "0.0.0.0".into());
                let local = ip.starts_with("127.") || ip == "::1" || ip == "localhost";
                let target = port
                    .container_port
                    .map_or(String::new(), |c| format!(" → {c}"));
                let host_port = if hp == 0 {
                    "any port".to_string()
                } else {
                    hp.to_string()
                };
                let label = format!("published {ip}:{host_port}{target}/{}", port.protocol);
                let client = if local {
                    b.node(
                        "local-user",
                        Role::LocalUser,
                        "Local user on the host",
                        "processes and users of the Docker host",
                        &host,
                    )
                } else {
                    let inet = internet(&mut b);
                    b.node(
                        "client",
                        Role::Client,
                        "Internet client",
                        "anyone who can reach the network",
                        &inet,
                    )
                };
                b.flow(
                    Role::ExposureFlow,
                    &client,
                    &p,
                    &label,
                    vec![Anchor::from_location(&port.location)],
                );
            }
        }

        // Images.
        for c in &w.containers {
            if let Some(i) = c.built_image {
                if let Some(build) = build_nodes.get(i) {
                    let anchors = c
                        .image
                        .iter()
                        .map(|s| Anchor::from_location(&s.location))
                        .collect();
                    b.flow(Role::BuildFlow, build, &p, "image built here", anchors);
                }
                continue;
            }
            let Some(image) = &c.image else { continue };
            let r = ImageRef::parse(&image.value, false);
            if r.repository.is_empty() {
                continue;
            }
            let reg = registry_of(&r);
            let inet = internet(&mut b);
            let store = b.node(
                &format!("registry:{reg}"),
                Role::Registry,
                &format!("Registry {reg}"),
                "image registry",
                &inet,
            );
            b.anchor_node(&store, Anchor::from_location(&image.location));
            b.flow(
                Role::PullFlow,
                &store,
                &p,
                &format!("pull {}", r.text),
                vec![Anchor::from_location(&image.location)],
            );
        }

        // Mounts and secrets.
        for c in &w.containers {
            for m in &c.mounts {
                let vol_anchors: Vec<Anchor> = w
                    .volumes
                    .iter()
                    .filter(|v| v.source == m.source)
                    .map(|v| Anchor::from_location(&v.location))
                    .collect();
                let mode = if m.read_only { "ro" } else { "rw" };
                let (key, role, label, detail, boundary) = match &m.source {
                    MountSource::HostPath(path) => {
                        let socket = path.ends_with(".sock");
                        (
                            format!("host:{host}:{path}"),
                            Role::HostStore,
                            if socket {
                                format!("Runtime socket {path}")
                            } else {
                                format!("Host path {path}")
                            },
                            if socket {
                                "container runtime API"
                            } else {
                                "host filesystem"
                            },
                            host.clone(),
                        )
                    }
                    MountSource::DockerApiSocket => (
                        format!("host:{host}:docker-api"),
                        Role::HostStore,
                        "Docker API socket".to_string(),
                        "container runtime API",
                        host.clone(),
                    ),
                    MountSource::Volume(name) => (
                        format!("volume:{parent}:{name}"),
                        Role::Volume,
                        format!("Volume {name}"),
                        "persistent volume",
                        parent.clone(),
                    ),
                    MountSource::Secret(name) => (
                        format!("secret:{parent}:{name}"),
                        Role::Secret,
                        format!("Secret {name}"),
                        "secret",
                        parent.clone(),
                    ),
                    MountSource::ConfigMap(_) | MountSource::Ephemeral => continue,
                };
                let store = b.node(&key, role, &label, detail, &boundary);
                b.anchor_node(&store, Anchor::from_location(&m.location));
                for a in &vol_anchors {
                    b.anchor_node(&store, a.clone());
                }
                let mut anchors = vec![Anchor::from_location(&m.location)];
                anchors.extend(vol_anchors);
                let text = format!("mount at {} ({mode})", m.target);
                let (flow_role, from, to) = match role {
                    Role::Secret => (Role::SecretFlow, store.clone(), p.clone()),
                    _ if m.read_only => (Role::MountFlow, store.clone(), p.clone()),
                    _ => (Role::MountFlow, p.clone(), store.clone()),
                };
                b.flow(flow_role, &from, &to, &text, anchors);
            }
            for e in &c.env {
                if let EnvValue::SecretRef(name) = &e.value {
                    let store = b.node(
                        &format!("secret:{parent}:{name}"),
                        Role::Secret,
                        &format!("Secret {name}"),
                        "secret",
                        &parent,
                    );
                    b.anchor_node(&store, Anchor::from_location(&e.location));
                    b.flow(
                        Role::SecretFlow,
                        &store,
                        &p,
                        &format!("environment {}", e.name),
                        vec![Anchor::from_location(&e.location)],
                    );
                }
            }
        }

        // API access with the service-account token.
        if let (Some(api), Some(tok)) = (&api_server, &w.token_mounted)
            && tok.value
        {
            let ns = w.namespace.clone().unwrap_or_else(|| "default".into());
            let sa = w
                .service_account
                .as_ref()
                .map_or("default".to_string(), |s| s.value.clone());
            let mut anchors = vec![Anchor::from_location(&tok.location)];
            if let Some(s) = &w.service_account {
                anchors.push(Anchor::from_location(&s.location));
            }
            let key = SubjectKey::service_account(&ns, &sa);
            for &bi in system.rbac.bindings_of(&key) {
                let Some(binding) = system.rbac.bindings.get(bi) else {
                    continue;
                };
                let kind = match binding.kind {
                    crate::model::rbac::BindingKind::RoleBinding => "RoleBinding",
                    crate::model::rbac::BindingKind::ClusterRoleBinding => "ClusterRoleBinding",
                };
                let bns = binding
                    .namespace
                    .clone()
                    .unwrap_or_else(|| "default".into());
                anchors.extend(
                    extents
                        .get(kind, &bns, &binding.name)
                        .map(|l| Anchor::from_location(&l)),
                );
                if let Some(role) = binding.role.and_then(|r| system.rbac.roles.get(r)) {
                    let rkind = match role.kind {
                        crate::model::rbac::RoleKind::Role => "Role",
                        crate::model::rbac::RoleKind::ClusterRole => "ClusterRole",
                    };
                    let rns = role.namespace.clone().unwrap_or_else(|| "default".into());
                    anchors.extend(
                        extents
                            .get(rkind, &rns, &role.name)
                            .map(|l| Anchor::from_location(&l)),
                    );
                }
            }
            b.flow(
                Role::ApiFlow,
                &p,
                api,
                &format!("API requests as ServiceAccount {ns}/{sa}"),
                anchors,
            );
        }
    }

    let mut dfd = b.dfd;
    dfd.index_paths();
    attach_findings(&mut dfd, analysis);
    dfd
}

fn attach_findings(dfd: &mut Dfd, analysis: &Analysis) {
    let mut on: BTreeMap<String, Vec<(String, Severity)>> = BTreeMap::new();
    for f in analysis.active() {
        for id in dfd.elements_of(f) {
            on.entry(id)
                .or_default()
                .push((f.fingerprint.clone(), f.severity));
        }
    }
    let fill = |id: &str, findings: &mut Vec<String>, worst: &mut Option<Severity>| {
        if let Some(list) = on.get(id) {
            *findings = list.iter().map(|(fp, _)| fp.clone()).collect();
            *worst = list.iter().map(|(_, s)| *s).max();
        }
    };
    for n in &mut dfd.nodes {
        fill(&n.id, &mut n.findings, &mut n.worst);
    }
    for f in &mut dfd.flows {
        fill(&f.id, &mut f.findings, &mut f.worst);
    }
}

/// One STRIDE cell of an element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// Threats found: anchors (`f-…`) of the findings.
    Found(Vec<String>),
    /// Rules of this category examined the element and found nothing:
    /// their codes.
    Clean(Vec<String>),
    /// The category applies but no rule of threatbox examines it here: a
    /// reviewer has to.
    NotExamined,
    NotApplicable,
}

impl Cell {
    pub fn as_str(&self) -> &'static str {
        match self {
            Cell::Found(_) => "found",
            Cell::Clean(_) => "clean",
            Cell::NotExamined => "not examined",
            Cell::NotApplicable => "n/a",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ElementStride {
    pub id: String,
    pub label: String,
    pub kind: ElementKind,
    /// In [`Stride::ALL`] order.
    pub cells: Vec<(Stride, Cell)>,
}

/// STRIDE per element over the diagram.
pub fn stride_per_element(dfd: &Dfd, analysis: &Analysis) -> Vec<ElementStride> {
    let by_fp: BTreeMap<&str, &Finding> = analysis
        .active()
        .map(|f| (f.fingerprint.as_str(), f))
        .collect();
    let row = |id: &str, label: &str, role: Role, findings: &[String]| {
        let kind = role.kind();
        let cells = Stride::ALL
            .iter()
            .map(|&s| {
                if !kind.applicable().contains(&s) {
                    return (s, Cell::NotApplicable);
                }
                let mut found: Vec<String> = findings
                    .iter()
                    .filter_map(|fp| by_fp.get(fp.as_str()))
                    .filter(|f| f.rule.stride.contains(&s))
                    .map(|f| format!("f-{}", super::escape::ident(&f.fingerprint)))
                    .collect();
                found.dedup();
                if !found.is_empty() {
                    return (s, Cell::Found(found));
                }
                let clean: Vec<String> = analysis
                    .rules
                    .iter()
                    .filter(|r| r.stride.contains(&s) && rule_targets(r.code).contains(&role))
                    .map(|r| r.code.to_string())
                    .collect();
                if clean.is_empty() {
                    (s, Cell::NotExamined)
                } else {
                    (s, Cell::Clean(clean))
                }
            })
            .collect();
        ElementStride {
            id: id.to_string(),
            label: label.to_string(),
            kind,
            cells,
        }
    };
    dfd.nodes
        .iter()
        .map(|n| row(&n.id, &n.label, n.role, &n.findings))
        .chain(dfd.flows.iter().map(|f| {
            let from = dfd.label(&f.from).unwrap_or("");
            let to = dfd.label(&f.to).unwrap_or("");
            row(
                &f.id,
                &format!("{from} → {to}: {}", f.label),
                f.role,
                &f.findings,
            )
        }))
        .collect()
}
