//! Cluster-wide grounding: the API server's and kubelets' switches (read
//! from the findings that report them), what cluster-admin gives, and the
//! namespace-level powers expanded to the workloads, service accounts,
//! nodes and token secrets they reach.

use super::rbac::{scope_words, service_account, service_accounts};
use super::{ANY_WORKER, CONTROL_PLANE, Ground, fix_of};
use crate::analyse::attack::graph::{FactKind, NodeId, PrivKind};
use crate::model::rbac::SubjectKey;
use crate::model::runtime::Platform;

pub const CLUSTER_NETWORK: &str = "the kubernetes cluster network";

pub(crate) fn cluster_admin(g: &mut Ground<'_>) -> NodeId {
    g.graph.privilege(PrivKind::ClusterAdmin, "cluster", || {
        "control of the cluster API (cluster-admin)".into()
    })
}

pub(crate) fn exec_namespace(g: &mut Ground<'_>, scope: &str) -> NodeId {
    g.graph.privilege(PrivKind::ExecNamespace, scope, || {
        format!("exec into pods {}", scope_words(scope))
    })
}

/// A fact for each finding of `code` (control-plane switches).
fn facts_from(
    g: &mut Ground<'_>,
    code: &str,
    kind: FactKind,
) -> Vec<(NodeId, std::sync::Arc<str>)> {
    let mut out = Vec::new();
    for f in g.linker.all_of(code) {
        let subject = format!("{}:{}", f.location.path, f.location.start_line);
        let message = f.message.clone();
        let id = g.graph.fact(
            kind,
            &subject,
            || message,
            vec![f.location.clone()],
            Some(fix_of(f)),
        );
        out.push((id, f.location.path.clone()));
    }
    out
}

pub(super) fn ground(g: &mut Ground<'_>) {
    let kubernetes = g
        .system
        .workloads
        .iter()
        .any(|w| w.platform == Platform::Kubernetes)
        || !g.system.kube_objects.is_empty();
    if !kubernetes {
        return;
    }
    let foothold = g
        .graph
        .privilege(PrivKind::NetworkFoothold, CLUSTER_NETWORK, || {
            format!("a foothold on {CLUSTER_NETWORK}")
        });
    let admin = cluster_admin(g);

    for (fact, _) in facts_from(g, "TB601", FactKind::AnonymousApi) {
        let anonymous = SubjectKey::user("system:anonymous");
        let holder = super::rbac::credential(g, &anonymous);
        // Group grants (system:unauthenticated) come with the credential.
        g.graph
            .step("anonymous-api-access", &[foothold, fact], holder);
        groups_for_anonymous(g, holder);
    }
    for (fact, _) in facts_from(g, "TB603", FactKind::InsecureApiPort) {
        g.graph.step("insecure-api-port", &[foothold, fact], admin);
    }
    let anonymous_kubelets = facts_from(g, "TB610", FactKind::KubeletAnonymous);
    let open_kubelets = facts_from(g, "TB611", FactKind::KubeletAlwaysAllow);
    for (a, path) in &anonymous_kubelets {
        for (o, other) in &open_kubelets {
            if path == other {
                let exec = exec_namespace(g, "*");
                g.graph
                    .step("anonymous-kubelet-exec", &[foothold, *a, *o], exec);
            }
        }
    }
    for (fact, _) in facts_from(g, "TB612", FactKind::KubeletReadOnlyPort) {
        let disclosure = g.graph.privilege(PrivKind::HostDisclosure, ANY_WORKER, || {
            format!("disclosure of {ANY_WORKER}'s files, processes or traffic")
        });
        g.graph
            .step("kubelet-read-only-port", &[foothold, fact], disclosure);
    }

    // What cluster-admin gives.
    let every_secret = read_secrets(g, "*");
    g.graph
        .step("cluster-admin-secrets", &[admin], every_secret);
    let every_pod = exec_namespace(g, "*");
    g.graph.step("cluster-admin-exec", &[admin], every_pod);
    for group in node_groups(g) {
        let root = g.node_root(&group);
        g.graph.step("cluster-admin-node-root", &[admin], root);
    }

    expand_namespaces(g);

    // Last: with AlwaysAllow every credential (now all created) is admin.
    let always_allow = facts_from(g, "TB602", FactKind::AuthzAlwaysAllow);
    if !always_allow.is_empty() {
        let credentials: Vec<NodeId> = g.graph.privileges_of(PrivKind::Credential).collect();
        for (fact, _) in always_allow {
            for &c in &credentials {
                g.graph
                    .step("authorization-always-allow", &[c, fact], admin);
            }
        }
    }
}

fn groups_for_anonymous(g: &mut Ground<'_>, holder: NodeId) {
    let key = SubjectKey::group("system:unauthenticated");
    if g.system.rbac.bindings_of(&key).is_empty() {
        return;
    }
    let fact = g.graph.fact(
        FactKind::GroupMember,
        "User system:anonymous in system:unauthenticated",
        || "anonymous requests are in group system:unauthenticated".into(),
        Vec::new(),
        None,
    );
    let group = super::rbac::credential(g, &key);
    g.graph.step("group-membership", &[holder, fact], group);
}

