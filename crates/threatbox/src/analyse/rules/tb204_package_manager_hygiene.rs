//! TB204 `package-manager-hygiene`: package installs in a shipped stage that
//! leave extra packages, caches or stale indexes in the image.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleMeta, Sink};
use crate::analyse::rules::packages::{self, Action, Manager, PackageCommand};
use crate::analyse::rules::scope;
use crate::model::image::BuildImage;
use crate::parse::dockerfile::{InstrKind, Instruction};
use crate::parse::shell::{ShellWord, SimpleCommand};
use crate::source::Span;

pub struct PackageManagerHygiene;

pub static META: RuleMeta = RuleMeta {
    code: "TB204",
    slug: "package-manager-hygiene",
    title: "Package installs leave extra packages, caches or stale indexes",
    severity: Severity::Low,
    stride: &[Stride::Tampering, Stride::ElevationOfPrivilege],
    cwe: &[459, 1357],
    stage: LifecycleStage::Image,
    cis: &["CIS-Docker-4.3", "CIS-Docker-4.7"],
    peers: &[
        "DL3009",
        "DL3015",
        "DL3019",
        "DL3032",
        "DL3036",
        "DL3040",
        "DL3042",
        "CKV_DOCKER_5",
        "DS-0015",
        "DS-0017",
        "DS-0019",
        "DS-0020",
        "DS-0024",
        "DS-0025",
        "DS-0027",
        "DS-0029",
    ],
    remediation: "Install with `--no-install-recommends`, refresh the index and install in the same `RUN`, and remove caches in that same `RUN` (`rm -rf /var/lib/apt/lists/*`, `apk add --no-cache`, `dnf clean all`, `pip install --no-cache-dir`) or use `RUN --mount=type=cache`.",
    docs: r#"
**What it detects.** In the stages that ship (the final stage and the stages
it is built `FROM`, `ONBUILD` triggers included), one finding per case:
- `apt-get install` without `--no-install-recommends` (low): every
  "recommended" package is installed too;
- `apt-get update` alone in a `RUN`, with no install or upgrade in the
  same `RUN` (low; also `apk update`);
- `apt-get update` whose package lists are not removed in the same `RUN`
  (`rm -rf /var/lib/apt/lists/*`) (info);
- `apk add` without `--no-cache` and no `rm -rf /var/cache/apk/*` (info);
- `yum`/`dnf`/`microdnf`/`zypper install` with no `clean` in the same `RUN`
  (info);
- `apt-get upgrade`/`dist-upgrade`/`full-upgrade` (info);
- `pip install` without `--no-cache-dir` (unless `PIP_NO_CACHE_DIR` is set)
  (info).
A `RUN --mount=type=cache` on the cache directory counts as cleaning.
Builder stages that do not ship are not reported: their caches are thrown
away with them.

**Why it is a threat.** Recommended packages are code nobody asked for:
more setuid binaries, interpreters and daemons for an attacker who lands in
the container to use, and more CVEs to patch (STRIDE: Elevation of
privilege). An `update` cached in its own layer is reused by Docker's build
cache for months, so a later `install` line gets old, vulnerable versions
from a stale index (Tampering); so does an `upgrade` done inside the image
instead of rebuilding from a patched base, which also makes builds
unreproducible. Package lists and caches left in a layer (CWE-459,
incomplete cleanup) bloat every pull and record exact repository state;
removing them in a *later* `RUN` does not shrink the image.

**Example.**
```dockerfile
RUN apt-get update
RUN apt-get install -y curl
```

**Fix.**
```dockerfile
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*
```
"#,
};

/// Paths removed by `rm` in a RUN and targets of its cache mounts.
struct Cleanup {
    removed: Vec<String>,
    cache_mounts: Vec<String>,
}

impl Cleanup {
    fn of(instr: &Instruction, commands: &[SimpleCommand]) -> Cleanup {
        let removed = commands
            .iter()
            .filter(|c| c.name() == Some("rm"))
            .flat_map(|c| c.args().iter().map(|w| w.value.clone()))
            .collect();
        let cache_mounts = instr
            .flags
            .iter()
            .filter(|f| f.name.eq_ignore_ascii_case("mount"))
            .filter_map(|f| f.value.as_deref())
            .filter(|v| v.split(',').any(|kv| kv.trim() == "type=cache"))
            .filter_map(|v| {
                v.split(',').find_map(|kv| {
                    let (k, val) = kv.trim().split_once('=')?;
                    matches!(k, "target" | "dst" | "destination").then(|| val.to_string())
                })
            })
            .collect();
        Cleanup {
            removed,
            cache_mounts,
        }
    }

