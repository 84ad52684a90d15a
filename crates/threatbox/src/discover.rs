//! Discovery: walk the paths the user gave (in parallel, honouring
//! `.gitignore`), and decide what kind of input each file is.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use globset::{GlobSet, GlobSetBuilder};
use serde::Serialize;

use crate::source::{Diagnostic, Location};

/// Kinds of input threatbox understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputKind {
    Dockerfile,
    /// A YAML file whose documents decide what it is (below).
    Yaml,
    /// A JSON file whose content decides what it is (below).
    Json,
    Kubernetes,
    Compose,
    DockerInspect,
    DaemonConfig,
    /// A `docker save` archive (any `.tar`; its content decides).
    ImageArchive,
    /// A directory holding an OCI image layout (`oci-layout`, `index.json`).
    OciLayout,
    /// A directory holding an extracted `docker save` archive
    /// (`manifest.json` and the files it names).
    ImageDirectory,
    /// A Trivy or Grype JSON vulnerability report.
    VulnerabilityReport,
    /// A compose `env_file`, read because a scanned compose service names
    /// it (never found by the walk on its own).
    EnvFile,
}

/// A file to read, with its kind.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Candidate {
    pub path: PathBuf,
    pub kind: InputKind,
    /// Named on the command line (taken even if ignored or oddly named).
    pub explicit: bool,
}

/// Classifies a file by its name alone.
///
/// Dockerfiles are named `Dockerfile`/`Containerfile`, optionally with
/// prefixes or suffixes after a `.`, `-` or `_` (`api.Dockerfile`,
/// `Dockerfile.prod`, `Dockerfile-alpine`, `3.12_slim_Dockerfile.ol8`), except
/// files whose extension says they are something else (`Dockerfile.md`,
/// `app.dockerignore`, `Dockerfile.sh`).
pub fn kind_by_name(path: &Path) -> Option<InputKind> {
    const OTHER_EXTENSIONS: &[&str] = &[
        "dockerignore",
        "md",
        "txt",
        "sh",
        "py",
        "ps1",
        "go",
        "rs",
        "bak",
        "orig",
        "swp",
    ];
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("yaml" | "yml") => return Some(InputKind::Yaml),
        Some("json") => return Some(InputKind::Json),
        Some("tar") => return Some(InputKind::ImageArchive),
        _ => {}
    }
    if let Some((_, ext)) = name.rsplit_once('.')
        && OTHER_EXTENSIONS.contains(&ext)
    {
        return None;
    }
    // `dockerfile` as a whole word between separators, anywhere in the name.
    let is_dockerfile = name
        .split(['.', '-', '_'])
        .any(|word| word == "dockerfile" || word == "containerfile");
    is_dockerfile.then_some(InputKind::Dockerfile)
}

/// Classifies an explicitly named file whose name says nothing: a file whose
/// first instruction is FROM or ARG is taken as a Dockerfile.
pub fn kind_by_content(text: &str) -> Option<InputKind> {
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))?;
    let word = first.split_whitespace().next()?.to_ascii_uppercase();
    matches!(word.as_str(), "FROM" | "ARG").then_some(InputKind::Dockerfile)
}

