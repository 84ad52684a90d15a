//! TB524 `secret-in-configmap`: credentials stored in a ConfigMap instead of
//! a Secret.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::secrets::{find_secret, is_secret_name, redact};
use crate::model::kubernetes::KubeObject;

pub struct SecretInConfigMap;

pub static META: RuleMeta = RuleMeta {
    code: "TB524",
    slug: "secret-in-configmap",
    title: "Secret stored in a ConfigMap",
    severity: Severity::High,
    stride: &[Stride::InformationDisclosure],
    cwe: &[312, 798],
    stage: LifecycleStage::Orchestrator,
    cis: &["CIS-Kubernetes-5.4.1"],
    peers: &[
        "sensitiveConfigmapContent",
        "KSV-01010",
        "KSV-0109",
        "C-0012",
    ],
    remediation: "Move the value into a Secret (or an external secret store) and mount it as a file; keep only non-secret settings in the ConfigMap, and rotate the credential that was exposed.",
    docs: r#"
**What it detects.** A ConfigMap whose `data` (or `binaryData`) holds
- a value in a recognised credential format (private keys, cloud and
  registry tokens, passwords in URLs) — high; the value is never printed,
  only a redacted form;
- a key whose name says secret (`db_password`, `AWS_SECRET_ACCESS_KEY`,
  `API_TOKEN`, `tls.key`; not `*_FILE`, `*_PATH`, `*_URL` or `*_ID`) with a
  non-empty value — medium.

**Why it is a threat.** ConfigMaps are meant for non-secret settings: they
are not encrypted at rest even where Secrets are, every role that reads
configuration (`get configmaps`, common in `view`-like roles and operators)
reads them, they are printed by `kubectl describe` and copied into logs and
Git (CWE-312, CWE-798; STRIDE: Information disclosure).

**Example.**
```yaml
kind: ConfigMap
data:
  db_user: app
  db_password: s3cr3t
```

**Fix.**
```yaml
kind: Secret
type: Opaque
stringData:
  db_password: s3cr3t   # better: created from a secret store, not Git
```
"#,
};

impl Rule for SecretInConfigMap {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        for object in ctx
            .system
            .kube_objects
            .iter()
            .filter(|o| o.kind == "ConfigMap")
        {
            for field in ["data", "binaryData"] {
                let Some(data) = object.node.get(field) else {
                    continue;
                };
                for (key, value) in data.str_entries() {
                    check_entry(object, key, value, sink);
                }
            }
        }
    }
}

fn check_entry(object: &KubeObject, key: &str, value: &crate::parse::yaml::Node, sink: &mut Sink) {
    let text = value.as_str().unwrap_or("");
    let found = find_secret(text).filter(|(kind, _)| *kind != "high-entropy string");
    if let Some((kind, range)) = found {
        let secret = text.get(range).unwrap_or("");
        sink.push(Finding::new(
            &META,
            object.loc(value),
            format!(
                "ConfigMap `{}` key `{key}` holds a {kind} ({}): ConfigMaps are not secret",
                object.name,
                redact(secret)
            ),
        ));
    } else if is_secret_name(key) && !text.trim().is_empty() {
        sink.push(
            Finding::new(
                &META,
                object.loc(value),
                format!(
                    "ConfigMap `{}` key `{key}` looks like a secret ({}): keep it in a Secret, ConfigMaps are not secret",
                    object.name,
                    redact(text.trim())
                ),
            )
            .with_severity(Severity::Medium),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check_system, lines};
    use crate::model::rbac::test_support::kube_system;

    #[test]
    fn secret_named_keys_and_credential_values_are_reported_where_written() {
        let system = kube_system(&[(
            "cm.yaml",
            "\
apiVersion: v1
kind: ConfigMap
metadata: {name: app}
data:
  db_user: postgres
  db_password: abc123
  AZURE_BATCH_KEY: xxxxx
  message: This is a test
  ssh_access: |
    -----BEGIN OPENSSH PRIVATE KEY-----
    b3BlbnNzaC1rZXktdjEAAAAA
    -----END OPENSSH PRIVATE KEY-----
  CERT_FILE: /etc/app/key.pem
  empty_token: \"\"
",
        )]);
        let f = check_system(&SecretInConfigMap, &system);
        // A block scalar's value starts on the line after its key.
        assert_eq!(lines(&f), vec![6, 7, 10]);
        assert_eq!(f[0].severity, Severity::Medium);
        assert_eq!(f[2].severity, Severity::High);
        assert!(f[2].message.contains("private key"), "{}", f[2].message);
        assert!(f.iter().all(|x| !x.message.contains("abc123")));
    }

    #[test]
    fn secrets_and_configmaps_without_data_are_not_reported() {
        let system = kube_system(&[(
            "objs.yaml",
            "\
apiVersion: v1
kind: ConfigMap
metadata: {name: nothing}
---
apiVersion: v1
kind: Secret
metadata: {name: s}
stringData: {db_password: abc123}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {LOG_LEVEL: debug, API_URL: 'https://api.example.com', KEY_ID: abc}
",
        )]);
        assert!(check_system(&SecretInConfigMap, &system).is_empty());
    }

    #[test]
    fn malformed_data_is_skipped_without_a_finding() {
        // `data` as a list or a scalar, non-string keys and values: the API
        // server rejects these objects; there is nothing to judge in them.
        let system = kube_system(&[(
            "bad.yaml",
            "\
apiVersion: v1
kind: ConfigMap
metadata: {name: listed}
data: [db_password, abc123]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: scalar}
data: db_password=abc123
---
apiVersion: v1
kind: ConfigMap
metadata: {name: odd}
data: {1: x, db_password: 12345, api_token: {nested: map}, empty_secret: ~}
",
        )]);
        let f = check_system(&SecretInConfigMap, &system);
        assert!(f.is_empty(), "{f:?}");
    }
}
