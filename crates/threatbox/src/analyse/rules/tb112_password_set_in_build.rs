//! TB112 `password-set-in-build`: an account password set (or removed)
//! while building the image (`chpasswd`, `passwd --stdin`, `useradd -p`,
//! `usermod -p`, `passwd -d`, `htpasswd -b`).

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleMeta, Sink};
use crate::analyse::rules::support::{image_scripts, stage_severity};
use crate::analyse::secrets::redact;
use crate::model::image::BuildImage;
use crate::parse::shell::SimpleCommand;

pub struct PasswordSetInBuild;

pub static META: RuleMeta = RuleMeta {
    code: "TB112",
    slug: "password-set-in-build",
    title: "Account password set during the build",
    severity: Severity::Medium,
    stride: &[Stride::Spoofing, Stride::ElevationOfPrivilege],
    cwe: &[798, 259],
    stage: LifecycleStage::Build,
    cis: &["CIS-Docker-4.10"],
    peers: &["CKV2_DOCKER_17"],
    remediation: "Do not give accounts passwords in an image: create users without one (`useradd --no-log-init -r app`, `adduser -D`), authenticate services with secrets mounted at run time, and if a password is really needed set it at container start from a secret.",
    docs: r#"
**What it detects.** `RUN` commands that set an account's password while
the image is built: `chpasswd`, `passwd --stdin` or `passwd` fed by
`echo`/`printf`, `useradd -p`/`--password`, `usermod -p`/`--password`,
`passwd -d` (an empty password), and `htpasswd -b` (a password on the
command line written to an htpasswd file).

**Why it is a threat.** The password — or its hash, which is crackable
offline — is the same in every container started from the image, and the
command that set it (with the password itself when written literally) is
readable by anyone who can pull the image (`docker history`). Whoever learns
it can log in as that account wherever the image runs (STRIDE: Spoofing) and,
for `root` or a sudoer, take over the container (Elevation of privilege).
A password written literally in the Dockerfile is also in source control.

**Example.**
```dockerfile
RUN echo 'root:toor' | chpasswd
```

**Fix.** Leave accounts without passwords and keep root locked:
```dockerfile
RUN useradd --create-home --shell /usr/sbin/nologin app
USER app
```
"#,
};

/// A literal password in `echo`/`printf` input: no variables, something
/// after the `user:`.
fn literal_input(pipeline: &[SimpleCommand], before: usize) -> Option<String> {
    pipeline.get(..before)?.iter().find_map(|c| {
        if !matches!(c.name(), Some("echo" | "printf")) {
            return None;
        }
        let text: Vec<&str> = c
            .args()
            .iter()
            .map(|w| w.value.as_str())
            .filter(|v| !v.starts_with('-'))
            .collect();
        let text = text.join(" ");
        (!text.contains('$') && !text.contains('`') && !text.trim().is_empty()).then_some(text)
    })
}

/// A literal (no `$`) option value.
fn literal(value: &str) -> bool {
    !value.contains('$') && !value.contains('`') && !value.is_empty()
}

