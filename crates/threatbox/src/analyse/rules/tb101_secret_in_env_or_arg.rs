//! TB101 `secret-in-env-or-arg`: secrets written into the Dockerfile — in
//! `ENV`, `ARG` defaults, `LABEL` values and `RUN` command text — or copied
//! from a build argument into the image's `ENV`.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleMeta, Sink};
use crate::analyse::rules::support::{
    image_scripts, referenced_variables, secret_build_args, stage_severity,
};
use crate::analyse::secrets::{
    find_secret, is_literal_secret_value, is_secret_name, redact, secret_value_kind,
};
use crate::model::image::BuildImage;
use crate::parse::dockerfile::InstrKind;
use crate::parse::shell::is_assignment;
use crate::source::Span;

pub struct SecretInEnvOrArg;

pub static META: RuleMeta = RuleMeta {
    code: "TB101",
    slug: "secret-in-env-or-arg",
    title: "Secret in ENV, ARG, LABEL or RUN text",
    severity: Severity::High,
    stride: &[Stride::InformationDisclosure, Stride::Spoofing],
    cwe: &[798, 526, 538],
    stage: LifecycleStage::Build,
    cis: &["CIS-Docker-4.10"],
    peers: &["DL3064", "DS-0031", "SecretsUsedInArgOrEnv", "CKV_SECRET_*"],
    remediation: "Remove the secret from the Dockerfile and rotate it. Pass build-time secrets with `RUN --mount=type=secret,id=…` (`docker build --secret id=…,src=…`) and runtime secrets through the orchestrator (Docker/Kubernetes secrets, mounted files) rather than `ENV`.",
    docs: r#"
**What it detects.**
- `ENV`, `ARG` defaults and `LABEL` values that match a well-known token
  format (AWS, GitHub, GitLab, Slack, Google, Stripe, npm, PyPI, Docker Hub
  tokens, private keys, JWTs, URLs with a password) — high severity;
- secret-named variables (`*_PASSWORD`, `*_TOKEN`, `API_KEY`, `*_SECRET`…,
  not `GPG_KEY`, `*_KEY_ID`, `*_FILE`, `*_URL`, `*_VERSION`) set to a literal
  value — medium;
- an `ENV` that copies a build argument into the image environment
  (`ARG DB_PASSWORD` + `ENV DB_PASSWORD=$DB_PASSWORD`) — medium;
- token formats and secret-named `VAR=literal` assignments written in `RUN`
  commands — high / medium;
- a secret-named `ARG` without a literal default that no `RUN` uses — low
  (it invites `--build-arg`, which is recorded in the build metadata).

A secret-named `ARG` that a later `RUN` receives is TB103's finding (its value
ends up in the image history); TB101 does not report it again. Messages never
contain the secret: at most its first four characters.

**Why it is a threat.** `ENV` and `LABEL` values are part of the image
configuration, `ARG` defaults and `RUN` command lines are part of its history:
anyone who can pull the image reads them with `docker inspect` or `docker
history`, and anyone who can read the repository reads the Dockerfile
(STRIDE: Information disclosure). With the credential they act as its owner
against the registry, cloud account or database it opens (Spoofing). Secrets
in `ENV` are also inherited by every process of the container and show up in
crash reports, `/proc/*/environ` and orchestration APIs.

**Example.**
```dockerfile
ENV GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
ARG DB_PASSWORD=s3cr3t
```

**Fix.** Mount build secrets for the one step that needs them, and give
runtime secrets to the container when it starts:
```dockerfile
RUN --mount=type=secret,id=github_token \
    GITHUB_TOKEN="$(cat /run/secrets/github_token)" ./fetch-deps.sh
```
"#,
};

/// The finding for a `name=value` written in the Dockerfile, if any:
/// (severity, message).
fn literal_problem(what: &str, name: &str, value: &str) -> Option<(Severity, String)> {
    let secret_name = is_secret_name(name);
    match secret_value_kind(value) {
        // Random-looking text is only a secret when the name says so.
        Some("high-entropy string") if !secret_name => None,
        Some("high-entropy string") => Some((
            Severity::Medium,
            format!(
                "{what} `{name}` holds a random-looking literal secret ({})",
                redact(value)
            ),
        )),
        Some(kind) => Some((
            Severity::High,
            format!("{what} `{name}` holds a secret: {kind}, {}", redact(value)),
        )),
        // Label keys are free-form (`com.example.auth=oauth2`): only formats count.
        None if what != "LABEL" && secret_name && is_literal_secret_value(value) => Some((
            Severity::Medium,
            format!(
                "{what} `{name}` sets a secret-named variable to a literal value ({})",
                redact(value)
            ),
        )),
        None => None,
    }
}

/// Expansion walks the stage up to the instruction; a bound keeps a file
/// with thousands of secret-named ENVs linear.
const MAX_EXPANSIONS: usize = 64;

const VISIBLE: &str = "readable by anyone who can pull the image or read the Dockerfile";

