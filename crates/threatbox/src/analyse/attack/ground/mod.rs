//! Grounding: the attack steps of the catalogue instantiated over the
//! system model. Facts are read from the resolved model (or, for
//! control-plane switches, from the findings that report them) and linked
//! to the finding whose fix removes them.
//!
//! Structural relations — which node a pod can land on, which namespace it
//! is in, which groups a service account belongs to — are read from the
//! model while grounding; they are not facts an attacker needs.

mod cluster;
mod rbac;
mod workloads;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::graph::{Fix, Graph, NodeId, PrivKind};
use super::{AttackOptions, EntryPoints};
use crate::analyse::finding::Finding;
use crate::model::System;
use crate::model::runtime::{Platform, Workload};
use crate::source::Location;

/// Finds the finding that reports a fact: same rule, same file, a line
/// inside the fact's evidence (else inside the workload's extent).
pub struct Linker<'a> {
    by_code: HashMap<(&'static str, &'a str), Vec<&'a Finding>>,
}

impl<'a> Linker<'a> {
    pub fn new(findings: &'a [Finding]) -> Self {
        let mut by_code: HashMap<(&'static str, &'a str), Vec<&'a Finding>> = HashMap::new();
        for f in findings {
            by_code
                .entry((f.rule.code, &f.location.path))
                .or_default()
                .push(f);
        }
        // Sorted by line, so a range of lines is found by binary search.
        for list in by_code.values_mut() {
            list.sort_by_key(|f| f.location.start_line);
        }
        Linker { by_code }
    }

    pub fn find(
        &self,
        codes: &[&str],
        evidence: &[Location],
        extent: Option<&Location>,
    ) -> Option<&'a Finding> {
        let within = |code: &str, l: &Location| -> Option<&'a Finding> {
            let list = self.by_code.get(&(code, &*l.path))?;
            let first = list.partition_point(|f| f.location.start_line < l.start_line);
            list.get(first)
                .filter(|f| f.location.start_line <= l.end_line.max(l.start_line))
                .copied()
        };
        for code in codes {
            for ev in evidence {
                if let Some(found) = within(code, ev) {
                    return Some(found);
                }
            }
        }
        let extent = extent?;
        codes.iter().find_map(|code| within(code, extent))
    }

    /// Every finding of these rules, anywhere.
    pub fn all_of(&self, code: &str) -> Vec<&'a Finding> {
        let mut out: Vec<&'a Finding> = self
            .by_code
            .iter()
            .filter(|((c, _), _)| *c == code)
            .flat_map(|(_, fs)| fs.iter().copied())
            .collect();
        out.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        out
    }

    pub fn fix(
        &self,
        codes: &[&str],
        evidence: &[Location],
        extent: Option<&Location>,
    ) -> Option<Fix> {
        self.find(codes, evidence, extent).map(fix_of)
    }
}

pub fn fix_of(f: &Finding) -> Fix {
    Fix {
        code: f.rule.code,
        title: f.rule.title,
        severity: f.severity,
        message: f.message.clone(),
        location: f.location.clone(),
        fingerprint: f.fingerprint.clone(),
        suppressed: f.suppression.is_some(),
    }
}

/// Where a workload's pods can run: Kubernetes node groups (pods without
/// placement constraints share "any worker node"; DaemonSets run on every
/// worker; control-plane static pods on the control-plane node), a compose
/// project's host, the Docker host.
pub(crate) struct Placement {
    /// Per workload, the node groups it runs on.
    pub groups: Vec<Vec<String>>,
    /// Per node group, its workloads.
    pub members: BTreeMap<String, Vec<usize>>,
}

pub const ANY_WORKER: &str = "kubernetes worker node";
pub const CONTROL_PLANE: &str = "kubernetes control-plane node";

