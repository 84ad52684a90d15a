//! TB504 `rbac-privilege-escalation-verbs`: `bind`, `escalate`,
//! `impersonate`, writing roles or bindings, approving certificate requests
//! or minting service-account tokens.

use crate::analyse::finding::{LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::cluster::{allowed_verb, report_role_rules};
use crate::model::rbac::PolicyRule;

pub struct RbacPrivilegeEscalationVerbs;

pub static META: RuleMeta = RuleMeta {
    code: "TB504",
    slug: "rbac-privilege-escalation-verbs",
    title: "RBAC allows privilege escalation (bind, escalate, impersonate, role writes, CSR approval, token minting)",
    severity: Severity::High,
    stride: &[Stride::ElevationOfPrivilege, Stride::Spoofing],
    cwe: &[269],
    stage: LifecycleStage::Orchestrator,
    cis: &[
        "CIS-Kubernetes-5.1.8",
        "CIS-Kubernetes-5.1.11",
        "CIS-Kubernetes-5.1.13",
    ],
    peers: &[
        "CKV_K8S_155",
        "CKV_K8S_156",
        "CKV_K8S_157",
        "CKV_K8S_158",
        "CKV2_K8S_1",
        "CKV2_K8S_3",
        "KSV-0043",
        "KSV-0050",
        "KSV-0051",
        "KSV-0052",
        "KSV-0055",
        "C-0065",
        "C-0191",
        "C-0280",
        "C-0282",
        "C-0278",
        "CKV2_K8S_4",
    ],
    remediation: "Remove `bind`, `escalate` and `impersonate`, write access to roles, bindings and webhook configurations, CSR approval, `serviceaccounts/token` and PersistentVolume creation and `services/status` writes from every role that is not a cluster administrator's (or, for the last, a load-balancer controller's).",
    docs: r#"
**What it detects.** A Role or ClusterRole rule that allows `bind` or
`escalate` on roles, `impersonate` on users, groups or service accounts,
`create`/`update`/`patch` on roles, cluster roles or their bindings,
`update` on `certificatesigningrequests/approval` (approving also needs
`approve` on a signer, which alone is harmless), `create` on
`serviceaccounts/token`, `create`/`update`/`patch` on mutating or
validating webhook configurations (a webhook it registers sees, and may
rewrite, every object it asks for), `create` on `persistentvolumes` (a
`hostPath` PersistentVolume gives the pod that claims it the node's
filesystem, past any policy on pods' own volumes), or `update`/`patch` on
`services/status` (a LoadBalancer's status IP is routed to the Service
inside the cluster: CVE-2020-8554, traffic interception).

**Why it is a threat.** Each of these lets the subject become someone more
powerful: bind itself to `cluster-admin`, write a role with more rights than
it holds, act as another user, have a client certificate for `system:masters`
signed, or mint a token for a privileged service account (STRIDE: Elevation
of privilege, Spoofing).

**Example.**
```yaml
rules:
- apiGroups: [rbac.authorization.k8s.io]
  resources: [clusterrolebindings]
  verbs: [create]
```

**Fix.** Keep these permissions in the cluster administrators' roles; use
GitOps or an operator with a narrowly scoped role to manage RBAC objects.
"#,
};

fn escalation(rule: &PolicyRule) -> Option<String> {
    let rbac_objects = [
        "roles",
        "clusterroles",
        "rolebindings",
        "clusterrolebindings",
    ];
    for resource in ["roles", "clusterroles"] {
        let verbs: Vec<&str> = ["bind", "escalate"]
            .into_iter()
            .filter(|v| rule.allows(v, resource))
            .collect();
        if !verbs.is_empty() {
            return Some(format!("`{}` on `{resource}`", verbs.join("`, `")));
        }
    }
    for resource in ["users", "groups", "serviceaccounts", "userextras/scopes"] {
        if rule.allows("impersonate", resource) {
            return Some(format!("`impersonate` on `{resource}`"));
        }
    }
    for resource in rbac_objects {
        if let Some(verb) = allowed_verb(rule, &["create", "update", "patch"], resource) {
            return Some(format!("`{verb}` on `{resource}`"));
        }
    }
    // An admission webhook receives (and, mutating, rewrites) the objects it
    // registers for: writing its configuration hijacks every later request.
    for resource in [
        "mutatingwebhookconfigurations",
        "validatingwebhookconfigurations",
    ] {
        if let Some(verb) = allowed_verb(rule, &["create", "update", "patch"], resource) {
            return Some(format!(
                "`{verb}` on `{resource}` (a webhook sees or rewrites every object it registers for)"
            ));
        }
    }
    if rule.allows("update", "certificatesigningrequests/approval") {
        return Some("approving CertificateSigningRequests".into());
    }
    if rule.allows("create", "serviceaccounts/token") {
        return Some("`create` on `serviceaccounts/token` (minting tokens)".into());
    }
    // A hostPath PersistentVolume hands the node's filesystem to whichever
    // pod claims it, past any policy on pods' own volumes.
    if rule.allows("create", "persistentvolumes") {
        return Some(
            "`create` on `persistentvolumes` (a hostPath volume mounts the node's filesystem)"
                .into(),
        );
    }
    // Writing a LoadBalancer's status sets the IP the cluster routes to it
    // (CVE-2020-8554): the subject intercepts traffic meant for that IP.
    if let Some(verb) = allowed_verb(rule, &["update", "patch"], "services/status") {
        return Some(format!(
            "`{verb}` on `services/status` (setting a LoadBalancer's IP intercepts traffic to it, CVE-2020-8554)"
        ));
    }
    None
}

impl Rule for RbacPrivilegeEscalationVerbs {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        report_role_rules(ctx, &META, sink, escalation);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check_system, lines};
    use crate::model::rbac::test_support::kube_system;

    fn run(text: &str) -> Vec<crate::analyse::finding::Finding> {
        check_system(
            &RbacPrivilegeEscalationVerbs,
            &kube_system(&[("rbac.yaml", text)]),
        )
    }

    #[test]
    fn flags_each_escalation_path() {
        let f = run("\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: r}
rules:
- {apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], verbs: [bind]}
- {apiGroups: [\"\"], resources: [users, groups], verbs: [impersonate]}
- {apiGroups: [rbac.authorization.k8s.io], resources: [rolebindings], verbs: [create]}
- {apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests/approval], verbs: [update]}
- {apiGroups: [\"\"], resources: [serviceaccounts/token], verbs: [create]}
- {apiGroups: [rbac.authorization.k8s.io], resources: [\"*\"], verbs: [escalate]}
");
        assert_eq!(lines(&f), vec![5, 6, 7, 8, 9, 10]);
        assert!(
            f[5].message.contains("`escalate` on `roles`"),
            "{}",
            f[5].message
        );
    }

    #[test]
    fn admin_role_binding_is_reported_at_the_role_ref() {
        let f = run("\
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: team-admin, namespace: team}
roleRef: {kind: ClusterRole, name: admin}
subjects: [{kind: Group, name: team-leads}]
");
        assert_eq!(lines(&f), vec![4]);
    }

    #[test]
    fn flags_creating_persistent_volumes_and_writing_service_status() {
        let f = run("\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: storage-and-lb}
rules:
- {apiGroups: [\"\"], resources: [persistentvolumes], verbs: [get, create]}
- {apiGroups: [\"\"], resources: [services/status], verbs: [patch]}
- {apiGroups: [\"\"], resources: [persistentvolumes, services/status], verbs: [get, list]}
- {apiGroups: [\"\"], resources: [persistentvolumeclaims], verbs: [create]}
");
        assert_eq!(lines(&f), vec![5, 6]);
        assert!(f[1].message.contains("CVE-2020-8554"), "{}", f[1].message);
    }

    #[test]
    fn ignores_reading_rbac_objects() {
        let f = run("\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: r}
rules:
- {apiGroups: [rbac.authorization.k8s.io], resources: [roles, rolebindings], verbs: [get, list, watch]}
- {apiGroups: [\"\"], resources: [serviceaccounts], verbs: [get, create]}
");
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn flags_writing_admission_webhook_configurations_but_not_reading_them() {
        let f = run("\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: hooks}
rules:
- {apiGroups: [admissionregistration.k8s.io], resources: [mutatingwebhookconfigurations], verbs: [get, create]}
- {apiGroups: [admissionregistration.k8s.io], resources: [validatingwebhookconfigurations], verbs: [patch]}
- {apiGroups: [\"*\"], resources: [validatingwebhookconfigurations], verbs: [get, list, watch]}
");
        assert_eq!(lines(&f), vec![5, 6]);
        assert!(
            f[0].message
                .contains("`create` on `mutatingwebhookconfigurations`"),
            "{}",
            f[0].message
        );
    }
}