impl Rule for SecretInEnvOrArg {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image(&self, image: &BuildImage, sink: &mut Sink) {
        let instrs = &image.dockerfile.instructions;
        let secret_args = secret_build_args(image);
        // Every ARG declared so far, to recognise ENV copies of build arguments.
        let mut expansions = 0;
        let mut declared: std::collections::HashSet<&str> = std::collections::HashSet::new();
        // The last ENV that refers to each variable.
        let mut last_env_reference: std::collections::HashMap<&str, usize> =
            std::collections::HashMap::new();
        for (index, instr) in instrs.iter().enumerate() {
            let (what, pairs): (&str, Vec<(&str, &str, Span)>) = match &instr.kind {
                InstrKind::Env(kvs) => (
                    "ENV",
                    kvs.iter()
                        .map(|kv| {
                            (
                                kv.key.value.as_str(),
                                kv.value.value.as_str(),
                                kv.key.span.start..kv.value.span.end,
                            )
                        })
                        .collect(),
                ),
                InstrKind::Label(kvs) => (
                    "LABEL",
                    kvs.iter()
                        .map(|kv| {
                            (
                                kv.key.value.as_str(),
                                kv.value.value.as_str(),
                                kv.key.span.start..kv.value.span.end,
                            )
                        })
                        .collect(),
                ),
                InstrKind::Arg(decls) => {
                    declared.extend(decls.iter().map(|d| d.name.value.as_str()));
                    (
                        "ARG",
                        decls
                            .iter()
                            .filter_map(|d| {
                                d.default.as_ref().map(|v| {
                                    (
                                        d.name.value.as_str(),
                                        v.value.as_str(),
                                        d.name.span.start..v.span.end,
                                    )
                                })
                            })
                            .collect(),
                    )
                }
                _ => continue,
            };
            for (name, value, span) in pairs {
                if what == "ENV" {
                    for v in referenced_variables(value) {
                        last_env_reference.insert(v, index);
                    }
                }
                // `ENV ADMIN_PASSWORD=${ADMIN_PASSWORD:-welcome1}` is a literal
                // default once expanded. Only secret names are expanded:
                // expansion walks the stage, so doing it for every value
                // would make the rule quadratic.
                let expanded = match image.stage_of(index) {
                    Some(stage)
                        if value.contains('$')
                            && is_secret_name(name)
                            && expansions < MAX_EXPANSIONS =>
                    {
                        expansions += 1;
                        let e = image.expand(stage, index, value);
                        e.complete.then_some(e.value)
                    }
                    _ => None,
                };
                let problem = literal_problem(what, name, value).or_else(|| {
                    let (severity, message) = literal_problem(what, name, expanded.as_deref()?)?;
                    Some((severity, format!("{message} after variable expansion")))
                });
                if let Some((severity, message)) = problem {
                    // The literal is in the Dockerfile whatever the stage: no lowering.
                    sink.push(
                        Finding::new(
                            &META,
                            image.location(&span),
                            format!("{message}: {VISIBLE}"),
                        )
                        .with_severity(severity),
                    );
                    continue;
                }
                if what != "ENV" {
                    continue;
                }
                // `ENV X=$SECRET_ARG`: the build argument's value is frozen
                // into the image configuration.
                let copied = referenced_variables(value)
                    .into_iter()
                    .find(|v| declared.contains(v) && (is_secret_name(v) || is_secret_name(name)));

                if let Some(arg) = copied {
                    sink.push(
                        Finding::new(
                            &META,
                            image.location(&span),
                            format!(
                                "ENV `{name}` copies build argument `{arg}` into the image environment: its value is stored in the image config, {VISIBLE}"
                            ),
                        )
                        .with_severity(stage_severity(image, index, Severity::Medium)),
                    );
                }
            }
        }

        // Secret build arguments that no RUN receives (those that one does are TB103's).
        for arg in secret_args.iter().filter(|a| a.first_run.is_none()) {
            let copied_by_env = last_env_reference
                .get(arg.name.value.as_str())
                .is_some_and(|&i| i > arg.instruction);
            if copied_by_env {
                continue;
            }
            sink.push(
                Finding::new(
                    &META,
                    image.location(&arg.name.span),
                    format!(
                        "secret-named build argument `{}`: a value passed with --build-arg is recorded in the build metadata; use a secret mount instead",
                        arg.name.value
                    ),
                )
                .with_severity(Severity::Low),
            );
        }

