//! TB205 `build-tools-in-final-image`: compilers and build toolchains
//! installed in the shipped image and never removed.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleMeta, Sink};
use crate::analyse::rules::packages::{self, Action, Manager};
use crate::analyse::rules::scope;
use crate::model::image::BuildImage;
use crate::parse::dockerfile::InstrKind;
use crate::source::Span;

pub struct BuildToolsInFinalImage;

pub static META: RuleMeta = RuleMeta {
    code: "TB205",
    slug: "build-tools-in-final-image",
    title: "Build tools left in the shipped image",
    severity: Severity::Low,
    stride: &[Stride::ElevationOfPrivilege, Stride::Tampering],
    cwe: &[1104],
    stage: LifecycleStage::Image,
    cis: &["CIS-Docker-4.3"],
    peers: &[],
    remediation: "Use a multi-stage build: compile in a builder stage that has the toolchain, then `COPY --from=builder` only the artefacts into a slim or distroless final stage. If that is not possible, remove the tools in the same `RUN` that installed them.",
    docs: r#"
**What it detects.** A package install in the stages that ship (the final
stage and the stages it is built `FROM`) that adds a compiler or build
toolchain — `gcc`, `g++`, `clang`, `make`, `cmake`, `build-essential`,
`build-base`, Go (`golang`, `go`), Rust (`rustc`, `cargo`, `rustup`),
`maven`, `gradle`, `autoconf`, `automake`, `libtool`, "Development Tools" —
which no later `apt-get purge`/`remove`, `apt-get autoremove` after
`apt-mark auto`, `apk del` (also of the `--virtual` group), `dnf`/`yum`
`remove` or `zypper rm` in the shipped stages removes. Builder stages are the
right place for these tools and are never reported. `git` is not treated as a
build tool here.

**Why it is a threat.** A compiler in a production image is a gift to an
attacker who gets code execution: exploits and implants can be built inside
the container for its exact libc and kernel, instead of being smuggled in
as binaries that detection tools recognise (STRIDE: Elevation of privilege).
Toolchains are large, pull in hundreds of packages that the application
never uses and nobody tracks or patches as part of it — unmaintained
components from the application's point of view (CWE-1104) — and they
widen what a compromised process can tamper with. The seed document's
"squash / small images" practice and CIS 4.3 both ask for images that carry
only what runs.

**Example.**
```dockerfile
FROM python:3.12-slim
RUN apt-get update && apt-get install -y --no-install-recommends gcc \
 && pip install --no-cache-dir -r requirements.txt
```

**Fix.**
```dockerfile
FROM python:3.12-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends gcc \
 && pip wheel --wheel-dir /wheels -r requirements.txt
FROM python:3.12-slim
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index /wheels/*
```
"#,
};

/// Is this package (name without version) a compiler or build toolchain?
fn is_build_tool(manager: Manager, name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    let versioned = |prefix: &str| {
        name.strip_prefix(prefix)
            .is_some_and(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit() || c == '.'))
    };
    if versioned("gcc-") || versioned("g++-") || versioned("clang-") || versioned("llvm-") {
        return true;
    }
    if name.starts_with("golang-") && name.ends_with("-go") {
        return true;
    }
    let common = [
        "gcc", "g++", "clang", "make", "cmake", "rustc", "cargo", "maven", "gradle", "autoconf",
        "automake", "libtool",
    ];
    if common.contains(&name.as_str()) {
        return true;
    }
    match manager {
        Manager::Apt => matches!(name.as_str(), "build-essential" | "golang" | "golang-go"),
        Manager::Apk => matches!(name.as_str(), "build-base" | "go" | "rust"),
        Manager::Rpm | Manager::Zypper => matches!(
            name.as_str(),
            "gcc-c++" | "golang" | "go" | "rust" | "development tools" | "@development-tools"
        ),
        _ => false,
    }
}

struct Install {
    seq: usize,
    manager: Manager,
    program: String,
    virtual_name: Option<String>,
    tools: Vec<(String, Span)>,
}

struct Removal {
    seq: usize,
    manager: Option<Manager>,
    names: Vec<String>,
    /// `apt-get autoremove` / `purge --auto-remove`.
    auto: bool,
}

