//! Kubernetes objects: every object of a manifest or cluster dump is kept as
//! a [`KubeObject`] (unknown kinds and CRDs included); pod templates become
//! [`Workload`]s with their containers' effective settings (pod-level
//! `securityContext` inherited, each setting located where it was written).
//!
//! What is read, the inheritance rules and the defaults are described in
//! `docs/kubernetes-input.md`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::Fragment;
use super::runtime::{
    Container, ContainerKind, EnvValue, EnvVar, Mount, MountSource, ObjectSuppression, Platform,
    Port, Resources, Setting, Volume, Workload,
};
use crate::parse::yaml::{Node, Value};
use crate::source::{Diagnostic, Location, SourceFile};

/// One Kubernetes object with its spanned tree.
#[derive(Debug, Clone)]
pub struct KubeObject {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    /// As written; `None` when the object names none.
    pub namespace: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    /// The whole object.
    pub node: Node,
    pub source: Arc<SourceFile>,
    pub location: Location,
}

impl KubeObject {
    /// Location of a node of this object.
    pub fn loc(&self, node: &Node) -> Location {
        self.source.location(&node.span)
    }
}

/// The annotation that suppresses findings on an object or pod template.
pub const IGNORE_ANNOTATION: &str = "threatbox.io/ignore";

/// Lists nested deeper than this are not unwrapped (no real dump nests
/// lists at all; this only bounds recursion on hostile input).
const MAX_LIST_DEPTH: usize = 8;

/// Adds one YAML/JSON document that holds a Kubernetes object (or a `List`)
/// to the fragment.
pub fn add_document(fragment: &mut Fragment, source: &Arc<SourceFile>, root: &Node) {
    let mut reader = Reader {
        source,
        diagnostics: &mut fragment.diagnostics,
    };
    let mut objects = Vec::new();
    let mut workloads = Vec::new();
    reader.add_object(root, 0, &mut objects, &mut workloads);
    fragment.kube_objects.extend(objects);
    fragment.workloads.extend(workloads);
}

/// Reads objects of one file, collecting diagnostics.
struct Reader<'a> {
    source: &'a Arc<SourceFile>,
    diagnostics: &'a mut Vec<Diagnostic>,
}

/// The value under `key` with its key node (for `key: value` locations).
fn entry<'n>(map: &'n Node, key: &str) -> Option<(&'n Node, &'n Node)> {
    map.as_map()?
        .iter()
        .find(|(k, _)| k.as_str() == Some(key))
        .map(|(k, v)| (k, v))
}

/// A scalar as the string Kubernetes would see after decoding YAML into a
/// string field (`8080` → `"8080"`); `None` for maps, sequences and null.
fn scalar_string(node: &Node, source: &SourceFile) -> Option<String> {
    match &node.value {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Int(i) => Some(i.to_string()),
        // Keep the float as written (`0.5`, `1e3`) rather than re-rendered.
        Value::Float(f) => {
            let text = node.source_text(source).trim();
            Some(if text.is_empty() {
                f.to_string()
            } else {
                text.to_string()
            })
        }
        Value::Null | Value::Seq(_) | Value::Map(_) => None,
    }
}

fn type_name(node: &Node) -> &'static str {
    match node.value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Int(_) => "an integer",
        Value::Float(_) => "a number",
        Value::String(_) => "a string",
        Value::Seq(_) => "a list",
        Value::Map(_) => "a mapping",
    }
}