/// Walks `paths`. Directories are walked in parallel honouring `.gitignore`,
/// `.ignore` and hidden-file rules; `excludes` are globs over paths relative
/// to the walked root and over the path as given. Files named explicitly are
/// always taken (their kind is decided on reading when the name is silent).
pub fn discover(paths: &[PathBuf], excludes: &[String]) -> (Vec<Candidate>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let mut set = GlobSetBuilder::new();
    for pattern in excludes {
        match globset::Glob::new(pattern) {
            Ok(g) => {
                set.add(g);
            }
            Err(e) => diagnostics.push(Diagnostic::error(
                "usage-error",
                format!("invalid --exclude glob {pattern:?}: {e}"),
                Location::file("<command line>".into()),
            )),
        }
    }
    let excludes = set.build().unwrap_or_else(|_| GlobSet::empty());
    let found = Mutex::new(Vec::new());
    let errors = Mutex::new(Vec::new());

    for root in paths {
        let meta = match std::fs::metadata(root) {
            Ok(m) => m,
            Err(e) => {
                diagnostics.push(Diagnostic::error(
                    "read-error",
                    format!("cannot read {}: {e}", root.display()),
                    Location::file(root.display().to_string().into()),
                ));
                continue;
            }
        };
        if meta.is_dir()
            && let Some(kind) = image_directory_kind(root)
        {
            found.lock().unwrap().push(Candidate {
                path: root.clone(),
                kind,
                explicit: true,
            });
            continue;
        }
        if meta.is_file() {
            if !excluded(&excludes, root, root) {
                let kind = kind_by_name(root).unwrap_or(InputKind::Dockerfile);
                found.lock().unwrap().push(Candidate {
                    path: root.clone(),
                    kind,
                    explicit: true,
                });
            }
            continue;
        }
        if !meta.is_dir() {
            // A FIFO or device named on the command line: reading it could
            // block forever (a FIFO) or never end (`/dev/zero`).
            diagnostics.push(Diagnostic::error(
                "read-error",
                format!(
                    "{} is not a regular file or directory; skipped",
                    root.display()
                ),
                Location::file(root.display().to_string().into()),
            ));
            continue;
        }
        let walker = ignore::WalkBuilder::new(root)
            .follow_links(false)
            .require_git(false)
            // As many walkers as analysis threads (`--jobs`, RAYON_NUM_THREADS).
            .threads(rayon::current_num_threads())
            .build_parallel();
        walker.run(|| {
            let found = &found;
            let errors = &errors;
            let excludes = &excludes;
            Box::new(move |entry| {
                let entry = match entry {
                    Ok(e) => e,
                    Err(e) => {
                        errors.lock().unwrap().push(e.to_string());
                        return ignore::WalkState::Continue;
                    }
                };
                let path = entry.path();
                if excluded(excludes, root, path) {
                    return if entry.file_type().is_some_and(|t| t.is_dir()) {
                        ignore::WalkState::Skip
                    } else {
                        ignore::WalkState::Continue
                    };
                }
                if entry.file_type().is_some_and(|t| t.is_dir())
                    && let Some(kind) = image_directory_kind(path)
                {
                    // An image directory is one input: its blobs are not walked.
                    found.lock().unwrap().push(Candidate {
                        path: path.to_path_buf(),
                        kind,
                        explicit: false,
                    });
                    return ignore::WalkState::Skip;
                }
                if entry.file_type().is_some_and(|t| t.is_file())
                    && let Some(kind) = kind_by_name(path)
                {
                    found.lock().unwrap().push(Candidate {
                        path: path.to_path_buf(),
                        kind,
                        explicit: false,
                    });
                }
                ignore::WalkState::Continue
            })
        });
    }
    for e in errors.into_inner().unwrap() {
        diagnostics.push(Diagnostic::warning(
            "walk-error",
            format!("skipped while walking: {e}"),
            Location::file("<walk>".into()),
        ));
    }
    let mut found = found.into_inner().unwrap();
    // Walk order is nondeterministic across threads: sort for stable output.
    found.sort();
    // One file reached twice (`scan . ./Dockerfile`, or `a/./b` and `a/b`)
    // is read once: its findings used to be reported twice. The first
    // spelling in sorted order is kept, so the argument order does not
    // change the output.
    let mut seen: std::collections::HashMap<PathBuf, usize> = std::collections::HashMap::new();
    let mut unique: Vec<Candidate> = Vec::with_capacity(found.len());
    for c in found {
        let key: PathBuf = c
            .path
            .components()
            .filter(|p| !matches!(p, std::path::Component::CurDir))
            .collect();
        match seen.get(&key) {
            Some(&i) => unique[i].explicit |= c.explicit,
            None => {
                seen.insert(key, unique.len());
                unique.push(c);
            }
        }
    }
    (unique, diagnostics)
}

/// A directory with an `oci-layout` file (a regular file, not a link).
pub fn is_oci_layout(dir: &Path) -> bool {
    std::fs::symlink_metadata(dir.join("oci-layout")).is_ok_and(|m| m.is_file())
}

