//! YAML and JSON inputs: parse once, then hand each document to the builder
//! of its kind (Kubernetes object, compose file, `docker inspect` output,
//! `daemon.json`).

use std::sync::Arc;

use super::{Fragment, compose, docker, kubernetes};
use crate::discover::InputKind;
use crate::parse::yaml::{self, Node};
use crate::source::{Diagnostic, SourceFile};

/// Top-level keys that make a JSON/YAML mapping a `daemon.json`.
const DAEMON_KEYS: &[&str] = &[
    "icc",
    "userns-remap",
    "live-restore",
    "userland-proxy",
    "no-new-privileges",
    "insecure-registries",
    "log-driver",
    "registry-mirrors",
    "storage-driver",
    "seccomp-profile",
    "authorization-plugins",
    "tlsverify",
    "hosts",
    "default-ulimits",
    "selinux-enabled",
    "iptables",
    "experimental",
    "cgroup-parent",
    "storage-opts",
];

/// A mapping in a file named `daemon.json` is the daemon's configuration
/// even when it holds none of [`DAEMON_KEYS`] (e.g. only `log-level` or
/// `debug`, keys too generic to classify other JSON by).
fn daemon_by_name(source: &SourceFile, root: &Node) -> Option<InputKind> {
    let name = source.path.rsplit(['/', '\\']).next().unwrap_or("");
    (name == "daemon.json" && root.as_map().is_some()).then_some(InputKind::DaemonConfig)
}

/// What a YAML/JSON document is.
pub fn classify(root: &Node) -> Option<InputKind> {
    if let Some(items) = root.as_seq() {
        // docker inspect: an array of container records.
        let first = items.first()?;
        return (first.get("HostConfig").is_some() && first.get("Config").is_some())
            .then_some(InputKind::DockerInspect);
    }
    root.as_map()?;
    if root.get("apiVersion").and_then(Node::as_str).is_some()
        && root.get("kind").and_then(Node::as_str).is_some()
    {
        return Some(InputKind::Kubernetes);
    }
    if root.get("services").and_then(Node::as_map).is_some() {
        return Some(InputKind::Compose);
    }
    root.str_entries()
        .any(|(k, _)| DAEMON_KEYS.contains(&k))
        .then_some(InputKind::DaemonConfig)
}

/// Helm templates are not YAML until rendered.
fn looks_like_helm_template(text: &str) -> Option<usize> {
    text.lines()
        .position(|l| l.contains("{{") && l.contains("}}"))
        .map(|i| i + 1)
}

