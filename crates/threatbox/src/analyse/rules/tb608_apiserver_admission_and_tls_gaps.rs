//! TB608 `apiserver-admission-and-tls-gaps`: admission plugins the CIS
//! benchmark asks for that no other rule checks (AlwaysPullImages,
//! EventRateLimit, DenyServiceExternalIPs) and the API server's TLS cipher
//! suites.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::cluster::{components, flag_finding};
use crate::analyse::rules::tls_suites::{self, Suite};
use crate::model::control_plane::{Component, ComponentKind};
use crate::model::kubernetes::KubeObject;
use crate::parse::yaml::Node;

pub struct ApiserverAdmissionAndTlsGaps;

pub static META: RuleMeta = RuleMeta {
    code: "TB608",
    slug: "apiserver-admission-and-tls-gaps",
    title: "API server lacks a protective admission plugin or strong TLS cipher suites",
    severity: Severity::Low,
    stride: &[
        Stride::Tampering,
        Stride::InformationDisclosure,
        Stride::DenialOfService,
        Stride::ElevationOfPrivilege,
    ],
    cwe: &[862, 770, 923, 327],
    stage: LifecycleStage::Host,
    cis: &[
        "CIS-Kubernetes-1.2.3",
        "CIS-Kubernetes-1.2.9",
        "CIS-Kubernetes-1.2.11",
        "CIS-Kubernetes-1.2.29",
    ],
    peers: &[
        "CKV_K8S_78",
        "CKV_K8S_80",
        "CKV_K8S_105",
        "KCV-0003",
        "KCV-0010",
        "KCV-0012",
        "C-0115",
        "C-0121",
        "C-0123",
        "C-0143",
        "C-0277",
        "C-0283",
    ],
    remediation: "Add `AlwaysPullImages,EventRateLimit,DenyServiceExternalIPs` to `--enable-admission-plugins` (EventRateLimit with its limits in the `--admission-control-config-file`), and set `--tls-cipher-suites` to ECDHE suites with AES-GCM or ChaCha20-Poly1305.",
    docs: r#"
**What it detects.** One finding per gap of a kube-apiserver:
- `AlwaysPullImages` (1.2.11), `EventRateLimit` (1.2.9) or
  `DenyServiceExternalIPs` (1.2.3) not enabled. The default plugin set has
  none of the three, so a missing `--enable-admission-plugins` (or legacy
  `--admission-control`) counts as lacking all of them; a plugin named in
  `--disable-admission-plugins` counts as lacking it. Reported at the flag
  when written, else at the command. Low.
- `EventRateLimit` enabled without `--admission-control-config-file`, where
  its limits are set. Low.
- An `AdmissionConfiguration` file whose `plugins` do not configure
  `EventRateLimit` (as Checkov's CKV_K8S_78 reads it), unless an API server
  already reported for not enabling the plugin names a file of that name in
  its `--admission-control-config-file` (the same gap). Low.
- `--tls-cipher-suites` not set (Go's default list still offers CBC-mode
  suites): low; set with weak suites (RC4, 3DES, CBC mode, or RSA key
  exchange without forward secrecy, `TLS_RSA_WITH_*`): medium, naming them;
  set with a name that is not a cipher suite Go knows (the API server
  refuses to start): low (1.2.29).

**Why it is a threat.** Without AlwaysPullImages a pod on a node shared by
tenants can run a private image another tenant pulled, without having its
pull credentials (Elevation of privilege, Information disclosure). Without
EventRateLimit a client can flood the API server and etcd with events
(Denial of service). Without DenyServiceExternalIPs anyone who may create a
Service can set `externalIPs` and intercept the cluster's traffic to those
addresses (CVE-2020-8554; TB523 reports such Services) (Tampering). Weak
cipher suites let a network attacker downgrade or decrypt connections to the
API server (Information disclosure).

**Example.**
```yaml
- --enable-admission-plugins=NodeRestriction
- --tls-cipher-suites=TLS_RSA_WITH_AES_128_CBC_SHA
```

**Fix.** `--enable-admission-plugins=NodeRestriction,AlwaysPullImages,EventRateLimit,DenyServiceExternalIPs`
with `--admission-control-config-file` pointing at an `AdmissionConfiguration`
that configures EventRateLimit, and for example
`--tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256`.
"#,
};

/// The plugins kube-apiserver checks, with the benchmark item and what their
/// absence allows.
const PLUGINS: &[(&str, &str, &str)] = &[
    (
        "AlwaysPullImages",
        "1.2.11",
        "on a node shared by tenants a pod can run a private image another tenant pulled, without its pull credentials",
    ),
    (
        "EventRateLimit",
        "1.2.9",
        "a flood of events can exhaust the API server and etcd",
    ),
    (
        "DenyServiceExternalIPs",
        "1.2.3",
        "anyone who may create a Service can set `externalIPs` and intercept the cluster's traffic to those addresses (CVE-2020-8554)",
    ),
];

/// One gap: the flag to locate it at, the CIS item, the message, the severity.
type Gap = (&'static str, &'static str, String, Severity);

fn admission_gaps(api: &Component) -> Vec<Gap> {
    let mut out = Vec::new();
    // `--admission-control` is the pre-1.10 spelling; it replaced the default
    // set, as `--enable-admission-plugins` adds to it.
    let mut enabled = api.list("enable-admission-plugins");
    enabled.extend(api.list("admission-control"));
    let disabled = api.list("disable-admission-plugins");
    let enable_flag = if api.flag("enable-admission-plugins").is_none()
        && api.flag("admission-control").is_some()
    {
        "admission-control"
    } else {
        "enable-admission-plugins"
    };
    for &(plugin, cis, why) in PLUGINS {
        if disabled.contains(&plugin) {
            out.push((
                "disable-admission-plugins",
                cis,
                format!("admission plugin {plugin} is disabled: {why}"),
                Severity::Low,
            ));
        } else if !enabled.contains(&plugin) {
            out.push((
                enable_flag,
                cis,
                format!("admission plugin {plugin} is not enabled: {why}"),
                Severity::Low,
            ));
        } else if plugin == "EventRateLimit"
            && api
                .flag("admission-control-config-file")
                .is_none_or(|f| f.text().is_empty())
        {
            out.push((
                enable_flag,
                cis,
                "admission plugin EventRateLimit is enabled without `--admission-control-config-file`: its limits are not configured".into(),
                Severity::Low,
            ));
        }
    }
    out
}

fn cipher_gaps(api: &Component) -> Vec<Gap> {
    // A bare `--tls-cipher-suites` (no value) names nothing; `list` would
    // read it as `true`.
    let suites: Vec<&str> = api
        .flag("tls-cipher-suites")
        .and_then(|f| f.value.as_deref())
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if suites.is_empty() {
        return vec![(
            "tls-cipher-suites",
            "1.2.29",
            "`--tls-cipher-suites` is not set: Go's default list still offers CBC-mode suites"
                .into(),
            Severity::Low,
        )];
    }
    let mut out = Vec::new();
    let of = |class: Suite| -> Vec<&str> {
        suites
            .iter()
            .copied()
            .filter(|s| tls_suites::classify(s) == class)
            .collect()
    };
    let (weak, unknown) = (of(Suite::Weak), of(Suite::Unknown));
    if !weak.is_empty() {
        out.push((
            "tls-cipher-suites",
            "1.2.29",
            format!(
                "`--tls-cipher-suites` allows weak suites (RC4, 3DES, CBC mode or RSA key exchange without forward secrecy): {}",
                weak.join(", ")
            ),
            Severity::Medium,
        ));
    }
    if !unknown.is_empty() {
        out.push((
            "tls-cipher-suites",
            "1.2.29",
            format!(
                "`--tls-cipher-suites` names suites Go does not know, so the API server refuses to start: {}",
                unknown.join(", ")
            ),
            Severity::Low,
        ));
    }
    out
}

/// The last segment of a path, to match a flag's path on the node with a
/// scanned file.
fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// Whether an `AdmissionConfiguration` configures EventRateLimit; `None`
/// when its `plugins` is not a list (nothing to judge).
fn configures_event_rate_limit(object: &KubeObject) -> Option<bool> {
    let Some(plugins) = object.node.get("plugins") else {
        return Some(false);
    };
    let list = plugins.as_seq()?;
    Some(
        list.iter()
            .any(|p| p.get("name").and_then(Node::as_str) == Some("EventRateLimit")),
    )
}

impl Rule for ApiserverAdmissionAndTlsGaps {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        // File names of the admission configurations of API servers already
        // reported for not enabling EventRateLimit: the same gap again.
        let mut covered: Vec<&str> = Vec::new();
        for api in components(ctx, ComponentKind::ApiServer) {
            for (flag, cis, message, severity) in
                admission_gaps(api).into_iter().chain(cipher_gaps(api))
            {
                if message.starts_with("admission plugin EventRateLimit is not enabled")
                    || message.starts_with("admission plugin EventRateLimit is disabled")
                {
                    covered.extend(
                        api.flag("admission-control-config-file")
                            .and_then(|f| f.value.as_deref())
                            .map(file_name),
                    );
                }
                sink.push(flag_finding(&META, api, flag, cis, message).with_severity(severity));
            }
        }
        for object in &ctx.system.kube_objects {
            if object.kind != "AdmissionConfiguration"
                || configures_event_rate_limit(object) != Some(false)
                || covered.contains(&file_name(&object.source.path))
            {
                continue;
            }
            let location = object
                .node
                .get("plugins")
                .map_or_else(|| object.location.clone(), |p| object.loc(p));
            let name = if object.name.is_empty() {
                String::new()
            } else {
                format!(" `{}`", object.name)
            };
            sink.push(Finding::new(
                &META,
                location,
                format!(
                    "AdmissionConfiguration{name} does not configure the EventRateLimit plugin: a flood of events can exhaust the API server and etcd (CIS 1.2.9)"
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check_system, lines};
    use crate::model::rbac::test_support::kube_system;

    const GOOD: &str = "    - --enable-admission-plugins=NodeRestriction,AlwaysPullImages,EventRateLimit,DenyServiceExternalIPs
    - --admission-control-config-file=/etc/kubernetes/admission.yaml
    - --tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,TLS_AES_128_GCM_SHA256
";

    fn pod(flags: &str) -> String {
        // The command starts at line 8, flags at line 9.
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: kube-apiserver}}\nspec:\n  containers:\n  - name: a\n    command:\n    - kube-apiserver\n{flags}"
        )
    }

    fn run(flags: &str) -> Vec<Finding> {
        check_system(
            &ApiserverAdmissionAndTlsGaps,
            &kube_system(&[("api.yaml", &pod(flags))]),
        )
    }

    fn severities(f: &[Finding]) -> Vec<Severity> {
        f.iter().map(|x| x.severity).collect()
    }

    const ADMISSION_CONFIG: &str = "apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
metadata:
  name: admission
plugins:
- name: ValidatingAdmissionWebhook
  configuration: {kubeConfigFile: /k}
";

    #[test]
    fn hardened_apiserver_passes() {
        let f = run(GOOD);
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn a_bare_apiserver_lacks_every_plugin_and_cipher_list_at_the_command() {
        let f = run("    - --secure-port=6443\n");
        assert_eq!(f.len(), 4, "{f:?}");
        assert_eq!(lines(&f), vec![8, 8, 8, 8]);
        assert!(f.iter().all(|x| x.severity == Severity::Low), "{f:?}");
        for needle in [
            "admission plugin AlwaysPullImages is not enabled",
            "admission plugin EventRateLimit is not enabled",
            "admission plugin DenyServiceExternalIPs is not enabled",
            "`--tls-cipher-suites` is not set",
        ] {
            assert!(
                f.iter().any(|x| x.message.contains(needle)),
                "{needle}: {f:?}"
            );
        }
        assert!(f.iter().any(|x| x.message.contains("CVE-2020-8554")));
        assert!(
            f.iter()
                .any(|x| x.message.ends_with("(kube-apiserver, CIS 1.2.11)"))
        );
    }

    #[test]
    fn plugins_missing_from_the_list_are_reported_at_the_flag() {
        let flags = GOOD.replace(
            "NodeRestriction,AlwaysPullImages,EventRateLimit,DenyServiceExternalIPs",
            "NodeRestriction,EventRateLimit",
        );
        let f = run(&flags);
        assert_eq!(lines(&f), vec![9, 9], "{f:?}");
        assert!(f[0].message.contains("AlwaysPullImages"), "{f:?}");
        assert!(f[1].message.contains("DenyServiceExternalIPs"), "{f:?}");
    }

    #[test]
    fn a_disabled_plugin_is_reported_at_the_disable_flag() {
        let f = run(&format!(
            "{GOOD}    - --disable-admission-plugins=AlwaysPullImages\n"
        ));
        assert_eq!(lines(&f), vec![12], "{f:?}");
        assert!(
            f[0].message
                .starts_with("admission plugin AlwaysPullImages is disabled:"),
            "{f:?}"
        );
    }

    #[test]
    fn the_legacy_admission_control_flag_counts() {
        let flags = GOOD.replace("--enable-admission-plugins=", "--admission-control=");
        assert!(run(&flags).is_empty());
        let flags = flags.replace(",DenyServiceExternalIPs", "");
        let f = run(&flags);
        assert_eq!(lines(&f), vec![9], "{f:?}");
        assert!(f[0].message.contains("DenyServiceExternalIPs"), "{f:?}");
    }

    #[test]
    fn event_rate_limit_without_its_config_file_is_reported() {
        let flags = GOOD.replace(
            "    - --admission-control-config-file=/etc/kubernetes/admission.yaml\n",
            "",
        );
        let f = run(&flags);
        assert_eq!(lines(&f), vec![9], "{f:?}");
        assert!(
            f[0].message
                .contains("EventRateLimit is enabled without `--admission-control-config-file`"),
            "{f:?}"
        );
    }

    #[test]
    fn weak_cipher_suites_are_named_at_medium() {
        let flags = GOOD.replace(
            "TLS_AES_128_GCM_SHA256",
            "TLS_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,TLS_ECDHE_RSA_WITH_RC4_128_SHA,TLS_RSA_WITH_3DES_EDE_CBC_SHA",
        );
        let f = run(&flags);
        assert_eq!(lines(&f), vec![11], "{f:?}");
        assert_eq!(severities(&f), vec![Severity::Medium]);
        assert!(
            f[0].message.ends_with(": TLS_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, TLS_ECDHE_RSA_WITH_RC4_128_SHA, TLS_RSA_WITH_3DES_EDE_CBC_SHA (kube-apiserver, CIS 1.2.29)"),
            "{f:?}"
        );
        // Strong suites are not named.
        assert!(!f[0].message.contains("ECDSA"), "{f:?}");
        assert!(!f[0].message.contains("CHACHA20"), "{f:?}");
    }

    #[test]
    fn unknown_cipher_suite_names_are_reported_apart() {
        let flags = GOOD.replace(
            "TLS_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_64_GCM_SHA256,tls_ecdhe_rsa_with_aes_128_gcm_sha256",
        );
        let f = run(&flags);
        assert_eq!(lines(&f), vec![11], "{f:?}");
        assert_eq!(severities(&f), vec![Severity::Low]);
        assert!(
            f[0].message.contains(
                "Go does not know, so the API server refuses to start: TLS_ECDHE_ECDSA_WITH_AES_64_GCM_SHA256, tls_ecdhe_rsa_with_aes_128_gcm_sha256"
            ),
            "{f:?}"
        );
    }

    #[test]
    fn an_empty_cipher_list_counts_as_unset() {
        let flags = GOOD.replace(
            "--tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,TLS_AES_128_GCM_SHA256",
            "--tls-cipher-suites=",
        );
        let f = run(&flags);
        assert_eq!(lines(&f), vec![11], "{f:?}");
        assert!(f[0].message.contains("is not set"), "{f:?}");
    }

    #[test]
    fn an_admission_configuration_without_event_rate_limit_is_reported() {
        let system = kube_system(&[("admission.yaml", ADMISSION_CONFIG)]);
        let f = check_system(&ApiserverAdmissionAndTlsGaps, &system);
        assert_eq!(lines(&f), vec![6], "{f:?}");
        assert_eq!(
            f[0].message,
            "AdmissionConfiguration `admission` does not configure the EventRateLimit plugin: a flood of events can exhaust the API server and etcd (CIS 1.2.9)"
        );
        let with = format!("{ADMISSION_CONFIG}- name: EventRateLimit\n  path: eventconfig.yaml\n");
        let system = kube_system(&[("admission.yaml", &with)]);
        assert!(check_system(&ApiserverAdmissionAndTlsGaps, &system).is_empty());
    }

    #[test]
    fn an_admission_configuration_is_not_reported_twice() {
        // The API server that reads this file already shows the gap: the
        // file adds nothing.
        let lacking = pod(
            "    - --enable-admission-plugins=AlwaysPullImages,DenyServiceExternalIPs\n    - --tls-cipher-suites=TLS_AES_128_GCM_SHA256\n    - --admission-control-config-file=/etc/kubernetes/admission.yaml\n",
        );
        let system = kube_system(&[
            ("api.yaml", &lacking),
            ("conf/admission.yaml", ADMISSION_CONFIG),
        ]);
        let f = check_system(&ApiserverAdmissionAndTlsGaps, &system);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(&*f[0].location.path, "api.yaml");
        // A file of another name is not that API server's: it is reported.
        let system = kube_system(&[("api.yaml", &lacking), ("other.yaml", ADMISSION_CONFIG)]);
        let f = check_system(&ApiserverAdmissionAndTlsGaps, &system);
        assert_eq!(f.len(), 2, "{f:?}");
        assert_eq!(&*f[0].location.path, "api.yaml");
        assert_eq!(&*f[1].location.path, "other.yaml");
        // An API server that enables it with a file that does not configure
        // it: the file is reported.
        let system = kube_system(&[
            ("api.yaml", &pod(GOOD)),
            ("admission.yaml", ADMISSION_CONFIG),
        ]);
        let f = check_system(&ApiserverAdmissionAndTlsGaps, &system);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(&*f[0].location.path, "admission.yaml");
    }

    #[test]
    fn malformed_values_do_not_panic_or_report_garbage() {
        // Non-string words and a map where a flag value belongs.
        let f = run(
            "    - 42\n    - {a: b}\n    - []\n    - --tls-cipher-suites\n    - {x: 1}\n    - --enable-admission-plugins=,,\n",
        );
        // Still a bare API server: the same four gaps, nothing more.
        assert_eq!(f.len(), 4, "{f:?}");
        // `plugins` that is not a list: nothing to judge.
        for plugins in [
            "plugins: {name: EventRateLimit}",
            "plugins: x",
            "plugins: [1, [], {name: 3}]",
        ] {
            let text = format!(
                "apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\n{plugins}\n"
            );
            let f = check_system(
                &ApiserverAdmissionAndTlsGaps,
                &kube_system(&[("a.yaml", &text)]),
            );
            let expected = usize::from(plugins.starts_with("plugins: ["));
            assert_eq!(f.len(), expected, "{plugins}: {f:?}");
        }
    }
}
