//! TB212 `image-secret-in-history`: secrets recorded in a built image's
//! history — build arguments (`|N NAME=value` before a RUN), `ENV`/`ARG`
//! values later changed, tokens written in commands.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::image_support::{PairSource, history_pairs, is_secret_pair};
use crate::analyse::secrets::find_secret;
use crate::model::image_archive::ImageArchive;

pub struct ImageSecretInHistory;

pub static META: RuleMeta = RuleMeta {
    code: "TB212",
    slug: "image-secret-in-history",
    title: "Secret in a built image's history",
    severity: Severity::High,
    stride: &[Stride::InformationDisclosure, Stride::Spoofing],
    cwe: &[538, 214],
    stage: LifecycleStage::Image,
    cis: &["CIS-Docker-4.10"],
    peers: &["CIS-DI-0010", "DS-0031", "SecretsUsedInArgOrEnv"],
    remediation: "Pass build secrets with `RUN --mount=type=secret,id=…` (`docker build --secret`), never `--build-arg`; rebuild, and rotate the value that leaked — removing it from a later image does not remove it from the published one.",
    docs: r#"
**What it detects.** In the `history` of an image read from an archive:
- build arguments recorded before a `RUN` (`|1 NPM_TOKEN=… /bin/sh -c npm ci`)
  whose name says secret and whose value is literal, or whose value is a
  well-known token format;
- `ENV`/`ARG` entries with such values that the final configuration no longer
  shows (an `ENV` the final config still sets is TB211's);
- well-known token formats written in a command (`curl -H "Authorization:
  Bearer ghp_…"`).
Values are never printed.

**Why it is a threat.** `docker history --no-trunc` and every registry client
show the history of an image to whoever can pull it; a value given with
`--build-arg` is kept there for each `RUN` in its scope (STRIDE: Information
disclosure), and it opens whatever it authenticates to (Spoofing).

**Example.** `docker build --build-arg NPM_TOKEN=npm_… .` with
`ARG NPM_TOKEN` and `RUN npm ci`.

**Fix.**
```dockerfile
RUN --mount=type=secret,id=npm,env=NPM_TOKEN npm ci
```
"#,
};

impl Rule for ImageSecretInHistory {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image_archive(&self, archive: &ImageArchive, _ctx: &RuleContext<'_>, sink: &mut Sink) {
        let name = archive.display_name();
        for (i, h) in archive.history.iter().enumerate() {
            let step = i + 1;
            let pairs = history_pairs(&h.created_by);
            let mut reported = false;
            for (key, value, source) in &pairs {
                if !is_secret_pair(key, value) {
                    continue;
                }
                // Still in the final environment: TB211 reports it.
                if *source == PairSource::Env
                    && archive
                        .config
                        .env
                        .iter()
                        .any(|(k, v)| k == key && v == value)
                {
                    continue;
                }
                let what = match source {
                    PairSource::BuildArg => "build argument",
                    PairSource::Env => "ENV value",
                    PairSource::Arg => "ARG default",
                };
                sink.push(Finding::new(
                    &META,
                    archive.location(),
                    format!(
                        "image {name}: history step {step} records the {what} `{key}` (value redacted): `docker history` shows it to anyone who pulls the image"
                    ),
                ));
                reported = true;
            }
            if reported || !pairs.is_empty() {
                continue;
            }
            if let Some((kind, _)) = find_secret(&h.created_by)
                && kind != "high-entropy string"
            {
                sink.push(Finding::new(
                    &META,
                    archive.location(),
                    format!(
                        "image {name}: history step {step} holds a {kind} in its command (redacted)"
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
    use crate::model::image_archive::{HistoryEntry, ImageConfig};

    fn with_history(steps: &[&str], env: &[(&str, &str)]) -> ImageArchive {
        ImageArchive {
            path: "api.tar".into(),
            repo_tags: vec!["api:1".into()],
            history: steps
                .iter()
                .map(|s| HistoryEntry {
                    created_by: s.to_string(),
                    ..Default::default()
                })
                .collect(),
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
    fn flags_build_args_overridden_env_and_tokens_in_commands() {
        let f = check_archive(
            &ImageSecretInHistory,
            &with_history(
                &[
                    "/bin/sh -c #(nop) ADD file:x in /",
                    "|2 NPM_TOKEN=s3cr3t-value VERSION=1 /bin/sh -c npm ci",
                    "ENV DB_PASSWORD=old-password # buildkit",
                    "RUN /bin/sh -c curl -H 'Authorization: token ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789' x # buildkit",
                ],
                &[("DB_PASSWORD", "new-from-runtime")],
            ),
        );
        let msgs: Vec<&str> = f.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(f.len(), 3, "{msgs:?}");
        assert!(msgs[0].contains("step 2 records the build argument `NPM_TOKEN`"));
        assert!(msgs[1].contains("step 3 records the ENV value `DB_PASSWORD`"));
        assert!(msgs[2].contains("step 4 holds a"));
        assert!(
            msgs.iter()
                .all(|m| !m.contains("s3cr3t") && !m.contains("ghp_"))
        );
    }

    #[test]
    fn ignores_env_still_in_config_and_harmless_args() {
        let f = check_archive(
            &ImageSecretInHistory,
            &with_history(
                &[
                    "ENV API_KEY=abc123abc # buildkit",
                    "|1 PIP_NO_CACHE=1 /bin/sh -c pip install x",
                    "|1 NPM_TOKEN=$NPM_TOKEN /bin/sh -c npm ci",
                ],
                &[("API_KEY", "abc123abc")],
            ),
        );
        assert!(
            f.is_empty(),
            "{:?}",
            f.iter().map(|f| &f.message).collect::<Vec<_>>()
        );
    }
}
