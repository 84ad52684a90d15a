//! TB614 `kubelet-hardening-missing`: the remaining kubelet settings of the
//! CIS benchmark (hostname override, event rate, serving certificate, cipher
//! suites, default seccomp profile, pod PID limit).

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::cluster::{Kubelet, kubelets};
use crate::analyse::rules::tls_suites::{self, Suite};
use crate::source::Location;

pub struct KubeletHardeningMissing;

pub static META: RuleMeta = RuleMeta {
    code: "TB614",
    slug: "kubelet-hardening-missing",
    title: "Kubelet lacks a hardening setting",
    severity: Severity::Medium,
    stride: &[
        Stride::Spoofing,
        Stride::Repudiation,
        Stride::InformationDisclosure,
        Stride::DenialOfService,
        Stride::ElevationOfPrivilege,
    ],
    cwe: &[297, 778, 295, 327, 1188, 770],
    stage: LifecycleStage::Host,
    cis: &[
        "CIS-Kubernetes-4.2.7",
        "CIS-Kubernetes-4.2.8",
        "CIS-Kubernetes-4.2.9",
        "CIS-Kubernetes-4.2.12",
        "CIS-Kubernetes-4.2.13",
        "CIS-Kubernetes-4.2.14",
    ],
    peers: &[
        "CKV_K8S_146",
        "CKV_K8S_147",
        "CKV_K8S_148",
        "CKV_K8S_151",
        "KCV-0086",
        "KCV-0087",
        "KCV-0088",
        "KCV-0089",
        "KCV-0092",
        "C-0179",
        "C-0180",
        "C-0181",
        "C-0184",
        "C-0284",
    ],
    remediation: "Drop `--hostname-override`, keep `eventRecordQPS` at 0–5, give the kubelet a serving certificate (`tlsCertFile` and `tlsPrivateKeyFile`, or `serverTLSBootstrap: true`), list strong `tlsCipherSuites` (ECDHE with AES-GCM or ChaCha20), set `seccompDefault: true` and a positive `podPidsLimit`.",
    docs: r#"
**What it detects.** A kubelet (flags in a Pod, or a `KubeletConfiguration`)
with one of these gaps, each reported once at the setting, else at the
command or the configuration object:

- `--hostname-override` set (CIS 4.2.7);
- `--event-qps` / `eventRecordQPS` above 5 or negative (CIS 4.2.8; above 5 is
  how Checkov CKV_K8S_147 reads "a level which ensures appropriate event
  capture", negative is Trivy KCV-0087's test);
- no serving certificate: `tlsCertFile` / `tlsPrivateKeyFile`
  (`--tls-cert-file` / `--tls-private-key-file`) not both set and
  `serverTLSBootstrap` (`--rotate-server-certificates`) not true (CIS 4.2.9);
- `tlsCipherSuites` / `--tls-cipher-suites` unset (low), naming weak suites
  (RC4, 3DES, DES, NULL, EXPORT, `_CBC_`, `TLS_RSA_WITH_*` without forward
  secrecy: medium) or names that are no strong suite Go knows (low) (CIS 4.2.12);
- `podPidsLimit` / `--pod-max-pids` unset or not positive (CIS 4.2.13);
- `seccompDefault` / `--seccomp-default` not true (CIS 4.2.14).

A kubelet started with `--config` keeps its other settings in a file the scan
may not see, so for it only values written as flags are judged; an unset one
is not reported. A value of the wrong type (a list where a number belongs) is
skipped rather than guessed at.

**Why it is a threat.** A node registered under an overridden name no longer
matches its certificate, so TLS between API server and kubelet cannot be
verified (Spoofing). Without a serving certificate the kubelet serves a
self-signed one nobody verifies, and weak cipher suites let a network
attacker read or alter kubelet traffic (Information disclosure). The event
rate decides which node events reach the audit trail (Repudiation). Pods
without a seccomp profile run Unconfined, with every system call open to a
kernel exploit (Elevation of privilege), and without a PID limit one pod can
fork-bomb the whole node (Denial of service; TB412 points here for PID
limits).

**Example.**
```yaml
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
tlsCipherSuites: [TLS_RSA_WITH_3DES_EDE_CBC_SHA]
podPidsLimit: -1
```

**Fix.**
```yaml
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
serverTLSBootstrap: true
tlsCipherSuites:
  - TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
  - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
seccompDefault: true
podPidsLimit: 4096
```
"#,
};

/// One gap of one kubelet.
struct Gap {
    location: Location,
    severity: Severity,
    message: String,
}

impl Gap {
    fn low(location: Location, message: String) -> Gap {
        Gap {
            location,
            severity: Severity::Low,
            message,
        }
    }
}

/// A setting read from one kubelet: its text, whether it is written at all
/// (a written setting without text has the wrong type), its location and
/// the name to show (`--pod-max-pids` or `podPidsLimit`).
struct Read {
    value: Option<String>,
    written: bool,
    location: Location,
    name: String,
}

impl Read {
    /// Written, but not as a scalar: nothing can be judged.
    fn is_garbage(&self) -> bool {
        self.written && self.value.is_none()
    }
}

fn read(kubelet: &Kubelet<'_>, flag: &str, path: &[&str]) -> Read {
    let setting = kubelet.setting(flag, path);
    let (written, name) = match kubelet {
        Kubelet::Flags(c) => (c.flag(flag).is_some(), format!("--{flag}")),
        Kubelet::Config { node, .. } => (node.path(path).is_some(), path.join(".")),
    };
    Read {
        value: setting.value,
        written,
        location: setting.location,
        name,
    }
}

/// Go's `strconv.ParseBool` spellings, which the kubelet's flags accept.
fn as_bool(text: &str) -> Option<bool> {
    match text.trim() {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

fn problems(kubelet: &Kubelet<'_>) -> Vec<Gap> {
    // Flags next to `--config`: unset ones may well be set in that file.
    let judge_missing = match kubelet {
        Kubelet::Flags(c) => c.flag("config").is_none(),
        Kubelet::Config { .. } => true,
    };
    let mut out = Vec::new();
    hostname_override(kubelet, &mut out);
    event_qps(kubelet, &mut out);
    serving_certificate(kubelet, judge_missing, &mut out);
    cipher_suites(kubelet, judge_missing, &mut out);
    pid_limit(kubelet, judge_missing, &mut out);
    seccomp_default(kubelet, judge_missing, &mut out);
    out
}

fn hostname_override(kubelet: &Kubelet<'_>, out: &mut Vec<Gap>) {
    // A flag only: `KubeletConfiguration` has no such field.
    let Kubelet::Flags(c) = kubelet else { return };
    let Some(flag) = c.flag("hostname-override") else {
        return;
    };
    // `--hostname-override=` (empty) leaves the real hostname in place.
    if flag.value.as_deref().is_some_and(|v| v.trim().is_empty()) {
        return;
    }
    out.push(Gap::low(
        flag.location.clone(),
        "`--hostname-override` is set: the node's name no longer matches its certificate, so TLS between API server and kubelet cannot be verified (CIS 4.2.7)".into(),
    ));
}

fn event_qps(kubelet: &Kubelet<'_>, out: &mut Vec<Gap>) {
    let qps = read(kubelet, "event-qps", &["eventRecordQPS"]);
    let Some(value) = qps
        .value
        .as_deref()
        .and_then(|v| v.trim().parse::<i64>().ok())
    else {
        return;
    };
    let why = if value > 5 {
        "above the 5 events a second the benchmark check expects"
    } else if value < 0 {
        "negative, which the kubelet rejects: the node records no events"
    } else {
        return;
    };
    out.push(Gap::low(
        qps.location,
        format!(
            "`{}` is {value}, {why}: set the event rate deliberately so node events reach the audit trail (CIS 4.2.8)",
            qps.name
        ),
    ));
}

fn serving_certificate(kubelet: &Kubelet<'_>, judge_missing: bool, out: &mut Vec<Gap>) {
    let bootstrap = read(
        kubelet,
        "rotate-server-certificates",
        &["serverTLSBootstrap"],
    );
    if bootstrap.value.as_deref().and_then(as_bool) == Some(true) || bootstrap.is_garbage() {
        return;
    }
    let cert = read(kubelet, "tls-cert-file", &["tlsCertFile"]);
    let key = read(kubelet, "tls-private-key-file", &["tlsPrivateKeyFile"]);
    if cert.is_garbage() || key.is_garbage() || !judge_missing {
        return;
    }
    let set = |r: &Read| r.value.as_deref().is_some_and(|v| !v.trim().is_empty());
    let message = match (set(&cert), set(&key)) {
        (true, true) => return,
        (false, false) => (
            cert.location,
            format!(
                "no serving certificate (`{}` and `{}` unset, `{}` not true): the kubelet serves a self-signed certificate nobody verifies (CIS 4.2.9)",
                cert.name, key.name, bootstrap.name
            ),
        ),
        (true, false) => (
            cert.location,
            format!(
                "`{}` is set without `{}`: the kubelet has no usable serving certificate and falls back to a self-signed one nobody verifies (CIS 4.2.9)",
                cert.name, key.name
            ),
        ),
        (false, true) => (
            key.location,
            format!(
                "`{}` is set without `{}`: the kubelet has no usable serving certificate and falls back to a self-signed one nobody verifies (CIS 4.2.9)",
                key.name, cert.name
            ),
        ),
    };
    out.push(Gap::low(message.0, message.1));
}

/// The suites a kubelet lists: `None` when the value has the wrong type.
fn suites(kubelet: &Kubelet<'_>) -> Option<Vec<String>> {
    let split = |text: &str| -> Vec<String> {
        text.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    };
    match kubelet {
        Kubelet::Flags(c) => Some(
            c.flag("tls-cipher-suites")
                .map(|f| split(f.text()))
                .unwrap_or_default(),
        ),
        Kubelet::Config { node, .. } => match node.get("tlsCipherSuites") {
            None => Some(Vec::new()),
            Some(n) if n.is_null() => Some(Vec::new()),
            Some(n) => {
                if let Some(items) = n.as_seq() {
                    // Non-string items are garbage, not suites.
                    Some(
                        items
                            .iter()
                            .filter_map(|i| i.as_str())
                            .flat_map(split)
                            .collect(),
                    )
                } else {
                    n.as_str().map(split)
                }
            }
        },
    }
}

fn cipher_suites(kubelet: &Kubelet<'_>, judge_missing: bool, out: &mut Vec<Gap>) {
    let setting = read(kubelet, "tls-cipher-suites", &["tlsCipherSuites"]);
    let Some(suites) = suites(kubelet) else {
        return;
    };
    if suites.is_empty() {
        // A written but empty list holds only garbage items, or means Go's
        // defaults; only a missing setting is reported as unset.
        if judge_missing && !setting.written {
            out.push(Gap::low(
                setting.location,
                format!(
                    "`{}` is not set: the kubelet accepts whatever cipher suites its Go version allows by default (CIS 4.2.12)",
                    setting.name
                ),
            ));
        }
        return;
    }
    let quoted = |list: &[&String]| {
        list.iter()
            .map(|s| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let of = |class: Suite| -> Vec<&String> {
        suites
            .iter()
            .filter(|s| tls_suites::classify(s) == class)
            .collect()
    };
    let (weak, unknown) = (of(Suite::Weak), of(Suite::Unknown));
    if !weak.is_empty() {
        let mut message = format!(
            "`{}` allows weak cipher suites {}: a network attacker can read or alter kubelet traffic (CIS 4.2.12)",
            setting.name,
            quoted(&weak)
        );
        if !unknown.is_empty() {
            message.push_str(&format!("; also names unknown suites {}", quoted(&unknown)));
        }
        out.push(Gap {
            location: setting.location,
            severity: Severity::Medium,
            message,
        });
    } else if !unknown.is_empty() {
        out.push(Gap::low(
            setting.location,
            format!(
                "`{}` names {}, not a strong cipher suite the kubelet knows: it refuses to start or serves suites nobody reviewed (CIS 4.2.12)",
                setting.name,
                quoted(&unknown)
            ),
        ));
    }
}

fn pid_limit(kubelet: &Kubelet<'_>, judge_missing: bool, out: &mut Vec<Gap>) {
    let pids = read(kubelet, "pod-max-pids", &["podPidsLimit"]);
    let message = match pids.value.as_deref() {
        Some(v) => match v.trim().parse::<i64>() {
            // The kubelet applies only a positive limit; -1 is "unlimited".
            Ok(n) if n <= 0 => format!(
                "`{}` is {n}: pods have no PID limit, so one pod can fork-bomb the node (CIS 4.2.13)",
                pids.name
            ),
            _ => return,
        },
        None if judge_missing && !pids.written => format!(
            "`{}` is not set: pods have no PID limit, so one pod can fork-bomb the node (CIS 4.2.13)",
            pids.name
        ),
        None => return,
    };
    out.push(Gap::low(pids.location, message));
}

fn seccomp_default(kubelet: &Kubelet<'_>, judge_missing: bool, out: &mut Vec<Gap>) {
    let seccomp = read(kubelet, "seccomp-default", &["seccompDefault"]);
    let message = match seccomp.value.as_deref().map(as_bool) {
        Some(Some(false)) => format!(
            "`{}` is false: pods without a seccomp profile run Unconfined, with every system call open to a kernel exploit (CIS 4.2.14)",
            seccomp.name
        ),
        None if judge_missing && !seccomp.written => format!(
            "`{}` is not set: pods without a seccomp profile run Unconfined, with every system call open to a kernel exploit (CIS 4.2.14)",
            seccomp.name
        ),
        _ => return,
    };
    out.push(Gap::low(seccomp.location, message));
}

impl Rule for KubeletHardeningMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        for kubelet in kubelets(ctx) {
            for gap in problems(&kubelet) {
                sink.push(
                    Finding::new(&META, gap.location, gap.message).with_severity(gap.severity),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check_system, lines};
    use crate::model::rbac::test_support::kube_system;

    fn run(text: &str) -> Vec<Finding> {
        check_system(
            &KubeletHardeningMissing,
            &kube_system(&[("kubelet.yaml", text)]),
        )
    }

    /// Findings whose message contains `needle`.
    fn with<'a>(findings: &'a [Finding], needle: &str) -> Vec<&'a Finding> {
        findings
            .iter()
            .filter(|f| f.message.contains(needle))
            .collect()
    }

    const CONFIG: &str = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n";

    const HARDENED: &str = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nserverTLSBootstrap: true\ntlsCipherSuites:\n  - TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256\n  - TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384\nseccompDefault: true\npodPidsLimit: 4096\neventRecordQPS: 5\n";

    /// A kubelet Pod like the Checkov fixtures, with the given flags.
    fn pod(flags: &[&str]) -> String {
        let mut text = String::from(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kubelet\n  namespace: kube-system\nspec:\n  containers:\n  - name: kubelet\n    image: registry.k8s.io/kubelet:v1.30.0\n    command:\n    - kubelet\n",
        );
        for f in flags {
            text.push_str(&format!("    - {f}\n"));
        }
        text
    }

    const HARDENED_FLAGS: &[&str] = &[
        "--tls-cert-file=/pki/kubelet.crt",
        "--tls-private-key-file=/pki/kubelet.key",
        "--tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_AES_128_GCM_SHA256",
        "--seccomp-default",
        "--pod-max-pids=1024",
        "--event-qps=0",
    ];

    #[test]
    fn no_kubelet_no_findings() {
        assert!(run("apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n  - name: web\n    image: nginx\n").is_empty());
        assert!(run("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {podPidsLimit: \"-1\"}\n").is_empty());
    }

    #[test]
    fn hardened_kubelets_pass() {
        let f = run(HARDENED);
        assert!(f.is_empty(), "{f:?}");
        let f = run(&pod(HARDENED_FLAGS));
        assert!(f.is_empty(), "{f:?}");
        let f = run(&HARDENED.replace(
            "serverTLSBootstrap: true\n",
            "tlsCertFile: /pki/k.crt\ntlsPrivateKeyFile: /pki/k.key\n",
        ));
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn empty_config_reports_each_missing_setting_at_the_object() {
        let f = run(CONFIG);
        let messages: Vec<&str> = f.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(f.len(), 4, "{messages:?}");
        assert_eq!(lines(&f), vec![1, 1, 1, 1]);
        assert!(f.iter().all(|f| f.severity == Severity::Low));
        assert_eq!(with(&f, "no serving certificate (`tlsCertFile` and `tlsPrivateKeyFile` unset, `serverTLSBootstrap` not true)").len(), 1);
        assert_eq!(with(&f, "`tlsCipherSuites` is not set").len(), 1);
        assert_eq!(with(&f, "`podPidsLimit` is not set").len(), 1);
        assert_eq!(with(&f, "`seccompDefault` is not set").len(), 1);
    }

    #[test]
    fn bad_values_at_their_lines() {
        let text = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nserverTLSBootstrap: false\ntlsCertFile: /pki/k.crt\ntlsCipherSuites: [TLS_RSA_WITH_3DES_EDE_CBC_SHA, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_RC4_128_SHA]\nseccompDefault: false\npodPidsLimit: -1\neventRecordQPS: 50\n";
        let f = run(text);
        assert_eq!(lines(&f), vec![4, 5, 6, 7, 8]);
        let cert = with(&f, "`tlsCertFile` is set without `tlsPrivateKeyFile`");
        assert_eq!(cert.len(), 1);
        let ciphers = with(
            &f,
            "allows weak cipher suites `TLS_RSA_WITH_3DES_EDE_CBC_SHA`, `TLS_ECDHE_RSA_WITH_RC4_128_SHA`",
        );
        assert_eq!(ciphers.len(), 1);
        assert_eq!(ciphers[0].severity, Severity::Medium);
        assert_eq!(with(&f, "`seccompDefault` is false").len(), 1);
        assert_eq!(with(&f, "`podPidsLimit` is -1").len(), 1);
        assert_eq!(with(&f, "`eventRecordQPS` is 50, above the 5").len(), 1);
    }

    #[test]
    fn event_qps_follows_checkov_threshold() {
        // Checkov CKV_K8S_147: 6 fails, 2 passes; 0 (unlimited) passes.
        let six = run(&pod(&[HARDENED_FLAGS, &["--event-qps=6"]].concat()));
        assert_eq!(lines(&six), vec![18], "{six:?}");
        assert!(six[0].message.starts_with("`--event-qps` is 6"));
        assert!(run(&pod(&[HARDENED_FLAGS, &["--event-qps=2"]].concat())).is_empty());
        let negative = run(&format!("{CONFIG}eventRecordQPS: -1\n"));
        assert_eq!(with(&negative, "`eventRecordQPS` is -1, negative").len(), 1);
    }

    #[test]
    fn hostname_override_is_flagged_on_flags() {
        let f = run(&pod(
            &[HARDENED_FLAGS, &["--hostname-override=node-a"]].concat()
        ));
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].location.start_line, 18);
        assert!(f[0].message.starts_with("`--hostname-override` is set"));
        assert!(run(&pod(&[HARDENED_FLAGS, &["--hostname-override="]].concat())).is_empty());
    }

    #[test]
    fn ciphers_unknown_or_weak() {
        let unknown = run(&pod(&[
            "--tls-cert-file=a",
            "--tls-private-key-file=b",
            "--seccomp-default=true",
            "--pod-max-pids=100",
            "--tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_64_GCM_SHA256",
        ]));
        assert_eq!(unknown.len(), 1, "{unknown:?}");
        assert_eq!(unknown[0].severity, Severity::Low);
        assert_eq!(unknown[0].location.start_line, 16);
        assert!(
            unknown[0].message.contains(
                "names `TLS_ECDHE_ECDSA_WITH_AES_64_GCM_SHA256`, not a strong cipher suite"
            )
        );
        let rsa = run(&format!(
            "{CONFIG}serverTLSBootstrap: true\nseccompDefault: true\npodPidsLimit: 10\ntlsCipherSuites: TLS_RSA_WITH_AES_128_GCM_SHA256\n"
        ));
        assert_eq!(rsa.len(), 1, "{rsa:?}");
        assert_eq!(rsa[0].severity, Severity::Medium);
        assert_eq!(rsa[0].location.start_line, 6);
    }

    #[test]
    fn key_files_follow_checkov_pairing() {
        let serving = |f: &[Finding]| {
            f.iter()
                .filter(|f| f.message.contains("CIS 4.2.9"))
                .map(|f| (f.location.start_line, f.message.clone()))
                .collect::<Vec<_>>()
        };
        let cert_only = serving(&run(&pod(&["--tls-cert-file=test.pem"])));
        assert_eq!(cert_only.len(), 1, "{cert_only:?}");
        assert_eq!(cert_only[0].0, 12);
        assert!(
            cert_only[0]
                .1
                .starts_with("`--tls-cert-file` is set without `--tls-private-key-file`")
        );
        let key_only = serving(&run(&pod(&["--tls-private-key-file=test.key"])));
        assert_eq!(key_only.len(), 1, "{key_only:?}");
        assert!(
            key_only[0]
                .1
                .starts_with("`--tls-private-key-file` is set without `--tls-cert-file`")
        );
        let both = run(&pod(&[
            "--tls-cert-file=test.pem",
            "--tls-private-key-file=test.key",
        ]));
        assert!(serving(&both).is_empty());
        let bootstrap = run(&pod(&["--rotate-server-certificates"]));
        assert!(serving(&bootstrap).is_empty());
    }

    #[test]
    fn config_flag_means_unset_settings_are_not_judged() {
        let f = run(&pod(&["--config=/var/lib/kubelet/config.yaml"]));
        assert!(f.is_empty(), "{f:?}");
        // Explicit bad values are still reported.
        let f = run(&pod(&[
            "--config=/var/lib/kubelet/config.yaml",
            "--pod-max-pids=-1",
            "--seccomp-default=false",
        ]));
        assert_eq!(lines(&f), vec![13, 14]);
    }

    #[test]
    fn bare_flag_pod_reports_missing_settings_at_the_command() {
        let f = run(&pod(&[]));
        assert_eq!(f.len(), 4, "{f:?}");
        assert_eq!(lines(&f), vec![11, 11, 11, 11]);
        assert_eq!(with(&f, "no serving certificate (`--tls-cert-file` and `--tls-private-key-file` unset, `--rotate-server-certificates` not true)").len(), 1);
    }

    #[test]
    fn malformed_values_are_skipped() {
        let garbage = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nserverTLSBootstrap: [true]\ntlsCertFile: {a: b}\ntlsCipherSuites: {x: y}\nseccompDefault: [yes]\npodPidsLimit: lots\neventRecordQPS: [1]\n";
        let f = run(garbage);
        assert!(f.is_empty(), "{f:?}");
        let items = format!(
            "{CONFIG}serverTLSBootstrap: true\nseccompDefault: maybe\npodPidsLimit: ''\ntlsCipherSuites: [1, {{a: b}}, []]\n"
        );
        let f = run(&items);
        assert!(f.is_empty(), "{f:?}");
        // Lists where maps are expected: no kubelet object, no finding.
        assert!(run("- kind: KubeletConfiguration\n- podPidsLimit: -1\n").is_empty());
        assert!(run("apiVersion: v1\nkind: Pod\nmetadata: {name: k}\nspec:\n  containers: {kubelet: x}\n").is_empty());
    }
}
