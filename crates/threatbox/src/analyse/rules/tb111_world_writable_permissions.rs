//! TB111 `world-writable-permissions`: files or directories made writable by
//! every user (`chmod 777`, `o+w`, `COPY --chmod=666`).

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleMeta, Sink};
use crate::analyse::rules::scope::{self, StageRole};
use crate::model::image::BuildImage;
use crate::parse::dockerfile::InstrKind;
use crate::parse::shell::{self, SimpleCommand};

pub struct WorldWritablePermissions;

pub static META: RuleMeta = RuleMeta {
    code: "TB111",
    slug: "world-writable-permissions",
    title: "World-writable files or directories",
    severity: Severity::Medium,
    stride: &[Stride::Tampering, Stride::ElevationOfPrivilege],
    cwe: &[732, 276],
    stage: LifecycleStage::Image,
    cis: &[],
    peers: &[],
    remediation: "Give ownership to the user that needs to write (`COPY --chown=app:app`, `chown app /data`) and use 755/644 (or 775 with a dedicated group); for shared scratch directories use the sticky bit (`chmod 1777 /scratch`).",
    docs: r#"
**What it detects.** Permissions that let *every* user write, without the
sticky bit:
- `chmod 777 …`, `chmod -R 0666 …`, `chmod 2777 …` (any numeric mode with
  the "others write" bit);
- symbolic modes that grant others write: `chmod a+w`, `o+rwx`, `a=rwx`,
  `ugo+w` (a bare `+w` is filtered by the umask and not reported);
- `mkdir -m 777`, `install -m 0777`;
- `COPY --chmod=777` / `ADD --chmod=o+w`.
Sticky-bit modes (`chmod 1777 /scratch`, `a+rwxt`) are fine: that is how
`/tmp` is meant to be shared (about a quarter of official images `chmod 777`
some directory; most of those should be `1777`). Stages that ship and
`ONBUILD` triggers are reported; stages that only feed files to the final
image are reported one level lower (the mode travels with copied files);
stages that never reach it are not reported.

**Why it is a threat.** Any process in the container — whatever user a
compromised service runs as — can replace or append to a world-writable
file (STRIDE: Tampering). When the file is a script, binary, library or
configuration that a root process or the entrypoint later executes or
reads, that is a privilege escalation (Elevation of privilege); in a
world-writable directory without the sticky bit, any user can also delete
or swap other users' files (symlink and race attacks).

**Example.**
```dockerfile
COPY --chmod=777 entrypoint.sh /usr/local/bin/
RUN mkdir /data && chmod -R 777 /data
```

**Fix.**
```dockerfile
COPY --chmod=755 entrypoint.sh /usr/local/bin/
RUN mkdir /data && chown -R 10001:10001 /data && chmod 750 /data
```
"#,
};

/// Does this mode grant others write access without the sticky bit?
/// Numeric (`777`, `0666`, `2777`) or symbolic (`a+w`, `u+x,o=rwx`).
fn is_world_writable(mode: &str) -> bool {
    let mode = mode.trim();
    if !mode.is_empty() && mode.len() <= 5 && mode.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        let Ok(bits) = u32::from_str_radix(mode, 8) else {
            return false;
        };
        return bits & 0o002 != 0 && bits & 0o1000 == 0;
    }
    let mut writable = false;
    let mut sticky = false;
    for clause in mode.split(',') {
        let who_end = clause
            .find(|c: char| !matches!(c, 'u' | 'g' | 'o' | 'a'))
            .unwrap_or(clause.len());
        let (who, actions) = clause.split_at(who_end);
        let mut op = ' ';
        for c in actions.chars() {
            match c {
                '+' | '-' | '=' => op = c,
                'w' if matches!(op, '+' | '=') && (who.contains('o') || who.contains('a')) => {
                    writable = true
                }
                't' if matches!(op, '+' | '=') => sticky = true,
                _ => {}
            }
        }
    }
    writable && !sticky
}

/// A mode that sets all bits (numeric, or `=` for every class), so that it
/// undoes an earlier world-writable mode.
fn is_absolute_mode(mode: &str) -> bool {
    let mode = mode.trim();
    (!mode.is_empty() && mode.bytes().all(|b| (b'0'..=b'7').contains(&b)))
        || mode.starts_with("a=")
        || mode.starts_with("ugo=")
}

/// The mode word of a `chmod`, `mkdir -m` or `install -m` command and the
/// paths it applies to.
fn mode_of(command: &SimpleCommand) -> Option<(&shell::ShellWord, String, Vec<String>)> {
    let name = command.name()?;
    let args = command.args();
    match name {
        "chmod" => {
            if args.iter().any(|w| w.value.starts_with("--reference")) {
                return None;
            }
            // Options start with `-` but so do modes like `-w`; a numeric or
            // `[ugoa]` mode is what we judge, so skip option words.
            let mut operands = args
                .iter()
                .filter(|w| !w.value.starts_with('-') || w.value == "-");
            let mode = operands.next()?;
            Some((
                mode,
                mode.value.clone(),
                operands.map(|w| w.value.clone()).collect(),
            ))
        }
        "mkdir" | "install" => {
            let (mode, word) = command.flag_value(Some('m'), "mode")?;
            let paths = args
                .iter()
                .filter(|w| !w.value.starts_with('-') && w.range != word.range)
                .map(|w| w.value.clone())
                .collect();
            // For `-m777` the word is the option itself.
            Some((word, mode, paths))
        }
        _ => None,
    }
}

