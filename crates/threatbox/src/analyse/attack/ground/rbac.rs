//! RBAC: what each subject's bindings let it do, as facts (one per granting
//! rule and binding, so that a fix set must remove every grant), and the
//! steps that turn a held credential into those powers.

use std::collections::BTreeSet;

use super::Ground;
use crate::analyse::attack::graph::{FactKind, NodeId, PrivKind};
use crate::model::rbac::{PolicyRule, SubjectKey, SubjectKind};

/// Workload kinds whose pod template a subject decides when it may create
/// or change them.
const WORKLOAD_RESOURCES: &[&str] = &[
    "pods",
    "deployments",
    "daemonsets",
    "statefulsets",
    "replicasets",
    "jobs",
    "cronjobs",
    "replicationcontrollers",
];

/// The credential node of a subject.
pub(crate) fn credential(g: &mut Ground<'_>, subject: &SubjectKey) -> NodeId {
    let name = subject.to_string();
    g.graph.privilege(PrivKind::Credential, &name, || {
        format!("credentials of {name}")
    })
}

pub(crate) fn service_account(g: &mut Ground<'_>, namespace: &str, name: &str) -> NodeId {
    let sa = SubjectKey::service_account(namespace, name);
    let id = credential(g, &sa);
    groups_of(g, &sa, id);
    id
}

/// Group memberships that RBAC can grant to (only groups some binding
/// names, so the graph stays small).
fn groups_of(g: &mut Ground<'_>, subject: &SubjectKey, credential_node: NodeId) {
    let groups: Vec<String> = match subject.kind {
        SubjectKind::ServiceAccount => vec![
            "system:serviceaccounts".into(),
            format!(
                "system:serviceaccounts:{}",
                subject.namespace.as_deref().unwrap_or("default")
            ),
            "system:authenticated".into(),
        ],
        SubjectKind::User if subject.name == "system:anonymous" => {
            vec!["system:unauthenticated".into()]
        }
        SubjectKind::User => vec!["system:authenticated".into()],
        SubjectKind::Group => return,
    };
    for group in groups {
        let key = SubjectKey::group(&group);
        if g.system.rbac.bindings_of(&key).is_empty() {
            continue;
        }
        let member = subject.to_string();
        let fact = g.graph.fact(
            FactKind::GroupMember,
            &format!("{member} in {group}"),
            || format!("{member} is a member of group {group}"),
            Vec::new(),
            None,
        );
        let group_node = credential(g, &key);
        g.graph
            .step("group-membership", &[credential_node, fact], group_node);
    }
}

/// What a rule lets its holder do, as (fact kind, rule codes reporting
/// it, what it says).
fn powers(
    rule: &PolicyRule,
    cluster_wide: bool,
) -> Vec<(FactKind, &'static [&'static str], String)> {
    let mut out = Vec::new();
    if cluster_wide && rule.wildcard_verbs() && rule.wildcard_resources() {
        out.push((
            FactKind::RbacClusterAdmin,
            &["TB501"][..],
            "anything on everything".into(),
        ));
    }
    for sub in ["pods/exec", "pods/attach"] {
        if rule.allows("create", sub) || rule.allows("get", sub) {
            out.push((
                FactKind::RbacExec,
                &["TB503", "TB501"][..],
                format!("`{sub}`"),
            ));
            break;
        }
    }
    if cluster_wide && (rule.allows("get", "nodes/proxy") || rule.allows("create", "nodes/proxy")) {
        out.push((
            FactKind::RbacNodesProxy,
            &["TB505", "TB501"][..],
            "`nodes/proxy`".into(),
        ));
    }
    if let Some((verb, res)) = WORKLOAD_RESOURCES.iter().find_map(|r| {
        ["create", "patch", "update"]
            .into_iter()
            .find(|v| rule.allows(v, r))
            .map(|v| (v, *r))
    }) {
        out.push((
            FactKind::RbacCreatePods,
            &["TB503", "TB501"][..],
            format!("`{verb}` on `{res}`"),
        ));
    }
    if let Some(verb) = ["get", "list", "watch"]
        .into_iter()
        .find(|v| rule.allows(v, "secrets"))
    {
        out.push((
            FactKind::RbacReadSecrets,
            &["TB502", "TB501"][..],
            format!("`{verb}` on `secrets`"),
        ));
    }
    if rule.allows("create", "serviceaccounts/token") {
        out.push((
            FactKind::RbacCreateToken,
            &["TB503", "TB504", "TB501"][..],
            "`create` on `serviceaccounts/token`".into(),
        ));
    }
    if cluster_wide
        && ["bind", "escalate"]
            .iter()
            .any(|v| rule.allows(v, "clusterroles") || rule.allows(v, "roles"))
    {
        out.push((
            FactKind::RbacEscalate,
            &["TB504", "TB501"][..],
            "`bind`/`escalate` on roles".into(),
        ));
    }
    if cluster_wide
        && ["users", "groups", "serviceaccounts"]
            .iter()
            .any(|r| rule.allows("impersonate", r))
    {
        out.push((
            FactKind::RbacImpersonate,
            &["TB504", "TB501"][..],
            "`impersonate`".into(),
        ));
    }
    out
}

/// Subject × granting-rule pairs grounded at most: bounds the graph when
/// hostile input binds a huge role to a huge subject list.
const MAX_GRANTS: usize = if cfg!(test) { 50 } else { 1_000_000 };

