//! Helpers shared by the cluster-level rules: RBAC grants (TB50x), control
//! plane and kubelet flags (TB60x, TB61x) and `daemon.json` keys (TB63x).

use crate::analyse::finding::{Finding, Severity};
use crate::analyse::rule::{RuleContext, RuleMeta, Sink};
use crate::model::control_plane::{Component, ComponentKind};
use crate::model::docker::DaemonConfig;
use crate::model::rbac::{PolicyRule, Rbac, Role, RoleKind};
use crate::parse::yaml::Node;
use crate::source::Location;

fn role_label(role: &Role) -> String {
    match (role.kind, &role.namespace) {
        (RoleKind::Role, Some(ns)) => format!("Role `{ns}/{}`", role.name),
        _ => format!("ClusterRole `{}`", role.name),
    }
}

/// Who a role is bound to, for messages: `bound to ServiceAccount a/b, …`.
fn bound_to(rbac: &Rbac, role: usize) -> String {
    let subjects: Vec<String> = rbac
        .bindings_of_role(role)
        .iter()
        .flat_map(|&b| rbac.bindings[b].subjects.iter().map(|s| s.key.to_string()))
        .take(4)
        .collect();
    if subjects.is_empty() {
        "not bound in these manifests".into()
    } else {
        format!("bound to {}", subjects.join(", "))
    }
}

/// Reports every dangerous rule once: at the rule of a role defined in the
/// input (with its bindings as related locations), or, for built-in and
/// Kubernetes-managed roles, at the `roleRef` of each user binding that
/// grants them. `check` returns what the rule allows, in words.
pub fn report_role_rules(
    ctx: &RuleContext<'_>,
    meta: &'static RuleMeta,
    sink: &mut Sink,
    check: impl Fn(&PolicyRule) -> Option<String>,
) {
    report_graded_role_rules(ctx, meta, sink, |rule| {
        check(rule).map(|what| (what, meta.severity))
    });
}

/// [`report_role_rules`] for rules whose cases differ in severity: `check`
/// returns what the rule allows and how severe that is.
pub fn report_graded_role_rules(
    ctx: &RuleContext<'_>,
    meta: &'static RuleMeta,
    sink: &mut Sink,
    check: impl Fn(&PolicyRule) -> Option<(String, Severity)>,
) {
    report_scoped_role_rules(ctx, meta, sink, |rule, _| check(rule));
}

/// Whether a grant reaches the `kube-system` namespace, as far as the input
/// shows: a Role there, or a ClusterRole bound cluster-wide or by a
/// RoleBinding in `kube-system` (its own bindings: a ClusterRole reached only
/// through aggregation into a bound one is not followed).
fn reaches_kube_system(rbac: &Rbac, role: usize) -> bool {
    let Some(r) = rbac.roles.get(role) else {
        return false;
    };
    match r.kind {
        RoleKind::Role => r.namespace.as_deref() == Some("kube-system"),
        RoleKind::ClusterRole => rbac.bindings_of_role(role).iter().any(|&b| {
            rbac.bindings
                .get(b)
                .is_some_and(|b| b.scope().is_none_or(|ns| ns == "kube-system"))
        }),
    }
}

/// [`report_graded_role_rules`] for rules whose severity depends on where
/// the grant applies: `check` also gets whether it reaches `kube-system`.
pub fn report_scoped_role_rules(
    ctx: &RuleContext<'_>,
    meta: &'static RuleMeta,
    sink: &mut Sink,
    check: impl Fn(&PolicyRule, bool) -> Option<(String, Severity)>,
) {
    let rbac = &ctx.system.rbac;
    for (r, role) in rbac.roles.iter().enumerate() {
        if role.managed {
            continue;
        }
        let kube_system = reaches_kube_system(rbac, r);
        for rule in &role.rules {
            let (Some((what, severity)), Some(location)) =
                (check(rule, kube_system), &rule.location)
            else {
                continue;
            };
            let mut finding = Finding::new(
                meta,
                location.clone(),
                format!("{} allows {what} ({})", role_label(role), bound_to(rbac, r)),
            )
            .with_severity(severity);
            for &b in rbac.bindings_of_role(r) {
                let binding = &rbac.bindings[b];
                finding = finding.with_related(
                    binding.role_ref_location.clone(),
                    format!("granted by {:?} `{}`", binding.kind, binding.name),
                );
            }
            sink.push(finding);
        }
    }
    for binding in &rbac.bindings {
        let Some(role) = binding.role.and_then(|r| rbac.roles.get(r)) else {
            continue;
        };
        if binding.managed || !role.managed {
            continue;
        }
        let kube_system = binding.scope().is_none_or(|ns| ns == "kube-system");
        let found = rbac
            .effective_rules(binding.role.unwrap_or_default())
            .into_iter()
            .find_map(|(r, i)| check(rbac.roles.get(r)?.rules.get(i)?, kube_system));
        if let Some((what, severity)) = found {
            let subjects: Vec<String> =
                binding.subjects.iter().map(|s| s.key.to_string()).collect();
            let scope = binding.namespace.as_deref().map_or_else(
                || "cluster-wide".to_string(),
                |ns| format!("in namespace `{ns}`"),
            );
            sink.push(
                Finding::new(
                    meta,
                    binding.role_ref_location.clone(),
                    format!(
                        "{:?} `{}` grants {} {scope}, which allows {what}, to {}",
                        binding.kind,
                        binding.name,
                        role_label(role),
                        if subjects.is_empty() {
                            "no subject".into()
                        } else {
                            subjects.join(", ")
                        }
                    ),
                )
                .with_severity(severity),
            );
        }
    }
}

