//! Network exposure: Services, Ingresses and NetworkPolicies joined to the
//! Kubernetes workloads they select, through an index from `key=value`
//! labels to workloads (never every selector against every workload).

use std::collections::{BTreeMap, HashMap};

use super::kubernetes::KubeObject;
use super::runtime::{Platform, Workload};
use crate::parse::yaml::Node;
use crate::source::Location;

/// A label selector: `matchLabels` plus `matchExpressions` (or a Service's
/// plain map, which is `matchLabels` only).
#[derive(Debug, Clone, Default)]
pub struct Selector {
    pub match_labels: Vec<(String, String)>,
    pub expressions: Vec<Expression>,
}

#[derive(Debug, Clone)]
pub struct Expression {
    pub key: String,
    /// `In`, `NotIn`, `Exists`, `DoesNotExist`.
    pub operator: String,
    pub values: Vec<String>,
}

impl Selector {
    /// Parses `{matchLabels, matchExpressions}`.
    pub fn from_label_selector(node: &Node) -> Selector {
        let mut selector = Selector {
            match_labels: node.get("matchLabels").map(pairs).unwrap_or_default(),
            expressions: Vec::new(),
        };
        for e in node
            .get("matchExpressions")
            .and_then(Node::as_seq)
            .unwrap_or(&[])
        {
            let (Some(key), Some(operator)) = (
                e.get("key").and_then(Node::as_str),
                e.get("operator").and_then(Node::as_str),
            ) else {
                continue;
            };
            let values = e
                .get("values")
                .and_then(Node::as_seq)
                .unwrap_or(&[])
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect();
            selector.expressions.push(Expression {
                key: key.to_string(),
                operator: operator.to_string(),
                values,
            });
        }
        selector
    }

    /// A selector with nothing in it selects every pod of the namespace.
    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.expressions.is_empty()
    }

    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| labels.get(k) == Some(v))
            && self.expressions.iter().all(|e| {
                let value = labels.get(&e.key);
                match e.operator.as_str() {
                    "In" => value.is_some_and(|v| e.values.contains(v)),
                    "NotIn" => value.is_none_or(|v| !e.values.contains(v)),
                    "Exists" => value.is_some(),
                    "DoesNotExist" => value.is_none(),
                    // An operator the API server would reject selects nothing.
                    _ => false,
                }
            })
    }
}

fn pairs(node: &Node) -> Vec<(String, String)> {
    node.str_entries()
        .filter_map(|(k, v)| Some((k.to_string(), scalar(v)?)))
        .collect()
}

