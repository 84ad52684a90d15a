//! TB102 `secret-file-in-image`: secret files copied into the image by
//! name, written by a `RUN` and left there, or swept in by a whole-context
//! `COPY . .` that no `.dockerignore` filters.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleMeta, Sink};
use crate::analyse::rules::support::{secret_file_placements, stage_severity};
use crate::analyse::secrets::secret_file_kind;
use crate::model::image::BuildImage;
use crate::parse::dockerfile::InstrKind;

pub struct SecretFileInImage;

pub static META: RuleMeta = RuleMeta {
    code: "TB102",
    slug: "secret-file-in-image",
    title: "Secret file copied into the image",
    severity: Severity::High,
    stride: &[Stride::InformationDisclosure, Stride::Spoofing],
    cwe: &[538, 312],
    stage: LifecycleStage::Build,
    cis: &["CIS-Docker-4.10"],
    peers: &["DS-0031", "CKV_SECRET_*"],
    remediation: "Do not copy credentials into images: mount them for the step that needs them (`RUN --mount=type=secret`, `--mount=type=ssh`) or give them to the container at run time. Add a `.dockerignore` that excludes `.git`, `.env*`, keys and credential files, and prefer copying named directories over `COPY . .`.",
    docs: r#"
**What it detects.**
- `COPY`/`ADD` of a file whose name marks it as a secret: `.env`, SSH keys
  (`id_rsa`, `id_ed25519`, `.ssh/`), `*.key`, private `*.pem`, `*.p12`/`*.pfx`,
  `.npmrc`, `.pypirc`, `.netrc`, `.git-credentials`, `.aws/credentials`,
  `.kube/config`, `kubeconfig`, `.docker/config.json`, `.git/`, `*.tfstate`,
  `.htpasswd`, `credentials.json`, `secrets.y(a)ml`; also a `COPY <<EOF` to
  such a path;
- such a file written by a `RUN` (`echo … > ~/.netrc`, `cp`, `tee`,
  `curl -o`) that no later step removes;
- `COPY . .` (or `./`, `*`) of the whole build context when there is no
  `.dockerignore`, or when the `.dockerignore` does not exclude the usual
  secret files (the message lists which).

A file that is copied and then deleted by a later `RUN` is TB103's finding:
deleting it does not remove it from the image.

**Why it is a threat.** Everything copied into a layer can be read by anyone
who can pull the image: `docker save`, `docker cp`, or any registry client
(STRIDE: Information disclosure). A private key, cloud credential or registry
token found there lets the reader act as its owner (Spoofing), and `.git`
gives away the whole history, including secrets that were "removed" long ago.

**Example.**
```dockerfile
COPY . /app
COPY id_rsa /root/.ssh/id_rsa
```

**Fix.** Exclude secrets from the context and mount them when needed:
```text
# .dockerignore
.git
.env*
**/*.pem
**/id_rsa*
```
```dockerfile
RUN --mount=type=ssh git clone git@github.com:org/private.git
```
"#,
};

/// Sources that copy the whole build context.
const WHOLE_CONTEXT: &[&str] = &[".", "./", "*", "./*", "/"];

/// Files commonly present in a build context that must not reach an image;
/// a `.dockerignore` is expected to exclude them.
const USUAL_SECRETS: &[&str] = &[
    ".env",
    ".git",
    ".npmrc",
    ".pypirc",
    ".netrc",
    ".git-credentials",
    "id_rsa",
    "id_ed25519",
    ".aws/credentials",
    ".docker/config.json",
    "server.key",
    "terraform.tfstate",
];

impl Rule for SecretFileInImage {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image(&self, image: &BuildImage, sink: &mut Sink) {
        for p in secret_file_placements(image) {
            if p.removed.is_some() {
                continue; // TB103
            }
            let (message, severity) = if p.by_copy {
                (
                    format!(
                        "{} `{}` is copied into the image",
                        p.kind,
                        p.source_name.as_deref().unwrap_or(&p.path)
                    ),
                    META.severity,
                )
            } else {
                (
                    format!(
                        "RUN writes {} `{}` and no later step removes it",
                        p.kind, p.path
                    ),
                    Severity::Medium,
                )
            };
            sink.push(
                Finding::new(
                    &META,
                    image.location(&p.span),
                    format!("{message}: anyone who can pull the image can read it"),
                )
                .with_severity(stage_severity(image, p.instruction, severity)),
            );
        }

