//! TB631 `daemon-insecure-registries`: docker daemon trusts insecure registries (`daemon.json`).

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::cluster::{daemon_key, daemon_location};

pub struct DaemonInsecureRegistries;

pub static META: RuleMeta = RuleMeta {
    code: "TB631",
    slug: "daemon-insecure-registries",
    title: "Docker daemon trusts insecure registries",
    severity: Severity::High,
    stride: &[
        Stride::Tampering,
        Stride::Spoofing,
        Stride::InformationDisclosure,
    ],
    cwe: &[319, 295],
    stage: LifecycleStage::Host,
    cis: &["CIS-Docker-2.5"],
    peers: &[],
    remediation: "Remove `insecure-registries` and give each private registry a certificate the daemon trusts (`/etc/docker/certs.d/<registry>/ca.crt`).",
    docs: r#"
**What it detects.** Each entry of `insecure-registries` in `daemon.json`.

**Why it is a threat.** The daemon pulls from and pushes to these registries over plain HTTP or with unverified certificates: anyone on the path can serve a tampered image that then runs on the host, or read pushed images and credentials (STRIDE: Tampering, Spoofing, Information disclosure). The seed's advice is to lock down the registry.

**Example.**
```json
{"insecure-registries": ["registry.local:5000"]}
```

**Fix.**
```json
{"insecure-registries": []}
```
"#,
};

impl Rule for DaemonInsecureRegistries {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        for daemon in &ctx.system.daemons {
            let entries = daemon_key(daemon, "insecure-registries")
                .and_then(|n| n.as_seq())
                .unwrap_or(&[]);
            for entry in entries {
                let name = entry.as_str().unwrap_or("?");
                sink.push(Finding::new(
                    &META,
                    daemon_location(daemon, Some(entry)),
                    format!("insecure registry `{name}`: images are pulled without verified TLS (CIS Docker 2.5)"),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check_file, lines};

    fn run(json: &str) -> Vec<crate::analyse::finding::Finding> {
        check_file(&DaemonInsecureRegistries, "daemon.json", json)
    }

    #[test]
    fn reports_insecure_settings_at_their_line() {
        assert_eq!(
            lines(&run(
                "{\n  \"insecure-registries\": [\n    \"10.0.0.5:5000\",\n    \"registry.local\"\n  ]\n}"
            )),
            Vec::<usize>::from([3, 4]),
            "case 0"
        );
        assert_eq!(
            lines(&run("{\n  \"insecure-registries\": []\n}")),
            Vec::<usize>::from([]),
            "case 1"
        );
    }
}