impl Rule for WorldWritablePermissions {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image(&self, image: &BuildImage, sink: &mut Sink) {
        for item in scope::instructions(image) {
            let severity = match item.role {
                StageRole::Final | StageRole::Parent => META.severity,
                StageRole::Feeds => META.severity.lowered(),
                StageRole::Unused => continue,
            };
            let trigger = if item.onbuild {
                " (ONBUILD trigger)"
            } else {
                ""
            };
            match &item.instr.kind {
                InstrKind::Copy(_) | InstrKind::Add(_) => {
                    let Some(flag) = item.instr.flag("chmod") else {
                        continue;
                    };
                    let mode = flag.value.as_deref().unwrap_or("");
                    if is_world_writable(mode) {
                        sink.push(
                            Finding::new(
                                &META,
                                image.location(&flag.span),
                                format!("`{} --chmod={mode}`{trigger} makes the copied files writable by every user", item.instr.keyword()),
                            )
                            .with_severity(severity),
                        );
                    }
                }
                InstrKind::Run(_) => {
                    for script in image.run_scripts(item.index) {
                        let commands = script.commands();
                        let modes: Vec<_> = commands.iter().filter_map(mode_of).collect();
                        for (n, (word, mode, paths)) in modes.iter().enumerate() {
                            if !is_world_writable(mode) {
                                continue;
                            }
                            // `chmod 666 /etc/sudoers && … && chmod 440 /etc/sudoers`:
                            // the layer keeps the last mode set in the same RUN.
                            let restored = !paths.is_empty()
                                && paths.iter().all(|p| {
                                    modes.iter().skip(n + 1).any(|(_, m, later)| {
                                        is_absolute_mode(m)
                                            && !is_world_writable(m)
                                            && later.contains(p)
                                    })
                                });
                            if restored {
                                continue;
                            }
                            let on = match paths.as_slice() {
                                [] => String::new(),
                                [one] => format!(" on `{one}`"),
                                [first, rest @ ..] => {
                                    format!(" on `{first}` and {} more", rest.len())
                                }
                            };
                            sink.push(
                                Finding::new(
                                    &META,
                                    image.location(&script.source_span(word.range.clone())),
                                    format!("mode `{mode}`{on}{trigger} makes them writable by every user (no sticky bit)"),
                                )
                                .with_severity(severity),
                            );
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check, lines};

    #[test]
    fn modes_are_judged_by_the_others_write_and_sticky_bits() {
        for m in [
            "777", "0777", "666", "2777", "a+w", "o+rwx", "a=rwx", "ugo+w", "u+x,o+w",
        ] {
            assert!(is_world_writable(m), "{m}");
        }
        for m in [
            "755", "1777", "0775", "644", "+w", "u+w", "a+rwxt", "o-w", "g+w", "abc", "",
        ] {
            assert!(!is_world_writable(m), "{m}");
        }
    }

    #[test]
    fn flags_chmod_mkdir_and_copy_chmod_at_the_mode() {
        let f = check(
            &WorldWritablePermissions,
            "FROM debian:12\n\
             RUN mkdir /data && chmod -R 777 /data\n\
             RUN mkdir -m 0777 /cache\n\
             COPY --chmod=666 app.conf /etc/app.conf\n\
             ONBUILD RUN chmod o+w /srv\n",
        );
        assert_eq!(lines(&f), vec![2, 3, 4, 5]);
        assert_eq!(f[0].location.start_column, 29);
        assert!(f[0].message.contains("`/data`"));
        assert_eq!(f[1].location.start_column, 14);
        assert_eq!(f[2].location.start_column, 6);
        assert!(f[3].message.contains("ONBUILD"));
        assert_eq!(f[0].severity, Severity::Medium);
    }

    #[test]
    fn sticky_tmp_dirs_safe_modes_and_unused_stages_are_not_reported() {
        for text in [
            "FROM debian:12\nRUN mkdir -p /scratch && chmod 1777 /scratch\n",
            "FROM debian:12\nRUN chmod 755 /app && chmod +x /app/run && chmod g+w /app\n",
            "FROM debian:12\nCOPY --chmod=755 run.sh /run.sh\n",
            "FROM debian:12 AS tmp\nRUN chmod 777 /x\nFROM debian:12\nRUN true\n",
        ] {
            let f = check(&WorldWritablePermissions, text);
            assert!(f.is_empty(), "{text}: {f:?}");
        }
    }

    #[test]
    fn mode_restored_later_in_the_same_run_is_not_reported() {
        let f = check(
            &WorldWritablePermissions,
            "FROM debian:12
\
             RUN chmod 666 /etc/sudoers && echo 'x ALL=(ALL) ALL' >> /etc/sudoers && chmod 440 /etc/sudoers
\
             RUN chmod 666 /a /b && chmod 644 /a
",
        );
        // `/b` keeps 666.
        assert_eq!(lines(&f), vec![3]);
    }

    #[test]
    fn feeding_stage_is_reported_lower() {
        let f = check(
            &WorldWritablePermissions,
            "FROM debian:12 AS build\nRUN chmod 777 /out\nFROM debian:12-slim\nCOPY --from=build /out /out\n",
        );
        assert_eq!(lines(&f), vec![2]);
        assert_eq!(f[0].severity, Severity::Low);
    }
}