/// A label value: strings, but also unquoted numbers and booleans.
fn scalar(node: &Node) -> Option<String> {
    use crate::parse::yaml::Value;
    match &node.value {
        Value::String(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn namespace_of(obj: &KubeObject) -> String {
    obj.namespace.clone().unwrap_or_else(|| "default".into())
}

#[derive(Debug, Clone)]
pub struct ServicePort {
    pub port: Option<i64>,
    pub node_port: Option<i64>,
    pub location: Location,
}

#[derive(Debug, Clone)]
pub struct Service {
    pub name: String,
    pub namespace: String,
    /// `ClusterIP` when unset.
    pub service_type: String,
    /// Where `type` is written, else the object.
    pub type_location: Location,
    /// `None`: no selector (endpoints managed by hand).
    pub selector: Option<Selector>,
    pub ports: Vec<ServicePort>,
    pub external_ips: Vec<(String, Location)>,
    /// `spec.loadBalancerSourceRanges` or the cloud annotation.
    pub source_ranges: Vec<(String, Location)>,
    pub location: Location,
    /// Indexes into `System::workloads`.
    pub workloads: Vec<usize>,
}

impl Service {
    /// Reachable from outside the cluster network.
    pub fn is_external(&self) -> bool {
        matches!(self.service_type.as_str(), "NodePort" | "LoadBalancer")
            || !self.external_ips.is_empty()
    }
}

/// One backend of an Ingress (a Service name and where it is written).
#[derive(Debug, Clone)]
pub struct IngressBackend {
    pub service: String,
    pub location: Location,
}

#[derive(Debug, Clone)]
pub struct Ingress {
    pub name: String,
    pub namespace: String,
    pub backends: Vec<IngressBackend>,
    /// Hosts of `spec.rules`, with their locations.
    pub hosts: Vec<(String, Location)>,
    /// Whether `spec.tls` has at least one entry, and the hosts it covers.
    pub has_tls: bool,
    pub tls_hosts: Vec<String>,
    pub spec_location: Location,
    pub location: Location,
}

#[derive(Debug, Clone)]
pub struct NetworkPolicy {
    pub name: String,
    pub namespace: String,
    pub pod_selector: Selector,
    /// Effective `policyTypes`: as written, else `Ingress` plus `Egress`
    /// when egress rules exist.
    pub ingress: bool,
    pub egress: bool,
    pub location: Location,
    /// Indexes into `System::workloads`.
    pub workloads: Vec<usize>,
}

/// How a workload can be reached from outside the cluster.
#[derive(Debug, Clone)]
pub enum ExposureVia {
    /// Index into [`Network::services`].
    Service(usize),
    /// Index into [`Network::ingresses`] and the backend.
    Ingress(usize, usize),
    /// A container's `hostPort`.
    HostPort(Location),
}

/// Exposure and isolation of one workload.
#[derive(Debug, Clone, Default)]
pub struct WorkloadNetwork {
    pub exposed_by: Vec<ExposureVia>,
    /// NetworkPolicies selecting it (indexes into [`Network::policies`]).
    pub policies: Vec<usize>,
}

impl WorkloadNetwork {
    /// Selected by a policy that restricts incoming traffic.
    pub fn ingress_isolated(&self, network: &Network) -> bool {
        self.policies
            .iter()
            .any(|&p| network.policies.get(p).is_some_and(|p| p.ingress))
    }

    /// Selected by a policy that restricts outgoing traffic.
    pub fn egress_isolated(&self, network: &Network) -> bool {
        self.policies
            .iter()
            .any(|&p| network.policies.get(p).is_some_and(|p| p.egress))
    }
}

/// The resolved network view of the system.
#[derive(Debug, Default)]
pub struct Network {
    pub services: Vec<Service>,
    pub ingresses: Vec<Ingress>,
    pub policies: Vec<NetworkPolicy>,
    /// Parallel to `System::workloads` (empty entries for non-Kubernetes
    /// workloads).
    pub workloads: Vec<WorkloadNetwork>,
}

/// Index of Kubernetes workloads by namespace and by `key=value` label
/// (shared with rules that match selectors of their own, e.g. TB528).
pub(crate) struct LabelIndex<'a> {
    by_namespace: HashMap<&'a str, Vec<usize>>,
    by_label: HashMap<(&'a str, &'a str, &'a str), Vec<usize>>,
}

impl<'a> LabelIndex<'a> {
    pub(crate) fn new(workloads: &'a [Workload]) -> Self {
        let mut index = LabelIndex {
            by_namespace: HashMap::new(),
            by_label: HashMap::new(),
        };
        for (i, w) in workloads.iter().enumerate() {
            if w.platform != Platform::Kubernetes {
                continue;
            }
            let ns = w.namespace.as_deref().unwrap_or("default");
            index.by_namespace.entry(ns).or_default().push(i);
            for (k, v) in &w.pod_labels {
                index.by_label.entry((ns, k, v)).or_default().push(i);
            }
        }
        index
    }

    /// Workloads of `namespace` the selector selects: candidates from the
    /// rarest `matchLabels` pair, each then checked in full.
    pub(crate) fn select(
        &self,
        workloads: &[Workload],
        namespace: &str,
        selector: &Selector,
    ) -> Vec<usize> {
        let candidates: &[usize] = if selector.match_labels.is_empty() {
            self.by_namespace.get(namespace).map_or(&[], Vec::as_slice)
        } else {
            selector
                .match_labels
                .iter()
                .map(|(k, v)| {
                    self.by_label
                        .get(&(namespace, k.as_str(), v.as_str()))
                        .map_or(&[][..], Vec::as_slice)
                })
                .min_by_key(|c| c.len())
                .unwrap_or(&[])
        };
        candidates
            .iter()
            .copied()
            .filter(|&i| selector.matches(&workloads[i].pod_labels))
            .collect()
    }

    /// How many Kubernetes workloads `namespace` has (`None`: none scanned).
    pub(crate) fn namespace_size(&self, namespace: &str) -> Option<usize> {
        self.by_namespace.get(namespace).map(Vec::len)
    }
}

impl Network {
    pub fn build(objects: &[KubeObject], workloads: &[Workload]) -> Network {
        let index = LabelIndex::new(workloads);
        let mut network = Network {
            workloads: vec![WorkloadNetwork::default(); workloads.len()],
            ..Default::default()
        };
        for obj in objects {
            match obj.kind.as_str() {
                "Service" if obj.api_version == "v1" => {
                    let mut service = parse_service(obj);
                    if let Some(selector) = &service.selector {
                        service.workloads = index.select(workloads, &service.namespace, selector);
                    }
                    network.services.push(service);
                }
                "Ingress" => network.ingresses.push(parse_ingress(obj)),
                "NetworkPolicy" => {
                    let mut policy = parse_policy(obj);
                    policy.workloads =
                        index.select(workloads, &policy.namespace, &policy.pod_selector);
                    let p = network.policies.len();
                    for &w in &policy.workloads {
                        network.workloads[w].policies.push(p);
                    }
                    network.policies.push(policy);
                }
                _ => {}
            }
        }
        let mut services_by_name: HashMap<(&str, &str), usize> = HashMap::new();
        for (i, s) in network.services.iter().enumerate() {
            services_by_name.insert((&s.namespace, &s.name), i);
            if s.is_external() {
                for &w in &s.workloads {
                    network.workloads[w]
                        .exposed_by
                        .push(ExposureVia::Service(i));
                }
            }
        }
        let mut via_ingress = Vec::new();
        for (i, ingress) in network.ingresses.iter().enumerate() {
            for (b, backend) in ingress.backends.iter().enumerate() {
                if let Some(&s) = services_by_name.get(&(&ingress.namespace, &backend.service)) {
                    for &w in &network.services[s].workloads {
                        via_ingress.push((w, ExposureVia::Ingress(i, b)));
                    }
                }
            }
        }
        for (w, via) in via_ingress {
            network.workloads[w].exposed_by.push(via);
        }
        for (i, w) in workloads.iter().enumerate() {
            if w.platform != Platform::Kubernetes {
                continue;
            }
            for port in w.containers.iter().flat_map(|c| &c.ports) {
                if port.host_port.is_some_and(|p| p != 0) {
                    network.workloads[i]
                        .exposed_by
                        .push(ExposureVia::HostPort(port.location.clone()));
                }
            }
        }
        network
    }

    /// Human-readable description and location of an exposure.
    pub fn describe(&self, via: &ExposureVia) -> Option<(String, Location)> {
        match via {
            ExposureVia::Service(s) => {
                let s = self.services.get(*s)?;
                let how = if s.is_external()
                    && !matches!(s.service_type.as_str(), "NodePort" | "LoadBalancer")
                {
                    "externalIPs".to_string()
                } else {
                    s.service_type.clone()
                };
                Some((
                    format!("exposed by {} Service `{}`", how, s.name),
                    s.type_location.clone(),
                ))
            }
            ExposureVia::Ingress(i, b) => {
                let ingress = self.ingresses.get(*i)?;
                let backend = ingress.backends.get(*b)?;
                Some((
                    format!(
                        "exposed by Ingress `{}` (backend Service `{}`)",
                        ingress.name, backend.service
                    ),
                    backend.location.clone(),
                ))
            }
            ExposureVia::HostPort(location) => {
                Some(("exposed by a hostPort".into(), location.clone()))
            }
        }
    }
}

fn parse_service(obj: &KubeObject) -> Service {
    let spec = obj.node.get("spec");
    let get = |k: &str| spec.and_then(|s| s.get(k));
    let type_node = get("type");
    let list = |node: Option<&Node>| -> Vec<(String, Location)> {
        node.and_then(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .filter_map(|n| Some((n.as_str()?.to_string(), obj.loc(n))))
            .collect()
    };
    let mut source_ranges = list(get("loadBalancerSourceRanges"));
    if source_ranges.is_empty()
        && let Some(annotation) = obj.node.path(&[
            "metadata",
            "annotations",
            "service.beta.kubernetes.io/load-balancer-source-ranges",
        ])
        && let Some(text) = annotation.as_str()
    {
        source_ranges = text
            .split(',')
            .map(|r| (r.trim().to_string(), obj.loc(annotation)))
            .filter(|(r, _)| !r.is_empty())
            .collect();
    }
    Service {
        name: obj.name.clone(),
        namespace: namespace_of(obj),
        service_type: type_node
            .and_then(Node::as_str)
            .unwrap_or("ClusterIP")
            .to_string(),
        type_location: type_node.map_or_else(|| obj.location.clone(), |n| obj.loc(n)),
        selector: get("selector")
            .filter(|s| s.as_map().is_some())
            .map(|s| Selector {
                match_labels: pairs(s),
                expressions: Vec::new(),
            }),
        ports: get("ports")
            .and_then(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .map(|p| ServicePort {
                port: p.get("port").and_then(Node::as_i64),
                node_port: p.get("nodePort").and_then(Node::as_i64),
                location: obj.loc(p),
            })
            .collect(),
        external_ips: list(get("externalIPs")),
        source_ranges,
        location: obj.location.clone(),
        workloads: Vec::new(),
    }
}

fn parse_ingress(obj: &KubeObject) -> Ingress {
    let spec = obj.node.get("spec");
    let mut backends = Vec::new();
    let mut push_backend = |node: &Node| {
        // networking.k8s.io/v1 `service.name`, v1beta1 `serviceName`.
        let name = node
            .path(&["service", "name"])
            .or_else(|| node.get("serviceName"))
            .and_then(Node::as_str);
        if let Some(name) = name {
            backends.push(IngressBackend {
                service: name.to_string(),
                location: obj.loc(node),
            });
        }
    };
    if let Some(default) = spec.and_then(|s| s.get("defaultBackend").or_else(|| s.get("backend"))) {
        push_backend(default);
    }
    let mut hosts = Vec::new();
    for rule in spec
        .and_then(|s| s.get("rules"))
        .and_then(Node::as_seq)
        .unwrap_or(&[])
    {
        if let Some(host) = rule.get("host")
            && let Some(h) = host.as_str()
        {
            hosts.push((h.to_string(), obj.loc(host)));
        }
        for path in rule
            .path(&["http", "paths"])
            .and_then(Node::as_seq)
            .unwrap_or(&[])
        {
            if let Some(backend) = path.get("backend") {
                push_backend(backend);
            }
        }
    }
    let tls = spec
        .and_then(|s| s.get("tls"))
        .and_then(Node::as_seq)
        .unwrap_or(&[]);
    let tls_hosts = tls
        .iter()
        .flat_map(|t| t.get("hosts").and_then(Node::as_seq).unwrap_or(&[]))
        .filter_map(|h| h.as_str().map(str::to_string))
        .collect();
    Ingress {
        name: obj.name.clone(),
        namespace: namespace_of(obj),
        backends,
        hosts,
        has_tls: !tls.is_empty(),
        tls_hosts,
        spec_location: spec.map_or_else(|| obj.location.clone(), |s| obj.loc(s)),
        location: obj.location.clone(),
    }
}

fn parse_policy(obj: &KubeObject) -> NetworkPolicy {
    let spec = obj.node.get("spec");
    let pod_selector = spec
        .and_then(|s| s.get("podSelector"))
        .map(Selector::from_label_selector)
        .unwrap_or_default();
    let types: Vec<&str> = spec
        .and_then(|s| s.get("policyTypes"))
        .and_then(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(Node::as_str)
        .collect();
    let (ingress, egress) = if types.is_empty() {
        (true, spec.and_then(|s| s.get("egress")).is_some())
    } else {
        (types.contains(&"Ingress"), types.contains(&"Egress"))
    };
    NetworkPolicy {
        name: obj.name.clone(),
        namespace: namespace_of(obj),
        pod_selector,
        ingress,
        egress,
        location: obj.location.clone(),
        workloads: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use crate::model::rbac::test_support::kube_system;

    use super::*;

    #[test]
    fn joins_services_and_policies_by_selector() {
        let system = kube_system(&[(
            "app.yaml",
            "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata:
      labels: {app: web, tier: front}
    spec:
      containers: [{name: web, image: nginx}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: db, namespace: shop}
spec:
  template:
    metadata:
      labels: {app: db}
    spec:
      containers: [{name: db, image: postgres, ports: [{containerPort: 5432, hostPort: 5432}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-only, namespace: shop}
spec:
  podSelector:
    matchExpressions: [{key: app, operator: In, values: [db]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: other-ns, namespace: other}
spec:
  podSelector: {}
",
        )]);
        let n = &system.network;
        let web = system
            .workloads
            .iter()
            .position(|w| w.name == "web")
            .expect("web");
        let db = system
            .workloads
            .iter()
            .position(|w| w.name == "db")
            .expect("db");
        assert_eq!(n.services[0].workloads, vec![web]);
        assert_eq!(n.policies[0].workloads, vec![db]);
        assert!(n.policies[1].workloads.is_empty());
        assert!(!n.workloads[web].ingress_isolated(n));
        assert!(n.workloads[db].ingress_isolated(n));
        assert_eq!(n.workloads[web].exposed_by.len(), 1);
        let (what, loc) = n
            .describe(&n.workloads[web].exposed_by[0])
            .expect("described");
        assert!(what.contains("LoadBalancer"));
        assert_eq!(loc.start_line, 25);
        assert!(matches!(
            n.workloads[db].exposed_by[..],
            [ExposureVia::HostPort(_)]
        ));
    }

    #[test]
    fn selector_joins_scale_through_the_index() {
        let mut text = String::new();
        for i in 0..2000 {
            text.push_str(&format!(
                "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}, namespace: ns, labels: {{app: a{i}}}}}\nspec:\n  containers: [{{name: c, image: x}}]\n"
            ));
        }
        for i in 0..200 {
            text.push_str(&format!(
                "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: np{i}, namespace: ns}}\nspec:\n  podSelector: {{matchLabels: {{app: a{}}}}}\n",
                i * 10
            ));
            text.push_str(&format!(
                "---\napiVersion: v1\nkind: Service\nmetadata: {{name: s{i}, namespace: ns}}\nspec: {{type: NodePort, selector: {{app: a{}}}}}\n",
                i * 10 + 1
            ));
        }
        let system = kube_system(&[("big.yaml", &text)]);
        let n = &system.network;
        assert_eq!(n.policies.len(), 200);
        assert!(n.policies.iter().all(|p| p.workloads.len() == 1));
        assert_eq!(
            n.workloads
                .iter()
                .filter(|w| !w.policies.is_empty())
                .count(),
            200
        );
        assert_eq!(
            n.workloads
                .iter()
                .filter(|w| !w.exposed_by.is_empty())
                .count(),
            200
        );
    }
}
