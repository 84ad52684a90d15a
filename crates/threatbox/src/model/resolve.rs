//! Joins across files, after every input is loaded: what the platform would
//! resolve (compose `build:` → the image's `USER`, ServiceAccount token
//! automount, RBAC bindings, selectors).

use std::collections::HashMap;

use super::System;
use super::runtime::{Platform, Setting};

/// Resolves cross-file references in place.
pub fn resolve(system: &mut System) {
    link_built_images(system);
    resolve_service_account_tokens(system);
    resolve_cluster(system);
}

/// RBAC, network exposure and control-plane settings, all read from
/// `kube_objects` (recomputed from scratch, so resolving twice is harmless).
fn resolve_cluster(system: &mut System) {
    system.rbac = super::rbac::Rbac::build(&system.kube_objects);
    system.network = super::network::Network::build(&system.kube_objects, &system.workloads);
    system.control_plane = super::control_plane::ControlPlane::build(&system.kube_objects);
}

/// Whether each Kubernetes pod gets its service-account token: the pod's
/// `automountServiceAccountToken` when set (already read by
/// `model::kubernetes`), else its ServiceAccount's (same namespace, by
/// name), else mounted — the Kubernetes default, located at the pod spec.
fn resolve_service_account_tokens(system: &mut System) {
    // (namespace, name) → the ServiceAccount's own setting, if it has one.
    let mut accounts: HashMap<(&str, &str), Option<Setting<bool>>> = HashMap::new();
    for o in system
        .kube_objects
        .iter()
        .filter(|o| o.kind == "ServiceAccount")
    {
        let namespace = o
            .namespace
            .as_deref()
            .filter(|n| !n.is_empty())
            .unwrap_or("default");
        let automount = o
            .node
            .as_map()
            .unwrap_or_default()
            .iter()
            .find(|(k, _)| k.as_str() == Some("automountServiceAccountToken"))
            .and_then(|(k, v)| {
                let value = v.as_bool_yaml11()?;
                Some(Setting::new(
                    value,
                    o.source.location(&(k.span.start..v.span.end)),
                ))
            });
        // The first definition wins, as `kubectl apply` would create it and
        // then meet the duplicate.
        accounts
            .entry((namespace, o.name.as_str()))
            .or_insert(automount);
    }
    for w in &mut system.workloads {
        if w.platform != Platform::Kubernetes || w.token_mounted.is_some() {
            continue;
        }
        let namespace = w.namespace.as_deref().unwrap_or("default");
        let account = w
            .service_account
            .as_ref()
            .map_or("default", |s| s.value.as_str());
        w.token_mounted = Some(
            accounts
                .get(&(namespace, account))
                .cloned()
                .flatten()
                .unwrap_or_else(|| Setting::new(true, w.spec_location.clone())),
        );
    }
}

/// Matches each container's `build_dockerfile` to a Dockerfile scanned in
/// this run.
fn link_built_images(system: &mut System) {
    let by_path: std::collections::HashMap<std::path::PathBuf, usize> = system
        .images
        .iter()
        .enumerate()
        .map(|(i, img)| (normalise(std::path::Path::new(&**img.path())), i))
        .collect();
    for w in &mut system.workloads {
        for c in &mut w.containers {
            if let Some(df) = &c.build_dockerfile {
                c.built_image = by_path.get(&normalise(df)).copied();
            }
        }
    }
}

/// Lexical normalisation (no file-system access: the path may be outside the
/// scanned roots): drops `.` and resolves `..` against earlier parts.
fn normalise(p: &std::path::Path) -> std::path::PathBuf {
    use std::path::Component;
    let mut out = std::path::PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_is_lexical() {
        assert_eq!(
            normalise("./a/b/../Dockerfile".as_ref()),
            std::path::PathBuf::from("a/Dockerfile")
        );
        assert_eq!(
            normalise("../x/./y".as_ref()),
            std::path::PathBuf::from("../x/y")
        );
    }
}
