//! RBAC as the API server would evaluate it: Roles and ClusterRoles
//! (aggregated ClusterRoles included) joined through RoleBindings and
//! ClusterRoleBindings to ServiceAccounts, users and groups.
//!
//! Everything is indexed by name so that lookups are hash-map hits, never
//! scans over all roles or bindings.

use std::collections::{BTreeMap, HashMap};

use super::kubernetes::KubeObject;
use crate::parse::yaml::Node;
use crate::source::Location;

/// `Role` (namespaced) or `ClusterRole`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RoleKind {
    Role,
    ClusterRole,
}

/// One entry of a role's `rules`.
#[derive(Debug, Clone)]
pub struct PolicyRule {
    pub api_groups: Vec<String>,
    /// Resources as written, subresources included (`pods/exec`).
    pub resources: Vec<String>,
    pub verbs: Vec<String>,
    /// Empty: every object of the resource.
    pub resource_names: Vec<String>,
    pub non_resource_urls: Vec<String>,
    /// The rule (list item); `None` for built-in roles.
    pub location: Option<Location>,
}

/// A Role or ClusterRole, defined in the input or built in.
#[derive(Debug, Clone)]
pub struct Role {
    pub kind: RoleKind,
    pub name: String,
    /// `None` for ClusterRoles; a Role without one is in `default`.
    pub namespace: Option<String>,
    pub labels: BTreeMap<String, String>,
    /// The role's own rules.
    pub rules: Vec<PolicyRule>,
    /// Indexes (into [`Rbac::roles`]) of the ClusterRoles whose rules an
    /// aggregated ClusterRole unions in.
    pub aggregated_from: Vec<usize>,
    /// `None` for a built-in role the input references but does not define.
    pub location: Option<Location>,
    /// Managed by Kubernetes itself (`system:` roles, bootstrap defaults,
    /// built-ins): reported only through the bindings that use them.
    pub managed: bool,
}

