//! Joins across files, after every input is loaded: what the platform would
//! resolve (compose `build:` → the image's `USER`, ServiceAccount token
//! automount, RBAC bindings, selectors).

use super::System;

/// Resolves cross-file references in place.
pub fn resolve(system: &mut System) {
    link_built_images(system);
    resolve_cluster(system);
}

/// RBAC, network exposure and control-plane settings, all read from
/// `kube_objects` (recomputed from scratch, so resolving twice is harmless).
fn resolve_cluster(system: &mut System) {
    system.rbac = super::rbac::Rbac::build(&system.kube_objects);
    system.network = super::network::Network::build(&system.kube_objects, &system.workloads);
    system.control_plane = super::control_plane::ControlPlane::build(&system.kube_objects);
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