/// The first of `verbs` the rule allows on `resource`.
pub fn allowed_verb<'a>(rule: &PolicyRule, verbs: &[&'a str], resource: &str) -> Option<&'a str> {
    verbs.iter().copied().find(|v| rule.allows(v, resource))
}

/// Components of one kind.
pub fn components<'a>(
    ctx: &'a RuleContext<'_>,
    kind: ComponentKind,
) -> impl Iterator<Item = &'a Component> {
    ctx.system.control_plane.of_kind(kind)
}

/// A finding about a flag: at the flag when written, else at the command.
pub fn flag_finding(
    meta: &'static RuleMeta,
    component: &Component,
    flag: &str,
    cis: &str,
    message: impl Into<String>,
) -> Finding {
    let location = component
        .flag(flag)
        .map_or_else(|| component.location.clone(), |f| f.location.clone());
    Finding::new(
        meta,
        location,
        format!(
            "{} ({}, CIS {cis})",
            message.into(),
            component.kind.program()
        ),
    )
}

/// Whether a flag is set to `false` (the secure value of many switches).
pub fn is_false(component: &Component, flag: &str) -> bool {
    component
        .flag(flag)
        .is_some_and(|f| f.text().eq_ignore_ascii_case("false"))
}

/// A kubelet's settings, from flags or from a `KubeletConfiguration`.
pub enum Kubelet<'a> {
    Flags(&'a Component),
    Config {
        node: &'a Node,
        object: &'a crate::model::kubernetes::KubeObject,
    },
}

/// Every kubelet configured in the input.
pub fn kubelets<'a>(ctx: &'a RuleContext<'_>) -> Vec<Kubelet<'a>> {
    let mut out: Vec<Kubelet<'a>> = components(ctx, ComponentKind::Kubelet)
        .map(Kubelet::Flags)
        .collect();
    for config in &ctx.system.control_plane.kubelet_configs {
        if let Some(object) = config.object(&ctx.system.kube_objects) {
            out.push(Kubelet::Config {
                node: &config.node,
                object,
            });
        }
    }
    out
}

/// A kubelet setting as text, where it is written, and whether it is
/// written at all.
pub struct KubeletSetting {
    pub value: Option<String>,
    pub location: Location,
}

impl Kubelet<'_> {
    /// Reads `--flag` or the configuration path (`["authentication",
    /// "anonymous", "enabled"]`).
    pub fn setting(&self, flag: &str, path: &[&str]) -> KubeletSetting {
        match self {
            Kubelet::Flags(c) => KubeletSetting {
                value: c.flag(flag).map(|f| f.text().to_string()),
                location: c
                    .flag(flag)
                    .map_or_else(|| c.location.clone(), |f| f.location.clone()),
            },
            Kubelet::Config { node, object } => {
                let found = node.path(path);
                KubeletSetting {
                    value: found.and_then(scalar_text),
                    location: found.map_or_else(|| object.location.clone(), |n| object.loc(n)),
                }
            }
        }
    }

    pub fn is_config_file(&self) -> bool {
        matches!(self, Kubelet::Config { .. })
    }
}

/// A scalar as text (`true`, `0`, `Webhook`).
fn scalar_text(node: &Node) -> Option<String> {
    use crate::parse::yaml::Value;
    match &node.value {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(f.to_string()),
        _ => None,
    }
}

/// A `daemon.json` key and its node.
pub fn daemon_key<'a>(daemon: &'a DaemonConfig, key: &str) -> Option<&'a Node> {
    daemon.node.get(key)
}

/// Where a daemon finding points: the key when written, else the file's
/// first line (the root node).
pub fn daemon_location(daemon: &DaemonConfig, node: Option<&Node>) -> Location {
    node.map_or_else(
        || daemon.location.clone(),
        |n| daemon.source.location(&n.span),
    )
}

/// Reports, for each `daemon.json`, a finding when `check` says the key's
/// value (or its absence) is insecure.
pub fn check_daemons(
    ctx: &RuleContext<'_>,
    meta: &'static RuleMeta,
    sink: &mut Sink,
    key: &str,
    check: impl Fn(Option<&Node>) -> Option<String>,
) {
    for daemon in &ctx.system.daemons {
        let node = daemon_key(daemon, key);
        if let Some(message) = check(node) {
            sink.push(Finding::new(meta, daemon_location(daemon, node), message));
        }
    }
}

/// Lowered severity for cases that are weaker than the rule's headline.
pub fn lower(finding: Finding, meta: &RuleMeta) -> Finding {
    let severity: Severity = meta.severity.lowered();
    finding.with_severity(severity)
}
