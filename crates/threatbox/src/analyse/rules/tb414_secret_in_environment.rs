//! TB414 `secret-in-environment`: secrets written as literal environment
//! values, or passed through the environment where a file would do.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::container_support::subject;
use crate::analyse::secrets::{is_literal_secret_value, is_secret_name, redact, secret_value_kind};
use crate::model::runtime::{EnvValue, Platform, Workload};

pub struct SecretInEnvironment;

pub static META: RuleMeta = RuleMeta {
    code: "TB414",
    slug: "secret-in-environment",
    title: "Secret in a container's environment",
    severity: Severity::High,
    stride: &[Stride::InformationDisclosure],
    cwe: &[798, 526],
    stage: LifecycleStage::Orchestrator,
    cis: &["CIS-Kubernetes-5.4.1"],
    peers: &[
        "CKV_K8S_35",
        "C-0012",
        "C-0207",
        "env-var-secret",
        "read-secret-from-env-var",
        "sensitiveContainerEnvVar",
        "SecretsAsEnvironmentVariables",
    ],
    remediation: "Never write secret values in manifests or compose files: keep them in a Kubernetes Secret (or an external secret store) mounted as a file, or in a compose top-level `secrets:` entry read from `/run/secrets/NAME`. Prefer mounted files to `secretKeyRef` / `envFrom` environment variables.",
    docs: r#"
**What it detects.**
- An environment variable whose literal value is a recognised credential
  (cloud keys, tokens, private keys, passwords in URLs, long random strings),
  or whose name says secret (`DB_PASSWORD`, `API_TOKEN`) with a literal
  value — high. The value is never printed, only a redacted form.
- A compose `build.args` entry with such a literal — high: build arguments
  are recorded in the image history.
- On Kubernetes, a variable taken from a Secret (`secretKeyRef`,
  `envFrom.secretRef`) — low: a mounted file would do.

**Why it is a threat.** A literal secret lives in Git, in every clone and CI
log, in `kubectl get -o yaml` and `docker inspect` output, readable by
anyone with read access to the workload (CWE-798). Even taken from a
Secret, an environment variable is inherited by every child process, shows
in `/proc/<pid>/environ`, crash reports and debug endpoints (CWE-526)
(STRIDE: Information disclosure).

**Example.**
```yaml
    env:
      - name: DB_PASSWORD
        value: hunter2-prod
```
```yaml
services:
  app:
    environment:
      DB_PASSWORD: hunter2-prod
```

**Fix.**
```yaml
    volumeMounts: [{ name: db, mountPath: /run/secrets/db, readOnly: true }]
  volumes: [{ name: db, secret: { secretName: db } }]
```
```yaml
services:
  app:
    secrets: [db_password]
secrets:
  db_password: { file: ./db_password.txt }
```
"#,
};

/// What a literal `name=value` reveals, if it is a secret.
fn literal_secret(name: &str, value: &str) -> Option<String> {
    if let Some(kind) = secret_value_kind(value) {
        Some(format!("a literal {kind}"))
    } else if is_secret_name(name) && is_literal_secret_value(value) {
        Some("a literal secret value".to_string())
    } else {
        None
    }
}

