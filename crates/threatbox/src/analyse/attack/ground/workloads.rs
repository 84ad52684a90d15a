//! Facts and steps about workloads and their containers: entry points,
//! container escapes, host namespaces, tokens, secrets, the network between
//! workloads, the supply chain of their images, and node groups.

use std::collections::BTreeSet;

use super::{Ground, fix_of};
use crate::analyse::attack::EntryPoints;
use crate::analyse::attack::graph::{FactKind, NodeId, PrivKind};
use crate::analyse::rules::container_support::{is_runtime_socket_path, sensitive_host_path};
use crate::model::network::ExposureVia;
use crate::model::runtime::{Container, EnvValue, MountSource, Platform, Workload};
use crate::source::Location;

pub(super) fn ground(g: &mut Ground<'_>, entries: &EntryPoints) {
    let system = g.system;
    let supply_chain = entries.supply_chain.then(|| {
        g.graph.fact(
            FactKind::SupplyChainAttacker,
            "upstream",
            || "an attacker controls an upstream image, repository or download".into(),
            Vec::new(),
            None,
        )
    });
    for (i, w) in system.workloads.iter().enumerate() {
        entry_points(g, i, w, entries);
        if let Some(attacker) = supply_chain {
            images(g, i, w, attacker);
        }
        containers(g, i, w);
        identity_and_secrets(g, i, w);
        network(g, i, w);
    }
    nodes(g);
}

fn entry_points(g: &mut Ground<'_>, i: usize, w: &Workload, entries: &EntryPoints) {
    let key = g.keys[i].clone();
    let exec = g.exec_node(i);
    if entries.internet {
        let exposures = exposures(g, i, w);
        if !exposures.is_empty() {
            let (how, evidence): (Vec<String>, Vec<Location>) = exposures.into_iter().unzip();
            let fact = g.graph.fact(
                FactKind::InternetExposed,
                &key,
                || format!("{key} is reachable from outside ({})", how.join("; ")),
                evidence,
                None,
            );
            g.graph.step("exploit-exposed-service", &[fact], exec);
            known_vulnerabilities(g, i, w, fact);
        }
    }
    if entries.breaches(&key, w) {
        let fact = g.graph.fact(
            FactKind::AssumedBreach,
            &key,
            || format!("assumed: the attacker runs code in {key}"),
            vec![w.location.clone()],
            None,
        );
        g.graph.step("assumed-breach", &[fact], exec);
    }
}

/// A critical vulnerability with a fixed version, in an exposed workload:
/// a cheaper, likelier way in than an unknown flaw.
fn known_vulnerabilities(g: &mut Ground<'_>, i: usize, w: &Workload, exposed: NodeId) {
    let key = g.keys[i].clone();
    let exec = g.exec_node(i);
    let mut ids: Vec<&str> = Vec::new();
    let mut evidence = Vec::new();
    for (c, v) in g.system.vulnerabilities_of(w) {
        if v.is_critical_with_fix() {
            ids.push(&v.id);
            if let Some(image) = &c.image
                && !evidence.contains(&image.location)
            {
                evidence.push(image.location.clone());
            }
        }
    }
    if ids.is_empty() {
        return;
    }
    ids.sort_unstable();
    ids.dedup();
    let fix = g.linker.fix(&["TB221"], &evidence, Some(&w.extent));
    let list = ids.join(", ");
    let fact = g.graph.fact(
        FactKind::KnownVulnerability,
        &key,
        || format!("{key} runs an image with critical fixable vulnerabilities ({list})"),
        evidence,
        fix,
    );
    g.graph
        .step("exploit-known-vulnerability", &[exposed, fact], exec);
}

/// How the workload is reachable from outside its cluster or host.
fn exposures(g: &Ground<'_>, i: usize, w: &Workload) -> Vec<(String, Location)> {
    let mut out = Vec::new();
    match w.platform {
        Platform::Kubernetes => {
            let network = &g.system.network;
            if let Some(wn) = network.workloads.get(i) {
                for via in &wn.exposed_by {
                    if let Some(d) = network.describe(via) {
                        out.push(d);
                    } else if let ExposureVia::HostPort(l) = via {
                        out.push(("host port".into(), l.clone()));
                    }
                }
            }
        }
        Platform::Compose | Platform::Docker => {
            for c in &w.containers {
                for p in &c.ports {
                    let loopback = p.host_ip.as_deref().is_some_and(|ip| {
                        ip.starts_with("127.") || ip == "::1" || ip == "localhost"
                    });
                    if p.host_port.is_some() && !loopback {
                        let port = p.host_port.filter(|&h| h != 0).map_or_else(
                            || "an engine-chosen port".to_string(),
                            |h| format!("port {h}"),
                        );
                        out.push((
                            format!(
                                "published on {port} of {}",
                                p.host_ip.as_deref().unwrap_or("0.0.0.0")
                            ),
                            p.location.clone(),
                        ));
                    }
                }
            }
        }
    }
    out
}

