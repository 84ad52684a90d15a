//! TB103 `build-secret-in-history`: build-time secrets that stay in the
//! image's history or layers — secret build arguments that a `RUN` receives,
//! and credential files deleted in a later layer than the one that added
//! them.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleMeta, Sink};
use crate::analyse::rules::support::{history_ships, secret_build_args, secret_file_placements};
use crate::model::image::BuildImage;

pub struct BuildSecretInHistory;

pub static META: RuleMeta = RuleMeta {
    code: "TB103",
    slug: "build-secret-in-history",
    title: "Build secret left in image history or layers",
    severity: Severity::High,
    stride: &[Stride::InformationDisclosure, Stride::Spoofing],
    cwe: &[538, 212, 214],
    stage: LifecycleStage::Build,
    cis: &["CIS-Docker-4.10"],
    peers: &["DS-0031", "DL3064", "SecretsUsedInArgOrEnv"],
    remediation: "Use `RUN --mount=type=secret,id=…` for values and files a step needs (`docker build --secret id=…,src=…`), or `RUN --mount=type=ssh` for SSH keys; the secret is then never written to a layer or to the history. Alternatively fetch private dependencies in a build stage and copy only the results into the final stage.",
    docs: r#"
**What it detects.**
- A secret-named `ARG` (`NPM_TOKEN`, `GITHUB_TOKEN`, `DB_PASSWORD`…) without
  a literal default, followed by a `RUN` in the same stage: the value given
  with `--build-arg` is recorded in the image history for that `RUN`
  (`|1 NPM_TOKEN=… /bin/sh -c npm ci`).
- A credential file (`id_rsa`, `.netrc`, `.npmrc`, `.aws/credentials`,
  `*.key`…) copied in (`COPY`/`ADD`) or written by a `RUN`
  (`echo "$KEY" > ~/.ssh/id_rsa`, `cp`, `tee`, `curl -o`) and deleted by a
  **later** `RUN`.

A secret-named `ARG` with a literal default is TB101's finding; a secret file
that is copied and never deleted is TB102's.

**Why it is a threat.** Image layers are additive: `rm` in a later layer only
hides the file, the bytes stay in the earlier layer, and `docker save` /
`docker history` / any registry client gives them back (STRIDE: Information
disclosure). Build arguments are kept in the image metadata the same way.
Whoever pulls the image — or reads a CI cache — gets a working credential to
the registry, repository or cloud account it opens (Spoofing).

**Example.**
```dockerfile
ARG NPM_TOKEN
COPY .npmrc ./
RUN npm ci
RUN rm .npmrc
```

**Fix.** Mount the secret for the one step that needs it:
```dockerfile
RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci
```
"#,
};

/// History and layers of a stage ship only through `FROM <stage>` chains; a
/// stage that does not ship still leaks through build caches and CI logs.
fn severity(image: &BuildImage, index: usize) -> Severity {
    if history_ships(image, index) {
        META.severity
    } else {
        META.severity.lowered()
    }
}

impl Rule for BuildSecretInHistory {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image(&self, image: &BuildImage, sink: &mut Sink) {
        for arg in secret_build_args(image) {
            let Some(first_run) = arg.first_run else {
                continue;
            };
            // Point at the RUN that uses it by name when there is one.
            let (run, related) = match &arg.first_use {
                Some((i, span)) => (*i, (span.clone(), "used here")),
                None => (
                    first_run,
                    (
                        image.instruction(first_run).keyword_span.clone(),
                        "first RUN that receives it",
                    ),
                ),
            };
            let run_line = image
                .location(&image.instruction(run).keyword_span)
                .start_line;
            sink.push(
                Finding::new(
                    &META,
                    image.location(&arg.name.span),
                    format!(
                        "secret build argument `{}` reaches the RUN at line {run_line}: a value passed with --build-arg is recorded in the image history",
                        arg.name.value
                    ),
                )
                .with_severity(severity(image, run))
                .with_related(image.location(&related.0), related.1),
            );
        }

        for p in secret_file_placements(image) {
            let Some((removed_at, removed_span)) = &p.removed else {
                continue;
            };
            let how = if p.by_copy {
                "copied into"
            } else {
                "written to"
            };
            let removed_line = image.location(removed_span).start_line;
            sink.push(
                Finding::new(
                    &META,
                    image.location(&p.span),
                    format!(
                        "{} {how} `{}` and deleted at line {removed_line}, in a later layer: the file stays in this layer and can be extracted from the image",
                        p.kind, p.path
                    ),
                )
                .with_severity(severity(image, *removed_at))
                .with_related(image.location(removed_span), "deleted here, in a later layer"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check, lines};

    #[test]
    fn secret_build_arguments_received_by_run() {
        let f = check(
            &BuildSecretInHistory,
            "FROM oraclelinux:8\nARG JDK8_TOKEN\nRUN curl -L --header token:${JDK8_TOKEN} -o /tmp/jdk.tgz https://x\nARG NPM_TOKEN=\"\"\nRUN npm ci\n",
        );
        assert_eq!(lines(&f), vec![2, 4]);
        assert_eq!(f[0].related[0].location.start_line, 3);
        assert_eq!(f[0].related[0].message, "used here");
        assert_eq!(f[1].related[0].message, "first RUN that receives it");
        assert!(f[0].message.contains("line 3"));
    }

    #[test]
    fn ignores_args_with_literal_defaults_or_no_run() {
        let f = check(
            &BuildSecretInHistory,
            "ARG GLOBAL_TOKEN\nFROM a\nARG API_KEY=abc123def\nRUN echo $API_KEY\nARG LATE_PASSWORD\nFROM b\nRUN true\nARG GPG_KEY\nRUN gpg --recv-keys $GPG_KEY\n",
        );
        assert!(f.is_empty(), "{:?}", lines(&f));
    }

    #[test]
    fn secret_files_deleted_in_a_later_layer() {
        let f = check(
            &BuildSecretInHistory,
            "FROM a\nCOPY id_rsa /root/.ssh/id_rsa\nRUN echo \"$NETRC\" > ~/.netrc\nRUN git clone git@github.com:o/r.git\nRUN rm -rf /root/.ssh ~/.netrc\n",
        );
        assert_eq!(lines(&f), vec![2, 3]);
        assert!(f.iter().all(|f| f.related[0].location.start_line == 5));
        // Points at the source word of the COPY.
        assert_eq!(
            (f[0].location.start_column, f[0].location.end_column),
            (6, 12)
        );
    }

    #[test]
    fn deletion_in_the_same_layer_is_fine() {
        let f = check(
            &BuildSecretInHistory,
            "FROM a\nRUN echo \"$NETRC\" > ~/.netrc && make && rm ~/.netrc\nCOPY .npmrc .\nRUN --mount=type=secret,id=k cat /run/secrets/k\n",
        );
        assert!(f.is_empty(), "{:?}", lines(&f));
    }

    #[test]
    fn non_shipping_stage_is_lowered() {
        let f = check(
            &BuildSecretInHistory,
            "FROM a AS deps\nARG GITHUB_TOKEN\nRUN go mod download\nFROM scratch\nCOPY --from=deps /go /go\n",
        );
        // `deps` feeds the final stage through COPY --from, but its history does not ship.
        assert_eq!(lines(&f), vec![2]);
        assert_eq!(f[0].severity, Severity::Medium);
        let f = check(
            &BuildSecretInHistory,
            "FROM a AS base\nARG GITHUB_TOKEN\nRUN go mod download\nFROM base\nRUN true\n",
        );
        assert_eq!(f[0].severity, Severity::High);
    }
}
