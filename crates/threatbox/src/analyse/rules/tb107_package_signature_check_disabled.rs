//! TB107 `package-signature-check-disabled`: package managers told to
//! install unsigned or unverified packages (`apk --allow-untrusted`,
//! `apt-get --allow-unauthenticated`, `[trusted=yes]`, `--nogpgcheck`,
//! `gpgcheck=0`, `rpm --nosignature`…).

use std::sync::LazyLock;

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::patterns::{Pattern, Patterns};
use crate::analyse::rule::{Rule, RuleMeta, Sink};
use crate::analyse::rules::support::{image_scripts, stage_severity};
use crate::model::image::BuildImage;
use crate::parse::dockerfile::InstrKind;
use crate::parse::shell::{SimpleCommand, data_heredocs, is_assignment};
use crate::source::Span;

pub struct PackageSignatureCheckDisabled;

pub static META: RuleMeta = RuleMeta {
    code: "TB107",
    slug: "package-signature-check-disabled",
    title: "Package signature verification disabled",
    severity: Severity::High,
    stride: &[Stride::Tampering, Stride::Spoofing],
    cwe: &[347],
    stage: LifecycleStage::Build,
    cis: &["CIS-Docker-4.11"],
    peers: &[
        "CKV2_DOCKER_7",
        "CKV2_DOCKER_8",
        "CKV2_DOCKER_9",
        "CKV2_DOCKER_10",
        "CKV2_DOCKER_11",
    ],
    remediation: "Remove the option and import the repository's signing key instead (`apt` `signed-by=` keyring, `rpm --import`, `apk` keys in `/etc/apk/keys`), so that every package is verified before it is installed.",
    docs: r#"
**What it detects.** Package installs that skip signature or digest
verification: `apk add --allow-untrusted`; `apt-get`/`apt`
`--allow-unauthenticated`, `--allow-insecure-repositories`, `--force-yes`,
`-o APT::Get::AllowUnauthenticated=true`, `Acquire::AllowInsecureRepositories`;
apt sources marked `[trusted=yes]` (written with `echo`, `tee`, heredocs or
`add-apt-repository`); `yum`/`dnf`/`tdnf`/`microdnf` `--nogpgcheck`, `zypper
--no-gpg-checks`, `gpgcheck=0` / `repo_gpgcheck=0` in repository files or
`--setopt`; `rpm --nosignature`, `--nodigest`, `--nofiledigest`,
`--noverify`; `dpkg --force-bad-verify`; `snap install --dangerous`;
`flatpak --no-gpg-verify`; pacman `SigLevel = Never`; Go's `GOSUMDB=off` and
`GONOSUMCHECK`/`GOFLAGS=-insecure` style overrides of the module checksum
database.

**Why it is a threat.** Signatures are what ties a package to its
publisher. Without them, a mirror, proxy, cache or anyone on the network
path can substitute a package (STRIDE: Tampering) and pose as the
distribution (Spoofing); the malicious package's install scripts then run as
root inside the build, and its files ship in the image.

**Example.**
```dockerfile
RUN echo "deb [trusted=yes] http://repo.example.com/ stable main" > /etc/apt/sources.list.d/x.list \
 && apt-get update && apt-get install -y --allow-unauthenticated tool
```

**Fix.** Trust the repository's key, not everything:
```dockerfile
COPY repo-key.gpg /usr/share/keyrings/example.gpg
RUN echo "deb [signed-by=/usr/share/keyrings/example.gpg] https://repo.example.com/ stable main" \
      > /etc/apt/sources.list.d/x.list \
 && apt-get update && apt-get install -y tool
```
"#,
};

/// Settings in option values, `echo` arguments and file bodies.
static CONFIG_PATTERNS: &[Pattern] = &[
    Pattern {
        keywords: &["trusted=yes"],
        regex: r"(?i)\[[^\]]*\btrusted=yes\b[^\]]*\]",
        message: "apt source marked [trusted=yes]: its packages are installed without signature checks",
    },
    Pattern {
        keywords: &["allowunauthenticated"],
        regex: r#"(?i)\bAPT::Get::AllowUnauthenticated\s*(?:=|\s)\s*"?(?:true|1|yes)\b"#,
        message: "APT::Get::AllowUnauthenticated lets apt install unsigned packages",
    },
    Pattern {
        keywords: &["allowinsecurerepositories"],
        regex: r#"(?i)\bAcquire::AllowInsecureRepositories\s*(?:=|\s)\s*"?(?:true|1|yes)\b"#,
        message: "Acquire::AllowInsecureRepositories lets apt use unsigned repositories",
    },
    Pattern {
        keywords: &["allowdowngradetoinsecurerepositories"],
        regex: r#"(?i)\bAcquire::AllowDowngradeToInsecureRepositories\s*(?:=|\s)\s*"?(?:true|1|yes)\b"#,
        message: "Acquire::AllowDowngradeToInsecureRepositories lets apt use unsigned repositories",
    },
    Pattern {
        keywords: &["gpgcheck"],
        regex: r"(?i)\b(?:repo_|localpkg_)?gpgcheck\s*=\s*(?:0|false|no)\b",
        message: "gpgcheck=0 makes yum/dnf install packages without signature checks",
    },
    Pattern {
        keywords: &["siglevel"],
        regex: r"(?i)\bSigLevel\s*=\s*Never\b",
        message: "pacman SigLevel = Never installs packages without signature checks",
    },
];

