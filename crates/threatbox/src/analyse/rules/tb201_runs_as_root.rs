//! TB201 `runs-as-root`: the shipped image runs its process as root.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleMeta, Sink};
use crate::analyse::rules::scope;
use crate::model::image::{BaseImage, BuildImage, UserSetting};
use crate::parse::dockerfile::{InstrKind, Word};
use crate::source::Span;

pub struct RunsAsRoot;

pub static META: RuleMeta = RuleMeta {
    code: "TB201",
    slug: "runs-as-root",
    title: "Image runs as root",
    severity: Severity::High,
    stride: &[Stride::ElevationOfPrivilege],
    cwe: &[250],
    stage: LifecycleStage::Image,
    cis: &["CIS-Docker-4.1"],
    peers: &["DL3002", "CKV_DOCKER_3", "CKV_DOCKER_8", "DS-0002"],
    remediation: "Create an unprivileged user and end the final stage with `USER <uid>` (e.g. `USER 10001`), after the steps that need root.",
    docs: r#"
**What it detects.** The user the *shipped* image runs as, i.e. the last
`USER` of the final stage or of the stages it is built `FROM`:
- `USER root`, `USER 0`, `USER 0:0`, `USER root:app` as that last user
  (high);
- root set again after a non-root `USER` (high; the earlier `USER` is shown
  as a related location);
- no `USER` at all in the final stage and its parents (medium): the process
  runs as root unless the base image sets a user. A `USER` in another stage
  is mentioned but does not help: it does not carry over unless the final
  stage is built `FROM` that stage.

Builder stages that do not ship are never reported: running a build as root
is normal, and it is the most common false positive of peer tools.

**Why it is a threat.** A process running as root inside the container is
root in the container's user namespace, usually the host's root (STRIDE:
Elevation of privilege): any remote code execution in the application can
modify the image's binaries, read every file, and use the remaining
capabilities and any kernel or runtime flaw (runc, overlayfs, mounted
sockets) to escape to the host. A non-root user turns many container-escape
bugs into non-issues and is required by Kubernetes `runAsNonRoot` and the
restricted Pod Security Standard.

Windows images: `USER ContainerAdministrator` counts as root, and with no
`USER` the message says that the container runs as ContainerAdministrator.

**Limitations.** Users set by the base image are not known (no registry
access): images known to run as non-root by their tag
(`gcr.io/distroless/*:nonroot`, `*:debug-nonroot`, any `*-nonroot` tag) are
treated as non-root; other non-root bases (e.g. most Chainguard images) are
not recognised, so the "no USER" case may be a false positive there: say so
with a suppression. `FROM scratch` images with no `USER` are not reported
(they usually hold one static binary; set a numeric `USER` anyway).

**Example.**
```dockerfile
FROM node:22-slim
COPY . /app
USER root
CMD ["node", "/app/server.js"]
```

**Fix.**
```dockerfile
FROM node:22-slim
COPY --chown=node:node . /app
USER node
CMD ["node", "/app/server.js"]
```
"#,
};

/// A base image that is known to set a non-root user.
fn base_is_non_root(base: &BaseImage) -> bool {
    match base {
        BaseImage::Image(r) => r
            .tag
            .as_deref()
            .is_some_and(|t| t.to_ascii_lowercase().ends_with("nonroot")),
        _ => false,
    }
}

/// A `USER` instruction of the final chain with its expanded value.
struct UserInstr<'a> {
    word: &'a Word,
    value: String,
    complete: bool,
}

impl UserInstr<'_> {
    fn is_root(&self) -> bool {
        let user = self.value.split(':').next().unwrap_or("").trim();
        // Windows containers: the administrator account is root's equivalent.
        user.eq_ignore_ascii_case("ContainerAdministrator")
            || UserSetting {
                value: self.value.clone(),
                instruction: 0,
                inherited: false,
            }
            .is_root()
    }
}

impl Rule for RunsAsRoot {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image(&self, image: &BuildImage, sink: &mut Sink) {
        let Some(final_stage) = image.final_stage() else {
            return;
        };
        let from_span: Span = match &image.instruction(final_stage.from).kind {
            InstrKind::From(f) => f.image.span.clone(),
            _ => image.instruction(final_stage.from).span.clone(),
        };
        let users: Vec<UserInstr> = scope::shipped_instructions(image)
            .into_iter()
            .filter_map(|i| match &i.instr.kind {
                InstrKind::User(word) => {
                    let e = image.expand(i.stage.index, i.index, &word.value);
                    Some(UserInstr {
                        word,
                        value: e.value,
                        complete: e.complete,
                    })
                }
                _ => None,
            })
            .collect();

