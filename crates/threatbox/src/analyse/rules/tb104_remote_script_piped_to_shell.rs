//! TB104 `remote-script-piped-to-shell`: a downloaded script executed
//! directly (`curl … | sh`, `sh -c "$(curl …)"`, `bash <(curl …)`).

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleMeta, Sink};
use crate::analyse::rules::support::{image_scripts, stage_severity};
use crate::model::image::BuildImage;
use crate::parse::shell::{SimpleCommand, is_shell};

pub struct RemoteScriptPipedToShell;

pub static META: RuleMeta = RuleMeta {
    code: "TB104",
    slug: "remote-script-piped-to-shell",
    title: "Remote script piped to a shell",
    severity: Severity::High,
    stride: &[Stride::Tampering, Stride::ElevationOfPrivilege],
    cwe: &[494, 829],
    stage: LifecycleStage::Build,
    cis: &["CIS-Docker-4.11"],
    peers: &[],
    remediation: "Download the script to a file, verify it against a pinned checksum or signature (`sha256sum -c`), then run it; better, install the tool from a signed package or copy it from a pinned image.",
    docs: r#"
**What it detects.** A `RUN` that executes code straight from the network:
`curl … | sh`, `wget -qO- … | bash`, `curl … | sudo python3 -`,
`sh -c "$(curl …)"`, `bash <(curl …)`, `eval "$(wget -O- …)"`, also inside
`sh -c '…'` scripts and `RUN <<EOF` heredocs.

**Why it is a threat.** Whatever the server (or anyone on the path, or
whoever took over the domain or the project's release account) returns is
run as the build user — usually root — and its effects are baked into the
image (STRIDE: Tampering; Elevation of privilege inside every container
started from it). Nothing records what was run: the next build may run
something else, and a server can even serve different content to `curl | sh`
than to a browser. A failed download can also run a truncated script.

**Example.**
```dockerfile
RUN curl -fsSL https://get.example.com/install.sh | sh
```

**Fix.** Pin and verify what you run:
```dockerfile
ADD --checksum=sha256:4f3c…e1 https://get.example.com/v1.2.3/install.sh /tmp/install.sh
RUN sh /tmp/install.sh && rm /tmp/install.sh
```
or install from the distribution's signed packages.
"#,
};

/// Interpreters that run a program read from stdin when given no script.
const INTERPRETERS: &[&str] = &["python", "perl", "ruby", "node", "php"];

/// `curl`/`wget` writing the download to stdout.
fn downloads_to_stdout(cmd: &SimpleCommand) -> bool {
    match cmd.name() {
        Some("curl") => {
            let to_file = cmd.has_flag(Some('O'), "remote-name")
                || cmd.has_flag(None, "remote-name-all")
                || cmd
                    .flag_value(Some('o'), "output")
                    .is_some_and(|(v, _)| v != "-" && v != "/dev/stdout");
            !to_file
        }
        Some("wget") => cmd
            .flag_value(Some('O'), "output-document")
            .is_some_and(|(v, _)| v == "-" || v == "/dev/stdout"),
        _ => false,
    }
}

/// A shell or interpreter running the program it reads from stdin.
fn runs_stdin(cmd: &SimpleCommand) -> bool {
    let Some(name) = cmd.name() else {
        return false;
    };
    if is_shell(name) {
        return cmd.is_shell_reading_stdin();
    }
    let base = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    if !INTERPRETERS.contains(&base) {
        return false;
    }
    // `python3 -c '…'`/`perl -e '…'` run their own code (often parsing the
    // JSON that was downloaded); a script file argument runs that file.
    let mut args = cmd.args().iter().map(|w| w.value.as_str());
    match args.find(|a| *a == "-" || !a.starts_with('-') || matches!(*a, "-c" | "-e" | "-E" | "-r"))
    {
        None | Some("-") => true,
        Some(_) => false,
    }
}

/// Does any command inside this command's substitutions download to stdout?
fn substitution_downloads(cmd: &SimpleCommand) -> bool {
    cmd.substitutions
        .iter()
        .flat_map(|p| &p.commands)
        .any(|c| downloads_to_stdout(c) || substitution_downloads(c))
}

/// The byte range (in the script) of a remote-code execution in this
/// pipeline, and how it happens.
fn remote_execution(cmds: &[SimpleCommand]) -> Option<(std::ops::Range<usize>, &'static str)> {
    // `curl … | … | sh`: a download earlier in the pipeline than the shell.
    if let Some(d) = cmds.iter().position(downloads_to_stdout)
        && let Some(s) = cmds.iter().skip(d + 1).position(runs_stdin)
    {
        let start = cmds[d].range().start;
        let end = cmds[d + 1 + s].range().end;
        return Some((start..end, "downloaded script piped into an interpreter"));
    }
    for cmd in cmds {
        let Some(name) = cmd.name() else { continue };
        let executes_substitution = is_shell(name)
            || matches!(name, "eval" | "source" | ".")
            || INTERPRETERS
                .contains(&name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.'));
        if !executes_substitution || !substitution_downloads(cmd) {
            continue;
        }
        // `sh -c "$(curl …)"`, `bash <(curl …)`, `eval "$(curl …)"`,
        // `source <(curl …)`: the downloaded text is the program.
        let runs_it = cmd.args().iter().any(|a| {
            let v = a.value.trim();
            v.starts_with("<(") || (v.starts_with("$(") && v.ends_with(')')) || v.starts_with('`')
        });
        if runs_it {
            return Some((
                cmd.range(),
                "downloaded script executed by command substitution",
            ));
        }
    }
    None
}

impl Rule for RemoteScriptPipedToShell {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image(&self, image: &BuildImage, sink: &mut Sink) {
        for (index, script) in image_scripts(image) {
            for pipeline in script.all_pipelines() {
                if let Some((range, how)) = remote_execution(pipeline) {
                    let span = script.source_span(range);
                    sink.push(
                        Finding::new(
                            &META,
                            image.location(&span),
                            format!(
                                "{how}: code from the network runs unverified during the build"
                            ),
                        )
                        .with_severity(stage_severity(
                            image,
                            index,
                            META.severity,
                        )),
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
    fn flags_pipes_into_shells_and_interpreters() {
        let f = check(
            &RemoteScriptPipedToShell,
            "FROM debian:12\n\
             RUN curl -fsSL https://x/install.sh | sh\n\
             RUN wget -qO- https://x/i.sh | sudo -E bash -s -- --yes\n\
             RUN curl -sL https://x/setup | sudo python3 -\n\
             RUN apt-get update && \\\n    curl https://x | tee /tmp/log | bash\n\
             RUN wget -O - https://x | sh\n",
        );
        assert_eq!(lines(&f), vec![2, 3, 4, 6, 7]);
        // The span covers the download and the shell, not the whole RUN.
        assert_eq!(
            (f[0].location.start_column, f[0].location.end_column),
            (5, 41)
        );
    }

    #[test]
    fn flags_command_and_process_substitution() {
        let f = check(
            &RemoteScriptPipedToShell,
            "FROM alpine\n\
             RUN sh -c \"$(curl -fsSL https://x/install.sh)\"\n\
             RUN bash <(curl -s https://x)\n\
             RUN eval \"$(wget -qO- https://x)\"\n\
             RUN bash -c 'curl -s https://x | sh'\n\
             RUN <<EOF\nset -e\ncurl -s https://x | bash\nEOF\n",
        );
        assert_eq!(lines(&f), vec![2, 3, 4, 5, 8]);
    }

    #[test]
    fn ignores_downloads_that_are_not_executed() {
        let f = check(
            &RemoteScriptPipedToShell,
            "FROM alpine\n\
             RUN curl -fsSLo /tmp/i.sh https://x && sha256sum -c sums && sh /tmp/i.sh\n\
             RUN curl -s https://api/x | python3 -c 'import json,sys; print(1)'\n\
             RUN curl -s https://x | tar -xz -C /opt\n\
             RUN wget -O /tmp/x https://x | sh\n\
             RUN curl -sO https://x/i.sh | sh\n\
             RUN curl -s https://x | sh script.sh\n\
             RUN echo \"$(curl -s https://x/version)\"\n\
             RUN curl -fsSL https://x/key.gpg | gpg --dearmor -o /usr/share/keyrings/x.gpg\n",
        );
        assert!(f.is_empty(), "{:?}", lines(&f));
    }

    #[test]
    fn lowered_in_a_stage_that_does_not_ship() {
        let f = check(
            &RemoteScriptPipedToShell,
            "FROM alpine AS tools\nRUN curl -s https://x | sh\nFROM alpine\nRUN true\n",
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Medium);
    }
}