impl Rule for SecretInEnvironment {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_workload(&self, workload: &Workload, _ctx: &RuleContext<'_>, sink: &mut Sink) {
        for container in &workload.containers {
            // Build arguments end up in the image's history (`docker history`).
            for arg in &container.build_args {
                if let EnvValue::Literal(value) = &arg.value
                    && let Some(what) = literal_secret(&arg.name, value)
                {
                    sink.push(Finding::new(
                        &META,
                        arg.location.clone(),
                        format!(
                            "{} passes build arg `{}` as {what} ({}): it stays in the image history",
                            subject(workload, container),
                            arg.name,
                            redact(value)
                        ),
                    ));
                }
            }
            for var in &container.env {
                match &var.value {
                    EnvValue::Literal(value) => {
                        let Some(what) = literal_secret(&var.name, value) else {
                            continue;
                        };
                        sink.push(Finding::new(
                            &META,
                            var.location.clone(),
                            format!(
                                "{} sets `{}` to {what} ({})",
                                subject(workload, container),
                                var.name,
                                redact(value)
                            ),
                        ));
                    }
                    EnvValue::SecretRef(secret) if workload.platform == Platform::Kubernetes => {
                        let what = if var.name.is_empty() {
                            "all keys of".to_string()
                        } else {
                            format!("`{}` from", var.name)
                        };
                        sink.push(
                            Finding::new(
                                &META,
                                var.location.clone(),
                                format!(
                                    "{} takes {what} Secret `{secret}` through the environment: child processes and crash dumps see it; mount it as a file",
                                    subject(workload, container)
                                ),
                            )
                            .with_severity(Severity::Low),
                        );
                    }
                    _ => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::container_support::test_support::{loc, run_all};
    use crate::analyse::rules::testing::lines;
    use crate::model::runtime::{Container, EnvVar};

    fn env(vars: &[(&str, EnvValue, usize)]) -> Container {
        Container {
            env: vars
                .iter()
                .map(|(n, v, l)| EnvVar {
                    name: n.to_string(),
                    value: v.clone(),
                    location: loc(*l),
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn flags_literal_secrets_without_printing_them() {
        let c = env(&[
            ("DB_PASSWORD", EnvValue::Literal("hunter2-prod".into()), 5),
            (
                "AWS_KEY",
                EnvValue::Literal("AKIAZ7QWERTYUIOPASDF".into()),
                6,
            ),
        ]);
        for f in run_all(&SecretInEnvironment, c.clone()) {
            assert_eq!(lines(&f), vec![5, 6]);
            assert!(f.iter().all(|f| f.severity == Severity::High));
            assert!(!f[0].message.contains("hunter2"), "{}", f[0].message);
            assert!(!f[1].message.contains("AKIAZ7QWERTYUIOPASDF"));
        }
    }

    #[test]
    fn flags_literal_secret_build_args() {
        let f = crate::analyse::rules::testing::check_file(
            &SecretInEnvironment,
            "compose.yaml",
            "services:\n  app:\n    build:\n      context: .\n      args:\n        NPM_TOKEN: npm_abcdefghijklmnopqrstuvwxyz0123456789\n        VERSION: \"1.2\"\n",
        );
        assert_eq!(lines(&f), vec![6]);
        assert!(f[0].message.contains("image history"));
        assert!(!f[0].message.contains("abcdefghijklmnop"));
    }

    #[test]
    fn flags_a_private_key_under_an_innocent_name_in_a_pod() {
        let f = crate::analyse::rules::testing::check_file(
            &SecretInEnvironment,
            "pod.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: x\n    env:\n    - name: BLOB\n      value: |\n        ---BEGIN RSA PRIVATE KEY---\n        abc\n    - name: MODE\n      value: fast\n",
        );
        assert_eq!(lines(&f), vec![9]);
        assert!(f[0].message.contains("private key"), "{}", f[0].message);
    }

    #[test]
    fn secret_refs_are_low_on_kubernetes_only() {
        let c = env(&[("DB_PASSWORD", EnvValue::SecretRef("db".into()), 7)]);
        let [k, compose, d] = run_all(&SecretInEnvironment, c);
        assert_eq!(lines(&k), vec![7]);
        assert_eq!(k[0].severity, Severity::Low);
        assert!(compose.is_empty() && d.is_empty());
    }

    #[test]
    fn ignores_ordinary_values_and_references() {
        let c = env(&[
            ("LOG_LEVEL", EnvValue::Literal("debug".into()), 5),
            ("DB_PASSWORD", EnvValue::Other, 6),
            (
                "DB_PASSWORD_FILE",
                EnvValue::Literal("/run/secrets/db".into()),
                7,
            ),
            ("AUTH_ENABLED", EnvValue::Literal("true".into()), 8),
        ]);
        for f in run_all(&SecretInEnvironment, c.clone()) {
            assert!(f.is_empty(), "{f:?}");
        }
    }
}
