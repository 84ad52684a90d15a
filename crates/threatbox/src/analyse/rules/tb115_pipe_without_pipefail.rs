//! TB115 `pipe-without-pipefail`: a `RUN` pipeline whose failures the shell
//! ignores, because neither `SHELL` nor the script sets `pipefail`.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleMeta, Sink};
use crate::analyse::rules::support::stage_severity;
use crate::model::image::BuildImage;
use crate::parse::dockerfile::InstrKind;
use crate::parse::shell::ScriptKind;

pub struct PipeWithoutPipefail;

pub static META: RuleMeta = RuleMeta {
    code: "TB115",
    slug: "pipe-without-pipefail",
    title: "Pipe in RUN without pipefail",
    severity: Severity::Low,
    stride: &[Stride::Tampering],
    cwe: &[754],
    stage: LifecycleStage::Build,
    cis: &[],
    peers: &["DL4006"],
    remediation: "Start the script with `set -o pipefail` (bash, ash, dash ≥ 0.5.11), or set it for every RUN with `SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]`.",
    docs: r#"
**What it detects.** A `RUN` whose shell script has a pipeline (`a | b`) while
neither the stage's `SHELL` (`-o pipefail`) nor the script itself (`set -o
pipefail`, `set -euo pipefail`) makes a failure inside the pipe fail the step.
Exec-form commands are not shell scripts and are not judged.

**Why it is a threat.** A POSIX shell reports only the last command's status:
`wget -O- https://… | tar x` succeeds when the download failed half-way, and
`curl … | gpg --import` succeeds with no key. The build goes on with
truncated or missing content — a verification that silently did nothing — and
the image ships it (STRIDE: Tampering).

**Example.**
```dockerfile
RUN wget -qO- https://example.com/tool.tar.gz | tar xz -C /opt
```

**Fix.**
```dockerfile
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN wget -qO- https://example.com/tool.tar.gz | tar xz -C /opt
```
"#,
};

/// Does a `SHELL` instruction's argument list turn pipefail on?
fn shell_sets_pipefail(args: &[crate::parse::dockerfile::Word]) -> bool {
    // `-o pipefail`, or a cluster ending in `o` such as `-eo pipefail`.
    args.windows(2).any(|w| {
        let flag = &w[0].value;
        flag.starts_with('-')
            && !flag.starts_with("--")
            && flag.ends_with('o')
            && w[1].value == "pipefail"
    })
}

/// Does the script turn pipefail on before `offset`?
fn script_sets_pipefail(text: &str, offset: usize) -> bool {
    let before = text.get(..offset).unwrap_or(text);
    before.contains("pipefail")
}

impl Rule for PipeWithoutPipefail {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image(&self, image: &BuildImage, sink: &mut Sink) {
        for stage in &image.stages {
            // SHELL applies to the instructions after it in the same stage.
            let mut pipefail = false;
            for (index, instr) in image.stage_instructions(stage) {
                if let InstrKind::Shell(args) = &instr.kind {
                    pipefail = shell_sets_pipefail(args);
                    continue;
                }
                if pipefail || !matches!(instr.kind, InstrKind::Run(_)) {
                    continue;
                }
                for script in image.run_scripts(index) {
                    if script.kind == ScriptKind::Exec {
                        continue;
                    }
                    let piped = script.pipelines().find(|p| p.len() > 1);
                    let Some(pipeline) = piped else { continue };
                    let Some(first) = pipeline.first() else {
                        continue;
                    };
                    let start = first.range().start;
                    if script_sets_pipefail(&script.text, start) {
                        continue;
                    }
                    let end = pipeline.last().map_or(start, |c| c.range().end);
                    sink.push(
                        Finding::new(
                            &META,
                            image.location(&script.source_span(start..end)),
                            "pipeline without pipefail: a failure before the last `|` does not fail the build",
                        )
                        .with_severity(stage_severity(image, index, META.severity)),
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
    fn flags_pipes_without_pipefail() {
        let f = check(
            &PipeWithoutPipefail,
            "FROM debian:12\nRUN apt-get update && \\\n    wget -qO- https://x/t.tgz | tar xz\nRUN echo ok\n",
        );
        assert_eq!(lines(&f), vec![3]);
    }

    #[test]
    fn pipefail_in_shell_or_script_is_enough() {
        for text in [
            "FROM debian:12\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN curl -s x | tar x\n",
            "FROM debian:12\nSHELL [\"/bin/bash\", \"-eo\", \"pipefail\", \"-c\"]\nRUN curl -s x | tar x\n",
            "FROM debian:12\nRUN set -euo pipefail; curl -s x | tar x\n",
            "FROM debian:12\nRUN [\"sh\", \"-c\", \"ls\"]\n",
            "FROM debian:12\nRUN echo a || echo b\n",
        ] {
            assert!(check(&PipeWithoutPipefail, text).is_empty(), "{text}");
        }
    }

    #[test]
    fn shell_setting_is_per_stage() {
        let f = check(
            &PipeWithoutPipefail,
            "FROM debian:12 AS a\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN a | b\nFROM debian:12\nRUN c | d\n",
        );
        assert_eq!(lines(&f), vec![5]);
    }
}