fn read_secrets(g: &mut Ground<'_>, scope: &str) -> NodeId {
    g.graph.privilege(PrivKind::ReadSecrets, scope, || {
        format!("read secrets {}", scope_words(scope))
    })
}

/// Kubernetes node groups: any worker, the control plane when the input
/// runs one, and groups selected by workloads.
fn node_groups(g: &Ground<'_>) -> Vec<String> {
    let mut groups: Vec<String> = g
        .placement
        .members
        .keys()
        .filter(|k| *k == ANY_WORKER || *k == CONTROL_PLANE || k.starts_with("nodes selected by"))
        .cloned()
        .collect();
    if !groups.iter().any(|k| k == ANY_WORKER) {
        groups.push(ANY_WORKER.to_string());
    }
    groups.sort();
    groups
}

/// Exec, pod creation and secret reading over a namespace reach its
/// workloads, service accounts, nodes and token secrets.
fn expand_namespaces(g: &mut Ground<'_>) {
    let system = g.system;
    let exec_scopes: Vec<(NodeId, String)> = g
        .graph
        .privileges_of(PrivKind::ExecNamespace)
        .map(|id| (id, g.graph.node(id).subject.clone()))
        .collect();
    for (node, scope) in exec_scopes {
        for (i, w) in system.workloads.iter().enumerate() {
            if w.platform != Platform::Kubernetes {
                continue;
            }
            let ns = w.namespace.as_deref().unwrap_or("default");
            if scope == "*" || scope == ns {
                let exec = g.exec_node(i);
                g.graph.step("exec-in-namespace", &[node], exec);
            }
        }
    }

    let create_scopes: Vec<(NodeId, String)> = g
        .graph
        .privileges_of(PrivKind::CreatePods)
        .map(|id| (id, g.graph.node(id).subject.clone()))
        .collect();
    let groups = node_groups(g);
    for (node, scope) in create_scopes {
        for (ns, sa) in service_accounts(g, &scope) {
            let target = service_account(g, &ns, &sa);
            g.graph
                .step("pod-mounts-any-service-account", &[node], target);
        }
        if let Some(admitted) = privileged_pods_admitted(g, &scope) {
            for group in &groups {
                let root = g.node_root(group);
                g.graph
                    .step("create-privileged-pod", &[node, admitted], root);
            }
        }
    }

    let read_scopes: Vec<(NodeId, String)> = g
        .graph
        .privileges_of(PrivKind::ReadSecrets)
        .map(|id| (id, g.graph.node(id).subject.clone()))
        .collect();
    for (node, scope) in read_scopes {
        for o in &system.kube_objects {
            if o.kind != "Secret" {
                continue;
            }
            let ns = o.namespace.as_deref().unwrap_or("default");
            let is_token = o
                .node
                .get("type")
                .and_then(|t| t.as_str())
                .is_some_and(|t| t == "kubernetes.io/service-account-token");
            let account = o
                .annotations
                .get("kubernetes.io/service-account.name")
                .cloned();
            let (true, Some(account)) = (is_token && (scope == "*" || scope == ns), account) else {
                continue;
            };
            let subject = format!("{ns}/{}", o.name);
            let name = o.name.clone();
            let fact = g.graph.fact(
                FactKind::TokenSecretPresent,
                &subject,
                || format!("secret {ns}/{name} holds a token of service account {account}"),
                vec![o.location.clone()],
                None,
            );
            let target = service_account(g, ns, &account);
            g.graph.step("steal-token-secret", &[node, fact], target);
        }
    }
}

/// The fact that Pod Security admission lets a privileged pod into the
/// namespace: no `pod-security.kubernetes.io/enforce` label of `baseline`
/// or `restricted` on its Namespace (a namespace not in the input is
/// assumed unprotected). For `*`, any such namespace will do.
fn privileged_pods_admitted(g: &mut Ground<'_>, scope: &str) -> Option<NodeId> {
    let enforced = |labels: &std::collections::BTreeMap<String, String>| {
        labels
            .get("pod-security.kubernetes.io/enforce")
            .is_some_and(|v| v == "baseline" || v == "restricted")
    };
    let namespaces: Vec<&crate::model::kubernetes::KubeObject> = g
        .system
        .kube_objects
        .iter()
        .filter(|o| o.kind == "Namespace")
        .collect();
    let (open, evidence) = if scope == "*" {
        let open: Vec<_> = namespaces.iter().filter(|o| !enforced(&o.labels)).collect();
        (
            namespaces.is_empty() || !open.is_empty() || namespaces.len() < 2,
            open.iter().map(|o| o.location.clone()).collect(),
        )
    } else {
        match namespaces.iter().find(|o| o.name == scope) {
            Some(o) => (!enforced(&o.labels), vec![o.location.clone()]),
            None => (true, Vec::new()),
        }
    };
    if !open {
        return None;
    }
    Some(g.graph.fact(
        FactKind::PrivilegedPodsAdmitted,
        scope,
        || {
            format!(
                "Pod Security admission does not stop privileged pods {}",
                scope_words(scope)
            )
        },
        evidence,
        None,
    ))
}