    /// Is a directory under one of `prefixes` removed or a cache mount?
    fn covers(&self, prefixes: &[&str]) -> bool {
        self.removed
            .iter()
            .chain(&self.cache_mounts)
            .any(|p| prefixes.iter().any(|pre| p.starts_with(pre)))
    }
}

impl Rule for PackageManagerHygiene {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image(&self, image: &BuildImage, sink: &mut Sink) {
        for item in scope::instructions(image) {
            if !item.role.ships() || !matches!(item.instr.kind, InstrKind::Run(_)) {
                continue;
            }
            let trigger = if item.onbuild {
                " (ONBUILD trigger)"
            } else {
                ""
            };
            // Computed only when a pip install needs it: expanding walks the
            // stage's ARG/ENV, and doing it for every RUN made a file of many
            // RUNs quadratic.
            let pip_cache_off = || {
                let e = image.expand(item.stage.index, item.index, "${PIP_NO_CACHE_DIR}");
                e.complete && !e.value.is_empty()
            };
            for script in image.run_scripts(item.index) {
                let commands = script.commands();
                let cleanup = Cleanup::of(item.instr, commands);
                let pms: Vec<PackageCommand> =
                    commands.iter().filter_map(packages::classify).collect();
                let span_of = |w: Option<&ShellWord>, pm: &PackageCommand| -> Span {
                    let range = w.map_or_else(|| pm.command.range(), |w| w.range.clone());
                    script.source_span(range)
                };
                let mut report = |span: Span, severity: Severity, message: String| {
                    sink.push(
                        Finding::new(&META, image.location(&span), message).with_severity(severity),
                    );
                };
                // An install or upgrade in the same RUN uses the fresh index.
                let uses_index = |manager: Manager| {
                    pms.iter().any(|p| {
                        matches!(p.action, Action::Install | Action::Upgrade)
                            && p.manager == manager
                    })
                };
                // `apt-get dist-clean` (apt 2.7+) also removes the lists.
                let dist_clean = pms.iter().any(|p| {
                    p.manager == Manager::Apt
                        && p.subcommand.is_some_and(|w| w.value == "dist-clean")
                });
                let cleans = |manager: Manager| {
                    pms.iter()
                        .any(|p| p.action == Action::Clean && p.manager == manager)
                };
                for pm in &pms {
                    let sub = pm.subcommand;
                    let sub_text = sub.map_or("", |w| w.value.as_str());
                    let what = format!("`{} {sub_text}`{trigger}", pm.program);
                    match (pm.manager, pm.action) {
                        (Manager::Apt, Action::Install) => {
                            let no_recommends = pm.has_option(&["--no-install-recommends"])
                                || pm.command.args().iter().any(|w| {
                                    let v = w.value.to_ascii_lowercase();
                                    v.contains("install-recommends=false")
                                        || v.contains("install-recommends=0")
                                });
                            if !no_recommends {
                                report(
                                    span_of(sub, pm),
                                    Severity::Low,
                                    format!(
                                        "{what} without `--no-install-recommends` also installs every recommended package"
                                    ),
                                );
                            }
                        }
                        (Manager::Apt | Manager::Apk, Action::Update) => {
                            if !uses_index(pm.manager) {
                                report(
                                    span_of(sub, pm),
                                    Severity::Low,
                                    format!(
                                        "{what} alone in a RUN: the build cache keeps this index and later installs use stale versions; update and install in the same RUN"
                                    ),
                                );
                            } else if pm.manager == Manager::Apt
                                && !dist_clean
                                && !cleanup.covers(&["/var/lib/apt/lists", "/var/lib/apt"])
                            {
                                report(
                                    span_of(sub, pm),
                                    Severity::Info,
                                    format!(
                                        "{what}: package lists are left in the layer; add `rm -rf /var/lib/apt/lists/*` to the same RUN"
                                    ),
                                );
                            }
                        }
                        (Manager::Apt, Action::Upgrade) => {
                            report(
                                span_of(sub, pm),
                                Severity::Info,
                                format!(
                                    "{what} in the image: upgrades are not reproducible; rebuild from a patched, pinned base image instead"
                                ),
                            );
                        }
                        (Manager::Apk, Action::Install)
                            if !pm.has_option(&["--no-cache"])
                                && !cleanup.covers(&["/var/cache/apk"]) =>
                        {
                            report(
                                span_of(sub, pm),
                                Severity::Info,
                                format!(
                                    "{what} without `--no-cache` leaves the package index in the layer"
                                ),
                            );
                        }
                        (Manager::Rpm | Manager::Zypper, Action::Install) => {
                            let cache_dirs = [
                                "/var/cache/yum",
                                "/var/cache/dnf",
                                "/var/cache/zypp",
                                "/var/cache/libdnf5",
                            ];
                            if !cleans(pm.manager) && !cleanup.covers(&cache_dirs) {
                                report(
                                    span_of(sub, pm),
                                    Severity::Info,
                                    format!(
                                        "{what} without `{} clean all` in the same RUN leaves the package cache in the layer",
                                        pm.program
                                    ),
                                );
                            }
                        }
                        (Manager::Pip, Action::Install)
                            if !pm.has_option(&["--no-cache-dir"])
                                && !pip_cache_off()
                                && !cleanup.covers(&["/root/.cache"]) =>
                        {
                            report(
                                span_of(sub, pm),
                                Severity::Info,
                                format!(
                                    "{what} without `--no-cache-dir` leaves pip's download cache in the layer"
                                ),
                            );
                        }
                        _ => {}
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check, lines};

    fn messages(f: &[Finding]) -> Vec<(usize, Severity, &str)> {
        f.iter()
            .map(|f| (f.location.start_line, f.severity, f.message.as_str()))
            .collect()
    }

    #[test]
    fn flags_each_case_at_the_subcommand() {
        let f = check(
            &PackageManagerHygiene,
            "FROM debian:12\n\
             RUN apt-get update\n\
             RUN apt-get update && apt-get install -y curl\n\
             RUN apt-get -y dist-upgrade\n\
             RUN apk add curl\n\
             RUN dnf install -y nginx\n\
             RUN pip install flask==3.0.0\n",
        );
        let m = messages(&f);
        assert_eq!(lines(&f), vec![2, 3, 3, 4, 5, 6, 7], "{m:?}");
        assert_eq!(f[0].severity, Severity::Low);
        assert!(f[0].message.contains("alone"));
        // Line 3: `update` (lists) at column 13 and `install` (recommends).
        assert_eq!(f[1].location.start_column, 13);
        assert!(f[1].message.contains("lists"));
        assert!(f[2].message.contains("--no-install-recommends"));
        assert_eq!(f[2].severity, Severity::Low);
        assert!(f[3].message.contains("dist-upgrade"));
        assert!(f[4].message.contains("--no-cache"));
        assert!(f[5].message.contains("dnf clean all"));
        assert!(f[6].message.contains("--no-cache-dir"));
    }

    #[test]
    fn clean_installs_are_not_reported() {
        let f = check(
            &PackageManagerHygiene,
            "FROM debian:12\n\
             ENV PIP_NO_CACHE_DIR=1\n\
             RUN apt-get update && apt-get install -y --no-install-recommends curl \\\n && rm -rf /var/lib/apt/lists/*\n\
             RUN --mount=type=cache,target=/var/lib/apt apt-get update && apt-get install -y -o APT::Install-Recommends=false git\n\
             RUN apk add --no-cache curl && apk update && apk add jq && rm -rf /var/cache/apk/*\n\
             RUN dnf install -y nginx && dnf clean all\n\
             RUN apt-get update; apt-get install -y --no-install-recommends tzdata; apt-get dist-clean\n\
             RUN pip install flask==3.0.0\n\
             RUN apk update && apk upgrade --no-cache\n",
        );
        assert!(f.is_empty(), "{:?}", messages(&f));
    }

    #[test]
    fn builder_stages_are_not_reported() {
        let f = check(
            &PackageManagerHygiene,
            "FROM debian:12 AS build\nRUN apt-get update && apt-get install -y gcc\nFROM debian:12-slim\nCOPY --from=build /a /a\n",
        );
        assert!(f.is_empty(), "{:?}", messages(&f));
        // A parent of the final stage ships.
        let f = check(
            &PackageManagerHygiene,
            "FROM debian:12 AS base\nRUN apt-get update\nFROM base\nRUN true\n",
        );
        assert_eq!(lines(&f), vec![2]);
    }
}
