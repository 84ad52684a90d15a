//! Joins across files, after every input is loaded: what the platform would
//! resolve (compose `build:` → the image's `USER`, ServiceAccount token
//! automount, RBAC bindings, selectors).

use std::collections::HashMap;

use super::System;
use super::image::ImageRef;
use super::image_archive::ImageArchive;
use super::runtime::{Platform, Setting};

/// Resolves cross-file references in place.
pub fn resolve(system: &mut System) {
    link_built_images(system);
    apply_image_users(system);
    link_image_archives(system);
    apply_archive_users(system);
    apply_archive_env(system);
    link_vulnerability_reports(system);
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
            // `build.target` ships that stage (BuildKit lower-cases stage names).
            let stage = match &c.build_target {
                Some(t) => {
                    let t = t.to_ascii_lowercase();
                    image
                        .stages
                        .iter()
                        .find(|s| s.name.as_deref() == Some(t.as_str()))
                }
                None => image.final_stage(),
            };
            let Some(user) = stage.and_then(|s| s.user.as_ref()) else {
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

/// `nginx` → (`docker.io/library/nginx`, `latest`); a digest wins over a tag.
fn reference_key(reference: &str) -> Option<(String, String)> {
    let r = ImageRef::parse(reference, false);
    if r.repository.is_empty() {
        return None;
    }
    let version = r
        .digest
        .clone()
        .or(r.tag.clone())
        .unwrap_or_else(|| "latest".to_string());
    Some((r.qualified_repository(), version))
}

/// Does a reference written in a manifest name this archive image? By
/// repository and tag (Docker Hub names qualified), or by manifest digest.
fn archive_matches(archive: &ImageArchive, reference: &str) -> bool {
    let parsed = ImageRef::parse(reference, false);
    if let Some(d) = &parsed.digest
        && archive.manifest_digest.as_deref() == Some(d.as_str())
    {
        return true;
    }
    let Some(key) = reference_key(reference) else {
        return false;
    };
    archive
        .repo_tags
        .iter()
        .any(|t| reference_key(t).as_ref() == Some(&key))
}

/// Matches each container's image reference to an image archive scanned in
/// this run (its `RepoTags` or ref-name annotations, or its digest).
fn link_image_archives(system: &mut System) {
    if system.image_archives.is_empty() {
        return;
    }
    for w in &mut system.workloads {
        for c in &mut w.containers {
            let Some(image) = &c.image else { continue };
            c.image_archive = system
                .image_archives
                .iter()
                .position(|a| archive_matches(a, &image.value));
        }
    }
}

/// A container that sets no user runs as its image's `User`: taken from the
/// real image when an archive of it was scanned (and no Dockerfile here
/// gave one).
fn apply_archive_users(system: &mut System) {
    for w in &mut system.workloads {
        for c in &mut w.containers {
            if c.run_as_user.is_some() || c.user_name.is_some() {
                continue;
            }
            let Some(archive) = c.image_archive.and_then(|i| system.image_archives.get(i)) else {
                continue;
            };
            match archive.config.user.as_deref().map(str::trim) {
                Some(user) if !user.is_empty() => {
                    super::compose::apply_user(c, user, archive.location());
                }
                _ => {}
            }
        }
    }
}

/// A container's environment starts with its image's `Env`: the variables
/// the real image sets (secrets included) are the container's too, unless
/// the manifest sets the same name. Located at the archive.
fn apply_archive_env(system: &mut System) {
    for w in &mut system.workloads {
        for c in &mut w.containers {
            let Some(archive) = c.image_archive.and_then(|i| system.image_archives.get(i)) else {
                continue;
            };
            for (name, value) in &archive.config.env {
                if c.env.iter().any(|e| &e.name == name) {
                    continue;
                }
                c.env.push(super::runtime::EnvVar {
                    name: name.clone(),
                    value: super::runtime::EnvValue::Literal(value.clone()),
                    location: archive.location(),
                });
            }
        }
    }
}

/// Attaches each vulnerability report to the archives and containers whose
/// image it is about: by reference (the report's target, tags and digests),
/// or by archive file name (`trivy image --input app.tar`).
fn link_vulnerability_reports(system: &mut System) {
    for a in &mut system.image_archives {
        a.vulnerability_reports.clear();
    }
    for (ri, report) in system.vulnerability_reports.iter().enumerate() {
        let names: Vec<&str> = std::iter::once(report.target.as_str())
            .chain(report.target_aliases.iter().map(String::as_str))
            .filter(|n| !n.is_empty())
            .collect();
        let file_name = |p: &str| {
            std::path::Path::new(p)
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
        };
        for a in &mut system.image_archives {
            let by_file = file_name(&report.target).is_some_and(|f| {
                report.target.ends_with(".tar") && file_name(&a.path).as_deref() == Some(f.as_str())
            });
            let by_ref = names.iter().any(|n| {
                archive_matches(a, n)
                    || a.config_digest.as_deref() == Some(*n)
                    || a.manifest_digest.as_deref() == Some(*n)
            });
            if by_file || by_ref {
                a.vulnerability_reports.push(ri);
            }
        }
        let keys: Vec<(String, String)> = names.iter().filter_map(|n| reference_key(n)).collect();
        for w in &mut system.workloads {
            for c in &mut w.containers {
                let by_ref = c
                    .image
                    .as_ref()
                    .and_then(|i| reference_key(&i.value))
                    .is_some_and(|k| keys.contains(&k));
                let by_archive = c
                    .image_archive
                    .and_then(|i| system.image_archives.get(i))
                    .is_some_and(|a| a.vulnerability_reports.contains(&ri));
                if (by_ref || by_archive) && !c.vulnerability_reports.contains(&ri) {
                    c.vulnerability_reports.push(ri);
                }
            }
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

    use crate::analyse::rules::testing::system;

    fn only_container(system: &System) -> &crate::model::runtime::Container {
        &system.workloads[0].containers[0]
    }

    #[test]
    fn built_image_user_applies_when_compose_sets_none() {
        let s = system(&[
            (
                "examples/api/Dockerfile",
                "FROM alpine\nRUN adduser -D app\nUSER 10001\n",
            ),
            (
                "examples/compose.yaml",
                "services:\n  api:\n    build: ./api\n",
            ),
        ]);
        let c = only_container(&s);
        assert_eq!(c.built_image, Some(0));
        assert_eq!(c.runs_as_root(), Some(false));
        let uid = c.run_as_user.as_ref().unwrap();
        assert_eq!(uid.value, 10001);
        assert_eq!(&*uid.location.path, "examples/api/Dockerfile");
        assert_eq!(uid.location.start_line, 3);
    }

    #[test]
    fn built_image_without_user_runs_as_root() {
        let s = system(&[
            ("./x/api/Dockerfile", "FROM alpine\nCMD [\"app\"]\n"),
            (
                "./x/compose.yaml",
                "services:\n  api:\n    build:\n      context: api\n",
            ),
        ]);
        let c = only_container(&s);
        assert_eq!(c.built_image, Some(0));
        assert!(c.run_as_user.is_none() && c.user_name.is_none());
        assert_eq!(c.runs_as_root(), None);
    }

    #[test]
    fn compose_user_wins_over_image_user() {
        let s = system(&[
            ("api/Dockerfile", "FROM alpine\nUSER app\n"),
            (
                "compose.yaml",
                "services:\n  api:\n    build: api\n    user: root\n",
            ),
        ]);
        let c = only_container(&s);
        assert_eq!(c.built_image, Some(0));
        assert_eq!(c.runs_as_root(), Some(true));
        assert_eq!(
            &*c.user_name.as_ref().unwrap().location.path,
            "compose.yaml"
        );
    }

    #[test]
    fn named_image_user_and_multi_stage_final_user() {
        let s = system(&[
            (
                "svc/Dockerfile.prod",
                "FROM golang AS build\nUSER builder\nFROM alpine\nUSER app:app\n",
            ),
            (
                "svc/deploy/compose.yml",
                "services:\n  s:\n    build:\n      context: ..\n      dockerfile: Dockerfile.prod\n",
            ),
        ]);
        let c = only_container(&s);
        assert_eq!(c.user_name.as_ref().unwrap().value, "app:app");
        assert_eq!(c.user_name.as_ref().unwrap().location.start_line, 4);
        assert_eq!(c.runs_as_root(), Some(false));
    }

    #[test]
    fn build_target_stage_gives_the_user() {
        let s = system(&[
            (
                "api/Dockerfile",
                "FROM node AS development\nUSER node\nFROM node AS prod\nUSER 0\n",
            ),
            (
                "compose.yaml",
                "services:\n  api:\n    build:\n      context: api\n      target: Development\n",
            ),
        ]);
        let c = only_container(&s);
        assert_eq!(c.user_name.as_ref().unwrap().value, "node");
        assert_eq!(c.user_name.as_ref().unwrap().location.start_line, 2);
    }

    #[test]
    fn unmatched_build_leaves_no_image() {
        let s = system(&[
            ("other/Dockerfile", "FROM alpine\nUSER 1\n"),
            ("compose.yaml", "services:\n  api:\n    build: ./api\n"),
        ]);
        let c = only_container(&s);
        assert_eq!(c.built_image, None);
        assert_eq!(c.runs_as_root(), None);
    }

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

#[cfg(test)]
mod archive_tests {
    use super::*;
    use crate::analyse::rules::testing::system;
    use crate::model::image_archive::{ImageConfig, Vulnerability, VulnerabilityReport};

    fn archive(tags: &[&str], user: Option<&str>) -> ImageArchive {
        ImageArchive {
            path: "images/api.tar".into(),
            repo_tags: tags.iter().map(|t| t.to_string()).collect(),
            manifest_digest: Some("sha256:feed".into()),
            config: ImageConfig {
                user: user.map(str::to_string),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    fn with_archives(
        mut s: System,
        archives: Vec<ImageArchive>,
        reports: Vec<VulnerabilityReport>,
    ) -> System {
        s.image_archives = archives;
        s.vulnerability_reports = reports;
        resolve(&mut s);
        s
    }

    #[test]
    fn archive_user_applies_when_the_manifest_sets_none() {
        let s = system(&[(
            "compose.yaml",
            "services:\n  api:\n    image: docker.io/library/api\n  web:\n    image: api:2\n  pinned:\n    image: other@sha256:feed\n",
        )]);
        let s = with_archives(
            s,
            vec![archive(&["api:latest"], Some("10001:10001"))],
            vec![],
        );
        let c = |i: usize| &s.workloads[i].containers[0];
        assert_eq!(c(0).image_archive, Some(0));
        assert_eq!(c(0).run_as_user.as_ref().unwrap().value, 10001);
        assert_eq!(
            &*c(0).run_as_user.as_ref().unwrap().location.path,
            "images/api.tar"
        );
        assert_eq!(c(1).image_archive, None, "other tag");
        assert_eq!(c(2).image_archive, Some(0), "by manifest digest");
    }

    #[test]
    fn image_env_flows_into_the_container_unless_the_manifest_sets_it() {
        let s = system(&[(
            "compose.yaml",
            "services:\n  api:\n    image: api:1\n    environment:\n      MODE: prod\n",
        )]);
        let mut a = archive(&["api:1"], None);
        a.config.env = vec![
            ("MODE".into(), "debug".into()),
            ("DB_PASSWORD".into(), "from-the-image".into()),
        ];
        let s = with_archives(s, vec![a], vec![]);
        let env = &s.workloads[0].containers[0].env;
        let mode: Vec<_> = env.iter().filter(|e| e.name == "MODE").collect();
        assert_eq!(mode.len(), 1);
        assert_eq!(
            mode[0].value,
            crate::model::runtime::EnvValue::Literal("prod".into())
        );
        let db = env.iter().find(|e| e.name == "DB_PASSWORD").unwrap();
        assert_eq!(
            db.value,
            crate::model::runtime::EnvValue::Literal("from-the-image".into())
        );
        assert_eq!(&*db.location.path, "images/api.tar");
    }

    #[test]
    fn manifest_user_wins_and_empty_image_user_leaves_none() {
        let s = system(&[(
            "compose.yaml",
            "services:\n  a:\n    image: api:1\n    user: \"0\"\n  b:\n    image: root:1\n",
        )]);
        let s = with_archives(
            s,
            vec![
                archive(&["api:1"], Some("app")),
                archive(&["root:1"], Some("")),
            ],
            vec![],
        );
        assert_eq!(
            s.workloads[0].containers[0]
                .run_as_user
                .as_ref()
                .unwrap()
                .value,
            0
        );
        assert!(s.workloads[1].containers[0].run_as_user.is_none());
        assert!(s.workloads[1].containers[0].user_name.is_none());
    }

    #[test]
    fn reports_attach_by_reference_and_by_archive_file() {
        let s = system(&[(
            "compose.yaml",
            "services:\n  api:\n    image: api:1\n  web:\n    image: nginx:1.25\n  db:\n    image: postgres:16\n",
        )]);
        let vuln = Vulnerability {
            id: "CVE-1".into(),
            package: "p".into(),
            installed_version: "1".into(),
            fixed_versions: vec!["2".into()],
            severity: "critical".into(),
            cwe: vec![],
        };
        let report = |target: &str| VulnerabilityReport {
            path: "r.json".into(),
            scanner: "trivy",
            target: target.into(),
            vulnerabilities: vec![vuln.clone()],
            ..Default::default()
        };
        let s = with_archives(
            s,
            vec![archive(&["api:1"], None)],
            vec![
                report("some/dir/api.tar"),
                report("docker.io/library/nginx:1.25"),
            ],
        );
        assert_eq!(s.image_archives[0].vulnerability_reports, vec![0]);
        assert_eq!(s.workloads[0].containers[0].vulnerability_reports, vec![0]);
        assert_eq!(s.workloads[1].containers[0].vulnerability_reports, vec![1]);
        assert!(
            s.workloads[2].containers[0]
                .vulnerability_reports
                .is_empty()
        );
        let v = s.vulnerabilities_of(&s.workloads[1]);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].1.id, "CVE-1");
    }
}