        let Some(last) = users.last() else {
            let root = scope::root_of_final(image).unwrap_or(final_stage);
            if matches!(root.base, BaseImage::Scratch) || base_is_non_root(&root.base) {
                return;
            }
            let windows = matches!(&root.base, BaseImage::Image(r)
                if r.repository.to_ascii_lowercase().contains("windows"));
            let message = if windows {
                "no USER in the final stage or its parents: a Windows container runs as ContainerAdministrator unless the base image sets a user"
            } else {
                "no USER in the final stage or its parents: the container runs as root unless the base image sets a user"
            };
            let mut finding = Finding::new(&META, image.location(&from_span), message)
                .with_severity(Severity::Medium);
            // A USER in a stage that does not ship is a common misreading.
            for item in scope::instructions(image) {
                if item.role.ships() || item.onbuild {
                    continue;
                }
                if let InstrKind::User(word) = &item.instr.kind {
                    finding = finding.with_related(
                        image.location(&word.span),
                        format!(
                            "`USER {}` in {} does not carry over to the final stage",
                            word.value,
                            scope::stage_label(item.stage)
                        ),
                    );
                }
            }
            sink.push(finding);
            return;
        };

        if !last.complete || !last.is_root() {
            return;
        }
        let earlier_non_root = users[..users.len() - 1]
            .iter()
            .rev()
            .find(|u| u.complete && !u.is_root());
        let mut finding = match earlier_non_root {
            Some(earlier) => Finding::new(
                &META,
                image.location(&last.word.span),
                format!(
                    "`USER {}` switches back to root after the non-root `USER {}`: the container runs as root",
                    last.word.value, earlier.word.value
                ),
            )
            .with_related(
                image.location(&earlier.word.span),
                format!("non-root `USER {}` set here", earlier.word.value),
            ),
            None => Finding::new(
                &META,
                image.location(&last.word.span),
                format!(
                    "`USER {}` is the last user of the shipped image: the container runs as root",
                    last.word.value
                ),
            ),
        };
        if final_stage.user.as_ref().is_some_and(|u| u.inherited) {
            finding = finding.with_related(
                image.location(&from_span),
                "the final stage inherits this user from the stage it is built from",
            );
        }
        sink.push(finding);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check, lines};

    #[test]
    fn explicit_root_user_is_high_at_the_user_word() {
        for user in ["root", "0", "0:0", "root:app"] {
            let f = check(
                &RunsAsRoot,
                &format!("FROM node:22-slim\nUSER {user}\nCMD [\"node\"]\n"),
            );
            assert_eq!(lines(&f), vec![2], "{user}");
            assert_eq!(f[0].severity, Severity::High);
            assert_eq!(f[0].location.start_column, 6);
        }
    }

    #[test]
    fn windows_administrator_is_root() {
        let f = check(
            &RunsAsRoot,
            "FROM mcr.microsoft.com/windows/servercore:ltsc2022\nUSER ContainerAdministrator\n",
        );
        assert_eq!(lines(&f), vec![2]);
        let f = check(
            &RunsAsRoot,
            "FROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN echo\n",
        );
        assert!(f[0].message.contains("ContainerAdministrator"));
        let f = check(
            &RunsAsRoot,
            "FROM mcr.microsoft.com/windows/servercore:ltsc2022\nUSER ContainerUser\n",
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn root_after_non_root_points_back_at_the_earlier_user() {
        let f = check(
            &RunsAsRoot,
            "FROM node:22-slim\nUSER node\nRUN npm ci\nUSER root\n",
        );
        assert_eq!(lines(&f), vec![4]);
        assert_eq!(f[0].severity, Severity::High);
        assert_eq!(f[0].related[0].location.start_line, 2);
    }

    #[test]
    fn missing_user_is_medium_at_the_final_from_and_mentions_other_stages() {
        let f = check(
            &RunsAsRoot,
            "FROM golang:1.23 AS build\nUSER nobody\nRUN go build\nFROM debian:12-slim\nCOPY --from=build /app /app\n",
        );
        assert_eq!(lines(&f), vec![4]);
        assert_eq!(f[0].severity, Severity::Medium);
        assert_eq!(f[0].location.start_column, 6);
        assert_eq!(f[0].related[0].location.start_line, 2);
    }

    #[test]
    fn builder_stage_root_is_not_reported() {
        let f = check(
            &RunsAsRoot,
            "FROM golang:1.23 AS build\nUSER root\nRUN go build\nFROM debian:12-slim\nUSER 10001\n",
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn user_inherited_from_parent_stage_counts() {
        let ok = check(
            &RunsAsRoot,
            "FROM debian:12 AS base\nUSER app\nFROM base\nRUN true\n",
        );
        assert!(ok.is_empty(), "{ok:?}");
        let f = check(
            &RunsAsRoot,
            "FROM debian:12 AS base\nUSER root\nFROM base\nRUN true\n",
        );
        assert_eq!(lines(&f), vec![2]);
        assert_eq!(f[0].related[0].location.start_line, 3);
    }

    #[test]
    fn scratch_nonroot_bases_and_unknown_users_are_not_reported() {
        for text in [
            "FROM scratch\nCOPY app /app\n",
            "FROM gcr.io/distroless/static-debian12:nonroot\nCOPY app /app\n",
            "FROM gcr.io/distroless/python3-debian12:debug-nonroot\nCOPY app /app\n",
            "FROM debian:12\nARG APP_USER\nUSER $APP_USER\n",
        ] {
            let f = check(&RunsAsRoot, text);
            assert!(f.is_empty(), "{text}: {f:?}");
        }
    }
}