impl Reader<'_> {
    fn loc(&self, node: &Node) -> Location {
        self.source.location(&node.span)
    }

    /// From the key to the end of its value: `privileged: true`.
    fn loc_kv(&self, key: &Node, value: &Node) -> Location {
        let start = key.span.start;
        let end = value.span.end.max(key.span.end);
        self.source.location(&(start..end))
    }

    /// The first line of a node, from where it starts to the end of that
    /// line: an object or container named by its opening line.
    fn first_line(&self, node: &Node) -> Location {
        let mut loc = self.loc(node);
        let width = self
            .source
            .line_text(loc.start_line)
            .map_or(0, |l| l.chars().count());
        loc.end_line = loc.start_line;
        loc.end_column = (width + 1).max(loc.start_column + 1);
        loc
    }

    fn warn(&mut self, code: &'static str, message: String, location: Location) {
        self.diagnostics
            .push(Diagnostic::warning(code, message, location));
    }

    fn wrong_type(&mut self, key: &str, expected: &str, key_node: &Node, value: &Node) {
        let loc = self.loc_kv(key_node, value);
        self.warn(
            "invalid-value",
            format!(
                "`{key}` should be {expected}, found {}; ignored",
                type_name(value)
            ),
            loc,
        );
    }

    /// A mapping under `key`; warns when something else is written there.
    fn map_at<'n>(&mut self, parent: &'n Node, key: &str) -> Option<&'n Node> {
        let (k, v) = entry(parent, key)?;
        match v.value {
            Value::Map(_) => Some(v),
            Value::Null => None,
            _ => {
                self.wrong_type(key, "a mapping", k, v);
                None
            }
        }
    }

    /// The items of a sequence under `key`; warns on other types.
    fn seq_at<'n>(&mut self, parent: &'n Node, key: &str) -> &'n [Node] {
        let Some((k, v)) = entry(parent, key) else {
            return &[];
        };
        match &v.value {
            Value::Seq(items) => items,
            Value::Null => &[],
            _ => {
                self.wrong_type(key, "a list", k, v);
                &[]
            }
        }
    }

    /// A boolean (YAML 1.1, as kubectl reads it) under `key`.
    fn bool_at(&mut self, parent: &Node, key: &str) -> Option<Setting<bool>> {
        let (k, v) = entry(parent, key)?;
        if v.is_null() {
            return None;
        }
        match v.as_bool_yaml11() {
            Some(b) => Some(Setting::new(b, self.loc_kv(k, v))),
            None => {
                self.wrong_type(key, "a boolean", k, v);
                None
            }
        }
    }

    fn i64_at(&mut self, parent: &Node, key: &str) -> Option<Setting<i64>> {
        let (k, v) = entry(parent, key)?;
        if v.is_null() {
            return None;
        }
        match v.as_i64() {
            Some(i) => Some(Setting::new(i, self.loc_kv(k, v))),
            None => {
                self.wrong_type(key, "an integer", k, v);
                None
            }
        }
    }

    /// A port number under `key`: an integer in 1..=65535.
    fn port_at(&mut self, parent: &Node, key: &str) -> Option<u16> {
        let (k, v) = entry(parent, key)?;
        if v.is_null() {
            return None;
        }
        match v.as_i64().and_then(|i| u16::try_from(i).ok()) {
            Some(p) => Some(p),
            None => {
                self.wrong_type(key, "a port number", k, v);
                None
            }
        }
    }

    /// A string under `key` (other scalars stringified, as for quantities).
    fn string_at(&mut self, parent: &Node, key: &str) -> Option<Setting<String>> {
        let (k, v) = entry(parent, key)?;
        if v.is_null() {
            return None;
        }
        match scalar_string(v, self.source) {
            Some(s) => Some(Setting::new(s, self.loc_kv(k, v))),
            None => {
                self.wrong_type(key, "a string", k, v);
                None
            }
        }
    }

    /// Labels or annotations: string values kept, other scalars stringified,
    /// lists and mappings skipped with a warning.
    fn string_map(&mut self, metadata: Option<&Node>, key: &str) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let Some(map) = metadata.and_then(|m| self.map_at(m, key)) else {
            return out;
        };
        for (k, v) in map.as_map().unwrap_or_default() {
            let Some(name) = scalar_string(k, self.source) else {
                continue;
            };
            match scalar_string(v, self.source) {
                Some(s) => {
                    out.insert(name, s);
                }
                None if v.is_null() => {
                    out.insert(name, String::new());
                }
                None => {
                    let loc = self.loc_kv(k, v);
                    self.warn(
                        "invalid-value",
                        format!(
                            "{key} value `{name}` should be a string, found {}; skipped",
                            type_name(v)
                        ),
                        loc,
                    );
                }
            }
        }
        out
    }

    fn add_object(
        &mut self,
        node: &Node,
        depth: usize,
        objects: &mut Vec<KubeObject>,
        workloads: &mut Vec<Workload>,
    ) {
        let kind = node.get("kind").and_then(Node::as_str).unwrap_or("");
        let api_version = node.get("apiVersion").and_then(Node::as_str).unwrap_or("");
        if kind.is_empty() || api_version.is_empty() {
            let loc = self.first_line(node);
            self.warn(
                "not-an-object",
                "list item has no `apiVersion` and `kind`; skipped".to_string(),
                loc,
            );
            return;
        }
        // `kind: List`, `PodList`, `DeploymentList`…: the items are the
        // objects (a `kubectl get … -o yaml` dump is one of these).
        if kind.ends_with("List")
            && let Some(items) = node.get("items").and_then(Node::as_seq)
        {
            if depth >= MAX_LIST_DEPTH {
                let loc = self.first_line(node);
                self.warn(
                    "nesting-limit",
                    format!("lists nested deeper than {MAX_LIST_DEPTH}; inner list skipped"),
                    loc,
                );
                return;
            }
            for item in items {
                self.add_object(item, depth + 1, objects, workloads);
            }
            return;
        }

        let location = self.first_line(node);
        let metadata = self.map_at(node, "metadata");
        let mut name = metadata
            .and_then(|m| self.string_at(m, "name"))
            .map(|s| s.value)
            .unwrap_or_default();
        if name.is_empty() {
            // `generateName` is how Jobs and Pods are often created: not a
            // broken object, the API server picks the suffix.
            match metadata.and_then(|m| m.get("generateName")?.as_str()) {
                Some(prefix) => name = prefix.to_string(),
                None => self.warn(
                    "missing-name",
                    format!("{kind} has no `metadata.name`"),
                    location.clone(),
                ),
            }
        }
        let namespace = metadata
            .and_then(|m| self.string_at(m, "namespace"))
            .map(|s| s.value);
        let labels = self.string_map(metadata, "labels");
        let annotations = self.string_map(metadata, "annotations");

        let object = KubeObject {
            api_version: api_version.to_string(),
            kind: kind.to_string(),
            name,
            namespace,
            labels,
            annotations,
            node: node.clone(),
            source: self.source.clone(),
            location,
        };
        if let Some(w) = self.workload(&object, node, metadata) {
            workloads.push(w);
        }
        objects.push(object);
    }

    /// The pod template of a workload kind: `(template metadata, spec key,
    /// pod spec)`. Pod has no template (its own metadata applies).
    fn pod_template<'n>(
        &mut self,
        kind: &str,
        node: &'n Node,
    ) -> Option<(Option<&'n Node>, &'n Node, &'n Node)> {
        let template = match kind {
            "Pod" => {
                let (k, spec) = entry(node, "spec")?;
                return spec.as_map().is_some().then_some((None, k, spec));
            }
            "CronJob" => node.path(&["spec", "jobTemplate", "spec", "template"])?,
            "Deployment"
            | "StatefulSet"
            | "DaemonSet"
            | "ReplicaSet"
            | "ReplicationController"
            | "Job" => node.path(&["spec", "template"])?,
            // Argo Rollouts, OpenKruise and other controllers with a pod
            // template: recognised by `spec.template.spec.containers`.
            _ => {
                let t = node.path(&["spec", "template"])?;
                t.path(&["spec", "containers"])?;
                t
            }
        };
        let (k, spec) = entry(template, "spec")?;
        if spec.as_map().is_none() {
            if !spec.is_null() {
                self.wrong_type("spec", "a mapping", k, spec);
            }
            return None;
        }
        let meta = template.get("metadata").filter(|m| m.as_map().is_some());
        Some((meta, k, spec))
    }

    fn workload(
        &mut self,
        object: &KubeObject,
        node: &Node,
        metadata: Option<&Node>,
    ) -> Option<Workload> {
        let (template_meta, spec_key, spec) = self.pod_template(&object.kind, node)?;
        // The pod's own metadata: the template's, or the Pod object's.
        let pod_meta = if object.kind == "Pod" {
            metadata
        } else {
            template_meta
        };
        let pod_labels = if object.kind == "Pod" {
            object.labels.clone()
        } else {
            self.string_map(template_meta, "labels")
        };
        let pod_annotations = pod_meta.and_then(|m| m.get("annotations"));
        let spec_location = self.first_line(spec_key);

        let mut suppressions = Vec::new();
        for meta in [metadata, template_meta].into_iter().flatten() {
            if let Some(s) = self.suppression(meta) {
                suppressions.push(s);
            }
        }

        let service_account = match self
            .string_at(spec, "serviceAccountName")
            .or_else(|| self.string_at(spec, "serviceAccount"))
        {
            Some(sa) if !sa.value.is_empty() => sa,
            _ => Setting::new("default".to_string(), spec_location.clone()),
        };

        let (volumes, volume_read_only) = self.volumes(spec);
        let has_node_placement = spec
            .get("nodeSelector")
            .and_then(Node::as_map)
            .is_some_and(|m| !m.is_empty())
            || spec.path(&["affinity", "nodeAffinity"]).is_some()
            || spec.get("nodeName").and_then(Node::as_str).is_some();

        let pod_sc = self.map_at(spec, "securityContext");
        let pod = PodLevel {
            run_as_user: pod_sc.and_then(|sc| self.i64_at(sc, "runAsUser")),
            run_as_group: pod_sc.and_then(|sc| self.i64_at(sc, "runAsGroup")),
            run_as_non_root: pod_sc.and_then(|sc| self.bool_at(sc, "runAsNonRoot")),
            seccomp: pod_sc.and_then(|sc| self.seccomp_field(sc)).or_else(|| {
                self.annotation(pod_annotations, "seccomp.security.alpha.kubernetes.io/pod")
                    .map(|s| Setting::new(legacy_seccomp(&s.value), s.location))
            }),
            apparmor: pod_sc.and_then(|sc| self.apparmor_field(sc)),
            selinux: pod_sc.and_then(|sc| self.selinux(sc)),
            annotations: pod_annotations,
        };

        let mut containers = Vec::new();
        for (key, kind) in [
            ("initContainers", ContainerKind::Init),
            ("containers", ContainerKind::Regular),
            ("ephemeralContainers", ContainerKind::Ephemeral),
        ] {
            for item in self.seq_at(spec, key) {
                if item.as_map().is_none() {
                    let loc = self.first_line(item);
                    self.warn(
                        "invalid-value",
                        format!("`{key}` entry should be a mapping; skipped"),
                        loc,
                    );
                    continue;
                }
                containers.push(self.container(item, kind, &pod, &volumes, &volume_read_only));
            }
        }

        Some(Workload {
            platform: Platform::Kubernetes,
            kind: object.kind.clone(),
            name: object.name.clone(),
            namespace: Some(
                object
                    .namespace
                    .clone()
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| "default".to_string()),
            ),
            location: object.location.clone(),
            spec_location,
            containers,
            host_network: self.bool_at(spec, "hostNetwork"),
            host_pid: self.bool_at(spec, "hostPID"),
            host_ipc: self.bool_at(spec, "hostIPC"),
            host_users: self.bool_at(spec, "hostUsers"),
            service_account: Some(service_account),
            // The pod's own field; `model::resolve` fills in the
            // ServiceAccount's or the default when the pod sets none.
            token_mounted: self.bool_at(spec, "automountServiceAccountToken"),
            pod_labels,
            volumes,
            has_node_placement,
            runs_on_every_node: object.kind == "DaemonSet",
            networks: Vec::new(),
            network_mode: None,
            logging_driver: None,
            suppressions,
        })
    }

    /// `threatbox.io/ignore: "TB401,TB402 reason"` in a metadata block.
    fn suppression(&mut self, metadata: &Node) -> Option<ObjectSuppression> {
        let annotations = metadata.get("annotations")?;
        let (k, v) = entry(annotations, IGNORE_ANNOTATION)?;
        let location = self.loc_kv(k, v);
        let text = scalar_string(v, self.source).unwrap_or_default();
        let text = text.trim();
        let (list, reason) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
        let codes: Vec<String> = list
            .split(',')
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
            .collect();
        if codes.is_empty() {
            self.warn(
                "invalid-suppression",
                format!("`{IGNORE_ANNOTATION}` names no rule (expected \"CODE[,CODE] reason\")"),
                location,
            );
            return None;
        }
        let reason = reason.trim();
        Some(ObjectSuppression {
            codes,
            reason: (!reason.is_empty()).then(|| reason.to_string()),
            location,
        })
    }

    /// A string annotation of the pod, with the location of its entry.
    fn annotation(&self, annotations: Option<&Node>, key: &str) -> Option<Setting<String>> {
        let (k, v) = entry(annotations?, key)?;
        let value = scalar_string(v, self.source)?;
        Some(Setting::new(value, self.loc_kv(k, v)))
    }

    /// `seccompProfile.type` (`Localhost` joined with its profile path).
    fn seccomp_field(&mut self, sc: &Node) -> Option<Setting<String>> {
        let profile = self.map_at(sc, "seccompProfile")?;
        let ty = self.string_at(profile, "type")?;
        let value = match ty.value.as_str() {
            "Localhost" => match profile.get("localhostProfile").and_then(Node::as_str) {
                Some(p) => format!("Localhost/{p}"),
                None => "Localhost".to_string(),
            },
            other => other.to_string(),
        };
        Some(Setting::new(value, ty.location))
    }

    /// `appArmorProfile.type`, in the annotation's spelling
    /// (`runtime/default`, `localhost/<name>`, `unconfined`).
    fn apparmor_field(&mut self, sc: &Node) -> Option<Setting<String>> {
        let profile = self.map_at(sc, "appArmorProfile")?;
        let ty = self.string_at(profile, "type")?;
        let value = match ty.value.as_str() {
            "RuntimeDefault" => "runtime/default".to_string(),
            "Unconfined" => "unconfined".to_string(),
            "Localhost" => match profile.get("localhostProfile").and_then(Node::as_str) {
                Some(p) => format!("localhost/{p}"),
                None => "localhost".to_string(),
            },
            other => other.to_string(),
        };
        Some(Setting::new(value, ty.location))
    }

    /// `seLinuxOptions` as `key=value` pairs in the order written.
    fn selinux(&mut self, sc: &Node) -> Option<Setting<String>> {
        let (k, v) = entry(sc, "seLinuxOptions")?;
        let map = self.map_at(sc, "seLinuxOptions")?;
        let parts: Vec<String> = map
            .str_entries()
            .filter_map(|(key, val)| Some(format!("{key}={}", scalar_string(val, self.source)?)))
            .collect();
        if parts.is_empty() {
            return None;
        }
        Some(Setting::new(parts.join(","), self.loc_kv(k, v)))
    }

    /// Pod volumes, and the names of those declared read-only at volume
    /// level (`persistentVolumeClaim.readOnly` and the like).
    fn volumes(&mut self, spec: &Node) -> (Vec<Volume>, HashMap<String, bool>) {
        let mut volumes = Vec::new();
        let mut read_only = HashMap::new();
        for item in self.seq_at(spec, "volumes") {
            let Some(name) = item.get("name").and_then(|n| scalar_string(n, self.source)) else {
                let loc = self.first_line(item);
                self.warn(
                    "invalid-value",
                    "volume has no `name`; skipped".to_string(),
                    loc,
                );
                continue;
            };
            let mut source = MountSource::Volume(name.clone());
            let mut ro = false;
            for (key, body) in item.str_entries() {
                let field = |f: &str| body.get(f).and_then(|n| scalar_string(n, self.source));
                let found = match key {
                    "hostPath" => Some(MountSource::HostPath(field("path").unwrap_or_default())),
                    "secret" => Some(MountSource::Secret(field("secretName").unwrap_or_default())),
                    "configMap" => Some(MountSource::ConfigMap(field("name").unwrap_or_default())),
                    "emptyDir" | "projected" | "downwardAPI" | "ephemeral" => {
                        Some(MountSource::Ephemeral)
                    }
                    "persistentVolumeClaim" => Some(MountSource::Volume(
                        field("claimName").unwrap_or_else(|| name.clone()),
                    )),
                    "name" => None,
                    _ => Some(MountSource::Volume(name.clone())),
                };
                if let Some(found) = found {
                    source = found;
                    ro = body.get("readOnly").and_then(Node::as_bool_yaml11) == Some(true);
                }
            }
            read_only.insert(name.clone(), ro);
            volumes.push(Volume {
                name,
                source,
                location: self.first_line(item),
            });
        }
        (volumes, read_only)
    }

    fn container(
        &mut self,
        node: &Node,
        kind: ContainerKind,
        pod: &PodLevel,
        volumes: &[Volume],
        volume_read_only: &HashMap<String, bool>,
    ) -> Container {
        let name = self
            .string_at(node, "name")
            .map(|s| s.value)
            .unwrap_or_default();
        let sc = self.map_at(node, "securityContext");
        let field_bool = |r: &mut Self, key: &str| sc.and_then(|sc| r.bool_at(sc, key));

        let seccomp_annotation = format!("container.seccomp.security.alpha.kubernetes.io/{name}");
        let apparmor_annotation = format!("container.apparmor.security.beta.kubernetes.io/{name}");
        // Container field, then container annotation, then pod level:
        // the most specific setting wins, as in the kubelet.
        let seccomp = sc
            .and_then(|sc| self.seccomp_field(sc))
            .or_else(|| {
                self.annotation(pod.annotations, &seccomp_annotation)
                    .map(|s| Setting::new(legacy_seccomp(&s.value), s.location))
            })
            .or_else(|| pod.seccomp.clone());
        let apparmor = sc
            .and_then(|sc| self.apparmor_field(sc))
            .or_else(|| self.annotation(pod.annotations, &apparmor_annotation))
            .or_else(|| pod.apparmor.clone());

        let mut capabilities_add = Vec::new();
        let mut capabilities_drop = Vec::new();
        if let Some(caps) = sc.and_then(|sc| self.map_at(sc, "capabilities")) {
            for (key, out) in [
                ("add", &mut capabilities_add),
                ("drop", &mut capabilities_drop),
            ] {
                for cap in self.seq_at(caps, key) {
                    match scalar_string(cap, self.source) {
                        Some(c) => out.push(Setting::new(normalise_capability(&c), self.loc(cap))),
                        None => {
                            let loc = self.loc(cap);
                            self.warn(
                                "invalid-value",
                                format!(
                                    "capability should be a string, found {}; ignored",
                                    type_name(cap)
                                ),
                                loc,
                            );
                        }
                    }
                }
            }
        }

        let unmasked_proc = sc
            .and_then(|sc| self.string_at(sc, "procMount"))
            .map(|s| Setting::new(s.value == "Unmasked", s.location));

        let mut command = Vec::new();
        for key in ["command", "args"] {
            for word in self.seq_at(node, key) {
                if let Some(s) = scalar_string(word, self.source) {
                    command.push(Setting::new(s, self.loc(word)));
                }
            }
        }

        Container {
            name,
            kind,
            location: self.first_line(node),
            image: self.string_at(node, "image"),
            image_pull_policy: self.string_at(node, "imagePullPolicy"),
            build_dockerfile: None,
            built_image: None,
            privileged: field_bool(self, "privileged"),
            allow_privilege_escalation: field_bool(self, "allowPrivilegeEscalation"),
            run_as_user: sc
                .and_then(|sc| self.i64_at(sc, "runAsUser"))
                .or_else(|| pod.run_as_user.clone()),
            run_as_group: sc
                .and_then(|sc| self.i64_at(sc, "runAsGroup"))
                .or_else(|| pod.run_as_group.clone()),
            run_as_non_root: field_bool(self, "runAsNonRoot")
                .or_else(|| pod.run_as_non_root.clone()),
            user_name: None,
            read_only_root_fs: field_bool(self, "readOnlyRootFilesystem"),
            capabilities_add,
            capabilities_drop,
            seccomp,
            apparmor,
            selinux: sc
                .and_then(|sc| self.selinux(sc))
                .or_else(|| pod.selinux.clone()),
            unmasked_proc,
            mounts: self.mounts(node, volumes, volume_read_only),
            resources: self.resources(node),
            env: self.env(node),
            ports: self.ports(node),
            liveness_probe: node.get("livenessProbe").is_some_and(|n| !n.is_null()),
            readiness_probe: node.get("readinessProbe").is_some_and(|n| !n.is_null()),
            command,
        }
    }

    fn mounts(
        &mut self,
        node: &Node,
        volumes: &[Volume],
        volume_read_only: &HashMap<String, bool>,
    ) -> Vec<Mount> {
        let by_name: HashMap<&str, &Volume> =
            volumes.iter().map(|v| (v.name.as_str(), v)).collect();
        let mut out = Vec::new();
        for item in self.seq_at(node, "volumeMounts") {
            let name = item
                .get("name")
                .and_then(|n| scalar_string(n, self.source))
                .unwrap_or_default();
            let target = item
                .get("mountPath")
                .and_then(|n| scalar_string(n, self.source))
                .unwrap_or_default();
            let mount_ro = self.bool_at(item, "readOnly").is_some_and(|s| s.value);
            let source = match by_name.get(name.as_str()) {
                Some(v) => v.source.clone(),
                None => MountSource::Volume(name.clone()),
            };
            out.push(Mount {
                source,
                target,
                read_only: mount_ro || volume_read_only.get(&name).copied().unwrap_or(false),
                location: self.first_line(item),
            });
        }
        out
    }

    fn resources(&mut self, node: &Node) -> Resources {
        let mut r = Resources::default();
        let Some(res) = self.map_at(node, "resources") else {
            return r;
        };
        if let Some(limits) = self.map_at(res, "limits") {
            r.cpu_limit = self.string_at(limits, "cpu");
            r.memory_limit = self.string_at(limits, "memory");
        }
        if let Some(requests) = self.map_at(res, "requests") {
            r.cpu_request = self.string_at(requests, "cpu");
            r.memory_request = self.string_at(requests, "memory");
        }
        r
    }

    fn env(&mut self, node: &Node) -> Vec<EnvVar> {
        let mut out = Vec::new();
        for item in self.seq_at(node, "env") {
            let Some(name) = item.get("name").and_then(|n| scalar_string(n, self.source)) else {
                continue;
            };
            let value = if let Some(from) = item.get("valueFrom").filter(|n| !n.is_null()) {
                let ref_name = |key: &str| {
                    from.path(&[key, "name"])
                        .and_then(|n| scalar_string(n, self.source))
                        .unwrap_or_default()
                };
                if from.get("secretKeyRef").is_some() {
                    EnvValue::SecretRef(ref_name("secretKeyRef"))
                } else if from.get("configMapKeyRef").is_some() {
                    EnvValue::ConfigMapRef(ref_name("configMapKeyRef"))
                } else {
                    EnvValue::Other
                }
            } else {
                // No `value` means the empty string.
                EnvValue::Literal(
                    item.get("value")
                        .and_then(|n| scalar_string(n, self.source))
                        .unwrap_or_default(),
                )
            };
            out.push(EnvVar {
                name,
                value,
                location: self.first_line(item),
            });
        }
        // `envFrom` imports every key of the Secret / ConfigMap: one entry
        // named `*` stands for all of them.
        for item in self.seq_at(node, "envFrom") {
            let ref_name = |key: &str| {
                item.path(&[key, "name"])
                    .and_then(|n| scalar_string(n, self.source))
            };
            let value = if item.get("secretRef").is_some() {
                EnvValue::SecretRef(ref_name("secretRef").unwrap_or_default())
            } else if item.get("configMapRef").is_some() {
                EnvValue::ConfigMapRef(ref_name("configMapRef").unwrap_or_default())
            } else {
                EnvValue::Other
            };
            out.push(EnvVar {
                name: "*".to_string(),
                value,
                location: self.first_line(item),
            });
        }
        out
    }

    fn ports(&mut self, node: &Node) -> Vec<Port> {
        let mut out = Vec::new();
        for item in self.seq_at(node, "ports") {
            if item.as_map().is_none() {
                continue;
            }
            out.push(Port {
                container_port: self.port_at(item, "containerPort"),
                host_port: self.port_at(item, "hostPort"),
                host_ip: item
                    .get("hostIP")
                    .and_then(|n| scalar_string(n, self.source))
                    .filter(|s| !s.is_empty()),
                protocol: item
                    .get("protocol")
                    .and_then(|n| scalar_string(n, self.source))
                    .unwrap_or_else(|| "TCP".to_string()),
                location: self.first_line(item),
            });
        }
        out
    }
}