/// (range, message, literal password) for one command of a pipeline.
fn problem(
    pipeline: &[SimpleCommand],
    i: usize,
    cmd: &SimpleCommand,
) -> Option<(std::ops::Range<usize>, String, bool)> {
    let name_word = cmd.name_word()?;
    let name = cmd.name()?;
    let fed = || literal_input(pipeline, i);
    match name {
        "chpasswd" | "chgpasswd" => {
            let lit = fed();
            let what = match &lit {
                Some(text) => format!(
                    "`{name}` sets a password written in the Dockerfile ({})",
                    redact(text)
                ),
                None => format!("`{name}` sets an account password in the image"),
            };
            Some((name_word.range.clone(), what, lit.is_some()))
        }
        "passwd" => {
            if let Some(w) = cmd.find_flag(Some('d'), "delete") {
                return Some((
                    w.range.clone(),
                    "`passwd -d` leaves the account with an empty password".into(),
                    true,
                ));
            }
            let stdin = cmd.has_flag(None, "stdin");
            let lit = fed();
            if !stdin && i == 0 {
                return None;
            }
            let what = match &lit {
                Some(text) => format!(
                    "`passwd` sets a password written in the Dockerfile ({})",
                    redact(text)
                ),
                None => "`passwd` sets an account password in the image".into(),
            };
            Some((name_word.range.clone(), what, lit.is_some()))
        }
        "useradd" | "usermod" | "adduser" => {
            let flag = cmd.find_flag(Some('p'), "password")?;
            let (value, value_word) = cmd.flag_value(Some('p'), "password")?;
            // `adduser` (Debian) has no -p; BusyBox's takes none either.
            if name == "adduser" && !flag.value.starts_with("--password") {
                return None;
            }
            let lit = literal(&value);
            let what = if lit {
                format!(
                    "`{name} -p` sets a password hash written in the Dockerfile ({})",
                    redact(&value)
                )
            } else {
                format!("`{name} -p` sets an account password in the image")
            };
            let end = value_word.range.end.max(flag.range.end);
            Some((flag.range.start..end, what, lit))
        }
        "htpasswd" => {
            let batch = cmd.args().iter().any(|w| {
                w.value.starts_with('-') && !w.value.starts_with("--") && w.value.contains('b')
            });
            if !batch {
                return None;
            }
            let lit = cmd.args().last().is_some_and(|w| literal(&w.value));
            Some((
                name_word.range.clone(),
                "`htpasswd -b` writes a password given on the command line into the image".into(),
                lit,
            ))
        }
        _ => None,
    }
}

impl Rule for PasswordSetInBuild {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image(&self, image: &BuildImage, sink: &mut Sink) {
        for (index, script) in image_scripts(image) {
            for pipeline in script.all_pipelines() {
                for (i, cmd) in pipeline.iter().enumerate() {
                    let Some((range, message, literal)) = problem(pipeline, i, cmd) else {
                        continue;
                    };
                    // A password anyone reading the Dockerfile knows is worse.
                    let severity = if literal {
                        Severity::High
                    } else {
                        META.severity
                    };
                    let span = script.source_span(range);
                    sink.push(
                        Finding::new(&META, image.location(&span), message)
                            .with_severity(stage_severity(image, index, severity)),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check, lines};

    #[test]
    fn flags_password_setting_commands() {
        let f = check(
            &PasswordSetInBuild,
            "FROM debian:12\n\
             RUN echo 'root:toor' | chpasswd\n\
             RUN echo \"app:${APP_PASSWORD}\" | chpasswd\n\
             RUN echo secret | passwd --stdin app\n\
             RUN useradd -m -p \"$(openssl passwd -1 pw)\" app\n\
             RUN usermod --password '$6$abc$xyz' root\n\
             RUN passwd -d root\n\
             RUN htpasswd -bc /etc/nginx/.htpasswd admin admin123\n\
             RUN printf 'pw\\npw\\n' | passwd app\n",
        );
        assert_eq!(lines(&f), vec![2, 3, 4, 5, 6, 7, 8, 9]);
        let sev: Vec<_> = f.iter().map(|f| f.severity).collect();
        use Severity::*;
        assert_eq!(
            sev,
            vec![High, Medium, High, Medium, Medium, High, High, High]
        );
        // The secret never appears in a message.
        assert!(
            f.iter()
                .all(|f| !f.message.contains("toor") && !f.message.contains("secret "))
        );
        // Points at `chpasswd`, not the whole RUN.
        assert_eq!(
            (f[0].location.start_column, f[0].location.end_column),
            (24, 32)
        );
    }

    #[test]
    fn ignores_commands_that_set_no_password() {
        let f = check(
            &PasswordSetInBuild,
            "FROM debian:12\n\
             RUN useradd -m -s /bin/bash app\n\
             RUN adduser --disabled-password --gecos '' app\n\
             RUN adduser -D -h /home/app app\n\
             RUN passwd -l root\n\
             RUN echo 'app ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/app\n\
             RUN htpasswd -c /etc/nginx/.htpasswd admin\n",
        );
        assert!(f.is_empty(), "{:?}", lines(&f));
    }
}