/// Loads a YAML or JSON file. Returns the fragment and the kinds found (for
/// the list of inputs); a file with no recognised document yields none.
pub fn load(source: &Arc<SourceFile>, json: bool, explicit: bool) -> (Fragment, Vec<InputKind>) {
    let mut fragment = Fragment::default();
    let mut kinds = Vec::new();
    if let Some(line) = looks_like_helm_template(&source.text) {
        if explicit || source.text.contains("apiVersion") {
            fragment.diagnostics.push(Diagnostic::error(
                "helm-template",
                "file holds Helm template syntax ({{ … }}): scan the rendered manifests instead (`helm template CHART > rendered.yaml`)",
                source.line_location(line),
            ));
        }
        return (fragment, kinds);
    }
    let (documents, diagnostics) = if json {
        let (root, diags) = yaml::parse_json(source);
        (root.into_iter().collect::<Vec<_>>(), diags)
    } else {
        let (docs, diags) = yaml::parse_stream(source);
        (docs.into_iter().map(|d| d.root).collect(), diags)
    };
    for root in &documents {
        let Some(kind) = classify(root).or_else(|| daemon_by_name(source, root)) else {
            continue;
        };
        match kind {
            InputKind::Kubernetes => kubernetes::add_document(&mut fragment, source, root),
            InputKind::Compose => compose::add_document(&mut fragment, source, root),
            InputKind::DockerInspect => docker::add_inspect(&mut fragment, source, root),
            InputKind::DaemonConfig => docker::add_daemon(&mut fragment, source, root),
            InputKind::Dockerfile
            | InputKind::Yaml
            | InputKind::Json
            | InputKind::ImageArchive
            | InputKind::OciLayout
            | InputKind::ImageDirectory
            | InputKind::VulnerabilityReport
            | InputKind::EnvFile => {}
        }
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    // Parse problems matter only in files that are inputs (or were named):
    // a broken CI workflow file is not ours to report.
    if !kinds.is_empty() || explicit || looks_like_input(&source.text) {
        fragment.diagnostics.extend(diagnostics);
    }
    if kinds.is_empty() && explicit && documents.iter().any(|d| !d.is_null()) {
        fragment.diagnostics.push(Diagnostic::warning(
            "unknown-input",
            "no Kubernetes object, compose file, docker inspect output or daemon.json found in this file",
            crate::source::Location::file(source.path.clone()),
        ));
    }
    (fragment, kinds)
}

/// A file that failed to parse but plainly meant to be a manifest or compose
/// file still gets its parse errors reported.
fn looks_like_input(text: &str) -> bool {
    (text.contains("apiVersion") && text.contains("kind"))
        || text.contains("services:")
        // A truncated `docker inspect` dump or daemon.json used to be
        // dropped without a word.
        || text.contains("\"HostConfig\"")
        || DAEMON_KEYS
            .iter()
            .any(|k| text.contains(&format!("\"{k}\"")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind_of(text: &str) -> Option<InputKind> {
        let src = SourceFile::new("x.yaml", text.to_string());
        let (docs, _) = yaml::parse_stream(&src);
        classify(&docs.first()?.root)
    }

    #[test]
    fn classifies_documents() {
        assert_eq!(
            kind_of("apiVersion: v1\nkind: Pod\n"),
            Some(InputKind::Kubernetes)
        );
        assert_eq!(
            kind_of("services:\n  web:\n    image: x\n"),
            Some(InputKind::Compose)
        );
        assert_eq!(
            kind_of("{\"icc\": false, \"log-driver\": \"syslog\"}"),
            Some(InputKind::DaemonConfig)
        );
        assert_eq!(
            kind_of("[{\"Id\": \"x\", \"Config\": {}, \"HostConfig\": {}}]"),
            Some(InputKind::DockerInspect)
        );
        assert_eq!(kind_of("name: CI\non: push\n"), None);
    }

    #[test]
    fn a_file_named_daemon_json_is_a_daemon_config() {
        for (path, daemons) in [
            ("etc/docker/daemon.json", 1),
            ("daemon.json", 1),
            ("settings.json", 0),
        ] {
            let source = Arc::new(SourceFile::new(path, "{\"log-level\": \"debug\"}".into()));
            let (fragment, _) = load(&source, true, true);
            assert_eq!(fragment.daemons.len(), daemons, "{path}");
        }
        let source = Arc::new(SourceFile::new("daemon.json", "[\"debug\"]".into()));
        assert!(load(&source, true, true).0.daemons.is_empty());
    }

    #[test]
    fn truncated_daemon_json_and_inspect_dump_are_reported() {
        for text in [
            "{\n  \"icc\": true,\n  \"hosts\": [\"tcp://",
            "[{\"Id\": \"x\", \"HostConfig\": {\"Privileged\": tr",
        ] {
            let src = Arc::new(SourceFile::new("x.json", text.to_string()));
            let (f, kinds) = load(&src, true, false);
            assert!(kinds.is_empty());
            assert_eq!(f.diagnostics.len(), 1, "{:?}", f.diagnostics);
            assert_eq!(f.diagnostics[0].code, "parse-error");
        }
        // Other broken JSON is not ours to report.
        let src = Arc::new(SourceFile::new("x.json", "{\"name\": ".to_string()));
        assert!(load(&src, true, false).0.diagnostics.is_empty());
    }

    #[test]
    fn helm_templates_get_a_clear_diagnostic() {
        let src = Arc::new(SourceFile::new(
            "t.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Values.name }}\n".to_string(),
        ));
        let (f, kinds) = load(&src, false, false);
        assert!(kinds.is_empty());
        assert_eq!(f.diagnostics[0].code, "helm-template");
        assert_eq!(f.diagnostics[0].location.start_line, 4);
    }
}