static CONFIG_TEXT: LazyLock<Patterns> = LazyLock::new(|| Patterns::new(CONFIG_PATTERNS));

/// Does setting `name=value` in the environment disable integrity checks?
fn insecure_variable(name: &str, value: &str) -> Option<&'static str> {
    let v = value.trim().to_ascii_lowercase();
    match name {
        "GOSUMDB" if v == "off" => {
            Some("GOSUMDB=off disables Go's module checksum database verification")
        }
        "GONOSUMCHECK" | "GONOSUMDB" if v == "*" || v == "1" => {
            Some("Go module checksum verification disabled for every module")
        }
        _ => None,
    }
}

const YUM_LIKE: &[&str] = &[
    "yum",
    "dnf",
    "dnf5",
    "tdnf",
    "microdnf",
    "yum-config-manager",
];
const APT_LIKE: &[&str] = &["apt-get", "apt", "aptitude"];

fn command_problems(cmd: &SimpleCommand) -> Vec<(std::ops::Range<usize>, &'static str)> {
    let mut out = Vec::new();
    let name = cmd.name().unwrap_or("");
    let mut flag = |long: &str, msg: &'static str| {
        if let Some(w) = cmd.find_flag(None, long) {
            out.push((w.range.clone(), msg));
        }
    };
    if name == "apk" {
        flag(
            "allow-untrusted",
            "apk --allow-untrusted installs unsigned packages",
        );
    } else if APT_LIKE.contains(&name) {
        flag(
            "allow-unauthenticated",
            "apt --allow-unauthenticated installs unsigned packages",
        );
        flag(
            "allow-insecure-repositories",
            "apt --allow-insecure-repositories uses unsigned repositories",
        );
        flag(
            "force-yes",
            "apt --force-yes installs unauthenticated packages (and downgrades) without asking",
        );
        if name == "aptitude" {
            flag(
                "allow-untrusted",
                "aptitude --allow-untrusted installs unsigned packages",
            );
        }
    } else if YUM_LIKE.contains(&name) {
        flag(
            "nogpgcheck",
            "--nogpgcheck installs packages without signature checks",
        );
        flag(
            "no-gpgchecks",
            "--no-gpgchecks installs packages without signature checks",
        );
    } else if name == "zypper" {
        flag(
            "no-gpg-checks",
            "zypper --no-gpg-checks installs packages without signature checks",
        );
        flag(
            "allow-unsigned-rpm",
            "zypper --allow-unsigned-rpm installs unsigned packages",
        );
    } else if name == "rpm" {
        for (long, msg) in [
            ("nosignature", "rpm --nosignature skips signature checks"),
            ("nodigest", "rpm --nodigest skips digest checks"),
            (
                "nofiledigest",
                "rpm --nofiledigest skips file digest checks",
            ),
            ("noverify", "rpm --noverify skips package verification"),
        ] {
            flag(long, msg);
        }
    } else if name == "dpkg" {
        flag(
            "force-bad-verify",
            "dpkg --force-bad-verify installs packages that fail verification",
        );
        if let Some(w) = cmd.args().iter().find(|w| {
            w.value
                .strip_prefix("--force-")
                .is_some_and(|f| f.split(',').any(|o| o == "bad-verify" || o == "all"))
                && w.value != "--force-bad-verify"
        }) {
            out.push((
                w.range.clone(),
                "dpkg --force-… includes bad-verify: packages that fail verification are installed",
            ));
        }
    } else if name == "snap" {
        flag("dangerous", "snap --dangerous installs unsigned snaps");
    } else if name == "flatpak" {
        flag(
            "no-gpg-verify",
            "flatpak --no-gpg-verify uses an unsigned remote",
        );
    } else if matches!(name, "export" | "declare" | "typeset") {
        for w in cmd.args() {
            if let Some((n, v)) = w.value.split_once('=')
                && let Some(msg) = insecure_variable(n, v)
            {
                out.push((w.range.clone(), msg));
            }
        }
    }
    for w in cmd.prefix().iter().filter(|w| is_assignment(&w.value)) {
        if let Some((n, v)) = w.value.split_once('=')
            && let Some(msg) = insecure_variable(n, v)
        {
            out.push((w.range.clone(), msg));
        }
    }
    // `-o APT::Get::AllowUnauthenticated=true`, `--setopt=gpgcheck=0`,
    // `echo "deb [trusted=yes] …"`, `sed -i 's/gpgcheck=1/gpgcheck=0/'`.
    for w in &cmd.words {
        if let Some(msg) = CONFIG_TEXT.first(&w.value)
            && !out.iter().any(|(r, _)| *r == w.range)
        {
            out.push((w.range.clone(), msg));
        }
    }
    for r in &cmd.redirects {
        if let Some(body) = &r.heredoc {
            for (m, msg) in CONFIG_TEXT.find_each(&body.value) {
                let start = body.range.start + m.start;
                out.push((start..start + m.len(), msg));
            }
        }
    }
    out
}

