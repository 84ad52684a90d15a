//! The control plane as its manifests configure it: static pods (or any
//! Pod) running `kube-apiserver`, `kube-controller-manager`,
//! `kube-scheduler`, `etcd` or `kubelet`, with their command-line flags, and
//! `KubeletConfiguration` files.

use std::collections::HashMap;

use super::kubernetes::KubeObject;
use crate::parse::yaml::Node;
use crate::source::Location;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ComponentKind {
    ApiServer,
    ControllerManager,
    Scheduler,
    Etcd,
    Kubelet,
}

impl ComponentKind {
    fn from_program(program: &str) -> Option<ComponentKind> {
        let base = program.rsplit('/').next().unwrap_or(program);
        Some(match base {
            "kube-apiserver" => ComponentKind::ApiServer,
            "kube-controller-manager" => ComponentKind::ControllerManager,
            "kube-scheduler" => ComponentKind::Scheduler,
            "etcd" => ComponentKind::Etcd,
            "kubelet" => ComponentKind::Kubelet,
            _ => return None,
        })
    }

    pub fn program(self) -> &'static str {
        match self {
            ComponentKind::ApiServer => "kube-apiserver",
            ComponentKind::ControllerManager => "kube-controller-manager",
            ComponentKind::Scheduler => "kube-scheduler",
            ComponentKind::Etcd => "etcd",
            ComponentKind::Kubelet => "kubelet",
        }
    }
}

/// One `--flag` with its value (`None` for a bare boolean flag).
#[derive(Debug, Clone)]
pub struct Flag {
    pub name: String,
    pub value: Option<String>,
    pub location: Location,
}

impl Flag {
    /// The value a bare flag stands for (`--profiling` = `true`).
    pub fn text(&self) -> &str {
        self.value.as_deref().unwrap_or("true")
    }
}

/// A control-plane process found in a Pod.
#[derive(Debug, Clone)]
pub struct Component {
    pub kind: ComponentKind,
    /// The Pod's name.
    pub pod: String,
    /// The container's `command` (else the container): findings about a
    /// missing flag point here.
    pub location: Location,
    flags: HashMap<String, Flag>,
}

impl Component {
    /// A flag by name without dashes (`anonymous-auth`); the last one
    /// written wins, as with the Go flag package.
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.get(name)
    }

    /// The comma-separated values of a list flag.
    pub fn list(&self, name: &str) -> Vec<&str> {
        self.flag(name)
            .map(|f| {
                f.text()
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A `KubeletConfiguration` object.
#[derive(Debug, Clone)]
pub struct KubeletConfig {
    pub node: Node,
    pub location: Location,
    object: usize,
}

/// Settings of every control-plane component and kubelet in the input.
#[derive(Debug, Default)]
pub struct ControlPlane {
    pub components: Vec<Component>,
    pub kubelet_configs: Vec<KubeletConfig>,
}

impl ControlPlane {
    pub fn build(objects: &[KubeObject]) -> ControlPlane {
        let mut cp = ControlPlane::default();
        for (i, obj) in objects.iter().enumerate() {
            if obj.kind == "KubeletConfiguration" {
                cp.kubelet_configs.push(KubeletConfig {
                    node: obj.node.clone(),
                    location: obj.location.clone(),
                    object: i,
                });
                continue;
            }
            let spec = match obj.kind.as_str() {
                "Pod" => obj.node.get("spec"),
                // A control plane run as a DaemonSet or Deployment (some
                // self-hosted set-ups) has the same flags.
                "DaemonSet" | "Deployment" | "StatefulSet" => {
                    obj.node.path(&["spec", "template", "spec"])
                }
                _ => None,
            };
            let Some(containers) = spec
                .and_then(|s| s.get("containers"))
                .and_then(Node::as_seq)
            else {
                continue;
            };
            for c in containers {
                if let Some(component) = component(obj, c) {
                    cp.components.push(component);
                }
            }
        }
        cp
    }

    pub fn of_kind(&self, kind: ComponentKind) -> impl Iterator<Item = &Component> {
        self.components.iter().filter(move |c| c.kind == kind)
    }
}

impl KubeletConfig {
    /// The object this configuration came from, for its location helper.
    pub fn object<'a>(&self, objects: &'a [KubeObject]) -> Option<&'a KubeObject> {
        objects.get(self.object)
    }
}

/// The component an image runs by default, from its repository name:
/// `registry.k8s.io/etcd:3.5.9-0`, `gcr.io/google_containers/kube-apiserver-amd64:v1.6.0`.
fn program_of_image(image: &str) -> Option<ComponentKind> {
    let without_digest = image.split('@').next().unwrap_or(image);
    let name = without_digest.rsplit('/').next().unwrap_or(without_digest);
    let repo = name.split(':').next().unwrap_or(name);
    let repo = ["-amd64", "-arm64", "-arm", "-ppc64le", "-s390x"]
        .iter()
        .find_map(|arch| repo.strip_suffix(arch))
        .unwrap_or(repo);
    ComponentKind::from_program(repo)
}

fn component(obj: &KubeObject, container: &Node) -> Option<Component> {
    let command = container
        .get("command")
        .and_then(Node::as_seq)
        .unwrap_or(&[]);
    let args = container.get("args").and_then(Node::as_seq).unwrap_or(&[]);
    let words: Vec<&Node> = command.iter().chain(args).collect();
    // With no `command`, the image's entrypoint runs and `args` are its
    // flags: `image: …/etcd:3.5` with `args: [--peer-client-cert-auth=false]`.
    let (kind, rest) = if command.is_empty() {
        let program = container
            .get("image")
            .and_then(Node::as_str)
            .and_then(program_of_image)?;
        match words.split_first() {
            Some((first, tail)) if first.as_str() == Some(program.program()) => (program, tail),
            _ => (program, &words[..]),
        }
    } else {
        let (first, rest) = words.split_first()?;
        (ComponentKind::from_program(first.as_str()?)?, rest)
    };
    let mut flags = HashMap::new();
    let mut i = 0;
    while let Some(word) = rest.get(i) {
        i += 1;
        let Some(text) = word.as_str() else { continue };
        let Some(body) = text.strip_prefix("--").or_else(|| text.strip_prefix('-')) else {
            continue;
        };
        let (name, value) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => {
                // `--flag value`: the next word, unless it is a flag itself.
                let next = rest
                    .get(i)
                    .and_then(|n| n.as_str().map(str::to_string).or_else(|| scalar(n)));
                match next {
                    Some(v) if !v.starts_with('-') => {
                        i += 1;
                        (body, Some(v))
                    }
                    _ => (body, None),
                }
            }
        };
        flags.insert(
            name.to_string(),
            Flag {
                name: name.to_string(),
                value,
                location: obj.loc(word),
            },
        );
    }
    Some(Component {
        kind,
        pod: obj.name.clone(),
        location: container
            .get("command")
            .map_or_else(|| obj.loc(container), |c| obj.loc(c)),
        flags,
    })
}