fn placement(system: &System) -> Placement {
    let control_plane_pods: BTreeSet<&str> = system
        .control_plane
        .components
        .iter()
        .map(|c| c.pod.as_str())
        .collect();
    let mut groups: Vec<Vec<String>> = Vec::with_capacity(system.workloads.len());
    for (i, w) in system.workloads.iter().enumerate() {
        let g = match w.platform {
            Platform::Kubernetes
                if w.kind == "Pod" && control_plane_pods.contains(w.name.as_str()) =>
            {
                vec![CONTROL_PLANE.to_string()]
            }
            Platform::Kubernetes if w.runs_on_every_node => vec![ANY_WORKER.to_string()],
            Platform::Kubernetes if w.has_node_placement => {
                vec![format!("nodes selected by {}", workload_key(system, i))]
            }
            Platform::Kubernetes => vec![ANY_WORKER.to_string()],
            Platform::Compose => vec![format!(
                "docker host of compose project `{}`",
                w.namespace.as_deref().unwrap_or("default")
            )],
            Platform::Docker => vec!["docker host".to_string()],
        };
        groups.push(g);
    }
    // DaemonSets also run on nodes that other workloads select.
    let selected: Vec<String> = groups
        .iter()
        .flatten()
        .filter(|g| g.starts_with("nodes selected by"))
        .cloned()
        .collect();
    for (i, w) in system.workloads.iter().enumerate() {
        if w.platform == Platform::Kubernetes && w.runs_on_every_node {
            groups[i].extend(selected.iter().cloned());
        }
    }
    let mut members: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, gs) in groups.iter().enumerate() {
        for g in gs {
            members.entry(g.clone()).or_default().push(i);
        }
    }
    Placement { groups, members }
}

/// A stable, readable key for a workload: `Deployment shop/api`,
/// `service web`, `container db` (with the file when names repeat).
pub fn workload_key(system: &System, i: usize) -> String {
    let w = &system.workloads[i];
    base_key(w)
}

fn base_key(w: &Workload) -> String {
    match w.platform {
        Platform::Kubernetes => format!(
            "{} {}/{}",
            w.kind,
            w.namespace.as_deref().unwrap_or("default"),
            w.name
        ),
        Platform::Compose => match &w.namespace {
            Some(p) => format!("compose service {p}/{}", w.name),
            None => format!("compose service {}", w.name),
        },
        Platform::Docker => format!("docker container {}", w.name),
    }
}

/// Workload keys made unique (a repeated key gets its file and line).
pub(crate) fn workload_keys(system: &System) -> Vec<String> {
    let mut count: HashMap<String, usize> = HashMap::new();
    let base: Vec<String> = system.workloads.iter().map(base_key).collect();
    for k in &base {
        *count.entry(k.clone()).or_default() += 1;
    }
    base.into_iter()
        .zip(&system.workloads)
        .map(|(k, w)| {
            if count[&k] > 1 {
                format!("{k} ({}:{})", w.location.path, w.location.start_line)
            } else {
                k
            }
        })
        .collect()
}

/// What grounding hands the analyses.
pub struct Grounded {
    pub graph: Graph,
    /// Per workload: its code-execution node.
    pub exec: Vec<NodeId>,
    pub workload_keys: Vec<String>,
}

/// Shared state of the grounding passes.
pub(crate) struct Ground<'a> {
    pub system: &'a System,
    pub linker: Linker<'a>,
    pub graph: Graph,
    pub keys: Vec<String>,
    pub placement: Placement,
    pub exec: Vec<NodeId>,
    /// Per workload, the Services selecting it.
    pub services_of: Vec<Vec<usize>>,
}

impl Ground<'_> {
    pub fn exec_node(&self, w: usize) -> NodeId {
        self.exec[w]
    }

    pub fn node_root(&mut self, group: &str) -> NodeId {
        self.graph
            .privilege(PrivKind::NodeRoot, group, || format!("root on {group}"))
    }
}

pub fn ground(system: &System, findings: &[Finding], options: &AttackOptions) -> Grounded {
    let keys = workload_keys(system);
    let mut g = Ground {
        system,
        linker: Linker::new(findings),
        graph: Graph::default(),
        placement: placement(system),
        exec: Vec::new(),
        keys,
        services_of: vec![Vec::new(); system.workloads.len()],
    };
    for (s, service) in system.network.services.iter().enumerate() {
        for &w in &service.workloads {
            if let Some(list) = g.services_of.get_mut(w) {
                list.push(s);
            }
        }
    }
    for i in 0..system.workloads.len() {
        let key = g.keys[i].clone();
        let id = g.graph.privilege(PrivKind::CodeExec, &key, || {
            format!("code execution in {key}")
        });
        g.exec.push(id);
    }
    let entries: &EntryPoints = &options.entries;
    workloads::ground(&mut g, entries);
    rbac::ground(&mut g);
    cluster::ground(&mut g);
    Grounded {
        graph: g.graph,
        exec: g.exec,
        workload_keys: g.keys,
    }
}