/// Supply chain: a tampered image runs in every workload that uses it.
fn images(g: &mut Ground<'_>, i: usize, w: &Workload, attacker: NodeId) {
    let exec = g.exec_node(i);
    for c in &w.containers {
        if let Some(image_index) = c.built_image {
            let Some(image) = g.system.images.get(image_index) else {
                continue;
            };
            let path = image.dockerfile.source.path.to_string();
            let name = format!("image built from {path}");
            let tamper = g
                .graph
                .privilege(PrivKind::ImageTamper, &name, || format!("tampered {name}"));
            for code in ["TB104", "TB105", "TB301", "TB302"] {
                for f in g.linker.all_of(code) {
                    if &*f.location.path != path.as_str() {
                        continue;
                    }
                    let subject = format!("{path}:{}:{code}", f.location.start_line);
                    let message = f.message.clone();
                    let fact = g.graph.fact(
                        FactKind::UnverifiedBuildInput,
                        &subject,
                        || format!("unverified build input: {message}"),
                        vec![f.location.clone()],
                        Some(fix_of(f)),
                    );
                    g.graph
                        .step("tamper-build-input", &[attacker, fact], tamper);
                }
            }
            g.graph.step("run-tampered-image", &[tamper], exec);
            continue;
        }
        let Some(image) = &c.image else { continue };
        let reference = image.value.trim();
        if reference.is_empty() || reference.contains('$') || reference.contains('{') {
            continue;
        }
        let tamper = g.graph.privilege(PrivKind::ImageTamper, reference, || {
            format!("tampered image `{reference}`")
        });
        if !reference.contains("@sha256:") {
            let fix = g
                .linker
                .fix(&["TB415"], std::slice::from_ref(&image.location), None);
            let fact = g.graph.fact(
                FactKind::MutableImage,
                reference,
                || format!("`{reference}` is pulled by a mutable tag"),
                vec![image.location.clone()],
                fix,
            );
            g.graph
                .step("poison-mutable-image", &[attacker, fact], tamper);
        }
        if let Some(f) = g
            .linker
            .find(&["TB422"], std::slice::from_ref(&image.location), None)
        {
            let fact = g.graph.fact(
                FactKind::UntrustedRegistry,
                reference,
                || format!("`{reference}` comes from a registry outside the trusted list"),
                vec![image.location.clone()],
                Some(fix_of(f)),
            );
            g.graph
                .step("poison-untrusted-registry", &[attacker, fact], tamper);
        }
        g.graph.step("run-tampered-image", &[tamper], exec);
    }
}

fn container_key(key: &str, c: &Container) -> String {
    if c.name.is_empty() {
        key.to_string()
    } else {
        format!("{key} container {}", c.name)
    }
}