/// What a directory holding an image is, if it holds one: an OCI layout,
/// or an extracted `docker save` archive, whose `manifest.json` (a regular
/// file) is a list of `{"Config": …, "Layers": […]}`. The content is looked
/// at because other projects have files named `manifest.json` too (web app
/// manifests, browser extensions): their directories are walked as usual.
pub fn image_directory_kind(dir: &Path) -> Option<InputKind> {
    if is_oci_layout(dir) {
        return Some(InputKind::OciLayout);
    }
    let path = dir.join("manifest.json");
    let meta = std::fs::symlink_metadata(&path).ok()?;
    // `docker save` writes a few hundred bytes per image.
    if !meta.is_file() || meta.len() > 1024 * 1024 {
        return None;
    }
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).ok()?).ok()?;
    let first = manifest.as_array()?.first()?;
    (first.get("Config")?.is_string() && first.get("Layers")?.is_array())
        .then_some(InputKind::ImageDirectory)
}

fn excluded(set: &GlobSet, root: &Path, path: &Path) -> bool {
    if set.is_empty() {
        return false;
    }
    let rel = path.strip_prefix(root).unwrap_or(path);
    set.is_match(rel) || set.is_match(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dockerfile_names() {
        for name in [
            "Dockerfile",
            "dockerfile",
            "Containerfile",
            "api.Dockerfile",
            "x.containerfile",
            "Dockerfile.prod",
            "Containerfile.dev",
            "Dockerfile-alpine",
            "3.12_slim-bookworm_Dockerfile",
            "web-Containerfile",
            "db_Dockerfile.ol8",
        ] {
            assert_eq!(
                kind_by_name(Path::new(name)),
                Some(InputKind::Dockerfile),
                "{name}"
            );
        }
        assert_eq!(
            kind_by_name(Path::new("compose.yaml")),
            Some(InputKind::Yaml)
        );
        assert_eq!(kind_by_name(Path::new("deploy.YML")), Some(InputKind::Yaml));
        assert_eq!(
            kind_by_name(Path::new("daemon.json")),
            Some(InputKind::Json)
        );
        assert_eq!(
            kind_by_name(Path::new("app.TAR")),
            Some(InputKind::ImageArchive)
        );
        for name in [
            "Dockerfile.dockerignore",
            "README.md",
            "dockerfile-notes.txt",
            "Makefile",
        ] {
            assert_eq!(kind_by_name(Path::new(name)), None, "{name}");
        }
    }

    #[test]
    fn content_sniffing() {
        assert_eq!(
            kind_by_content("# c\n\nFROM alpine\n"),
            Some(InputKind::Dockerfile)
        );
        assert_eq!(
            kind_by_content("ARG V=1\nFROM a:$V"),
            Some(InputKind::Dockerfile)
        );
        assert_eq!(kind_by_content("hello"), None);
    }

    #[test]
    fn image_directories_are_told_by_content_not_by_a_file_name() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for d in ["oci", "saved", "webapp", "empty-list", "links"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        std::fs::write(root.join("oci/oci-layout"), "{}").unwrap();
        std::fs::write(
            root.join("saved/manifest.json"),
            r#"[{"Config": "c.json", "RepoTags": ["a:1"], "Layers": ["l/layer.tar"]}]"#,
        )
        .unwrap();
        std::fs::write(root.join("webapp/manifest.json"), r#"{"name": "shop"}"#).unwrap();
        std::fs::write(root.join("webapp/Dockerfile"), "FROM x").unwrap();
        std::fs::write(root.join("empty-list/manifest.json"), "[]").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(
            root.join("saved/manifest.json"),
            root.join("links/manifest.json"),
        )
        .unwrap();
        assert_eq!(
            image_directory_kind(&root.join("oci")),
            Some(InputKind::OciLayout)
        );
        assert_eq!(
            image_directory_kind(&root.join("saved")),
            Some(InputKind::ImageDirectory)
        );
        assert_eq!(image_directory_kind(&root.join("webapp")), None);
        assert_eq!(image_directory_kind(&root.join("empty-list")), None);
        // A link is not followed (as for `oci-layout`).
        assert_eq!(image_directory_kind(&root.join("links")), None);

        let (found, _) = discover(&[root.to_path_buf()], &[]);
        let found: Vec<_> = found
            .iter()
            .map(|c| (c.path.strip_prefix(root).unwrap().to_path_buf(), c.kind))
            .collect();
        assert!(found.contains(&(PathBuf::from("saved"), InputKind::ImageDirectory)));
        assert!(found.contains(&(PathBuf::from("oci"), InputKind::OciLayout)));
        // The web app's directory is walked: its Dockerfile is found.
        assert!(found.contains(&(PathBuf::from("webapp/Dockerfile"), InputKind::Dockerfile)));
        assert!(
            !found
                .iter()
                .any(|(p, _)| p.starts_with("saved") && p != Path::new("saved"))
        );
    }

    #[test]
    fn walks_honours_gitignore_and_excludes() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("a/vendor")).unwrap();
        std::fs::create_dir_all(root.join("b")).unwrap();
        std::fs::write(root.join("a/Dockerfile"), "FROM x").unwrap();
        std::fs::write(root.join("a/vendor/Dockerfile"), "FROM x").unwrap();
        std::fs::write(root.join("b/Dockerfile"), "FROM x").unwrap();
        std::fs::write(root.join(".gitignore"), "b/\n").unwrap();
        let (found, diags) = discover(&[root.to_path_buf()], &["**/vendor/**".to_string()]);
        assert!(diags.is_empty(), "{diags:?}");
        let names: Vec<_> = found
            .iter()
            .map(|c| c.path.strip_prefix(root).unwrap().to_path_buf())
            .collect();
        assert_eq!(names, vec![PathBuf::from("a/Dockerfile")]);
    }

    #[test]
    fn oci_layouts_are_one_input_and_not_walked() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("img/blobs/sha256")).unwrap();
        std::fs::write(root.join("img/oci-layout"), "{}").unwrap();
        std::fs::write(root.join("img/blobs/sha256/x.json"), "{}").unwrap();
        std::fs::write(root.join("app.tar"), "").unwrap();
        let (found, _) = discover(&[root.to_path_buf()], &[]);
        let kinds: Vec<_> = found.iter().map(|c| c.kind).collect();
        assert_eq!(kinds, vec![InputKind::ImageArchive, InputKind::OciLayout]);
        let (found, _) = discover(&[root.join("img")], &[]);
        assert_eq!(found[0].kind, InputKind::OciLayout);
        assert!(found[0].explicit);
    }

    #[test]
    fn explicit_file_is_taken_even_if_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("build.txt");
        std::fs::write(&f, "FROM x").unwrap();
        let (found, _) = discover(std::slice::from_ref(&f), &[]);
        assert_eq!(found.len(), 1);
        assert!(found[0].explicit);
    }

    #[cfg(unix)]
    #[test]
    fn device_named_on_the_command_line_is_an_error_not_a_read() {
        // Reading /dev/zero would never end; it used to be skipped silently.
        let (found, diags) = discover(&[PathBuf::from("/dev/zero")], &[]);
        assert!(found.is_empty());
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].code, "read-error");
        assert!(diags[0].message.contains("not a regular file"));
    }

    #[test]
    fn a_file_reached_twice_is_taken_once() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("Dockerfile"), "FROM x").unwrap();
        let dotted = root.join(".").join("Dockerfile");
        let (found, _) = discover(&[root.to_path_buf(), dotted.clone()], &[]);
        assert_eq!(found.len(), 1, "{found:?}");
        // The explicit mention is kept.
        assert!(found[0].explicit);
        let (again, _) = discover(&[dotted, root.to_path_buf()], &[]);
        assert_eq!(again, found);
    }

    #[test]
    fn missing_path_is_a_diagnostic() {
        let (found, diags) = discover(&[PathBuf::from("/nonexistent/x")], &[]);
        assert!(found.is_empty());
        assert_eq!(diags[0].code, "read-error");
    }
}
