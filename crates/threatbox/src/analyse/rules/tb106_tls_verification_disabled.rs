//! TB106 `tls-verification-disabled`: certificate checks turned off for
//! downloads (`curl -k`, `wget --no-check-certificate`, `pip
//! --trusted-host`, `GIT_SSL_NO_VERIFY`, `NODE_TLS_REJECT_UNAUTHORIZED=0`…).

use std::sync::LazyLock;

use regex::Regex;

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::patterns::{Pattern, Patterns};
use crate::analyse::rule::{Rule, RuleMeta, Sink};
use crate::analyse::rules::support::{image_scripts, ships, stage_severity};
use crate::model::image::BuildImage;
use crate::parse::dockerfile::InstrKind;
use crate::parse::shell::{RunScript, SimpleCommand, data_heredocs, is_assignment};
use crate::source::Span;

pub struct TlsVerificationDisabled;

pub static META: RuleMeta = RuleMeta {
    code: "TB106",
    slug: "tls-verification-disabled",
    title: "TLS certificate verification disabled",
    severity: Severity::Medium,
    stride: &[Stride::Spoofing, Stride::Tampering],
    cwe: &[295],
    stage: LifecycleStage::Build,
    cis: &[],
    peers: &[
        "CKV2_DOCKER_2",
        "CKV2_DOCKER_3",
        "CKV2_DOCKER_4",
        "CKV2_DOCKER_5",
        "CKV2_DOCKER_6",
        "CKV2_DOCKER_12",
        "CKV2_DOCKER_13",
        "CKV2_DOCKER_14",
        "CKV2_DOCKER_15",
        "CKV2_DOCKER_16",
    ],
    remediation: "Keep certificate checks on. If a server uses a private CA, add that CA to the trust store (`COPY ca.crt /usr/local/share/ca-certificates/` + `update-ca-certificates`, or the tool's CA option such as `curl --cacert`, `pip --cert`, `npm config set cafile`) instead of disabling verification.",
    docs: r#"
**What it detects.** Settings that make a download tool accept any
certificate: `curl -k`/`--insecure`, `wget --no-check-certificate`,
`pip --trusted-host` and `PIP_TRUSTED_HOST`, `npm`/`yarn config set
strict-ssl false` and `NPM_CONFIG_STRICT_SSL=false`, `git -c
http.sslVerify=false` and `git config http.sslVerify false`,
`GIT_SSL_NO_VERIFY`, `NODE_TLS_REJECT_UNAUTHORIZED=0`, `PYTHONHTTPSVERIFY=0`,
yum/dnf `sslverify=0`, apt `Acquire::https::Verify-Peer "false"`, wget's
`check_certificate = off`, conda `ssl_verify false`, `GOINSECURE`,
`GOFLAGS=-insecure`, `go get -insecure`, `--insecure-skip-tls-verify`
(kubectl, helm, oc), `--no-verify-ssl` (aws), `--tls-verify=false` (podman,
skopeo, buildah), `svn --trust-server-cert`, in `RUN` commands (also as `VAR=… cmd` and `export`),
in `ENV` and in `ARG` defaults.

**Why it is a threat.** Without certificate verification, anyone on the
network path (a compromised proxy, Wi-Fi, DNS or BGP hijack) can pose as the
server (STRIDE: Spoofing) and hand the build a modified package, script or
repository (Tampering) — and read any credentials sent with the request. Set
in `ENV`, the setting stays in the image and also weakens every connection
the application makes at run time, so it is reported with a higher severity
there.

**Example.**
```dockerfile
ENV NODE_TLS_REJECT_UNAUTHORIZED=0
RUN curl -k https://downloads.example.com/tool.tgz | tar -xz
```

**Fix.** Trust the right CA instead:
```dockerfile
COPY corp-ca.crt /usr/local/share/ca-certificates/
RUN update-ca-certificates && curl -fsSL https://downloads.example.com/tool.tgz | tar -xz
```
"#,
};