/// Container escapes, host namespaces and resource exhaustion.
fn containers(g: &mut Ground<'_>, i: usize, w: &Workload) {
    let key = g.keys[i].clone();
    let exec = g.exec_node(i);
    let extent = w.extent.clone();
    let groups = g.placement.groups[i].clone();

    let host_ns = |g: &mut Ground<'_>,
                   kind: FactKind,
                   setting: &Option<crate::model::runtime::Setting<bool>>,
                   what: &str| {
        let s = setting.as_ref().filter(|s| s.value)?;
        let fix = g
            .linker
            .fix(&["TB405"], std::slice::from_ref(&s.location), Some(&extent));
        Some(g.graph.fact(
            kind,
            &key,
            || format!("{key} shares the host's {what}"),
            vec![s.location.clone()],
            fix,
        ))
    };
    let host_pid = host_ns(g, FactKind::HostPid, &w.host_pid, "PID namespace");
    let host_network = host_ns(
        g,
        FactKind::HostNetwork,
        &w.host_network,
        "network namespace",
    );
    let host_ipc = host_ns(g, FactKind::HostIpc, &w.host_ipc, "IPC namespace");

    for group in &groups {
        let root = g.node_root(group);
        let disclosure = g.graph.privilege(PrivKind::HostDisclosure, group, || {
            format!("disclosure of {group}'s files, processes or traffic")
        });
        let dos = g.graph.privilege(PrivKind::NodeDos, group, || {
            format!("denial of service of {group}")
        });
        if let Some(f) = host_pid {
            g.graph
                .step("inspect-host-processes", &[exec, f], disclosure);
        }
        if let Some(f) = host_network {
            g.graph.step("sniff-host-network", &[exec, f], disclosure);
        }
        if let Some(f) = host_ipc {
            g.graph.step("read-host-ipc", &[exec, f], disclosure);
        }
        for c in &w.containers {
            let ck = container_key(&key, c);
            let root_fact = runs_as_root(g, &ck, c, &extent);
            if let Some(f) = c.privileged.as_ref().filter(|s| s.value) {
                let fix =
                    g.linker
                        .fix(&["TB401"], std::slice::from_ref(&f.location), Some(&extent));
                let fact = g.graph.fact(
                    FactKind::Privileged,
                    &ck,
                    || format!("{ck} is privileged"),
                    vec![f.location.clone()],
                    fix,
                );
                g.graph.step("escape-privileged", &[exec, fact], root);
                if let Some(pid) = host_pid {
                    g.graph.step("escape-nsenter", &[exec, fact, pid], root);
                }
            }
            for (cap, kind) in [
                ("SYS_MODULE", FactKind::CapSysModule),
                ("SYS_ADMIN", FactKind::CapSysAdmin),
                ("SYS_PTRACE", FactKind::CapSysPtrace),
            ] {
                let Some(s) = c
                    .capabilities_add
                    .iter()
                    .find(|s| s.value == cap || s.value == "ALL")
                else {
                    continue;
                };
                let fix =
                    g.linker
                        .fix(&["TB407"], std::slice::from_ref(&s.location), Some(&extent));
                let fact = g.graph.fact(
                    kind,
                    &ck,
                    || format!("{ck} adds CAP_{cap}"),
                    vec![s.location.clone()],
                    fix,
                );
                match kind {
                    FactKind::CapSysModule => {
                        g.graph.step("escape-kernel-module", &[exec, fact], root)
                    }
                    FactKind::CapSysAdmin => {
                        if let Some(r) = root_fact {
                            g.graph.step("escape-sys-admin", &[exec, fact, r], root);
                        }
                    }
                    _ => {
                        if let Some(pid) = host_pid {
                            g.graph.step("escape-ptrace", &[exec, pid, fact], root);
                        }
                    }
                }
            }
            for m in &c.mounts {
                let path = match &m.source {
                    MountSource::HostPath(p) => p.as_str(),
                    MountSource::DockerApiSocket => "/var/run/docker.sock",
                    _ => continue,
                };
                let evidence = vec![m.location.clone()];
                if matches!(m.source, MountSource::DockerApiSocket) || is_runtime_socket_path(path)
                {
                    let fix = g.linker.fix(&["TB402"], &evidence, Some(&extent));
                    let subject = format!("{ck} {path}");
                    let fact = g.graph.fact(
                        FactKind::RuntimeSocket,
                        &subject,
                        || format!("{ck} mounts the runtime socket `{path}`"),
                        evidence,
                        fix,
                    );
                    g.graph.step("escape-runtime-socket", &[exec, fact], root);
                    continue;
                }
                if sensitive_host_path(path).is_none() {
                    continue;
                }
                let subject = format!("{ck} {path}");
                if m.read_only {
                    let fix = g.linker.fix(&["TB403"], &evidence, Some(&extent));
                    let fact = g.graph.fact(
                        FactKind::HostPathReadable,
                        &subject,
                        || format!("{ck} reads the host's `{path}`"),
                        evidence,
                        fix,
                    );
                    g.graph.step("read-host-paths", &[exec, fact], disclosure);
                } else {
                    let fix = g.linker.fix(&["TB404", "TB403"], &evidence, Some(&extent));
                    let fact = g.graph.fact(
                        FactKind::HostPathWritable,
                        &subject,
                        || format!("{ck} can write the host's `{path}`"),
                        evidence.clone(),
                        fix.clone(),
                    );
                    if let Some(r) = root_fact {
                        g.graph.step("escape-host-path", &[exec, fact, r], root);
                    }
                    // What can be written can be read; the same fix removes both.
                    let readable = g.graph.fact(
                        FactKind::HostPathReadable,
                        &subject,
                        || format!("{ck} reads the host's `{path}`"),
                        evidence,
                        fix,
                    );
                    g.graph
                        .step("read-host-paths", &[exec, readable], disclosure);
                }
            }
            if let (Some(pid), Some(r)) = (host_pid, root_fact) {
                g.graph.step("kill-host-processes", &[exec, pid, r], dos);
            }
            // Kubernetes evicts pods without requests before they starve
            // the node; a Docker host has no such guard.
            if w.platform != Platform::Kubernetes {
                let r = &c.resources;
                let unlimited = |s: &Option<crate::model::runtime::Setting<String>>| {
                    s.as_ref().is_none_or(|s| {
                        let v = s.value.trim();
                        v.is_empty() || v == "0" || v == "-1"
                    })
                };
                if unlimited(&r.memory_limit) || r.pids_limit.as_ref().is_none_or(|p| p.value <= 0)
                {
                    let fix =
                        g.linker
                            .fix(&["TB412"], std::slice::from_ref(&c.location), Some(&extent));
                    let fact = g.graph.fact(
                        FactKind::NoResourceLimits,
                        &ck,
                        || format!("{ck} has no memory or PID limit"),
                        vec![c.location.clone()],
                        fix,
                    );
                    g.graph.step("exhaust-host-resources", &[exec, fact], dos);
                }
            }
        }
    }
}