pub(super) fn ground(g: &mut Ground<'_>) {
    let rbac = &g.system.rbac;
    let mut grants = 0usize;
    for (b, binding) in rbac.bindings.iter().enumerate() {
        let Some(role) = binding.role else { continue };
        let scope = binding.scope().map(str::to_string);
        let scope_name = scope.clone().unwrap_or_else(|| "*".into());
        for (r, i) in rbac.effective_rules(role) {
            let Some(rule) = rbac.roles.get(r).and_then(|x| x.rules.get(i)) else {
                continue;
            };
            let powers = powers(rule, scope.is_none());
            if powers.is_empty() {
                continue;
            }
            let mut evidence = Vec::new();
            evidence.extend(rule.location.clone());
            evidence.push(binding.role_ref_location.clone());
            for subject in &binding.subjects {
                grants += 1;
                if grants > MAX_GRANTS {
                    g.graph.warnings.push(format!(
                        "RBAC grants beyond {MAX_GRANTS} (subject, rule) pairs were not analysed; the attack analysis is incomplete"
                    ));
                    return;
                }
                let holder = credential(g, &subject.key);
                groups_of(g, &subject.key, holder);
                for (kind, codes, what) in &powers {
                    let fix = g.linker.fix(codes, &evidence, None);
                    let subject_name = subject.key.to_string();
                    let where_ = scope.as_deref().map_or_else(
                        || "cluster-wide".to_string(),
                        |ns| format!("in namespace {ns}"),
                    );
                    let fact = g.graph.fact(
                        *kind,
                        &format!(
                            "{subject_name} {} {scope_name} binding#{b} role#{r} rule#{i}",
                            kind.name()
                        ),
                        || {
                            format!(
                                "{subject_name} may use {what} {where_} ({:?} `{}`)",
                                binding.kind, binding.name
                            )
                        },
                        evidence.clone(),
                        fix,
                    );
                    grant(g, *kind, holder, fact, &scope_name);
                }
            }
        }
    }
}

/// The step a power enables.
fn grant(g: &mut Ground<'_>, kind: FactKind, holder: NodeId, fact: NodeId, scope: &str) {
    match kind {
        FactKind::RbacClusterAdmin => {
            let admin = super::cluster::cluster_admin(g);
            g.graph.step("rbac-cluster-admin", &[holder, fact], admin);
        }
        FactKind::RbacEscalate => {
            let admin = super::cluster::cluster_admin(g);
            g.graph.step("rbac-escalate", &[holder, fact], admin);
        }
        FactKind::RbacImpersonate => {
            let admin = super::cluster::cluster_admin(g);
            g.graph.step("rbac-impersonate", &[holder, fact], admin);
        }
        FactKind::RbacExec => {
            let exec = super::cluster::exec_namespace(g, scope);
            g.graph.step("rbac-exec-into-pods", &[holder, fact], exec);
        }
        FactKind::RbacNodesProxy => {
            let exec = super::cluster::exec_namespace(g, "*");
            g.graph.step("rbac-nodes-proxy", &[holder, fact], exec);
        }
        FactKind::RbacCreatePods => {
            let create = g.graph.privilege(PrivKind::CreatePods, scope, || {
                format!("create pods {}", scope_words(scope))
            });
            g.graph.step("rbac-create-pods", &[holder, fact], create);
        }
        FactKind::RbacReadSecrets => {
            let read = g.graph.privilege(PrivKind::ReadSecrets, scope, || {
                format!("read secrets {}", scope_words(scope))
            });
            g.graph.step("rbac-read-secrets", &[holder, fact], read);
        }
        FactKind::RbacCreateToken => {
            for (ns, sa) in service_accounts(g, scope) {
                let target = service_account(g, &ns, &sa);
                g.graph.step("rbac-create-token", &[holder, fact], target);
            }
        }
        _ => {}
    }
}

pub(crate) fn scope_words(scope: &str) -> String {
    if scope == "*" {
        "in every namespace".into()
    } else {
        format!("in namespace {scope}")
    }
}

/// Service accounts known in a namespace (`*`: everywhere): named by
/// workloads, ServiceAccount objects or bindings; `default` always exists.
pub(crate) fn service_accounts(g: &Ground<'_>, scope: &str) -> Vec<(String, String)> {
    let mut out = BTreeSet::new();
    let wanted = |ns: &str| scope == "*" || scope == ns;
    for w in &g.system.workloads {
        if let Some(ns) = w.namespace.as_deref().filter(|ns| wanted(ns))
            && w.platform == crate::model::runtime::Platform::Kubernetes
        {
            let sa = w
                .service_account
                .as_ref()
                .map_or("default", |s| s.value.as_str());
            out.insert((ns.to_string(), sa.to_string()));
            out.insert((ns.to_string(), "default".to_string()));
        }
    }
    for o in &g.system.kube_objects {
        if o.kind == "ServiceAccount" {
            let ns = o.namespace.as_deref().unwrap_or("default");
            if wanted(ns) {
                out.insert((ns.to_string(), o.name.clone()));
            }
        }
    }
    for b in &g.system.rbac.bindings {
        for s in &b.subjects {
            if s.key.kind == SubjectKind::ServiceAccount {
                let ns = s.key.namespace.as_deref().unwrap_or("default");
                if wanted(ns) {
                    out.insert((ns.to_string(), s.key.name.clone()));
                }
            }
        }
    }
    if scope != "*" {
        out.insert((scope.to_string(), "default".to_string()));
    }
    out.into_iter().collect()
}
