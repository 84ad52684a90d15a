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
    Container, ContainerKind, EnvValue, EnvVar, HostAlias, Mount, MountSource, ObjectSuppression,
    Platform, Port, Resources, Setting, Sysctl, Volume, Workload,
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

/// A pod's sysctls beyond this many are not read (real pods set a handful).
const MAX_POD_SYSCTLS: usize = 256;

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
        match v.as_i64() {
            Some(i) => match u16::try_from(i) {
                Ok(p) => Some(p),
                Err(_) => {
                    let loc = self.loc_kv(k, v);
                    self.warn(
                        "invalid-value",
                        format!("`{key}` {i} is not a port number (0-65535); ignored"),
                        loc,
                    );
                    None
                }
            },
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
        if node.is_null() {
            return;
        }
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
                None if is_config_file(api_version) => {}
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
    /// pod spec)`. A Pod is its own template (its metadata is the object's,
    /// so none is returned here).
    fn pod_template<'n>(
        &mut self,
        kind: &str,
        node: &'n Node,
    ) -> Option<(Option<&'n Node>, &'n Node, &'n Node)> {
        let template = match kind {
            "Pod" => node,
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
        let meta = template
            .get("metadata")
            .filter(|m| m.as_map().is_some() && kind != "Pod");
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
            host_process: pod_sc.and_then(|sc| self.host_process(sc)),
            sysctls: pod_sc.map(|sc| self.sysctls(sc)).unwrap_or_default(),
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
            extent: object.loc(&object.node),
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
            host_aliases: self.host_aliases(spec),
            pod_resources: self.resources(spec),
            // Compose / docker-only settings (uts, cgroupns, restart policy).
            ..Default::default()
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

    /// `windowsOptions.hostProcess` in a security context.
    fn host_process(&mut self, sc: &Node) -> Option<Setting<bool>> {
        let options = self.map_at(sc, "windowsOptions")?;
        self.bool_at(options, "hostProcess")
    }

    /// The pod's `sysctls` list (`{name, value}` items), each located at
    /// its item; items without a string `name` are skipped with a warning.
    fn sysctls(&mut self, sc: &Node) -> Vec<Sysctl> {
        let mut out = Vec::new();
        for (index, item) in self.seq_at(sc, "sysctls").iter().enumerate() {
            // They are copied into every container: a hostile pod with
            // thousands of each must not make millions.
            if index == MAX_POD_SYSCTLS {
                let loc = self.first_line(item);
                self.warn(
                    "input-limit",
                    format!("more than {MAX_POD_SYSCTLS} `sysctls` entries: the rest are skipped"),
                    loc,
                );
                break;
            }
            let name = item
                .get("name")
                .and_then(|n| scalar_string(n, self.source))
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty());
            let Some(name) = name.filter(|_| item.as_map().is_some()) else {
                let loc = self.first_line(item);
                self.warn(
                    "invalid-value",
                    "`sysctls` entry should be a mapping with a `name`; skipped".to_string(),
                    loc,
                );
                continue;
            };
            let value = item
                .get("value")
                .and_then(|v| scalar_string(v, self.source))
                .unwrap_or_default();
            out.push(Sysctl {
                name,
                value,
                location: self.loc(item),
            });
        }
        out
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
            let mut volume_type = None;
            let mut size_limit = None;
            let mut in_memory = false;
            for (key_node, body) in item.as_map().unwrap_or_default() {
                let Some(key) = key_node.as_str() else {
                    continue;
                };
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
                // Volume sources are mappings (`emptyDir:` may be empty); a
                // scalar beside them (`fsType: ext4` indented one level too
                // far) is not a source and does not replace the type.
                if key != "name" && (body.is_null() || body.as_map().is_some()) {
                    volume_type = Some(Setting::new(key.to_string(), self.loc(key_node)));
                    size_limit = None;
                    in_memory = false;
                    if key == "emptyDir" {
                        size_limit = entry(body, "sizeLimit").and_then(|(k, v)| {
                            let text = scalar_string(v, self.source)?;
                            Some(Setting::new(text, self.loc_kv(k, v)))
                        });
                        in_memory = body.get("medium").and_then(Node::as_str) == Some("Memory");
                    }
                }
            }
            read_only.insert(name.clone(), ro);
            volumes.push(Volume {
                name,
                source,
                location: self.first_line(item),
                volume_type,
                size_limit,
                in_memory,
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

        let proc_mount = sc.and_then(|sc| self.string_at(sc, "procMount"));
        let unmasked_proc = proc_mount
            .as_ref()
            .map(|s| Setting::new(s.value == "Unmasked", s.location.clone()));

        let (mounts, mounted_volumes) = self.mounts(node, volumes, volume_read_only);
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
            proc_mount,
            host_process: sc
                .and_then(|sc| self.host_process(sc))
                .or_else(|| pod.host_process.clone()),
            sysctls: pod.sysctls.clone(),
            mounts,
            mounted_volumes,
            shared_propagation: self.bidirectional_mounts(node),
            resources: self.resources(node),
            env: self.env(node),
            ports: self.ports(node),
            liveness_probe: node.get("livenessProbe").is_some_and(|n| !n.is_null()),
            readiness_probe: node.get("readinessProbe").is_some_and(|n| !n.is_null()),
            command,
            // Compose / docker-only settings (devices, ulimits, build args…).
            ..Default::default()
        }
    }

    fn mounts(
        &mut self,
        node: &Node,
        volumes: &[Volume],
        volume_read_only: &HashMap<String, bool>,
    ) -> (Vec<Mount>, Vec<String>) {
        let by_name: HashMap<&str, &Volume> =
            volumes.iter().map(|v| (v.name.as_str(), v)).collect();
        let mut out = Vec::new();
        let mut names = Vec::new();
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
            names.push(name);
        }
        (out, names)
    }

    /// Mount paths with `mountPropagation: Bidirectional` (mounts made in
    /// the container reach the host), at the value. `HostToContainer` only
    /// lets host mounts in and is not kept. The list itself was already
    /// type-checked by `mounts`, so it is read here without warnings.
    fn bidirectional_mounts(&mut self, node: &Node) -> Vec<Setting<String>> {
        let items = node
            .get("volumeMounts")
            .and_then(Node::as_seq)
            .unwrap_or(&[]);
        let mut out = Vec::new();
        for item in items {
            if item.as_map().is_none() {
                continue;
            }
            let Some(p) = self.string_at(item, "mountPropagation") else {
                continue;
            };
            if p.value == "Bidirectional" {
                let target = item
                    .get("mountPath")
                    .and_then(|n| scalar_string(n, self.source))
                    .unwrap_or_default();
                out.push(Setting::new(target, p.location));
            }
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
            r.ephemeral_storage_limit = self.string_at(limits, "ephemeral-storage");
        }
        if let Some(requests) = self.map_at(res, "requests") {
            r.cpu_request = self.string_at(requests, "cpu");
            r.memory_request = self.string_at(requests, "memory");
            r.ephemeral_storage_request = self.string_at(requests, "ephemeral-storage");
        }
        r
    }

    /// `hostAliases: [{ip, hostnames: [...]}]`, one entry per list item.
    /// Items without an `ip` or without any string hostname change nothing
    /// in `/etc/hosts` and are skipped.
    fn host_aliases(&mut self, spec: &Node) -> Vec<HostAlias> {
        let mut out = Vec::new();
        for item in self.seq_at(spec, "hostAliases") {
            if item.as_map().is_none() {
                let loc = self.first_line(item);
                self.warn(
                    "invalid-value",
                    "`hostAliases` entry should be a mapping; skipped".to_string(),
                    loc,
                );
                continue;
            }
            let Some(ip) = self
                .string_at(item, "ip")
                .filter(|s| !s.value.trim().is_empty())
            else {
                continue;
            };
            let hostnames: Vec<String> = self
                .seq_at(item, "hostnames")
                .iter()
                .filter_map(|n| scalar_string(n, self.source))
                .filter(|h| !h.trim().is_empty())
                .collect();
            if hostnames.is_empty() {
                continue;
            }
            out.push(HostAlias {
                ip: ip.value.trim().to_string(),
                hostnames,
                location: self.first_line(item),
            });
        }
        out
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
    /// `windowsOptions.hostProcess` of the pod.
    host_process: Option<Setting<bool>>,
    /// `securityContext.sysctls`: pod-wide, copied into every container.
    sysctls: Vec<Sysctl>,
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

/// Configuration files that borrow `apiVersion`/`kind` but are not API
/// objects and have no name: Kustomization, KubeletConfiguration,
/// EncryptionConfiguration, audit Policy, kubeadm's ClusterConfiguration…
fn is_config_file(api_version: &str) -> bool {
    let group = api_version.split('/').next().unwrap_or("");
    group.ends_with("config.k8s.io") || group == "audit.k8s.io" || group == "kubeadm.k8s.io"
}

/// `cap_net_admin` → `NET_ADMIN`; `all` → `ALL`.
fn normalise_capability(name: &str) -> String {
    let upper = name.trim().to_ascii_uppercase();
    match upper.strip_prefix("CAP_") {
        Some(rest) => rest.to_string(),
        None => upper,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::System;
    use crate::source::DiagnosticLevel;

    /// Loads one file as the scanner would (classification, documents,
    /// resolve) and returns the system and the diagnostics.
    fn load(text: &str) -> (System, Vec<Diagnostic>) {
        let source = Arc::new(SourceFile::new("k.yaml", text.to_string()));
        let (fragment, _) = crate::model::load::load(&source, false, true);
        let mut system = System::default();
        let diagnostics = system.add(fragment);
        crate::model::resolve::resolve(&mut system);
        (system, diagnostics)
    }

    fn line<T>(s: &Option<Setting<T>>) -> Option<usize> {
        s.as_ref().map(|s| s.location.start_line)
    }

    fn value<T: Clone>(s: &Option<Setting<T>>) -> Option<T> {
        s.as_ref().map(|s| s.value.clone())
    }

    /// The same insecure container, indented for its place in each kind.
    fn insecure_container(indent: usize) -> String {
        let body = "- name: app
  image: nginx:1.25
  securityContext:
    privileged: true
    allowPrivilegeEscalation: yes
    runAsUser: 0
    capabilities:
      add: [\"NET_ADMIN\", \"cap_sys_time\"]
  ports:
  - containerPort: 80
    hostPort: 8080
";
        let pad = " ".repeat(indent);
        body.lines().map(|l| format!("{pad}{l}\n")).collect()
    }

    fn templated(api: &str, kind: &str) -> String {
        format!(
            "apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: w\nspec:\n  template:\n    metadata:\n      labels: {{app: w}}\n    spec:\n      containers:\n{}",
            insecure_container(6)
        )
    }

    #[test]
    fn every_workload_kind_gives_the_same_container_at_its_own_lines() {
        let pod = format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: w\n  labels: {{app: w}}\nspec:\n  containers:\n{}",
            insecure_container(2)
        );
        let cronjob = format!(
            "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: w\nspec:\n  schedule: \"* * * * *\"\n  jobTemplate:\n    spec:\n      template:\n        metadata:\n          labels: {{app: w}}\n        spec:\n          containers:\n{}",
            insecure_container(10)
        );
        // (kind, manifest, line of `privileged: true`, line of the container)
        let table: Vec<(&str, String, usize, usize)> = vec![
            ("Pod", pod, 11, 8),
            ("Deployment", templated("apps/v1", "Deployment"), 14, 11),
            ("StatefulSet", templated("apps/v1", "StatefulSet"), 14, 11),
            ("DaemonSet", templated("apps/v1", "DaemonSet"), 14, 11),
            ("ReplicaSet", templated("apps/v1", "ReplicaSet"), 14, 11),
            (
                "ReplicationController",
                templated("v1", "ReplicationController"),
                14,
                11,
            ),
            ("Job", templated("batch/v1", "Job"), 14, 11),
            ("CronJob", cronjob, 17, 14),
            (
                "Rollout",
                templated("argoproj.io/v1alpha1", "Rollout"),
                14,
                11,
            ),
        ];
        for (kind, text, privileged_line, container_line) in &table {
            assert_eq!(
                text.lines().nth(privileged_line - 1).map(str::trim),
                Some("privileged: true"),
                "{kind}: table line is wrong"
            );
            let (system, diagnostics) = load(text);
            assert!(diagnostics.is_empty(), "{kind}: {diagnostics:?}");
            assert_eq!(system.workloads.len(), 1, "{kind}");
            let w = &system.workloads[0];
            assert_eq!(w.kind, *kind);
            assert_eq!(w.platform, Platform::Kubernetes);
            assert_eq!(w.name, "w");
            assert_eq!(w.namespace.as_deref(), Some("default"));
            assert_eq!(
                w.pod_labels.get("app").map(String::as_str),
                Some("w"),
                "{kind}"
            );
            assert_eq!(w.runs_on_every_node, *kind == "DaemonSet");
            assert_eq!(w.containers.len(), 1, "{kind}");
            let c = &w.containers[0];
            assert_eq!(c.location.start_line, *container_line, "{kind}");
            assert_eq!(value(&c.privileged), Some(true), "{kind}");
            assert_eq!(line(&c.privileged), Some(*privileged_line), "{kind}");
            assert_eq!(value(&c.allow_privilege_escalation), Some(true), "{kind}");
            assert_eq!(
                line(&c.allow_privilege_escalation),
                Some(privileged_line + 1)
            );
            assert_eq!(value(&c.run_as_user), Some(0), "{kind}");
            assert_eq!(line(&c.run_as_user), Some(privileged_line + 2));
            assert_eq!(c.runs_as_root(), Some(true));
            let caps: Vec<_> = c
                .capabilities_add
                .iter()
                .map(|s| s.value.as_str())
                .collect();
            assert_eq!(caps, ["NET_ADMIN", "SYS_TIME"], "{kind}");
            assert_eq!(
                c.capabilities_add[0].location.start_line,
                privileged_line + 4
            );
            assert_eq!(c.ports.len(), 1);
            assert_eq!(c.ports[0].host_port, Some(8080));
            assert_eq!(c.ports[0].container_port, Some(80));
            assert_eq!(c.ports[0].protocol, "TCP");
            assert_eq!(c.ports[0].location.start_line, privileged_line + 6);
            assert_eq!(value(&c.image).as_deref(), Some("nginx:1.25"));
            // Unset: the platform default applies in the rules.
            assert!(c.read_only_root_fs.is_none() && c.seccomp.is_none());
            assert_eq!(value(&w.token_mounted), Some(true));
        }
    }

    #[test]
    fn pod_security_context_is_inherited_and_overridden() {
        let text = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      securityContext:
        runAsUser: 1000
        runAsNonRoot: true
        seccompProfile:
          type: RuntimeDefault
        seLinuxOptions:
          type: container_t
        appArmorProfile:
          type: RuntimeDefault
      containers:
      - name: inherits
        image: a
      - name: overrides
        image: b
        securityContext:
          runAsUser: 0
          runAsNonRoot: false
          seccompProfile:
            type: Localhost
            localhostProfile: profiles/strict.json
          seLinuxOptions:
            level: s0:c1
          appArmorProfile:
            type: Unconfined
";
        let (system, diagnostics) = load(text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let w = &system.workloads[0];
        assert_eq!(w.namespace.as_deref(), Some("shop"));
        let [a, b] = &w.containers[..] else {
            panic!("two containers expected")
        };
        assert_eq!(
            (value(&a.run_as_user), line(&a.run_as_user)),
            (Some(1000), Some(10))
        );
        assert_eq!(
            (value(&a.run_as_non_root), line(&a.run_as_non_root)),
            (Some(true), Some(11))
        );
        assert_eq!(value(&a.seccomp).as_deref(), Some("RuntimeDefault"));
        assert_eq!(line(&a.seccomp), Some(13));
        assert_eq!(value(&a.selinux).as_deref(), Some("type=container_t"));
        assert_eq!(line(&a.selinux), Some(14));
        assert_eq!(value(&a.apparmor).as_deref(), Some("runtime/default"));
        assert_eq!(line(&a.apparmor), Some(17));
        assert_eq!(a.runs_as_root(), Some(false));

        assert_eq!(
            (value(&b.run_as_user), line(&b.run_as_user)),
            (Some(0), Some(24))
        );
        assert_eq!(
            (value(&b.run_as_non_root), line(&b.run_as_non_root)),
            (Some(false), Some(25))
        );
        assert_eq!(
            value(&b.seccomp).as_deref(),
            Some("Localhost/profiles/strict.json")
        );
        assert_eq!(line(&b.seccomp), Some(27));
        assert_eq!(value(&b.selinux).as_deref(), Some("level=s0:c1"));
        assert_eq!(line(&b.selinux), Some(29));
        assert_eq!(value(&b.apparmor).as_deref(), Some("unconfined"));
        assert_eq!(line(&b.apparmor), Some(32));
        assert_eq!(b.runs_as_root(), Some(true));
    }

    #[test]
    fn legacy_seccomp_and_apparmor_annotations() {
        let text = "\
apiVersion: v1
kind: Pod
metadata:
  name: legacy
  annotations:
    seccomp.security.alpha.kubernetes.io/pod: runtime/default
    container.seccomp.security.alpha.kubernetes.io/b: unconfined
    container.apparmor.security.beta.kubernetes.io/a: localhost/k8s-nginx
spec:
  containers:
  - name: a
    image: x
  - name: b
    image: x
    securityContext:
      seccompProfile:
        type: RuntimeDefault
";
        let (system, _) = load(text);
        let [a, b] = &system.workloads[0].containers[..] else {
            panic!("two containers expected")
        };
        assert_eq!(value(&a.seccomp).as_deref(), Some("RuntimeDefault"));
        assert_eq!(line(&a.seccomp), Some(6));
        assert_eq!(value(&a.apparmor).as_deref(), Some("localhost/k8s-nginx"));
        assert_eq!(line(&a.apparmor), Some(8));
        // The field beats the annotation.
        assert_eq!(value(&b.seccomp).as_deref(), Some("RuntimeDefault"));
        assert_eq!(line(&b.seccomp), Some(17));
        assert!(b.apparmor.is_none());
    }

    #[test]
    fn lists_are_unwrapped_into_their_items() {
        let text = "\
apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: d
    namespace: prod
  spec:
    template:
      spec:
        containers: [{name: c, image: x}]
- apiVersion: v1
  kind: Service
  metadata: {name: s, namespace: prod}
---
apiVersion: v1
kind: PodList
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: p}
  spec:
    containers: [{name: c, image: x}]
";
        let (system, diagnostics) = load(text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let objects: Vec<_> = system
            .kube_objects
            .iter()
            .map(|o| (o.kind.as_str(), o.name.as_str(), o.location.start_line))
            .collect();
        assert_eq!(
            objects,
            [
                ("Deployment", "d", 4),
                ("Service", "s", 13),
                ("Pod", "p", 20)
            ]
        );
        assert_eq!(system.kube_objects[0].namespace.as_deref(), Some("prod"));
        let workloads: Vec<_> = system
            .workloads
            .iter()
            .map(|w| {
                (
                    w.kind.as_str(),
                    w.namespace.as_deref(),
                    w.location.start_line,
                )
            })
            .collect();
        assert_eq!(
            workloads,
            [
                ("Deployment", Some("prod"), 4),
                ("Pod", Some("default"), 20)
            ]
        );
    }

    #[test]
    fn unknown_kinds_and_crds_are_kept() {
        let text = "\
apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: tls
  labels: {team: web, tier: 3, flag: true}
spec:
  template:
    spec: {}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
";
        let (system, diagnostics) = load(text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(system.kube_objects.len(), 2);
        assert!(system.workloads.is_empty());
        let labels = &system.kube_objects[0].labels;
        assert_eq!(labels.get("tier").map(String::as_str), Some("3"));
        assert_eq!(labels.get("flag").map(String::as_str), Some("true"));
    }

    #[test]
    fn wrong_types_are_reported_and_ignored() {
        let text = "\
apiVersion: v1
kind: Pod
metadata:
  labels:
    app: [a, b]
spec:
  hostNetwork: \"true\"
  hostPID: yes
  containers:
  - name: c
    image: x
    securityContext:
      privileged: \"maybe\"
      runAsUser: \"1000\"
      readOnlyRootFilesystem: on
    ports:
    - containerPort: 70000
";
        let (system, diagnostics) = load(text);
        assert_eq!(system.kube_objects.len(), 1);
        let w = &system.workloads[0];
        assert_eq!(w.name, "");
        assert!(w.host_network.is_none());
        assert_eq!(value(&w.host_pid), Some(true));
        let c = &w.containers[0];
        assert!(c.privileged.is_none() && c.run_as_user.is_none());
        assert_eq!(value(&c.read_only_root_fs), Some(true));
        assert_eq!(c.ports[0].container_port, None);
        assert!(w.pod_labels.is_empty());
        let found: Vec<_> = diagnostics
            .iter()
            .map(|d| (d.code, d.location.start_line))
            .collect();
        assert_eq!(
            found,
            [
                ("missing-name", 1),
                ("invalid-value", 5),
                ("invalid-value", 13),
                ("invalid-value", 14),
                ("invalid-value", 17),
                ("invalid-value", 7),
            ]
        );
        assert!(
            diagnostics
                .iter()
                .all(|d| d.level == DiagnosticLevel::Warning)
        );
        assert!(
            diagnostics[2]
                .message
                .contains("`privileged` should be a boolean")
        );
    }

    #[test]
    fn token_automount_pod_overrides_account_overrides_default() {
        let text = "\
apiVersion: v1
kind: ServiceAccount
metadata:
  name: quiet
  namespace: app
automountServiceAccountToken: false
---
apiVersion: v1
kind: Pod
metadata: {name: uses-account, namespace: app}
spec:
  serviceAccountName: quiet
  containers: [{name: c, image: x}]
---
apiVersion: v1
kind: Pod
metadata: {name: pod-decides, namespace: app}
spec:
  serviceAccountName: quiet
  automountServiceAccountToken: true
  containers: [{name: c, image: x}]
---
apiVersion: v1
kind: Pod
metadata: {name: other-namespace}
spec:
  serviceAccount: quiet
  containers: [{name: c, image: x}]
---
apiVersion: v1
kind: Pod
metadata: {name: no-account, namespace: app}
spec:
  containers: [{name: c, image: x}]
";
        let (system, diagnostics) = load(text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let got: Vec<_> = system
            .workloads
            .iter()
            .map(|w| {
                (
                    w.name.as_str(),
                    value(&w.service_account).unwrap_or_default(),
                    value(&w.token_mounted),
                    line(&w.token_mounted),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("uses-account", "quiet".to_string(), Some(false), Some(6)),
                ("pod-decides", "quiet".to_string(), Some(true), Some(20)),
                ("other-namespace", "quiet".to_string(), Some(true), Some(26)),
                ("no-account", "default".to_string(), Some(true), Some(33)),
            ]
        );
        // The default account is located at the pod spec.
        assert_eq!(
            system.workloads[3]
                .service_account
                .as_ref()
                .map(|s| s.location.start_line),
            Some(33)
        );
    }

    #[test]
    fn init_and_ephemeral_containers_are_included() {
        let text = "\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: main
    image: x
  initContainers:
  - name: setup
    image: busybox
    securityContext: {privileged: true}
  ephemeralContainers:
  - name: debug
    image: busybox
";
        let (system, _) = load(text);
        let got: Vec<_> = system.workloads[0]
            .containers
            .iter()
            .map(|c| (c.name.as_str(), c.kind, c.location.start_line))
            .collect();
        assert_eq!(
            got,
            [
                ("setup", ContainerKind::Init, 9),
                ("main", ContainerKind::Regular, 6),
                ("debug", ContainerKind::Ephemeral, 13),
            ]
        );
        assert_eq!(
            line(&system.workloads[0].containers[0].privileged),
            Some(11)
        );
    }

    #[test]
    fn a_broken_document_does_not_hide_its_neighbours() {
        let text = "\
apiVersion: v1
kind: Pod
metadata: {name: before}
spec: {containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: Pod
metadata: {name: broken
spec: [
---
apiVersion: v1
kind: Pod
metadata: {name: after}
spec: {containers: [{name: c, image: x}]}
";
        let (system, diagnostics) = load(text);
        let names: Vec<_> = system.workloads.iter().map(|w| w.name.as_str()).collect();
        assert_eq!(names, ["before", "after"]);
        assert_eq!(system.workloads[1].location.start_line, 11);
        assert!(
            diagnostics
                .iter()
                .any(|d| d.level == DiagnosticLevel::Error
                    && (6..=10).contains(&d.location.start_line)),
            "{diagnostics:?}"
        );
    }

    #[test]
    fn volumes_mounts_env_resources_and_probes() {
        let text = "\
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
  annotations:
    threatbox.io/ignore: \"TB401,TB402 node agent needs the host\"
spec:
  template:
    metadata:
      annotations:
        threatbox.io/ignore: TB410
    spec:
      hostNetwork: true
      nodeSelector: {role: edge}
      volumes:
      - name: sock
        hostPath: {path: /var/run/docker.sock}
      - name: creds
        secret: {secretName: db}
      - name: conf
        configMap: {name: cfg}
      - name: scratch
        emptyDir: {}
      - name: data
        persistentVolumeClaim: {claimName: pvc1, readOnly: true}
      - name: nfs
        nfs: {server: s, path: /}
      containers:
      - name: a
        image: x
        imagePullPolicy: Always
        command: [sh, -c]
        args: [\"run\"]
        volumeMounts:
        - {name: sock, mountPath: /var/run/docker.sock}
        - {name: creds, mountPath: /etc/creds, readOnly: true}
        - {name: conf, mountPath: /etc/conf}
        - {name: scratch, mountPath: /tmp}
        - {name: data, mountPath: /data}
        - {name: nfs, mountPath: /nfs}
        env:
        - {name: PASSWORD, value: hunter2}
        - {name: PORT, value: 8080}
        - name: TOKEN
          valueFrom: {secretKeyRef: {name: tok, key: t}}
        - name: MODE
          valueFrom: {configMapKeyRef: {name: cfg, key: m}}
        - name: NODE
          valueFrom: {fieldRef: {fieldPath: spec.nodeName}}
        envFrom:
        - secretRef: {name: all-secrets}
        - configMapRef: {name: all-config}
        resources:
          limits: {cpu: 0.5, memory: 128Mi}
          requests: {cpu: 100m}
        livenessProbe: {httpGet: {path: /, port: 80}}
        ports:
        - {containerPort: 53, protocol: UDP, hostIP: 127.0.0.1, hostPort: 53}
";
        let (system, diagnostics) = load(text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let w = &system.workloads[0];
        assert!(w.runs_on_every_node && w.has_node_placement);
        assert_eq!(line(&w.host_network), Some(13));
        let sup: Vec<_> = w
            .suppressions
            .iter()
            .map(|s| (s.codes.join(","), s.reason.clone(), s.location.start_line))
            .collect();
        assert_eq!(
            sup,
            [
                (
                    "TB401,TB402".to_string(),
                    Some("node agent needs the host".to_string()),
                    6
                ),
                ("TB410".to_string(), None, 11),
            ]
        );
        let c = &w.containers[0];
        let mounts: Vec<_> = c
            .mounts
            .iter()
            .map(|m| {
                (
                    m.source.clone(),
                    m.target.as_str(),
                    m.read_only,
                    m.location.start_line,
                )
            })
            .collect();
        assert_eq!(
            mounts,
            [
                (
                    MountSource::HostPath("/var/run/docker.sock".into()),
                    "/var/run/docker.sock",
                    false,
                    35
                ),
                (MountSource::Secret("db".into()), "/etc/creds", true, 36),
                (MountSource::ConfigMap("cfg".into()), "/etc/conf", false, 37),
                (MountSource::Ephemeral, "/tmp", false, 38),
                (MountSource::Volume("pvc1".into()), "/data", true, 39),
                (MountSource::Volume("nfs".into()), "/nfs", false, 40),
            ]
        );
        let env: Vec<_> = c
            .env
            .iter()
            .map(|e| (e.name.as_str(), e.value.clone()))
            .collect();
        assert_eq!(
            env,
            [
                ("PASSWORD", EnvValue::Literal("hunter2".into())),
                ("PORT", EnvValue::Literal("8080".into())),
                ("TOKEN", EnvValue::SecretRef("tok".into())),
                ("MODE", EnvValue::ConfigMapRef("cfg".into())),
                ("NODE", EnvValue::Other),
                ("*", EnvValue::SecretRef("all-secrets".into())),
                ("*", EnvValue::ConfigMapRef("all-config".into())),
            ]
        );
        assert_eq!(c.env[0].location.start_line, 42);
        assert_eq!(value(&c.resources.cpu_limit).as_deref(), Some("0.5"));
        assert_eq!(value(&c.resources.memory_limit).as_deref(), Some("128Mi"));
        assert_eq!(value(&c.resources.cpu_request).as_deref(), Some("100m"));
        assert!(c.resources.memory_request.is_none());
        assert!(c.liveness_probe && !c.readiness_probe);
        assert_eq!(value(&c.image_pull_policy).as_deref(), Some("Always"));
        let command: Vec<_> = c.command.iter().map(|s| s.value.as_str()).collect();
        assert_eq!(command, ["sh", "-c", "run"]);
        let p = &c.ports[0];
        assert_eq!(
            (
                p.container_port,
                p.host_port,
                p.host_ip.as_deref(),
                p.protocol.as_str()
            ),
            (Some(53), Some(53), Some("127.0.0.1"), "UDP")
        );
    }

    #[test]
    fn host_aliases_volume_types_and_ephemeral_storage() {
        let text = "\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  hostAliases:
  - ip: 10.0.0.1
    hostnames: [db, db.internal]
  - {ip: 10.0.0.2}
  volumes:
  - name: scratch
    emptyDir: {sizeLimit: 1Gi}
  - name: ram
    emptyDir: {medium: Memory}
  - name: site
    gitRepo: {repository: x}
  - name: bare
  - name: disk
    awsElasticBlockStore: {volumeID: v}
    fsType: ext4
  containers:
  - name: a
    image: x
    volumeMounts:
    - {name: scratch, mountPath: /tmp}
    - {name: site, mountPath: /site}
    resources:
      limits: {ephemeral-storage: 2Gi}
      requests: {ephemeral-storage: 1Gi}
";
        let (system, diagnostics) = load(text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let w = &system.workloads[0];
        let aliases: Vec<_> = w
            .host_aliases
            .iter()
            .map(|a| (a.ip.as_str(), a.hostnames.clone(), a.location.start_line))
            .collect();
        assert_eq!(
            aliases,
            [("10.0.0.1", vec!["db".to_string(), "db.internal".into()], 6)]
        );
        let volumes: Vec<_> = w
            .volumes
            .iter()
            .map(|v| {
                (
                    v.name.as_str(),
                    value(&v.volume_type),
                    line(&v.volume_type),
                    value(&v.size_limit),
                    v.in_memory,
                )
            })
            .collect();
        assert_eq!(
            volumes,
            [
                (
                    "scratch",
                    Some("emptyDir".into()),
                    Some(11),
                    Some("1Gi".into()),
                    false
                ),
                ("ram", Some("emptyDir".into()), Some(13), None, true),
                ("site", Some("gitRepo".into()), Some(15), None, false),
                ("bare", None, None, None, false),
                (
                    "disk",
                    Some("awsElasticBlockStore".into()),
                    Some(18),
                    None,
                    false
                ),
            ]
        );
        let c = &w.containers[0];
        assert_eq!(c.mounted_volumes, ["scratch", "site"]);
        let r = &c.resources;
        assert_eq!(value(&r.ephemeral_storage_limit).as_deref(), Some("2Gi"));
        assert_eq!(line(&r.ephemeral_storage_limit), Some(27));
        assert_eq!(value(&r.ephemeral_storage_request).as_deref(), Some("1Gi"));
    }

    #[test]
    fn malformed_pod_spec_and_empty_suppression_are_reported() {
        let text = "\
apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations:
    threatbox.io/ignore: \"\"
spec:
- containers
";
        let (system, diagnostics) = load(text);
        assert_eq!(system.kube_objects.len(), 1);
        assert!(system.workloads.is_empty());
        let found: Vec<_> = diagnostics
            .iter()
            .map(|d| (d.code, d.location.start_line))
            .collect();
        assert_eq!(found, [("invalid-value", 7)]);

        let text = text.replace("spec:\n- containers\n", "spec:\n  containers: []\n");
        let (system, diagnostics) = load(&text);
        assert!(system.workloads[0].suppressions.is_empty());
        let found: Vec<_> = diagnostics
            .iter()
            .map(|d| (d.code, d.location.start_line))
            .collect();
        assert_eq!(found, [("invalid-suppression", 6)]);
    }

    #[test]
    fn capability_names_are_normalised() {
        assert_eq!(normalise_capability("cap_net_raw"), "NET_RAW");
        assert_eq!(normalise_capability("all"), "ALL");
        assert_eq!(normalise_capability(" SYS_ADMIN"), "SYS_ADMIN");
    }

    #[test]
    fn pod_sysctls_reach_every_container_at_their_own_lines() {
        let text = "\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  securityContext:
    sysctls:
    - name: net.core.somaxconn
      value: \"1024\"
    - {name: kernel/shm_rmid_forced, value: 1}
  initContainers:
  - {name: i, image: x}
  containers:
  - {name: c, image: x}
";
        let (system, diagnostics) = load(text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let w = &system.workloads[0];
        assert_eq!(w.containers.len(), 2);
        for c in &w.containers {
            let found: Vec<_> = c
                .sysctls
                .iter()
                .map(|s| (s.name.as_str(), s.value.as_str(), s.location.start_line))
                .collect();
            assert_eq!(
                found,
                [
                    ("net.core.somaxconn", "1024", 7),
                    ("kernel/shm_rmid_forced", "1", 9)
                ]
            );
        }
    }

    #[test]
    fn a_pods_sysctls_are_bounded_before_they_are_copied_into_containers() {
        let sysctls: String = (0..MAX_POD_SYSCTLS + 50)
            .map(|i| format!("    - {{name: net.core.x{i}, value: \"1\"}}\n"))
            .collect();
        let text = format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  securityContext:\n    sysctls:\n{sysctls}  containers:\n  - {{name: a, image: x}}\n  - {{name: b, image: x}}\n"
        );
        let (system, diagnostics) = load(&text);
        for c in &system.workloads[0].containers {
            assert_eq!(c.sysctls.len(), MAX_POD_SYSCTLS);
        }
        let limits: Vec<_> = diagnostics
            .iter()
            .filter(|d| d.code == "input-limit")
            .collect();
        assert_eq!(limits.len(), 1, "{diagnostics:?}");
        assert_eq!(limits[0].location.start_line, 7 + MAX_POD_SYSCTLS);
    }

    #[test]
    fn malformed_sysctls_are_warned_and_skipped() {
        for (sysctls, expected) in [
            ("sysctls: net.core.somaxconn=1", 0),
            ("sysctls: {name: a, value: b}", 0),
            (
                "sysctls: [net.core.somaxconn, [a], {value: 1}, {name: \"\"}, {name: [x]}]",
                0,
            ),
            ("sysctls: [{name: a.b}]", 1),
            ("sysctls: ~", 0),
        ] {
            let text = format!(
                "apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  securityContext:\n    {sysctls}\n  containers:\n  - {{name: c, image: x}}\n"
            );
            let (system, diagnostics) = load(&text);
            let c = &system.workloads[0].containers[0];
            assert_eq!(c.sysctls.len(), expected, "{sysctls}");
            if expected == 1 {
                assert_eq!(c.sysctls[0].value, "", "a missing value is empty");
            }
            if expected == 0 && !sysctls.ends_with('~') {
                assert!(!diagnostics.is_empty(), "{sysctls}");
            }
        }
    }

    #[test]
    fn windows_host_process_container_overrides_pod() {
        let text = "\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  securityContext:
    windowsOptions:
      hostProcess: true
  containers:
  - name: inherits
    image: x
  - name: overrides
    image: x
    securityContext:
      windowsOptions: {hostProcess: false}
  - name: other-options
    image: x
    securityContext:
      windowsOptions: {runAsUserName: \"NT AUTHORITY\\\\SYSTEM\"}
";
        let (system, diagnostics) = load(text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let c = &system.workloads[0].containers;
        assert_eq!(value(&c[0].host_process), Some(true));
        assert_eq!(line(&c[0].host_process), Some(7));
        assert_eq!(value(&c[1].host_process), Some(false));
        assert_eq!(line(&c[1].host_process), Some(14));
        assert_eq!(line(&c[2].host_process), Some(7));
        let (system, diagnostics) = load(&text.replace(
            "    windowsOptions:\n      hostProcess: true\n",
            "    windowsOptions: [hostProcess]\n",
        ));
        assert!(system.workloads[0].containers[0].host_process.is_none());
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    }

    #[test]
    fn bidirectional_mount_propagation_is_kept_at_its_value() {
        let text = "\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: a
    image: x
    volumeMounts:
    - {name: root, mountPath: /host, mountPropagation: Bidirectional}
    - {name: root, mountPath: /in, mountPropagation: HostToContainer}
    - {name: root, mountPath: /odd, mountPropagation: [Bidirectional]}
    - just-a-string
  volumes:
  - name: root
    hostPath: {path: /}
";
        let (system, diagnostics) = load(text);
        let c = &system.workloads[0].containers[0];
        let shared: Vec<_> = c
            .shared_propagation
            .iter()
            .map(|s| (s.value.as_str(), s.location.start_line))
            .collect();
        assert_eq!(shared, [("/host", 9)]);
        // The list is read once by `mounts`; the wrong-typed value warns once.
        let lines: Vec<usize> = diagnostics.iter().map(|d| d.location.start_line).collect();
        assert!(
            lines.iter().filter(|l| **l == 11).count() == 1,
            "{diagnostics:?}"
        );
    }
}

/// Ad-hoc run over a directory of real manifests (not part of the normal
/// test run): `THREATBOX_K8S_CORPUS=/path cargo test -p threatbox --lib
/// kube_corpus -- --ignored --nocapture`. Prints counts and a sample of
/// diagnostics to review for false alarms.
#[cfg(test)]
mod corpus {
    use crate::model::System;

    #[test]
    #[ignore]
    fn kube_corpus() {
        let Ok(root) = std::env::var("THREATBOX_K8S_CORPUS") else {
            return;
        };
        let paths = vec![std::path::PathBuf::from(&root)];
        let (candidates, _) = crate::discover::discover(&paths, &[]);
        let mut system = System::default();
        let mut files = 0;
        for c in &candidates {
            let Ok((text, _)) = crate::read_text(&c.path) else {
                continue;
            };
            let source = std::sync::Arc::new(crate::source::SourceFile::new(
                c.path.display().to_string(),
                text,
            ));
            let json = c.kind == crate::discover::InputKind::Json;
            let (fragment, kinds) = crate::model::load::load(&source, json, false);
            files += usize::from(!kinds.is_empty());
            system.add(fragment);
        }
        crate::model::resolve::resolve(&mut system);
        let containers: usize = system.workloads.iter().map(|w| w.containers.len()).sum();
        println!(
            "candidates {} input files {files} objects {} workloads {} containers {containers}",
            candidates.len(),
            system.kube_objects.len(),
            system.workloads.len(),
        );

        let mut kinds = std::collections::BTreeMap::new();
        for w in &system.workloads {
            *kinds.entry(w.kind.as_str()).or_insert(0) += 1;
        }
        let empty = system
            .workloads
            .iter()
            .filter(|w| w.containers.is_empty())
            .count();
        println!("workload kinds {kinds:?}; without containers {empty}");
        for w in system
            .workloads
            .iter()
            .filter(|w| w.containers.is_empty())
            .take(12)
        {
            println!(
                "  no containers: {} {}:{}",
                w.kind, w.location.path, w.location.start_line
            );
        }

        let options = crate::ScanOptions {
            paths,
            ..Default::default()
        };
        let analysis = crate::scan(&options, &crate::config::Config::default());
        let mut by_code = std::collections::BTreeMap::new();
        for d in &analysis.diagnostics {
            *by_code.entry((d.level, d.code)).or_insert(0) += 1;
        }
        println!("diagnostics {} {by_code:?}", analysis.diagnostics.len());
        for d in analysis
            .diagnostics
            .iter()
            .filter(|d| d.code != "helm-template")
        {
            println!(
                "  {:?} {} {}:{} {}",
                d.level, d.code, d.location.path, d.location.start_line, d.message
            );
        }
    }
}