/// The fact that a container runs as root, unless it provably does not.
fn runs_as_root(g: &mut Ground<'_>, ck: &str, c: &Container, extent: &Location) -> Option<NodeId> {
    if c.runs_as_root() == Some(false) {
        return None;
    }
    let location = c
        .run_as_user
        .as_ref()
        .map(|s| s.location.clone())
        .or_else(|| c.user_name.as_ref().map(|s| s.location.clone()))
        .unwrap_or_else(|| c.location.clone());
    let fix = g.linker.fix(
        &["TB408", "TB201"],
        std::slice::from_ref(&location),
        Some(extent),
    );
    Some(g.graph.fact(
        FactKind::RunsAsRoot,
        ck,
        || match c.runs_as_root() {
            Some(true) => format!("{ck} runs as root"),
            _ => format!("{ck} may run as root (no non-root user is set)"),
        },
        vec![location],
        fix,
    ))
}

/// Service-account tokens and the secrets a workload holds.
fn identity_and_secrets(g: &mut Ground<'_>, i: usize, w: &Workload) {
    let key = g.keys[i].clone();
    let exec = g.exec_node(i);
    // Static pods (the control plane's) cannot use service accounts.
    let static_pod = g.placement.groups[i]
        .iter()
        .any(|p| p == super::CONTROL_PLANE);
    if w.platform == Platform::Kubernetes
        && !static_pod
        && w.token_mounted.as_ref().is_none_or(|s| s.value)
    {
        let namespace = w.namespace.as_deref().unwrap_or("default");
        let account = w
            .service_account
            .as_ref()
            .map_or("default", |s| s.value.as_str());
        let location = w
            .token_mounted
            .as_ref()
            .map_or_else(|| w.spec_location.clone(), |s| s.location.clone());
        let fix = g
            .linker
            .fix(&["TB417"], std::slice::from_ref(&location), Some(&w.extent));
        let fact = g.graph.fact(
            FactKind::TokenMounted,
            &key,
            || format!("{key} mounts the token of service account {namespace}/{account}"),
            vec![location],
            fix,
        );
        let credential = super::rbac::service_account(g, namespace, account);
        g.graph
            .step("steal-service-account-token", &[exec, fact], credential);
    }
    let mut evidence = Vec::new();
    let mut names = BTreeSet::new();
    for c in &w.containers {
        for e in &c.env {
            match &e.value {
                EnvValue::SecretRef(name) => {
                    names.insert(name.clone());
                    evidence.push(e.location.clone());
                }
                EnvValue::Literal(_)
                    if g.linker
                        .find(&["TB414"], std::slice::from_ref(&e.location), None)
                        .is_some() =>
                {
                    names.insert(format!("literal `{}`", e.name));
                    evidence.push(e.location.clone());
                }
                _ => {}
            }
        }
        for m in &c.mounts {
            if let MountSource::Secret(name) = &m.source {
                names.insert(name.clone());
                evidence.push(m.location.clone());
            }
        }
    }
    if !names.is_empty() {
        let list: Vec<String> = names.into_iter().collect();
        let fact = g.graph.fact(
            FactKind::HoldsSecrets,
            &key,
            || format!("{key} holds secrets ({})", list.join(", ")),
            evidence,
            None,
        );
        let read = g.graph.privilege(PrivKind::SecretRead, &key, || {
            format!("the secrets of {key}")
        });
        g.graph.step("read-workload-secrets", &[exec, fact], read);
    }
}