/// Does setting `name=value` in the environment disable certificate checks?
fn insecure_variable(name: &str, value: &str) -> Option<&'static str> {
    let v = value.trim().to_ascii_lowercase();
    let falsy = matches!(v.as_str(), "0" | "false" | "no" | "off");
    match name.to_ascii_uppercase().as_str() {
        // git checks only that the variable exists.
        "GIT_SSL_NO_VERIFY" => Some("GIT_SSL_NO_VERIFY makes git skip certificate checks"),
        "NODE_TLS_REJECT_UNAUTHORIZED" if v == "0" => {
            Some("NODE_TLS_REJECT_UNAUTHORIZED=0 makes Node.js accept any certificate")
        }
        "PYTHONHTTPSVERIFY" if v == "0" => {
            Some("PYTHONHTTPSVERIFY=0 makes Python's urllib skip certificate checks")
        }
        "PIP_TRUSTED_HOST" if !v.is_empty() => {
            Some("PIP_TRUSTED_HOST makes pip accept any certificate from these hosts")
        }
        "NPM_CONFIG_STRICT_SSL" | "YARN_STRICT_SSL" | "YARN_ENABLE_STRICT_SSL" if falsy => {
            Some("strict-ssl off makes npm/yarn accept any certificate")
        }
        "CONDA_SSL_VERIFY" if falsy => {
            Some("CONDA_SSL_VERIFY off makes conda skip certificate checks")
        }
        "BUNDLE_SSL_VERIFY_MODE" if v == "0" => {
            Some("BUNDLE_SSL_VERIFY_MODE=0 makes Bundler skip certificate checks")
        }
        "GOINSECURE" if !v.is_empty() => {
            Some("GOINSECURE lets Go fetch these modules without (valid) HTTPS")
        }
        "GOFLAGS" if v.split_whitespace().any(|f| f == "-insecure") => {
            Some("GOFLAGS=-insecure lets Go fetch modules without (valid) HTTPS")
        }
        _ => None,
    }
}

/// Settings written into configuration files (by `echo`, `sed`, heredocs)
/// or passed as option values.
static CONFIG_PATTERNS: &[Pattern] = &[
    Pattern {
        keywords: &["sslverify"],
        regex: r"(?i)\bsslverify\s*=\s*(?:0|false|no|off)\b",
        message: "sslverify off disables certificate checks (yum/dnf/git)",
    },
    Pattern {
        keywords: &["acquire::https::"],
        regex: r#"(?i)acquire::https::(?:\S+::)?verify-(?:peer|host)\s*(?:=|\s)\s*"?(?:false|0|no|off)\b"#,
        message: "apt Acquire::https Verify-Peer/Verify-Host off disables certificate checks",
    },
    Pattern {
        keywords: &["check_certificate"],
        regex: r"(?i)\bcheck_certificate\s*=\s*off\b",
        message: "wget check_certificate = off disables certificate checks",
    },
    Pattern {
        keywords: &["strict-ssl"],
        regex: r"(?i)\bstrict-ssl\s*=\s*false\b",
        message: "strict-ssl=false makes npm/yarn accept any certificate",
    },
];

static CONFIG_TEXT: LazyLock<Patterns> = LazyLock::new(|| Patterns::new(CONFIG_PATTERNS));

/// `http.sslVerify` (also per URL: `http.https://x.sslVerify`), alone and as `key=value`.
static GIT_SSLVERIFY: LazyLock<(Regex, Regex)> = LazyLock::new(|| {
    (
        Regex::new(r"(?i)^http\.(?:.*\.)?sslverify$").expect("valid pattern"),
        Regex::new(r"(?i)^http\.(?:.*\.)?sslverify=(?:false|0|no|off)$").expect("valid pattern"),
    )
});

fn is_false(word: Option<&str>) -> bool {
    matches!(
        word.map(|w| w.trim_matches(['"', '\'']).to_ascii_lowercase())
            .as_deref(),
        Some("false" | "0" | "no" | "off")
    )
}