impl Rule for PackageSignatureCheckDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image(&self, image: &BuildImage, sink: &mut Sink) {
        let mut push = |index: usize, span: Span, msg: &str| {
            sink.push(
                Finding::new(&META, image.location(&span), msg).with_severity(stage_severity(
                    image,
                    index,
                    META.severity,
                )),
            );
        };
        for (index, instr) in image.dockerfile.instructions.iter().enumerate() {
            match &instr.kind {
                InstrKind::Env(kvs) => {
                    for kv in kvs {
                        if let Some(msg) = insecure_variable(&kv.key.value, &kv.value.value) {
                            push(index, kv.key.span.start..kv.value.span.end, msg);
                        }
                    }
                }
                InstrKind::Arg(args) => {
                    for a in args {
                        if let Some(d) = &a.default
                            && let Some(msg) = insecure_variable(&a.name.value, &d.value)
                        {
                            push(index, a.name.span.start..d.span.end, msg);
                        }
                    }
                }
                _ => {}
            }
            // Repository files written from heredocs (`COPY <<EOF /etc/yum.repos.d/x.repo`).
            for doc in data_heredocs(instr) {
                for (m, msg) in CONFIG_TEXT.find_each(&doc.body) {
                    let start = (doc.span.start + m.start).min(doc.span.end);
                    push(index, start..(start + m.len()).min(doc.span.end), msg);
                }
            }
        }
        for (index, script) in image_scripts(image) {
            for cmd in script.commands() {
                for (range, msg) in command_problems(cmd) {
                    push(index, script.source_span(range), msg);
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
    fn flags_package_manager_options() {
        let f = check(
            &PackageSignatureCheckDisabled,
            "FROM debian:12\n\
             RUN apk add --no-cache --allow-untrusted /tmp/x.apk\n\
             RUN apt-get install -y --allow-unauthenticated x\n\
             RUN apt-get update --allow-insecure-repositories\n\
             RUN apt-get install -y --force-yes x\n\
             RUN apt-get -o APT::Get::AllowUnauthenticated=true install x\n\
             RUN yum install -y --nogpgcheck x\n\
             RUN dnf --setopt=gpgcheck=0 install -y x\n\
             RUN rpm -ivh --nosignature x.rpm\n\
             RUN sudo rpm -Uvh --nodigest --nofiledigest x.rpm\n\
             RUN zypper --no-gpg-checks in -y x\n\
             RUN dpkg -i --force-bad-verify x.deb && dpkg -i --force-depends,bad-verify y.deb\n\
             RUN snap install --dangerous x.snap\n",
        );
        assert_eq!(
            lines(&f),
            vec![2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 11, 12, 12, 13]
        );
        // The exact flag.
        assert_eq!(
            (f[0].location.start_column, f[0].location.end_column),
            (24, 41)
        );
    }

    #[test]
    fn flags_trusted_sources_and_repo_files() {
        let f = check(
            &PackageSignatureCheckDisabled,
            "FROM debian:12\n\
             RUN echo \"deb [trusted=yes] http://repo.example.com/ ./\" > /etc/apt/sources.list.d/x.list\n\
             RUN echo 'gpgcheck=0' >> /etc/yum.repos.d/x.repo\n\
             RUN sed -i 's/gpgcheck=1/gpgcheck=0/' /etc/yum.conf\n\
             ENV GOSUMDB=off\n\
             RUN GOSUMDB=off go mod download\n\
             COPY <<EOF /etc/yum.repos.d/x.repo\n[x]\nbaseurl=http://x\ngpgcheck=0\nEOF\n\
             RUN cat <<EOF > /etc/apt/sources.list.d/x.list\ndeb [trusted=yes] http://x/ ./\nEOF\n",
        );
        assert_eq!(lines(&f), vec![2, 3, 4, 5, 6, 10, 13]);
    }

    #[test]
    fn ignores_verified_installs() {
        let f = check(
            &PackageSignatureCheckDisabled,
            "FROM debian:12\n\
             RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates\n\
             RUN echo \"deb [signed-by=/usr/share/keyrings/x.gpg] https://x/ stable main\" > /etc/apt/sources.list.d/x.list\n\
             RUN echo 'gpgcheck=1' >> /etc/yum.repos.d/x.repo\n\
             RUN rpm --import https://x/key && rpm -ivh x.rpm\n\
             RUN apk add --no-cache curl\n\
             RUN dpkg -i --force-depends x.deb\n\
             ENV GOSUMDB=sum.golang.org\n",
        );
        assert!(f.is_empty(), "{:?}", lines(&f));
    }
}