/// The network a workload can reach from, and who can reach it.
fn network(g: &mut Ground<'_>, i: usize, w: &Workload) {
    let key = g.keys[i].clone();
    let exec = g.exec_node(i);
    let listens = listening(g, i, w);
    let networks: Vec<String> = match w.platform {
        Platform::Kubernetes => vec![super::cluster::CLUSTER_NETWORK.to_string()],
        Platform::Docker => vec!["the docker bridge network".to_string()],
        Platform::Compose => {
            let project = w.namespace.as_deref().unwrap_or("default");
            if w.network_mode.as_ref().is_some_and(|m| m.value == "host") {
                vec![format!("the host network of compose project `{project}`")]
            } else if w.networks.is_empty() {
                vec![format!("compose network {project}/default")]
            } else {
                w.networks
                    .iter()
                    .map(|n| format!("compose network {project}/{}", n.value))
                    .collect()
            }
        }
    };
    for net in &networks {
        let foothold = g.graph.privilege(PrivKind::NetworkFoothold, net, || {
            format!("a foothold on {net}")
        });
        g.graph.step("join-network", &[exec], foothold);
        let Some(listens) = listens else { continue };
        let isolated = match w.platform {
            Platform::Kubernetes => g
                .system
                .network
                .workloads
                .get(i)
                .is_some_and(|wn| wn.ingress_isolated(&g.system.network)),
            _ => false,
        };
        if isolated {
            continue;
        }
        let location = w.spec_location.clone();
        let fix = g.linker.fix(
            &["TB520", "TB521", "TB419"],
            std::slice::from_ref(&location),
            Some(&w.extent),
        );
        let fact = g.graph.fact(
            FactKind::NotNetworkIsolated,
            &key,
            || format!("no network policy limits who connects to {key}"),
            vec![location],
            fix,
        );
        let reach = g.graph.privilege(PrivKind::NetworkReach, &key, || {
            format!("network access to {key}")
        });
        g.graph
            .step("lateral-movement", &[foothold, fact, listens], reach);
        g.graph.step("exploit-reachable-service", &[reach], exec);
    }
}

/// The fact that a workload serves on a port (container ports, a Service
/// selecting it, published compose ports).
fn listening(g: &mut Ground<'_>, i: usize, w: &Workload) -> Option<NodeId> {
    let key = g.keys[i].clone();
    let mut evidence: Vec<Location> = w
        .containers
        .iter()
        .flat_map(|c| c.ports.iter().map(|p| p.location.clone()))
        .collect();
    for &s in g.services_of.get(i).map_or(&[][..], Vec::as_slice) {
        evidence.push(g.system.network.services[s].location.clone());
    }
    if evidence.is_empty() {
        return None;
    }
    Some(g.graph.fact(
        FactKind::Listens,
        &key,
        || format!("{key} listens on the network"),
        evidence,
        None,
    ))
}

/// What root on a node group gives.
fn nodes(g: &mut Ground<'_>) {
    let members: Vec<(String, Vec<usize>)> = g
        .placement
        .members
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (group, workloads) in members {
        let root = g.node_root(&group);
        for w in workloads {
            let exec = g.exec_node(w);
            g.graph.step("node-root-runs-pods", &[root], exec);
        }
        let dos = g.graph.privilege(PrivKind::NodeDos, &group, || {
            format!("denial of service of {group}")
        });
        g.graph.step("node-root-disrupts", &[root], dos);
        let disclosure = g.graph.privilege(PrivKind::HostDisclosure, &group, || {
            format!("disclosure of {group}'s files, processes or traffic")
        });
        g.graph.step("node-root-discloses", &[root], disclosure);
        if group == super::CONTROL_PLANE {
            let admin = super::cluster::cluster_admin(g);
            g.graph.step("control-plane-node-root", &[root], admin);
        }
    }
}
