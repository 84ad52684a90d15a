//! TB211 `image-secret-in-config-env`: a secret in the environment a built
//! image's configuration sets.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::image_support::is_secret_pair;
use crate::model::image_archive::ImageArchive;

pub struct ImageSecretInConfigEnv;

pub static META: RuleMeta = RuleMeta {
    code: "TB211",
    slug: "image-secret-in-config-env",
    title: "Secret in a built image's environment",
    severity: Severity::High,
    stride: &[Stride::InformationDisclosure, Stride::Spoofing],
    cwe: &[526, 798],
    stage: LifecycleStage::Image,
    cis: &["CIS-Docker-4.10"],
    peers: &["CIS-DI-0010", "DS-0031"],
    remediation: "Remove the value from the image (no `ENV` with a secret); pass it at run time from a secret store (Kubernetes Secret, compose `secrets:`, `docker run --env-file` kept out of the image), and rotate the exposed one.",
    docs: r#"
**What it detects.** An `Env` entry of the image configuration with a
secret-looking name (`DB_PASSWORD`, `API_TOKEN`…) and a literal value, or a
value in a well-known token format (AWS keys, GitHub tokens, private-key
armour…). The value is never printed.

**Why it is a threat.** The configuration travels with the image: anyone who
can pull it reads the value with `docker inspect`, and every process in every
container of the image has it in its environment (STRIDE: Information
disclosure); with it they act as the service it authenticates (Spoofing).

**Example.** `"Env": ["DB_PASSWORD=hunter2"]` in the image config.

**Fix.** Rebuild without the `ENV`, inject the secret at run time, and rotate
the leaked value.
"#,
};

impl Rule for ImageSecretInConfigEnv {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image_archive(&self, archive: &ImageArchive, _ctx: &RuleContext<'_>, sink: &mut Sink) {
        for (name, value) in &archive.config.env {
            if is_secret_pair(name, value) {
                sink.push(Finding::new(
                    &META,
                    archive.location(),
                    format!(
                        "image {} sets `{name}` in its configuration environment: anyone who pulls the image reads it (value redacted)",
                        archive.display_name()
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::check_archive;
    use crate::model::image_archive::ImageConfig;

    fn with_env(env: &[(&str, &str)]) -> ImageArchive {
        ImageArchive {
            path: "api.tar".into(),
            repo_tags: vec!["api:1".into()],
            config: ImageConfig {
                env: env
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn flags_secret_names_with_values_and_token_formats() {
        let f = check_archive(
            &ImageSecretInConfigEnv,
            &with_env(&[
                ("DB_PASSWORD", "hunter22"),
                ("SOME_VAR", "AKIAIOSFODNN7ABCDEFG"),
                ("PATH", "/usr/bin"),
            ]),
        );
        assert_eq!(f.len(), 2);
        assert!(f.iter().all(|f| !f.message.contains("hunter22")));
        assert!(f[0].message.contains("`DB_PASSWORD`"));
    }

    #[test]
    fn ignores_public_keys_paths_and_empty_values() {
        let f = check_archive(
            &ImageSecretInConfigEnv,
            &with_env(&[
                ("GPG_KEY", "A035C8C19219BA821ECEA86B64E628F8D684696D"),
                ("PASSWORD_FILE", "/run/secrets/db"),
                ("API_TOKEN", ""),
                (
                    "PYTHON_SHA256",
                    "8c136d199d3637a1fce98a16adc809c1d83c922d02d41f3614b34f8b6e7d38ec",
                ),
            ]),
        );
        assert!(
            f.is_empty(),
            "{:?}",
            f.iter().map(|f| &f.message).collect::<Vec<_>>()
        );
    }
}