        for (index, instr) in image.dockerfile.instructions.iter().enumerate() {
            let (InstrKind::Copy(c) | InstrKind::Add(c)) = &instr.kind else {
                continue;
            };
            // `COPY <<EOF /root/.npmrc`: the content is in the Dockerfile too.
            if !c.heredocs.is_empty()
                && let Some(kind) = secret_file_kind(&c.dest.value)
            {
                sink.push(
                    Finding::new(
                        &META,
                        image.location(&c.dest.span),
                        format!("{kind} `{}` is written into the image from a heredoc: anyone who can pull the image can read it", c.dest.value),
                    )
                    .with_severity(stage_severity(image, index, META.severity)),
                );
            }
            if instr.flag("from").is_some() {
                continue;
            }
            let Some(src) = c
                .sources
                .iter()
                .find(|s| WHOLE_CONTEXT.contains(&s.value.as_str()))
            else {
                continue;
            };
            let (message, severity) = match &image.dockerignore {
                None => (
                    format!(
                        "`{} {}` copies the whole build context and there is no .dockerignore: `.git`, `.env` files, keys and credential files in the context end up in the image",
                        instr.keyword(),
                        src.value
                    ),
                    Severity::Medium,
                ),
                Some(ignore) => {
                    let missing: Vec<&str> = USUAL_SECRETS
                        .iter()
                        .copied()
                        .filter(|f| !ignore.is_excluded(f))
                        .collect();
                    if missing.is_empty() {
                        continue;
                    }
                    (
                        format!(
                            "`{} {}` copies the whole build context and {} does not exclude: {}",
                            instr.keyword(),
                            src.value,
                            ignore.path.rsplit('/').next().unwrap_or(".dockerignore"),
                            missing.join(", ")
                        ),
                        Severity::Low,
                    )
                }
            };
            sink.push(
                Finding::new(&META, image.location(&src.span), message)
                    .with_severity(stage_severity(image, index, severity)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check, check_image, lines};
    use crate::parse::dockerignore::DockerIgnore;

    fn with_ignore(text: &str, ignore: &str) -> Vec<Finding> {
        let source = std::sync::Arc::new(crate::source::SourceFile::new(
            "Dockerfile",
            text.to_string(),
        ));
        let image = crate::model::build::build_image(
            crate::parse::dockerfile::parse(source),
            Some(DockerIgnore::parse("app/.dockerignore", ignore)),
        );
        check_image(&SecretFileInImage, &image)
    }

    #[test]
    fn secret_files_copied_by_name() {
        let f = check(
            &SecretFileInImage,
            "FROM a\nCOPY id_rsa /root/.ssh/id_rsa\nCOPY .env config/app.key ./\nADD --chown=app .aws/credentials /home/app/.aws/\nCOPY --from=builder /root/.npmrc /root/\nCOPY <<EOF /root/.netrc\nmachine x login y password z\nEOF\nRUN echo \"$TOKEN\" > ~/.git-credentials\nCOPY ci-creds /root/.aws/credentials\n",
        );
        assert_eq!(lines(&f), vec![2, 3, 3, 4, 5, 6, 9, 10]);
        assert_eq!(
            (f[0].location.start_column, f[0].location.end_column),
            (6, 12)
        );
        assert_eq!(f[6].severity, Severity::Medium);
    }

    #[test]
    fn ignores_public_and_example_files() {
        let f = check(
            &SecretFileInImage,
            "FROM a\nCOPY .env.example id_rsa.pub ca.pem ./\nCOPY requirements.txt /app/\nCOPY known_hosts /root/.ssh/known_hosts\nRUN ssh-keyscan github.com >> ~/.ssh/known_hosts\n",
        );
        assert!(f.is_empty(), "{:?}", lines(&f));
    }

    #[test]
    fn whole_context_copy_without_dockerignore() {
        let f = check(
            &SecretFileInImage,
            "FROM a\nWORKDIR /app\nCOPY . .\nCOPY --from=b . .\n",
        );
        assert_eq!(lines(&f), vec![3]);
        assert_eq!(f[0].severity, Severity::Medium);
        assert!(f[0].message.contains("no .dockerignore"));
    }

    #[test]
    fn whole_context_copy_with_dockerignore() {
        let f = with_ignore("FROM a\nCOPY . .\n", "node_modules\n.git\n");
        assert_eq!(lines(&f), vec![2]);
        assert_eq!(f[0].severity, Severity::Low);
        assert!(f[0].message.contains(".env, .npmrc"));
        assert!(!f[0].message.contains(".git,"));
        // An allow-list ignore file excludes everything else.
        assert!(with_ignore("FROM a\nCOPY . .\n", "*\n!src\n!package.json\n").is_empty());
        let full = ".git\n.env*\n.npmrc\n.pypirc\n.netrc\n.git-credentials\n**/id_*\n.aws\n.docker\n*.key\n*.tfstate\n";
        assert!(with_ignore("FROM a\nCOPY ./ /app\n", full).is_empty());
    }
}
