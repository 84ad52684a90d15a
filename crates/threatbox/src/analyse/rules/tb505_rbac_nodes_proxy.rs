//! TB505 `rbac-nodes-proxy`: a role with access to `nodes/proxy`.

use crate::analyse::finding::{LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::cluster::report_role_rules;

pub struct RbacNodesProxy;

pub static META: RuleMeta = RuleMeta {
    code: "TB505",
    slug: "rbac-nodes-proxy",
    title: "RBAC allows nodes/proxy (the kubelet API)",
    severity: Severity::High,
    stride: &[Stride::ElevationOfPrivilege],
    cwe: &[269],
    stage: LifecycleStage::Orchestrator,
    cis: &["CIS-Kubernetes-5.1.10"],
    peers: &["CKV2_K8S_2", "KSV-0047", "C-0279"],
    remediation: "Remove `nodes/proxy` from the role; monitoring agents need `nodes/metrics` or `nodes/stats` only.",
    docs: r#"
**What it detects.** A Role or ClusterRole rule that allows any verb on
`nodes/proxy`.

**Why it is a threat.** `nodes/proxy` forwards requests to the kubelet API of
every node, which runs commands in any pod on the node (`/exec`, `/run`)
without passing through the API server's admission control or audit log
(STRIDE: Elevation of privilege).

**Example.**
```yaml
rules:
- apiGroups: [""]
  resources: [nodes/proxy]
  verbs: [get]
```

**Fix.** Grant `nodes/metrics`, `nodes/stats` or `nodes/log` instead.
"#,
};

impl Rule for RbacNodesProxy {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        report_role_rules(ctx, &META, sink, |rule| {
            if rule.verbs.is_empty() {
                return None;
            }
            rule.has_resource("nodes/proxy")
                .then(|| format!("{} on `nodes/proxy`", rule.verbs.join(", ")))
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check_system, lines};
    use crate::model::rbac::test_support::kube_system;

    #[test]
    fn flags_nodes_proxy_and_subresource_wildcards() {
        let system = kube_system(&[(
            "rbac.yaml",
            "\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: r}
rules:
- {apiGroups: [\"\"], resources: [nodes, nodes/metrics], verbs: [get]}
- {apiGroups: [\"\"], resources: [nodes/proxy], verbs: [get]}
- {apiGroups: [\"\"], resources: [\"*/proxy\"], verbs: [create]}
- {apiGroups: [\"\"], resources: [\"nodes/*\"], verbs: [create]}
- {apiGroups: [\"\"], resources: [\"*\"], verbs: [get]}
",
        )]);
        assert_eq!(
            lines(&check_system(&RbacNodesProxy, &system)),
            vec![6, 7, 9]
        );
    }
}