impl Role {
    pub fn is_builtin(&self) -> bool {
        self.location.is_none()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubjectKind {
    ServiceAccount,
    User,
    Group,
}

/// Who a binding grants to. A ServiceAccount's namespace defaults to the
/// binding's.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SubjectKey {
    pub kind: SubjectKind,
    pub name: String,
    /// Only for ServiceAccounts.
    pub namespace: Option<String>,
}

impl SubjectKey {
    pub fn service_account(namespace: &str, name: &str) -> Self {
        SubjectKey {
            kind: SubjectKind::ServiceAccount,
            name: name.to_string(),
            namespace: Some(namespace.to_string()),
        }
    }
    pub fn user(name: &str) -> Self {
        SubjectKey {
            kind: SubjectKind::User,
            name: name.to_string(),
            namespace: None,
        }
    }
    pub fn group(name: &str) -> Self {
        SubjectKey {
            kind: SubjectKind::Group,
            name: name.to_string(),
            namespace: None,
        }
    }
}

impl std::fmt::Display for SubjectKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            SubjectKind::ServiceAccount => write!(
                f,
                "ServiceAccount {}/{}",
                self.namespace.as_deref().unwrap_or("default"),
                self.name
            ),
            SubjectKind::User => write!(f, "User {}", self.name),
            SubjectKind::Group => write!(f, "Group {}", self.name),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Subject {
    pub key: SubjectKey,
    pub location: Location,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindingKind {
    RoleBinding,
    ClusterRoleBinding,
}

#[derive(Debug, Clone)]
pub struct Binding {
    pub kind: BindingKind,
    pub name: String,
    /// The RoleBinding's namespace (`default` when unset); `None` for a
    /// ClusterRoleBinding.
    pub namespace: Option<String>,
    pub role_kind: RoleKind,
    pub role_name: String,
    /// The resolved role, when defined in the input or built in.
    pub role: Option<usize>,
    pub subjects: Vec<Subject>,
    pub location: Location,
    /// The `roleRef` mapping.
    pub role_ref_location: Location,
    pub managed: bool,
}

impl Binding {
    /// Where the grant applies: `None` for cluster-wide.
    pub fn scope(&self) -> Option<&str> {
        self.namespace.as_deref()
    }
}

/// Why a subject can do something: the binding that grants it and the rule
/// of the (possibly aggregated or built-in) role that allows it.
#[derive(Debug, Clone)]
pub struct Evidence {
    pub binding: usize,
    pub role: usize,
    /// Index into the rules of `role` (the component role for aggregated
    /// rules).
    pub rule: usize,
}

/// The resolved RBAC of the system.
#[derive(Debug, Default)]
pub struct Rbac {
    pub roles: Vec<Role>,
    pub bindings: Vec<Binding>,
    roles_by_name: HashMap<(RoleKind, Option<String>, String), usize>,
    bindings_by_subject: HashMap<SubjectKey, Vec<usize>>,
    bindings_by_role: HashMap<usize, Vec<usize>>,
}

const BOOTSTRAP_LABEL: &str = "kubernetes.io/bootstrapping";

fn strings(node: Option<&Node>) -> Vec<String> {
    node.and_then(Node::as_seq)
        .map(|items| {
            items
                .iter()
                .filter_map(|n| n.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Kubernetes' own objects: `system:` names, bootstrap defaults and the
/// default user-facing roles (`cluster-admin`, `admin`, `edit`, `view`),
/// which a cluster dump contains but nobody writes.
fn is_managed(obj: &KubeObject) -> bool {
    let default_role = obj.kind == "ClusterRole" && builtin_rules(&obj.name).is_some();
    default_role
        || obj.name.starts_with("system:")
        || obj.labels.get(BOOTSTRAP_LABEL).map(String::as_str) == Some("rbac-defaults")
}

fn parse_rules(obj: &KubeObject) -> Vec<PolicyRule> {
    let Some(items) = obj.node.get("rules").and_then(Node::as_seq) else {
        return Vec::new();
    };
    items
        .iter()
        .map(|r| PolicyRule {
            api_groups: strings(r.get("apiGroups")),
            resources: strings(r.get("resources")),
            verbs: strings(r.get("verbs")),
            resource_names: strings(r.get("resourceNames")),
            non_resource_urls: strings(r.get("nonResourceURLs")),
            location: Some(obj.loc(r)),
        })
        .collect()
}

fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> PolicyRule {
    let owned = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
    PolicyRule {
        api_groups: owned(groups),
        resources: owned(resources),
        verbs: owned(verbs),
        resource_names: Vec::new(),
        non_resource_urls: Vec::new(),
        location: None,
    }
}

const READ: &[&str] = &["get", "list", "watch"];
const WRITE: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "patch",
    "update",
    "get",
    "list",
    "watch",
];
const WORKLOADS: &[&str] = &[
    "deployments",
    "daemonsets",
    "statefulsets",
    "replicasets",
    "jobs",
    "cronjobs",
];

/// The default user-facing ClusterRoles, reduced to the permissions that
/// matter for security findings (see the Kubernetes RBAC documentation).
pub fn builtin_rules(name: &str) -> Option<Vec<PolicyRule>> {
    let core_objects = [
        "pods",
        "services",
        "configmaps",
        "persistentvolumeclaims",
        "serviceaccounts",
        "endpoints",
    ];
    let edit = || {
        vec![
            rule(&[""], &core_objects, WRITE),
            rule(&[""], &["secrets"], WRITE),
            rule(
                &[""],
                &["pods/exec", "pods/attach", "pods/portforward", "pods/proxy"],
                &["create", "get"],
            ),
            rule(&["apps", "batch"], WORKLOADS, WRITE),
            rule(&[""], &["serviceaccounts"], &["impersonate"]),
            rule(&[""], &["serviceaccounts/token"], &["create"]),
        ]
    };
    Some(match name {
        "cluster-admin" => vec![rule(&["*"], &["*"], &["*"])],
        "admin" => {
            let mut rules = edit();
            rules.push(rule(
                &["rbac.authorization.k8s.io"],
                &["roles", "rolebindings"],
                WRITE,
            ));
            rules
        }
        "edit" => edit(),
        "view" => vec![
            rule(&[""], &core_objects, READ),
            rule(&["apps", "batch"], WORKLOADS, READ),
        ],
        _ => return None,
    })
}

impl Rbac {
    /// Builds the RBAC model from the Kubernetes objects of the system.
    pub fn build(objects: &[KubeObject]) -> Rbac {
        let mut rbac = Rbac::default();
        let is_rbac = |o: &KubeObject| o.api_version.starts_with("rbac.authorization.k8s.io/");
        for obj in objects.iter().filter(|o| is_rbac(o)) {
            let kind = match obj.kind.as_str() {
                "Role" => RoleKind::Role,
                "ClusterRole" => RoleKind::ClusterRole,
                _ => continue,
            };
            let namespace = (kind == RoleKind::Role)
                .then(|| obj.namespace.clone().unwrap_or_else(|| "default".into()));
            let mut rules = parse_rules(obj);
            // The API server reconciles the default ClusterRoles at start-up,
            // adding back whatever a definition lacks: `cluster-admin` keeps
            // `*` whatever a manifest writes.
            if kind == RoleKind::ClusterRole {
                rules.extend(builtin_rules(&obj.name).unwrap_or_default());
            }
            rbac.add_role(Role {
                kind,
                name: obj.name.clone(),
                namespace,
                labels: obj.labels.clone(),
                rules,
                aggregated_from: Vec::new(),
                location: Some(obj.location.clone()),
                managed: is_managed(obj),
            });
        }
        rbac.aggregate(objects);
        for obj in objects.iter().filter(|o| is_rbac(o)) {
            let kind = match obj.kind.as_str() {
                "RoleBinding" => BindingKind::RoleBinding,
                "ClusterRoleBinding" => BindingKind::ClusterRoleBinding,
                _ => continue,
            };
            rbac.add_binding(obj, kind);
        }
        rbac
    }

    fn add_role(&mut self, role: Role) -> usize {
        let key = (role.kind, role.namespace.clone(), role.name.clone());
        let index = self.roles.len();
        self.roles.push(role);
        // A later definition of the same role replaces the earlier one, as
        // `kubectl apply` would.
        self.roles_by_name.insert(key, index);
        index
    }

    /// Fills `aggregated_from` of each ClusterRole with an
    /// `aggregationRule`: every ClusterRole whose labels match one of its
    /// `clusterRoleSelectors` (indexed by label, not scanned per selector).
    fn aggregate(&mut self, objects: &[KubeObject]) {
        let mut by_label: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
        for (i, role) in self.roles.iter().enumerate() {
            if role.kind == RoleKind::ClusterRole {
                for (k, v) in &role.labels {
                    by_label.entry((k, v)).or_default().push(i);
                }
            }
        }
        let mut updates = Vec::new();
        for obj in objects {
            if obj.kind != "ClusterRole" {
                continue;
            }
            let Some(selectors) = obj
                .node
                .path(&["aggregationRule", "clusterRoleSelectors"])
                .and_then(Node::as_seq)
            else {
                continue;
            };
            let key = (RoleKind::ClusterRole, None, obj.name.clone());
            let Some(&target) = self.roles_by_name.get(&key) else {
                continue;
            };
            let mut members = Vec::new();
            for selector in selectors {
                let wanted: Vec<(&str, &str)> = selector
                    .get("matchLabels")
                    .map(|m| {
                        m.str_entries()
                            .filter_map(|(k, v)| Some((k, v.as_str()?)))
                            .collect()
                    })
                    .unwrap_or_default();
                // An empty selector would match everything; the API server
                // rejects it, so do we.
                let Some(first) = wanted.first() else {
                    continue;
                };
                for &candidate in by_label.get(first).map(Vec::as_slice).unwrap_or(&[]) {
                    let labels = &self.roles[candidate].labels;
                    if candidate != target
                        && wanted
                            .iter()
                            .all(|(k, v)| labels.get(*k).map(String::as_str) == Some(*v))
                        && !members.contains(&candidate)
                    {
                        members.push(candidate);
                    }
                }
            }
            updates.push((target, members));
        }
        for (target, members) in updates {
            self.roles[target].aggregated_from = members;
        }
    }

    /// The role a `roleRef` names, adding a built-in one on first use.
    fn resolve_role(
        &mut self,
        kind: RoleKind,
        namespace: Option<&str>,
        name: &str,
    ) -> Option<usize> {
        let ns = (kind == RoleKind::Role).then(|| namespace.unwrap_or("default").to_string());
        let key = (kind, ns, name.to_string());
        if let Some(&i) = self.roles_by_name.get(&key) {
            return Some(i);
        }
        if kind != RoleKind::ClusterRole {
            return None;
        }
        let rules = builtin_rules(name)?;
        Some(self.add_role(Role {
            kind,
            name: name.to_string(),
            namespace: None,
            labels: BTreeMap::new(),
            rules,
            aggregated_from: Vec::new(),
            location: None,
            managed: true,
        }))
    }

    fn add_binding(&mut self, obj: &KubeObject, kind: BindingKind) {
        let Some(role_ref) = obj.node.get("roleRef") else {
            return;
        };
        let Some(role_name) = role_ref.get("name").and_then(Node::as_str) else {
            return;
        };
        let role_kind = match role_ref.get("kind").and_then(Node::as_str) {
            Some("Role") => RoleKind::Role,
            _ => RoleKind::ClusterRole,
        };
        let namespace = (kind == BindingKind::RoleBinding)
            .then(|| obj.namespace.clone().unwrap_or_else(|| "default".into()));
        let role = self.resolve_role(role_kind, namespace.as_deref(), role_name);
        let mut subjects = Vec::new();
        for s in obj
            .node
            .get("subjects")
            .and_then(Node::as_seq)
            .unwrap_or(&[])
        {
            let Some(name) = s.get("name").and_then(Node::as_str) else {
                continue;
            };
            let subject_kind = match s.get("kind").and_then(Node::as_str) {
                Some("ServiceAccount") => SubjectKind::ServiceAccount,
                Some("User") => SubjectKind::User,
                Some("Group") => SubjectKind::Group,
                _ => continue,
            };
            let sa_namespace = (subject_kind == SubjectKind::ServiceAccount).then(|| {
                s.get("namespace")
                    .and_then(Node::as_str)
                    .map(str::to_string)
                    .or_else(|| namespace.clone())
                    .unwrap_or_else(|| "default".into())
            });
            subjects.push(Subject {
                key: SubjectKey {
                    kind: subject_kind,
                    name: name.to_string(),
                    namespace: sa_namespace,
                },
                location: obj.loc(s),
            });
        }
        let index = self.bindings.len();
        for s in &subjects {
            self.bindings_by_subject
                .entry(s.key.clone())
                .or_default()
                .push(index);
        }
        if let Some(r) = role {
            self.bindings_by_role.entry(r).or_default().push(index);
        }
        self.bindings.push(Binding {
            kind,
            name: obj.name.clone(),
            namespace,
            role_kind,
            role_name: role_name.to_string(),
            role,
            subjects,
            location: obj.location.clone(),
            role_ref_location: obj.loc(role_ref),
            managed: is_managed(obj),
        });
    }

    /// Bindings that grant a role (directly; not through aggregation).
    pub fn bindings_of_role(&self, role: usize) -> &[usize] {
        self.bindings_by_role.get(&role).map_or(&[], Vec::as_slice)
    }

    /// Bindings naming a subject.
    pub fn bindings_of(&self, subject: &SubjectKey) -> &[usize] {
        self.bindings_by_subject
            .get(subject)
            .map_or(&[], Vec::as_slice)
    }

    /// The role's rules with aggregation applied, as (role index, rule
    /// index) pairs: its own first, then each component's.
    pub fn effective_rules(&self, role: usize) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut seen = vec![role];
        let mut stack = vec![role];
        // Aggregation may nest (an aggregated role selected by another);
        // `seen` stops cycles.
        while let Some(r) = stack.pop() {
            let Some(current) = self.roles.get(r) else {
                continue;
            };
            out.extend((0..current.rules.len()).map(|i| (r, i)));
            for &m in &current.aggregated_from {
                if !seen.contains(&m) {
                    seen.push(m);
                    stack.push(m);
                }
            }
        }
        out
    }

    /// Whether `subject` may `verb` the `resource` (e.g. `pods/exec`) in
    /// `namespace` (`None`: cluster-wide, granted only by
    /// ClusterRoleBindings). The evidence is the first granting binding and
    /// rule.
    pub fn can(
        &self,
        subject: &SubjectKey,
        verb: &str,
        resource: &str,
        namespace: Option<&str>,
    ) -> Option<Evidence> {
        for &b in self.bindings_of(subject) {
            let binding = &self.bindings[b];
            let in_scope = match (binding.scope(), namespace) {
                (None, _) => true,
                (Some(scope), Some(ns)) => scope == ns,
                (Some(_), None) => false,
            };
            if !in_scope {
                continue;
            }
            let Some(role) = binding.role else { continue };
            for (r, i) in self.effective_rules(role) {
                let rule = &self.roles[r].rules[i];
                if rule.allows(verb, resource) {
                    return Some(Evidence {
                        binding: b,
                        role: r,
                        rule: i,
                    });
                }
            }
        }
        None
    }

    /// The rule behind an [`Evidence`].
    pub fn rule(&self, evidence: &Evidence) -> Option<&PolicyRule> {
        self.roles.get(evidence.role)?.rules.get(evidence.rule)
    }
}

/// The API group a well-known resource lives in; `None` for resources we do
/// not know (any group then matches).
fn api_group_of(resource: &str) -> Option<&'static str> {
    let base = resource.split('/').next().unwrap_or(resource);
    Some(match base {
        "pods"
        | "secrets"
        | "nodes"
        | "serviceaccounts"
        | "services"
        | "configmaps"
        | "persistentvolumes"
        | "persistentvolumeclaims"
        | "namespaces"
        | "endpoints"
        | "replicationcontrollers"
        | "events" => "",
        "deployments" | "daemonsets" | "statefulsets" | "replicasets" => "apps",
        "jobs" | "cronjobs" => "batch",
        "roles" | "rolebindings" | "clusterroles" | "clusterrolebindings" => {
            "rbac.authorization.k8s.io"
        }
        "certificatesigningrequests" => "certificates.k8s.io",
        "users" | "groups" => "",
        "userextras" | "uids" => "authentication.k8s.io",
        "signers" => "certificates.k8s.io",
        "mutatingwebhookconfigurations" | "validatingwebhookconfigurations" => {
            "admissionregistration.k8s.io"
        }
        _ => return None,
    })
}

impl PolicyRule {
    pub fn has_verb(&self, verb: &str) -> bool {
        self.verbs
            .iter()
            .any(|v| v == "*" || v.eq_ignore_ascii_case(verb))
    }

    /// Whether a resource entry covers `resource`: `*` covers every
    /// resource and subresource, `*/scale` every `scale` subresource (the
    /// API server knows no other wildcard: `pods/*` matches nothing).
    pub fn has_resource(&self, resource: &str) -> bool {
        let sub = resource.split_once('/').map(|(_, s)| s);
        let group_ok = match api_group_of(resource) {
            Some(group) => self.api_groups.iter().any(|g| g == "*" || g == group),
            None => true,
        };
        group_ok
            && self.resources.iter().any(|r| {
                r == "*"
                    || r == resource
                    || match (r.split_once('/'), sub) {
                        (Some(("*", rs)), Some(s)) => rs == s,
                        _ => false,
                    }
            })
    }

    pub fn allows(&self, verb: &str, resource: &str) -> bool {
        self.has_verb(verb) && self.has_resource(resource)
    }

    pub fn wildcard_verbs(&self) -> bool {
        self.verbs.iter().any(|v| v == "*")
    }

    pub fn wildcard_resources(&self) -> bool {
        self.resources.iter().any(|r| r == "*")
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Builds systems from inline manifests for the cluster-level tests,
    //! independent of how far the Kubernetes loader has got: when the
    //! loader adds no objects, each document is kept here as a
    //! [`KubeObject`] and pod templates become minimal workloads.

    use std::sync::Arc;

    use crate::model::System;
    use crate::model::kubernetes::KubeObject;
    use crate::model::runtime::{Container, Platform, Port, Workload};
    use crate::parse::yaml::{self, Node};
    use crate::source::SourceFile;

    fn labels(node: Option<&Node>) -> std::collections::BTreeMap<String, String> {
        node.map(|n| {
            n.str_entries()
                .filter_map(|(k, v)| Some((k.to_string(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
    }

    fn workload(obj: &KubeObject) -> Option<Workload> {
        let pod = if obj.kind == "Pod" {
            &obj.node
        } else if obj.kind == "CronJob" {
            obj.node
                .path(&["spec", "jobTemplate", "spec", "template"])?
        } else {
            obj.node.path(&["spec", "template"])?
        };
        let spec = pod.get("spec")?;
        let mut containers = Vec::new();
        for c in spec.get("containers").and_then(Node::as_seq).unwrap_or(&[]) {
            let ports = c
                .get("ports")
                .and_then(Node::as_seq)
                .unwrap_or(&[])
                .iter()
                .map(|p| Port {
                    container_port: p
                        .get("containerPort")
                        .and_then(Node::as_i64)
                        .and_then(|n| u16::try_from(n).ok()),
                    host_port: p
                        .get("hostPort")
                        .and_then(Node::as_i64)
                        .and_then(|n| u16::try_from(n).ok()),
                    host_ip: None,
                    protocol: "TCP".into(),
                    location: obj.loc(p),
                })
                .collect();
            containers.push(Container {
                name: c.get("name").and_then(Node::as_str).unwrap_or("").into(),
                location: obj.loc(c),
                ports,
                ..Default::default()
            });
        }
        Some(Workload {
            platform: Platform::Kubernetes,
            kind: obj.kind.clone(),
            name: obj.name.clone(),
            namespace: Some(obj.namespace.clone().unwrap_or_else(|| "default".into())),
            location: obj.location.clone(),
            spec_location: obj.loc(spec),
            containers,
            pod_labels: labels(pod.path(&["metadata", "labels"])),
            ..Default::default()
        })
    }

    pub fn objects(path: &str, text: &str) -> Vec<KubeObject> {
        let source = Arc::new(SourceFile::new(path, text.to_string()));
        let (docs, _) = yaml::parse_stream(&source);
        let mut out = Vec::new();
        for doc in docs {
            let root = doc.root;
            let (Some(api_version), Some(kind)) = (
                root.get("apiVersion").and_then(Node::as_str),
                root.get("kind").and_then(Node::as_str),
            ) else {
                continue;
            };
            let meta = root.get("metadata");
            let text = |k: &str| {
                meta.and_then(|m| m.get(k))
                    .and_then(Node::as_str)
                    .map(str::to_string)
            };
            out.push(KubeObject {
                api_version: api_version.to_string(),
                kind: kind.to_string(),
                name: text("name").unwrap_or_default(),
                namespace: text("namespace"),
                labels: labels(meta.and_then(|m| m.get("labels"))),
                annotations: labels(meta.and_then(|m| m.get("annotations"))),
                location: source.location(&root.span),
                node: root,
                source: source.clone(),
            });
        }
        out
    }

    /// A resolved system from in-memory manifests.
    pub fn kube_system(files: &[(&str, &str)]) -> System {
        let mut system = crate::analyse::rules::testing::system(files);
        if system.kube_objects.is_empty() {
            let loader_makes_workloads = !system.workloads.is_empty();
            for (path, text) in files {
                system.kube_objects.extend(objects(path, text));
            }
            if !loader_makes_workloads {
                let made: Vec<Workload> = system.kube_objects.iter().filter_map(workload).collect();
                system.workloads.extend(made);
            }
            crate::model::resolve::resolve(&mut system);
        }
        system
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::objects;
    use super::*;

    fn rbac(text: &str) -> Rbac {
        Rbac::build(&objects("rbac.yaml", text))
    }

    const AGGREGATED: &str = "\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: monitoring
aggregationRule:
  clusterRoleSelectors:
  - matchLabels:
      rbac.example.com/aggregate-to-monitoring: \"true\"
rules: []
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: secret-reader
  labels:
    rbac.example.com/aggregate-to-monitoring: \"true\"
rules:
- apiGroups: [\"\"]
  resources: [\"secrets\"]
  verbs: [\"get\", \"list\"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: mon
  namespace: ops
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: monitoring
subjects:
- kind: ServiceAccount
  name: prometheus
";

    #[test]
    fn aggregated_cluster_role_unions_selected_roles() {
        let r = rbac(AGGREGATED);
        let sa = SubjectKey::service_account("ops", "prometheus");
        let ev = r.can(&sa, "list", "secrets", Some("ops")).expect("granted");
        assert_eq!(r.roles[ev.role].name, "secret-reader");
        assert_eq!(r.bindings[ev.binding].name, "mon");
        let rule = r
            .rule(&ev)
            .and_then(|x| x.location.clone())
            .expect("location");
        assert_eq!(rule.start_line, 18);
        // A RoleBinding grants only in its namespace, the SA's namespace
        // defaults to the binding's.
        assert!(r.can(&sa, "list", "secrets", Some("prod")).is_none());
        assert!(r.can(&sa, "list", "secrets", None).is_none());
        assert!(
            r.can(
                &SubjectKey::service_account("default", "prometheus"),
                "list",
                "secrets",
                Some("ops")
            )
            .is_none()
        );
        assert!(r.can(&sa, "delete", "secrets", Some("ops")).is_none());
    }

    #[test]
    fn wildcards_and_subresources() {
        let r = rbac(
            "\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: ops}
rules:
- apiGroups: [\"*\"]
  resources: [\"*\"]
  verbs: [\"get\"]
- apiGroups: [\"\"]
  resources: [\"*/exec\"]
  verbs: [\"*\"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ops}
roleRef: {kind: ClusterRole, name: ops, apiGroup: rbac.authorization.k8s.io}
subjects:
- {kind: User, name: alice}
- {kind: Group, name: devs}
",
        );
        let alice = SubjectKey::user("alice");
        assert!(r.can(&alice, "get", "secrets", None).is_some());
        assert!(r.can(&alice, "get", "nodes/proxy", Some("x")).is_some());
        assert!(r.can(&alice, "delete", "secrets", None).is_none());
        let ev = r
            .can(&SubjectKey::group("devs"), "create", "pods/exec", Some("a"))
            .expect("exec");
        assert_eq!(ev.rule, 1);
        // `*/exec` is not `pods/attach`, and the core group does not hold
        // deployments.
        assert!(r.can(&alice, "create", "pods/attach", None).is_none());
        let rule = &r.roles[0].rules[1];
        assert!(!rule.allows("create", "deployments"));
    }

    #[test]
    fn builtin_roles_are_known_by_name() {
        let r = rbac(
            "\
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: devs-edit, namespace: team}
roleRef: {kind: ClusterRole, name: edit, apiGroup: rbac.authorization.k8s.io}
subjects:
- {kind: ServiceAccount, name: ci, namespace: tools}
",
        );
        let ci = SubjectKey::service_account("tools", "ci");
        let ev = r
            .can(&ci, "create", "pods/exec", Some("team"))
            .expect("edit allows exec");
        assert!(r.roles[ev.role].is_builtin());
        assert!(r.can(&ci, "create", "pods/exec", Some("tools")).is_none());
        assert_eq!(r.bindings[0].role_ref_location.start_line, 4);
    }

    #[test]
    fn unknown_role_ref_resolves_to_nothing() {
        let r = rbac(
            "\
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: b}
roleRef: {kind: Role, name: missing}
subjects: [{kind: User, name: bob}]
",
        );
        assert!(r.bindings[0].role.is_none());
        assert!(
            r.can(&SubjectKey::user("bob"), "get", "pods", Some("default"))
                .is_none()
        );
    }

    #[test]
    fn many_bindings_are_indexed() {
        let mut text = String::new();
        for i in 0..2000 {
            text.push_str(&format!(
                "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {{name: r{i}, namespace: n{i}}}\nrules:\n- {{apiGroups: [\"\"], resources: [pods], verbs: [get]}}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {{name: b{i}, namespace: n{i}}}\nroleRef: {{kind: Role, name: r{i}}}\nsubjects: [{{kind: ServiceAccount, name: sa{i}}}]\n"
            ));
        }
        let r = rbac(&text);
        assert_eq!(r.bindings.len(), 2000);
        assert!(r.bindings.iter().all(|b| b.role.is_some()));
        let sa = SubjectKey::service_account("n1999", "sa1999");
        assert!(r.can(&sa, "get", "pods", Some("n1999")).is_some());
        assert_eq!(r.bindings_of(&sa).len(), 1);
    }
}
