//! TB522 `ingress-without-tls`: an Ingress that serves plain HTTP.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};

pub struct IngressWithoutTls;

pub static META: RuleMeta = RuleMeta {
    code: "TB522",
    slug: "ingress-without-tls",
    title: "Ingress without TLS",
    severity: Severity::Medium,
    stride: &[Stride::InformationDisclosure, Stride::Tampering],
    cwe: &[319],
    stage: LifecycleStage::Orchestrator,
    cis: &[],
    peers: &["tlsSettingsMissing", "C-0263"],
    remediation: "Add a `spec.tls` entry covering every host, with a certificate Secret (or a cert-manager annotation that issues one).",
    docs: r#"
**What it detects.** An Ingress without `spec.tls`, and hosts of an
Ingress's rules that none of its `tls` entries lists (a `*.example.com`
entry covers one level of subdomain).

**Why it is a threat.** Traffic to those hosts crosses the internet in clear
text: credentials, session cookies and data can be read and changed on the
way (STRIDE: Information disclosure, Tampering).

**Example.**
```yaml
kind: Ingress
spec:
  rules:
  - host: shop.example.com
    http: {paths: [...]}
```

**Fix.**
```yaml
spec:
  tls:
  - hosts: [shop.example.com]
    secretName: shop-tls
```
"#,
};

fn covered(host: &str, tls_hosts: &[String]) -> bool {
    tls_hosts.iter().any(|t| {
        t == host
            || t.strip_prefix("*.")
                .is_some_and(|domain| host.split_once('.').is_some_and(|(_, rest)| rest == domain))
    })
}

impl Rule for IngressWithoutTls {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        for ingress in &ctx.system.network.ingresses {
            if !ingress.has_tls {
                sink.push(Finding::new(
                    &META,
                    ingress.spec_location.clone(),
                    format!(
                        "Ingress `{}` has no `tls` section: its hosts are served over plain HTTP",
                        ingress.name
                    ),
                ));
                continue;
            }
            // A `tls` entry without `hosts` applies to every host (the
            // controller's default certificate).
            if ingress.tls_hosts.is_empty() {
                continue;
            }
            for (host, location) in &ingress.hosts {
                if !covered(host, &ingress.tls_hosts) {
                    sink.push(Finding::new(
                        &META,
                        location.clone(),
                        format!(
                            "host `{host}` of Ingress `{}` is not in any `tls` entry",
                            ingress.name
                        ),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check_system, lines};
    use crate::model::rbac::test_support::kube_system;

    #[test]
    fn flags_missing_tls_and_uncovered_hosts() {
        let system = kube_system(&[(
            "ing.yaml",
            "\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: plain}
spec:
  rules: [{host: a.example.com}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: partial}
spec:
  tls: [{hosts: [a.example.com, \"*.shop.example.com\"], secretName: s}]
  rules:
  - host: a.example.com
  - host: b.example.com
  - host: eu.shop.example.com
  - host: x.eu.shop.example.com
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: default-cert}
spec:
  tls: [{secretName: s}]
  rules: [{host: c.example.com}]
",
        )]);
        let f = check_system(&IngressWithoutTls, &system);
        assert_eq!(lines(&f), vec![5, 14, 16]);
    }
}