fn scalar(node: &Node) -> Option<String> {
    use crate::parse::yaml::Value;
    match &node.value {
        Value::Int(i) => Some(i.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::rbac::test_support::objects;

    #[test]
    fn reads_flags_in_both_forms_from_command_and_args() {
        let objs = objects(
            "kube-apiserver.yaml",
            "\
apiVersion: v1
kind: Pod
metadata: {name: kube-apiserver, namespace: kube-system}
spec:
  containers:
  - name: kube-apiserver
    image: registry.k8s.io/kube-apiserver:v1.30.0
    command:
    - /usr/local/bin/kube-apiserver
    - --anonymous-auth=false
    - --authorization-mode
    - Node,RBAC
    - --profiling
    args:
    - --secure-port=6443
    - --audit-log-maxage
    - 30
",
        );
        let cp = ControlPlane::build(&objs);
        let api = cp
            .of_kind(ComponentKind::ApiServer)
            .next()
            .expect("apiserver");
        assert_eq!(api.flag("anonymous-auth").map(Flag::text), Some("false"));
        assert_eq!(api.list("authorization-mode"), vec!["Node", "RBAC"]);
        assert_eq!(
            api.flag("authorization-mode")
                .map(|f| f.location.start_line),
            Some(11)
        );
        assert_eq!(api.flag("profiling").map(Flag::text), Some("true"));
        assert_eq!(api.flag("secure-port").map(Flag::text), Some("6443"));
        assert_eq!(api.flag("audit-log-maxage").map(Flag::text), Some("30"));
        assert_eq!(api.location.start_line, 9);
    }

    #[test]
    fn other_programs_are_not_components() {
        let objs = objects(
            "p.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers:\n  - {name: a, command: [etcdctl, get]}\n  - {name: b, args: [--x]}\n",
        );
        assert!(ControlPlane::build(&objs).components.is_empty());
    }

    #[test]
    fn program_comes_from_the_image_when_there_is_no_command() {
        assert_eq!(
            program_of_image("gcr.io/google_containers/kube-apiserver-amd64:v1.6.0"),
            Some(ComponentKind::ApiServer)
        );
        assert_eq!(
            program_of_image("registry.k8s.io/etcd:3.5.9-0@sha256:abc"),
            Some(ComponentKind::Etcd)
        );
        assert_eq!(program_of_image("bitnami/etcd-operator:1"), None);
        assert_eq!(program_of_image(""), None);
        // `args` starting with the program name itself are not a flag.
        let objs = objects(
            "p.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers:\n  - {name: a, image: 'registry.k8s.io/kube-scheduler:v1.30.0', args: [kube-scheduler, --profiling=false]}\n",
        );
        let cp = ControlPlane::build(&objs);
        let s = cp
            .of_kind(ComponentKind::Scheduler)
            .next()
            .expect("scheduler");
        assert_eq!(s.flag("profiling").map(Flag::text), Some("false"));
    }
}
