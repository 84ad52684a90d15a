//! TB417 `service-account-token-mounted`: a pod gets a Kubernetes API token
//! it probably does not need.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::container_support::workload_subject;
use crate::model::runtime::{Platform, Workload};

pub struct ServiceAccountTokenMounted;

pub static META: RuleMeta = RuleMeta {
    code: "TB417",
    slug: "service-account-token-mounted",
    title: "Service-account token mounted",
    severity: Severity::Medium,
    stride: &[Stride::InformationDisclosure, Stride::ElevationOfPrivilege],
    cwe: &[522],
    stage: LifecycleStage::Orchestrator,
    cis: &["CIS-Kubernetes-5.1.6"],
    peers: &[
        "CKV_K8S_38",
        "KSV-0036",
        "C-0034",
        "automountServiceAccountToken",
        "AutomountServiceAccountToken",
    ],
    remediation: "Set `automountServiceAccountToken: false` on the pod spec (or on its ServiceAccount); for a pod that does call the API, give it its own ServiceAccount with the least RBAC and a projected token with a short `expirationSeconds`.",
    docs: r#"
**What it detects.** A Kubernetes pod whose service-account token is
mounted after resolving `automountServiceAccountToken` on the pod and on its
ServiceAccount (Kubernetes mounts it unless one of them says `false`). The
finding points where the decision was made: the pod's or the
ServiceAccount's setting, or the pod spec when nothing says anything.

**Why it is a threat.** The token is at
`/var/run/secrets/kubernetes.io/serviceaccount/token` in every container.
The seed's attack tree starts here: a shell in a pod (a vulnerable
dependency, an SSRF that reads files) gives the token, the token
authenticates to the API server, and whatever RBAC the account has — often
more than anyone remembers — is the attacker's (STRIDE: Information
disclosure, Elevation of privilege). Most application pods never call the
API.

**Example.**
```yaml
kind: Deployment
spec:
  template:
    spec:
      containers: [{ name: app, image: registry.example/app:1.4 }]
```

**Fix.**
```yaml
    spec:
      automountServiceAccountToken: false
```
"#,
};

impl Rule for ServiceAccountTokenMounted {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_workload(&self, workload: &Workload, _ctx: &RuleContext<'_>, sink: &mut Sink) {
        if workload.platform != Platform::Kubernetes {
            return;
        }
        // `None`: nothing resolved it, and Kubernetes mounts by default.
        let location = match &workload.token_mounted {
            Some(s) if !s.value => return,
            Some(s) => &s.location,
            None => &workload.spec_location,
        };
        let account = workload
            .service_account
            .as_ref()
            .map_or("default", |s| s.value.as_str());
        sink.push(Finding::new(
            &META,
            location.clone(),
            format!(
                "{} mounts the token of service account `{account}`: a shell in any of its containers can call the API server",
                workload_subject(workload)
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::container_support::test_support::{loc, run, workload};
    use crate::analyse::rules::testing::lines;
    use crate::model::runtime::{Container, Setting};

    #[test]
    fn flags_mounted_token_where_decided_or_at_the_spec() {
        let mut w = workload(Platform::Kubernetes, Container::default());
        w.token_mounted = Some(Setting::new(true, loc(6)));
        assert_eq!(lines(&run(&ServiceAccountTokenMounted, w)), vec![6]);
        let w = workload(Platform::Kubernetes, Container::default());
        let f = run(&ServiceAccountTokenMounted, w);
        assert_eq!(lines(&f), vec![2]);
        assert!(f[0].message.contains("`default`"));
    }

    #[test]
    fn ignores_disabled_token_and_other_platforms() {
        let mut w = workload(Platform::Kubernetes, Container::default());
        w.token_mounted = Some(Setting::new(false, loc(6)));
        assert!(run(&ServiceAccountTokenMounted, w).is_empty());
        for p in [Platform::Compose, Platform::Docker] {
            assert!(
                run(
                    &ServiceAccountTokenMounted,
                    workload(p, Container::default())
                )
                .is_empty()
            );
        }
    }
}