/// Problems in one command: (script range, message).
fn command_problems(cmd: &SimpleCommand) -> Vec<(std::ops::Range<usize>, &'static str)> {
    let mut out = Vec::new();
    let name = cmd.name().unwrap_or("");
    let args = cmd.args();
    let values: Vec<&str> = args.iter().map(|w| w.value.as_str()).collect();
    let mut flag = |short: Option<char>, long: &str, msg: &'static str| {
        if let Some(w) = cmd.find_flag(short, long) {
            out.push((w.range.clone(), msg));
        }
    };
    match name {
        "curl" => {
            flag(
                Some('k'),
                "insecure",
                "curl -k/--insecure accepts any certificate",
            );
            flag(
                None,
                "proxy-insecure",
                "curl --proxy-insecure accepts any proxy certificate",
            );
        }
        "wget" => flag(
            None,
            "no-check-certificate",
            "wget --no-check-certificate accepts any certificate",
        ),
        "uv" => flag(
            None,
            "allow-insecure-host",
            "uv --allow-insecure-host accepts any certificate from that host",
        ),
        n if n.starts_with("pip") || n.starts_with("python") => {
            flag(
                None,
                "trusted-host",
                "pip --trusted-host accepts any certificate from that host",
            );
            if let Some(w) = args.iter().find(|w| w.value.ends_with(".trusted-host")) {
                out.push((
                    w.range.clone(),
                    "pip trusted-host accepts any certificate from that host",
                ));
            }
        }
        "npm" | "yarn" | "pnpm" => {
            for (i, w) in args.iter().enumerate() {
                let v = w.value.trim_start_matches('-');
                let key = v.eq_ignore_ascii_case("strict-ssl") || v == "enableStrictSsl";
                if key && is_false(values.get(i + 1).copied()) {
                    out.push((
                        w.range.start..args[i + 1].range.end,
                        "strict-ssl false makes npm/yarn accept any certificate",
                    ));
                }
            }
        }
        "git" => {
            for (i, w) in args.iter().enumerate() {
                let (key, key_value) = (&GIT_SSLVERIFY.0, &GIT_SSLVERIFY.1);
                if key_value.is_match(&w.value) {
                    out.push((
                        w.range.clone(),
                        "git http.sslVerify=false accepts any certificate",
                    ));
                } else if key.is_match(&w.value) && is_false(values.get(i + 1).copied()) {
                    out.push((
                        w.range.start..args[i + 1].range.end,
                        "git http.sslVerify false accepts any certificate",
                    ));
                }
            }
        }
        "conda" | "mamba" | "micromamba" => {
            for (i, w) in args.iter().enumerate() {
                if w.value == "ssl_verify" && is_false(values.get(i + 1).copied()) {
                    out.push((
                        w.range.start..args[i + 1].range.end,
                        "conda ssl_verify false skips certificate checks",
                    ));
                }
            }
        }
        "export" | "declare" | "typeset" => {
            for w in args {
                if let Some((n, v)) = w.value.split_once('=')
                    && let Some(msg) = insecure_variable(n, v)
                {
                    out.push((w.range.clone(), msg));
                }
            }
        }
        "go" => {
            if let Some(w) = args.iter().find(|w| w.value == "-insecure") {
                out.push((
                    w.range.clone(),
                    "go get -insecure fetches modules without (valid) HTTPS",
                ));
            }
        }
        _ => {}
    }
    // Options several tools share: kubectl/helm/oc, aws, podman/skopeo/buildah, svn.
    for w in args {
        let v = w.value.as_str();
        let (flag, value) = v.split_once('=').unwrap_or((v, ""));
        let msg = match flag {
            "--insecure-skip-tls-verify"
                if value.is_empty() || value.eq_ignore_ascii_case("true") =>
            {
                "--insecure-skip-tls-verify accepts any server certificate"
            }
            "--no-verify-ssl" => "--no-verify-ssl accepts any server certificate",
            "--tls-verify" | "--src-tls-verify" | "--dest-tls-verify"
                if value.eq_ignore_ascii_case("false") =>
            {
                "--tls-verify=false accepts any registry certificate"
            }
            "--trust-server-cert" | "--trust-server-cert-failures" => {
                "svn --trust-server-cert accepts an unverified server certificate"
            }
            _ => continue,
        };
        out.push((w.range.clone(), msg));
    }
    // `VAR=value cmd` and `env VAR=value cmd`.
    for w in cmd.prefix().iter().filter(|w| is_assignment(&w.value)) {
        if let Some((n, v)) = w.value.split_once('=')
            && let Some(msg) = insecure_variable(n, v)
        {
            out.push((w.range.clone(), msg));
        }
    }
    // Settings written to files or passed as option values (not the git and
    // npm forms already handled above).
    if out.is_empty() {
        for w in &cmd.words {
            if let Some(msg) = CONFIG_TEXT.first(&w.value) {
                out.push((w.range.clone(), msg));
            }
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

fn check_script(script: &RunScript) -> Vec<(Span, &'static str)> {
    script
        .commands()
        .iter()
        .flat_map(command_problems)
        .map(|(range, msg)| (script.source_span(range), msg))
        .collect()
}

impl Rule for TlsVerificationDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image(&self, image: &BuildImage, sink: &mut Sink) {
        for (index, instr) in image.dockerfile.instructions.iter().enumerate() {
            let pairs: Vec<(&str, &str, Span)> = match &instr.kind {
                InstrKind::Env(kvs) => kvs
                    .iter()
                    .map(|kv| {
                        (
                            kv.key.value.as_str(),
                            kv.value.value.as_str(),
                            kv.key.span.start..kv.value.span.end,
                        )
                    })
                    .collect(),
                // An ARG without default is unset unless passed.
                InstrKind::Arg(args) => args
                    .iter()
                    .filter_map(|a| {
                        a.default.as_ref().map(|d| {
                            (
                                a.name.value.as_str(),
                                d.value.as_str(),
                                a.name.span.start..d.span.end,
                            )
                        })
                    })
                    .collect(),
                _ => continue,
            };
            let is_env = matches!(instr.kind, InstrKind::Env(_));
            for (name, value, span) in pairs {
                let Some(msg) = insecure_variable(name, value) else {
                    continue;
                };
                // ENV stays in the image: the running application inherits it.
                let (severity, tail) = if is_env && ships(image, index) {
                    (
                        Severity::High,
                        "; set by ENV, it also applies when the container runs",
                    )
                } else {
                    (stage_severity(image, index, META.severity), "")
                };
                sink.push(
                    Finding::new(&META, image.location(&span), format!("{msg}{tail}"))
                        .with_severity(severity),
                );
            }
        }
        // Configuration files written from heredocs (`COPY <<EOF /etc/x`).
        for (index, instr) in image.dockerfile.instructions.iter().enumerate() {
            for doc in data_heredocs(instr) {
                for (m, msg) in CONFIG_TEXT.find_each(&doc.body) {
                    let start = (doc.span.start + m.start).min(doc.span.end);
                    let span = start..(start + m.len()).min(doc.span.end);
                    sink.push(
                        Finding::new(&META, image.location(&span), msg)
                            .with_severity(stage_severity(image, index, META.severity)),
                    );
                }
            }
        }
        for (index, script) in image_scripts(image) {
            for (span, msg) in check_script(script) {
                sink.push(
                    Finding::new(&META, image.location(&span), msg).with_severity(stage_severity(
                        image,
                        index,
                        META.severity,
                    )),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check, lines};

    fn cols(f: &Finding) -> (usize, usize, usize) {
        (
            f.location.start_line,
            f.location.start_column,
            f.location.end_column,
        )
    }

    #[test]
    fn flags_download_tools() {
        let f = check(
            &TlsVerificationDisabled,
            "FROM debian:12\n\
             RUN curl -fsSLk https://x -o y\n\
             RUN curl --insecure https://x\n\
             RUN wget --no-check-certificate https://x\n\
             RUN pip install --trusted-host pypi.example.com x\n\
             RUN python3 -m pip install --trusted-host=h x\n\
             RUN npm config set strict-ssl false\n\
             RUN yarn config set strict-ssl false\n\
             RUN git -c http.sslVerify=false clone https://x\n\
             RUN git config --global http.sslVerify false\n\
             RUN conda config --set ssl_verify false\n\
             RUN helm repo add x https://x --insecure-skip-tls-verify\n\
             RUN aws s3 cp --no-verify-ssl s3://b/k /k\n\
             RUN skopeo copy --src-tls-verify=false docker://r/i oci:i\n",
        );
        assert_eq!(lines(&f), (2..=14).collect::<Vec<_>>());
        // Exact words: `-fsSLk` on line 2.
        assert_eq!(cols(&f[0]), (2, 10, 16));
        assert_eq!(cols(&f[7]), (9, 12, 32));
    }

    #[test]
    fn flags_environment_variables() {
        let f = check(
            &TlsVerificationDisabled,
            "FROM node:20\n\
             ENV NODE_TLS_REJECT_UNAUTHORIZED=0\n\
             ENV PYTHONHTTPSVERIFY=0 GIT_SSL_NO_VERIFY=1\n\
             ARG PIP_TRUSTED_HOST=pypi.internal\n\
             ARG GIT_SSL_NO_VERIFY\n\
             ENV NPM_CONFIG_STRICT_SSL=false GOINSECURE=example.com/* GOFLAGS=\"-mod=mod -insecure\"\n\
             RUN GIT_SSL_NO_VERIFY=true git clone https://x\n\
             RUN export NODE_TLS_REJECT_UNAUTHORIZED=0 && npm ci\n",
        );
        assert_eq!(lines(&f), vec![2, 3, 3, 4, 6, 6, 6, 7, 8]);
        assert_eq!(f[0].severity, Severity::High);
        assert_eq!(f[3].severity, Severity::Medium);
    }

    #[test]
    fn flags_configuration_written_to_files() {
        let f = check(
            &TlsVerificationDisabled,
            "FROM fedora\n\
             RUN echo 'sslverify=0' >> /etc/dnf/dnf.conf\n\
             RUN dnf --setopt=sslverify=false install -y x\n\
             RUN echo 'Acquire::https::Verify-Peer \"false\";' > /etc/apt/apt.conf.d/99x\n\
             RUN echo 'check_certificate = off' >> ~/.wgetrc\n\
             COPY <<EOF /etc/yum.repos.d/x.repo\n[x]\nsslverify=0\nEOF\n",
        );
        assert_eq!(lines(&f), vec![2, 3, 4, 5, 8]);
    }

    #[test]
    fn ignores_safe_settings() {
        let f = check(
            &TlsVerificationDisabled,
            "FROM debian:12\n\
             ENV NODE_TLS_REJECT_UNAUTHORIZED=1 PYTHONHTTPSVERIFY=1 NPM_CONFIG_STRICT_SSL=true\n\
             ARG PIP_TRUSTED_HOST\n\
             RUN curl -fsSL https://x -o /tmp/k && wget -q https://y\n\
             RUN git config --global http.sslVerify true\n\
             RUN npm config set strict-ssl true\n\
             RUN echo 'sslverify=1' >> /etc/dnf/dnf.conf\n\
             RUN keytool -import -k x\n\
             RUN curl --cacert /ca.pem https://x\n\
             RUN podman pull --tls-verify=true r/i && kubectl --insecure-skip-tls-verify=false get po\n",
        );
        assert!(f.is_empty(), "{:?}", lines(&f));
    }
}
