//! TB206 `user-not-numeric`: the shipped image's USER is a name, not a UID.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleMeta, Sink};
use crate::model::image::BuildImage;
use crate::parse::dockerfile::InstrKind;

pub struct UserNotNumeric;

pub static META: RuleMeta = RuleMeta {
    code: "TB206",
    slug: "user-not-numeric",
    title: "USER is a name, not a numeric UID",
    severity: Severity::Info,
    stride: &[Stride::ElevationOfPrivilege],
    cwe: &[250],
    stage: LifecycleStage::Image,
    cis: &[],
    peers: &["DL3066"],
    remediation: "Use the numeric UID (and GID) of the user: `USER 10001:10001` instead of `USER app`.",
    docs: r#"
**What it detects.** The last `USER` of the shipped image (final stage, or
inherited from the stage it is built `FROM`) names a user, e.g. `USER app`,
instead of giving a numeric UID. `root` is left to TB201; the Windows
accounts `ContainerUser` and `ContainerAdministrator` are names by design and
are not reported.

**Why it is a threat.** Kubernetes' `runAsNonRoot: true` (and the restricted
Pod Security Standard, and most admission policies) can only verify a
*numeric* user: the kubelet does not read `/etc/passwd` from the image, so a
pod whose image says `USER app` is either refused ("image has non-numeric
user") or the policy is relaxed to let it run. A name also hides what it
maps to: a user named `app` with UID 0 in `/etc/passwd` is root (STRIDE:
Elevation of privilege), and no scanner that reads only the image config
can tell.

**Example.**
```dockerfile
FROM debian:12-slim
RUN useradd --uid 10001 app
USER app
```

**Fix.**
```dockerfile
FROM debian:12-slim
RUN useradd --uid 10001 app
USER 10001:10001
```
"#,
};

impl Rule for UserNotNumeric {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image(&self, image: &BuildImage, sink: &mut Sink) {
        let Some(final_stage) = image.final_stage() else {
            return;
        };
        let Some(user) = final_stage.user.as_ref() else {
            return;
        };
        let Some(instr) = image.dockerfile.instructions.get(user.instruction) else {
            return;
        };
        let InstrKind::User(word) = &instr.kind else {
            return;
        };
        let name = user.value.split(':').next().unwrap_or("").trim();
        // Unresolved variables and root (TB201's) are not judged here.
        // Windows accounts are names by design (Kubernetes checks
        // `runAsUserName` there, not a UID).
        let windows_account = name.eq_ignore_ascii_case("ContainerUser")
            || name.eq_ignore_ascii_case("ContainerAdministrator");
        if name.is_empty()
            || windows_account
            || name.contains('$')
            || user.is_root()
            || name.bytes().all(|b| b.is_ascii_digit())
        {
            return;
        }
        let mut finding = Finding::new(
            &META,
            image.location(&word.span),
            format!(
                "`USER {}` is a name: Kubernetes `runAsNonRoot` cannot verify it; use its numeric UID",
                user.value
            ),
        );
        if user.inherited {
            finding = finding.with_related(
                image.location(&image.instruction(final_stage.from).span),
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
    fn flags_named_final_user_at_its_word() {
        let f = check(
            &UserNotNumeric,
            "FROM debian:12-slim\nRUN useradd app\nUSER app:app\n",
        );
        assert_eq!(lines(&f), vec![3]);
        assert_eq!(f[0].location.start_column, 6);
        assert_eq!(f[0].severity, Severity::Info);
    }

    #[test]
    fn numeric_root_and_builder_users_are_not_reported() {
        for text in [
            "FROM debian:12-slim\nUSER 10001:10001\n",
            "FROM debian:12-slim\nUSER 10001\n",
            "FROM debian:12-slim\nUSER root\n",
            "FROM debian:12 AS build\nUSER builder\nFROM debian:12-slim\nUSER 10001\n",
            "FROM debian:12-slim\nRUN true\n",
            "FROM mcr.microsoft.com/windows/nanoserver:ltsc2022\nUSER ContainerUser\n",
        ] {
            assert!(check(&UserNotNumeric, text).is_empty(), "{text}");
        }
    }
}