/// Pod-level settings that containers inherit.
struct PodLevel<'n> {
    run_as_user: Option<Setting<i64>>,
    run_as_group: Option<Setting<i64>>,
    run_as_non_root: Option<Setting<bool>>,
    seccomp: Option<Setting<String>>,
    apparmor: Option<Setting<String>>,
    selinux: Option<Setting<String>>,
    annotations: Option<&'n Node>,
}

/// The legacy seccomp annotation's values in the field's spelling:
/// `runtime/default` and `docker/default` → `RuntimeDefault`,
/// `unconfined` → `Unconfined`, `localhost/<p>` → `Localhost/<p>`.
fn legacy_seccomp(value: &str) -> String {
    match value {
        "runtime/default" | "docker/default" => "RuntimeDefault".to_string(),
        "unconfined" => "Unconfined".to_string(),
        v => match v.strip_prefix("localhost/") {
            Some(p) => format!("Localhost/{p}"),
            None => v.to_string(),
        },
    }
}

/// `cap_net_admin` → `NET_ADMIN`; `all` → `ALL`.
fn normalise_capability(name: &str) -> String {
    let upper = name.trim().to_ascii_uppercase();
    match upper.strip_prefix("CAP_") {
        Some(rest) => rest.to_string(),
        None => upper,
    }
}
