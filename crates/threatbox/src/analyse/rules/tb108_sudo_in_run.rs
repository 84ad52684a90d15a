//! TB108 `sudo-in-run`: `sudo` used in a `RUN` instruction.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleMeta, Sink};
use crate::analyse::rules::support::image_scripts;
use crate::model::image::BuildImage;
use crate::parse::shell::basename;

pub struct SudoInRun;

pub static META: RuleMeta = RuleMeta {
    code: "TB108",
    slug: "sudo-in-run",
    title: "sudo used in RUN",
    severity: Severity::Medium,
    stride: &[Stride::ElevationOfPrivilege],
    cwe: &[250],
    stage: LifecycleStage::Build,
    cis: &[],
    peers: &["DL3004", "CKV2_DOCKER_1", "DS-0010"],
    remediation: "Drop `sudo`: run the privileged steps before `USER` switches to the unprivileged user, then switch.",
    docs: r#"
**What it detects.** A `RUN` instruction that calls `sudo`.

**Why it is a threat.** Build steps already run as the current `USER`; `sudo`
in a Dockerfile means the image ships `sudo` and a sudoers policy, so any
process in the running container that is compromised can raise itself to root
(STRIDE: Elevation of privilege). `sudo` also behaves unpredictably without a
TTY and hides which steps really need root.

**Example.**
```dockerfile
USER app
RUN sudo apt-get install -y curl
```

**Fix.** Do the privileged work first, then drop privileges:
```dockerfile
RUN apt-get install -y curl
USER app
```
"#,
};

impl Rule for SudoInRun {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image(&self, image: &BuildImage, sink: &mut Sink) {
        for (_, script) in image_scripts(image) {
            for command in script.commands() {
                let sudo = command
                    .prefix()
                    .iter()
                    .find(|w| matches!(basename(&w.value), "sudo" | "doas"));
                if let Some(word) = sudo {
                    sink.push(Finding::new(
                        &META,
                        image.location(&script.word_span(word)),
                        format!(
                            "`{}` in RUN: the image keeps it and a policy that a compromised process can use to become root",
                            word.value
                        ),
                    ));
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
    fn flags_sudo_in_shell_and_exec_form() {
        let f = check(
            &SudoInRun,
            "FROM debian:12\nRUN apt-get update && \\\n    sudo apt-get install -y x\nRUN [\"sudo\", \"ls\"]\n",
        );
        assert_eq!(lines(&f), vec![3, 4]);
    }

    #[test]
    fn ignores_sudo_as_an_argument_or_inside_other_words() {
        assert!(
            check(
                &SudoInRun,
                "FROM debian:12\nRUN echo pseudocode > /sudoers.txt\n"
            )
            .is_empty()
        );
        assert!(
            check(
                &SudoInRun,
                "FROM debian:12\nRUN apt-get install -y sudo && echo sudo\n"
            )
            .is_empty()
        );
    }

    #[test]
    fn flags_sudo_in_heredoc_and_onbuild() {
        let f = check(
            &SudoInRun,
            "FROM debian:12\nRUN <<EOF\nset -e\nsudo make install\nEOF\nONBUILD RUN sudo ls\n",
        );
        assert_eq!(lines(&f), vec![4, 6]);
    }
}
