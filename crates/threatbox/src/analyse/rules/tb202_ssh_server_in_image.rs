//! TB202 `ssh-server-in-image`: the shipped image exposes port 22, installs
//! an SSH server or starts one.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleMeta, Sink};
use crate::analyse::rules::packages::{self, Action, Manager};
use crate::analyse::rules::scope;
use crate::model::image::BuildImage;
use crate::parse::dockerfile::InstrKind;
use crate::parse::shell;

pub struct SshServerInImage;

pub static META: RuleMeta = RuleMeta {
    code: "TB202",
    slug: "ssh-server-in-image",
    title: "SSH server in the image",
    severity: Severity::Medium,
    stride: &[Stride::Spoofing, Stride::ElevationOfPrivilege],
    cwe: &[420],
    stage: LifecycleStage::Image,
    cis: &["CIS-Docker-5.7"],
    peers: &["CKV_DOCKER_1", "DS-0004"],
    remediation: "Remove the SSH server and `EXPOSE 22`; use `docker exec`/`kubectl exec` (authorised and audited by the platform) or an ephemeral debug container for access.",
    docs: r#"
**What it detects.** In the stages that ship (the final stage and the
stages it is built `FROM`):
- `EXPOSE 22`, `EXPOSE 22/tcp` or a port range that contains 22;
- installing an SSH server: `openssh-server`, `dropbear`, `tinysshd`
  (`openssh` with `apk`/`zypper`, where it includes the server);
- `CMD`/`ENTRYPOINT` starting `sshd` or `dropbear`.
Builder stages that do not ship are not reported.

**Why it is a threat.** An SSH daemon in a container is a second way in
that bypasses the platform's own access path: `docker exec` and `kubectl
exec` are authenticated, authorised (RBAC) and audited by the orchestrator,
while `sshd` accepts whatever keys or passwords were baked into the image or
set later — often shared, weak or default (STRIDE: Spoofing). It usually
runs as root and needs extra capabilities, so a stolen key is a root shell
(Elevation of privilege), and it keeps host keys in the image, identical in
every container and in every copy of the image. CWE-420: an alternate
channel without the primary channel's protections.

**Example.**
```dockerfile
FROM ubuntu:24.04
RUN apt-get update && apt-get install -y openssh-server
EXPOSE 22
CMD ["/usr/sbin/sshd", "-D"]
```

**Fix.** Drop the server and the port; get a shell with
`kubectl exec -it pod -- sh` or `kubectl debug` (ephemeral container), or
`docker exec -it container sh`.
"#,
};

fn is_ssh_server(manager: Manager, name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    match name.as_str() {
        "openssh-server" | "dropbear" | "dropbear-bin" | "tinysshd" | "tinyssh" => true,
        "openssh" => matches!(manager, Manager::Apk | Manager::Zypper),
        _ => false,
    }
}

/// Does an `EXPOSE` value (`22`, `22/tcp`, `20-30`) include TCP port 22?
fn exposes_22(value: &str) -> bool {
    let (ports, proto) = match value.split_once('/') {
        Some((p, proto)) => (p, proto),
        None => (value, "tcp"),
    };
    if !proto.eq_ignore_ascii_case("tcp") {
        return false;
    }
    let parse = |s: &str| s.trim().parse::<u32>().ok();
    match ports.split_once('-') {
        Some((lo, hi)) => {
            matches!((parse(lo), parse(hi)), (Some(lo), Some(hi)) if lo <= 22 && 22 <= hi)
        }
        None => parse(ports) == Some(22),
    }
}

impl Rule for SshServerInImage {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image(&self, image: &BuildImage, sink: &mut Sink) {
        for item in scope::shipped_instructions(image) {
            match &item.instr.kind {
                InstrKind::Expose(words) => {
                    for word in words {
                        let e = image.expand(item.stage.index, item.index, &word.value);
                        if e.complete && exposes_22(&e.value) {
                            sink.push(Finding::new(
                                &META,
                                image.location(&word.span),
                                format!(
                                    "`EXPOSE {}` publishes the SSH port of the image",
                                    word.value
                                ),
                            ));
                        }
                    }
                }
                InstrKind::Run(_) => {
                    for script in image.run_scripts(item.index) {
                        for command in script.commands() {
                            let Some(pm) = packages::classify(command) else {
                                continue;
                            };
                            if pm.action != Action::Install {
                                continue;
                            }
                            let server = pm.operands.iter().find(|w| {
                                is_ssh_server(
                                    pm.manager,
                                    &packages::package_name(pm.manager, &w.value),
                                )
                            });
                            if let Some(w) = server {
                                sink.push(Finding::new(
                                    &META,
                                    image.location(&script.source_span(w.range.clone())),
                                    format!(
                                        "`{} {} {}` installs an SSH server in the shipped image",
                                        pm.program,
                                        pm.subcommand.map_or("", |s| s.value.as_str()),
                                        w.value
                                    ),
                                ));
                            }
                        }
                    }
                }
                InstrKind::Cmd(command) | InstrKind::Entrypoint(command) => {
                    for script in shell::command_scripts(command, &[]) {
                        for cmd in script.commands() {
                            let Some(name) = cmd.name() else {
                                continue;
                            };
                            if !matches!(name, "sshd" | "dropbear") {
                                continue;
                            }
                            if let Some(w) = cmd.name_word() {
                                sink.push(Finding::new(
                                    &META,
                                    image.location(&script.source_span(w.range.clone())),
                                    format!(
                                        "{} starts the SSH server `{name}`",
                                        item.instr.keyword()
                                    ),
                                ));
                            }
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
    fn flags_port_package_and_command_at_their_words() {
        let f = check(
            &SshServerInImage,
            "FROM ubuntu:24.04\n\
             RUN apt-get update && apt-get install -y openssh-server=1:9.6 curl\n\
             EXPOSE 8080 22/tcp\n\
             CMD [\"/usr/sbin/sshd\", \"-D\"]\n",
        );
        assert_eq!(lines(&f), vec![2, 3, 4]);
        assert_eq!(f[0].location.start_column, 42);
        assert_eq!(f[1].location.start_column, 13);
        assert_eq!(f[2].location.start_column, 7);
        assert!(
            f[0].message
                .contains("`apt-get install openssh-server=1:9.6`"),
            "{}",
            f[0].message
        );
        assert!(f.iter().all(|f| f.severity == Severity::Medium));
    }

    #[test]
    fn flags_alpine_openssh_ranges_and_shell_form() {
        let f = check(
            &SshServerInImage,
            "FROM alpine:3.20\nRUN apk add --no-cache openssh\nEXPOSE 20-25\nENTRYPOINT /usr/sbin/sshd -D\n",
        );
        assert_eq!(lines(&f), vec![2, 3, 4]);
    }

    #[test]
    fn clients_other_ports_and_builder_stages_are_not_reported() {
        for text in [
            "FROM debian:12\nRUN apt-get install -y openssh-client\nEXPOSE 2222 80/tcp 22/udp\n",
            "FROM debian:12 AS build\nRUN apt-get install -y openssh-server\nEXPOSE 22\nFROM debian:12-slim\nCOPY --from=build /a /a\n",
            "FROM debian:12\nCMD [\"ssh\", \"host\"]\n",
        ] {
            let f = check(&SshServerInImage, text);
            assert!(f.is_empty(), "{text}: {f:?}");
        }
    }
}
