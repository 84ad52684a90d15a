//! Joins across files, after every input is loaded: what the platform would
//! resolve (compose `build:` → the image's `USER`, ServiceAccount token
//! automount, RBAC bindings, selectors).

use super::System;

/// Resolves cross-file references in place.
pub fn resolve(system: &mut System) {
    link_built_images(system);
    apply_image_users(system);
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

/// A container whose compose service sets no `user` runs as its image's
/// final `USER` when the image is built here; an image without `USER` leaves
/// the container without a user setting (root, the engine default).
fn apply_image_users(system: &mut System) {
    for w in &mut system.workloads {
        for c in &mut w.containers {
            if c.run_as_user.is_some() || c.user_name.is_some() {
                continue;
            }
            let Some(image) = c.built_image.and_then(|i| system.images.get(i)) else {
                continue;
            };
            let Some(user) = image.final_stage().and_then(|s| s.user.as_ref()) else {
                continue;
            };
            let dockerfile = &image.dockerfile;
            let location = match dockerfile.instructions.get(user.instruction) {
                Some(instr) => dockerfile.source.location(&instr.span),
                None => crate::source::Location::file(dockerfile.source.path.clone()),
            };
            super::compose::apply_user(c, &user.value, location);
        }
    }
}

/// Lexical normalisation (no file-system access: the path may be outside the
/// scanned roots): drops `.` and resolves `..` against earlier parts.
pub(crate) fn normalise(p: &std::path::Path) -> std::path::PathBuf {
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