impl Rule for BuildToolsInFinalImage {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image(&self, image: &BuildImage, sink: &mut Sink) {
        let mut installs = Vec::new();
        let mut removals = Vec::new();
        // `apt-mark auto …` positions: an autoremove after one removes what
        // was installed before it (the official images' pattern).
        let mut marks_auto = Vec::new();
        let mut seq = 0;
        for item in scope::shipped_instructions(image) {
            if !matches!(item.instr.kind, InstrKind::Run(_)) {
                continue;
            }
            for script in image.run_scripts(item.index) {
                for command in script.commands() {
                    seq += 1;
                    match command.name() {
                        Some("apt-mark") => {
                            if command.args().first().is_some_and(|w| w.value == "auto") {
                                marks_auto.push(seq);
                            }
                            continue;
                        }
                        Some("rustup" | "rustup-init") => {
                            let uninstall = command.args().iter().any(|w| w.value == "uninstall");
                            if uninstall {
                                removals.push(Removal {
                                    seq,
                                    manager: None,
                                    names: vec!["rustup".into()],
                                    auto: false,
                                });
                            } else if let Some(w) = command.name_word() {
                                installs.push(Install {
                                    seq,
                                    manager: Manager::Apt,
                                    program: "rustup".into(),
                                    virtual_name: None,
                                    tools: vec![(
                                        "rustup".into(),
                                        script.source_span(w.range.clone()),
                                    )],
                                });
                            }
                            continue;
                        }
                        Some("curl" | "wget") => {
                            if let Some(w) = command
                                .args()
                                .iter()
                                .find(|w| w.value.contains("sh.rustup.rs"))
                            {
                                installs.push(Install {
                                    seq,
                                    manager: Manager::Apt,
                                    program: "rustup".into(),
                                    virtual_name: None,
                                    tools: vec![(
                                        "rustup".into(),
                                        script.source_span(w.range.clone()),
                                    )],
                                });
                            }
                            continue;
                        }
                        _ => {}
                    }
                    let Some(pm) = packages::classify(command) else {
                        continue;
                    };
                    let names: Vec<String> = pm
                        .operands
                        .iter()
                        .map(|w| packages::package_name(pm.manager, &w.value))
                        .collect();
                    match pm.action {
                        Action::Install => {
                            let tools: Vec<(String, Span)> = pm
                                .operands
                                .iter()
                                .zip(&names)
                                .filter(|(_, name)| is_build_tool(pm.manager, name))
                                .map(|(w, name)| {
                                    (name.clone(), script.source_span(w.range.clone()))
                                })
                                .collect();
                            if !tools.is_empty() {
                                installs.push(Install {
                                    seq,
                                    manager: pm.manager,
                                    program: pm.program.clone(),
                                    virtual_name: pm.virtual_name.clone(),
                                    tools,
                                });
                            }
                        }
                        Action::Remove | Action::AutoRemove => removals.push(Removal {
                            seq,
                            manager: Some(pm.manager),
                            names,
                            auto: pm.action == Action::AutoRemove,
                        }),
                        _ => {}
                    }
                }
            }
        }

        for install in &installs {
            let later = removals.iter().filter(|r| r.seq > install.seq);
            let remaining: Vec<&(String, Span)> = install
                .tools
                .iter()
                .filter(|(name, _)| {
                    !later.clone().any(|r| {
                        let family = match r.manager {
                            Some(m) => m == install.manager,
                            None => install.program == "rustup",
                        };
                        let named = r.names.iter().any(|n| {
                            n == name || install.virtual_name.as_deref() == Some(n.as_str())
                        });
                        let auto = r.auto
                            && install.manager == Manager::Apt
                            && marks_auto.iter().any(|&m| m > install.seq && m < r.seq);
                        family && (named || auto)
                    })
                })
                .collect();
            let Some((_, span)) = remaining.first() else {
                continue;
            };
            let names: Vec<String> = remaining.iter().map(|(n, _)| format!("`{n}`")).collect();
            sink.push(Finding::new(
                &META,
                image.location(span),
                format!(
                    "`{}` leaves build tools in the shipped image: {}; build in a separate stage and copy only the result",
                    install.program,
                    names.join(", ")
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check, lines};

    #[test]
    fn flags_toolchains_in_the_final_stage_at_the_package() {
        let f = check(
            &BuildToolsInFinalImage,
            "FROM python:3.12-slim\n\
             RUN apt-get update && apt-get install -y --no-install-recommends curl gcc make\n\
             RUN apk add --no-cache go\n\
             RUN curl -sSf https://sh.rustup.rs | sh -s -- -y\n",
        );
        assert_eq!(lines(&f), vec![2, 3, 4]);
        assert_eq!(f[0].location.start_column, 71);
        assert!(f[0].message.contains("`gcc`, `make`"), "{}", f[0].message);
        assert!(f[2].message.contains("rustup"));
        assert_eq!(f[0].severity, Severity::Low);
    }

    #[test]
    fn removed_tools_and_builder_stages_are_not_reported() {
        for text in [
            "FROM alpine:3.20\nRUN apk add --no-cache --virtual .build-deps gcc musl-dev && make && apk del .build-deps\n",
            "FROM debian:12\nRUN apt-get install -y gcc && make && apt-get purge -y gcc\n",
            "FROM debian:12\nRUN apt-get install -y gcc\nRUN apt-mark auto '.*' && apt-get purge -y --auto-remove\n",
            "FROM golang:1.23 AS build\nRUN apt-get install -y make\nFROM debian:12-slim\nCOPY --from=build /app /app\n",
            "FROM debian:12\nRUN apt-get install -y git curl\n",
        ] {
            let f = check(&BuildToolsInFinalImage, text);
            assert!(f.is_empty(), "{text}: {f:?}");
        }
    }

    #[test]
    fn removal_in_an_unrelated_command_family_does_not_count() {
        let f = check(
            &BuildToolsInFinalImage,
            "FROM debian:12\nRUN apt-get install -y gcc && pip uninstall -y gcc\n",
        );
        assert_eq!(lines(&f), vec![2]);
    }
}
