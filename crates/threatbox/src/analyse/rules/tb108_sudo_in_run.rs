//! TB108 `sudo-in-run`: `sudo` used in a `RUN` instruction.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleMeta, Sink};
use crate::model::image::BuildImage;
use crate::parse::dockerfile::{Command, InstrKind};

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
        for (_, instr) in image.dockerfile.instructions.iter().enumerate() {
            let InstrKind::Run(run) = &instr.kind else {
                continue;
            };
            let found = match &run.command {
                Command::Exec(words) => words
                    .iter()
                    .find(|w| w.value == "sudo")
                    .map(|w| w.span.clone()),
                Command::Shell(text) => text
                    .text
                    .split(|c: char| c.is_whitespace() || matches!(c, ';' | '&' | '|' | '('))
                    .find(|w| *w == "sudo")
                    .map(|w| {
                        let start = w.as_ptr() as usize - text.text.as_ptr() as usize;
                        text.source_span(start..start + w.len())
                    }),
            };
            if let Some(span) = found {
                sink.push(Finding::new(
                    &META,
                    image.location(&span),
                    "`sudo` in RUN: the image keeps sudo and a sudoers policy that a compromised process can use to become root",
                ));
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
    fn ignores_sudo_as_a_word_inside_other_words() {
        assert!(
            check(
                &SudoInRun,
                "FROM debian:12\nRUN echo pseudocode > /sudoers.txt\n"
            )
            .is_empty()
        );
    }
}