        // Literal secrets in RUN command text stay in the image history.
        for (index, script) in image_scripts(image) {
            let mut reported = false;
            if let Some((kind, range)) =
                find_secret(&script.text).filter(|(k, _)| *k != "high-entropy string")
            {
                let secret = script.text.get(range.clone()).unwrap_or("");
                let span = script.source_span(range.clone());
                sink.push(
                    Finding::new(
                        &META,
                        image.location(&span),
                        format!("RUN command contains a {kind} ({}): it is stored in the image history, {VISIBLE}", redact(secret)),
                    )
                    .with_severity(Severity::High),
                );
                reported = true;
            }
            if reported {
                continue;
            }
            for cmd in script.commands() {
                let exported = matches!(cmd.name(), Some("export" | "declare" | "typeset"));
                let assignments = cmd
                    .prefix()
                    .iter()
                    .chain(if exported { cmd.args() } else { &[] })
                    .filter(|w| is_assignment(&w.value));
                for w in assignments {
                    let Some((name, value)) = w.value.split_once('=') else {
                        continue;
                    };
                    if is_secret_name(name) && is_literal_secret_value(value) {
                        let span = script.source_span(w.range.clone());
                        sink.push(
                            Finding::new(
                                &META,
                                image.location(&span),
                                format!(
                                    "RUN sets `{name}` to a literal secret ({}): it is stored in the image history, {VISIBLE}",
                                    redact(value)
                                ),
                            )
                            .with_severity(stage_severity(image, index, Severity::Medium)),
                        );
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check, lines};

    const TOKEN: &str = "ghp_0123456789abcdefghijABCDEFGHIJ012345";

    #[test]
    fn token_formats_are_high_and_redacted() {
        let text = format!(
            "FROM alpine\nENV GITHUB_TOKEN={TOKEN}\nLABEL deploy.key=\"AKIAZ7QWERTYUIOP1234\"\nARG NOTE=https://ci:hunter22@git.example.com/x.git\nRUN git clone https://x:{TOKEN}@github.com/o/r.git\n"
        );
        let f = check(&SecretInEnvOrArg, &text);
        assert_eq!(lines(&f), vec![2, 3, 4, 5]);
        assert!(f.iter().all(|f| f.severity == Severity::High));
        assert!(f.iter().all(|f| !f.message.contains("0123456789")
            && !f.message.contains("hunter22")
            && !f.message.contains("QWERTY")));
        assert!(f[0].message.contains("GitHub token"));
        // Points at the pair, from the name to the end of the value.
        assert_eq!(
            (f[0].location.start_column, f[0].location.end_column),
            (5, 58)
        );
    }

    #[test]
    fn secret_names_with_literal_values_are_medium() {
        let f = check(
            &SecretInEnvOrArg,
            "FROM postgres\nENV POSTGRES_PASSWORD=postgres\nARG ADMIN_PASSWORD=welcome1\nENV GPG_KEY=7169605F62C751356D054A26A821E680E5FA6305 \\\n    PYTHON_SHA256=ae665bc678abd9ab6a6e1573d2481625a53719bc517e9a634ed2b9fefae3817f\nENV DB_PASSWORD_FILE=/run/secrets/db AUTH_ENABLED=true\nRUN export API_TOKEN=abc123xyz && DB_PASSWORD=s3cret ./init.sh\n",
        );
        assert_eq!(lines(&f), vec![2, 3, 7, 7]);
        assert!(f.iter().all(|f| f.severity == Severity::Medium));
        assert!(
            !f.iter()
                .any(|f| f.message.contains("welcome1") || f.message.contains("s3cret"))
        );
    }

    #[test]
    fn env_copy_of_a_build_argument() {
        let f = check(
            &SecretInEnvOrArg,
            "FROM a\nARG ORACLE_PWD\nENV ORACLE_PWD=${ORACLE_PWD}\nENV OTHER=${UNDECLARED_PASSWORD}\nARG VERSION\nENV APP_VERSION=$VERSION\n",
        );
        assert_eq!(lines(&f), vec![3]);
        assert!(f[0].message.contains("copies build argument `ORACLE_PWD`"));
    }

    #[test]
    fn literal_defaults_found_by_expansion() {
        let f = check(
            &SecretInEnvOrArg,
            "FROM a\nENV ADMIN_USER=\"${ADMIN_USER:-admin}\" \\\n    ADMIN_PASSWORD=\"${ADMIN_PASSWORD:-welcome1}\" \\\n    DB_PASSWORD=\"${DB_PASSWORD:-}\"\n",
        );
        assert_eq!(lines(&f), vec![3]);
        assert_eq!(f[0].severity, Severity::Medium);
        assert!(!f[0].message.contains("welcome1"));
    }

    #[test]
    fn unused_secret_build_argument_is_low_and_used_one_is_left_to_tb103() {
        let f = check(
            &SecretInEnvOrArg,
            "FROM a\nARG NPM_TOKEN\nARG UNUSED_SECRET\nRUN npm ci\nFROM b\nARG LATE_TOKEN\n",
        );
        // NPM_TOKEN and UNUSED_SECRET reach `RUN npm ci`: TB103's.
        assert_eq!(lines(&f), vec![6]);
        assert_eq!(f[0].severity, Severity::Low);
    }

    #[test]
    fn official_image_values_are_not_secrets() {
        let f = check(
            &SecretInEnvOrArg,
            "FROM debian\nENV PYTHON_VERSION=3.12.8 GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D\nENV PATH=/usr/local/bin:$PATH LANG=C.UTF-8\nLABEL org.opencontainers.image.source=https://github.com/x/y com.example.auth=oauth2\nENV SECRET_KEY_BASE=dummy\nARG TOKEN_URL=https://auth.example.com/token\nRUN curl -fsSL -H \"Authorization: Bearer $GITHUB_TOKEN\" https://api.github.com\n",
        );
        assert!(
            f.is_empty(),
            "{:?}",
            f.iter().map(|f| &f.message).collect::<Vec<_>>()
        );
    }
}
