//! TB636 `daemon-tcp-without-tls`: docker daemon listens on TCP without TLS client verification (`daemon.json`).

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::cluster::{daemon_key, daemon_location};

pub struct DaemonTcpWithoutTls;

pub static META: RuleMeta = RuleMeta {
    code: "TB636",
    slug: "daemon-tcp-without-tls",
    title: "Docker daemon listens on TCP without TLS client verification",
    severity: Severity::Critical,
    stride: &[
        Stride::Spoofing,
        Stride::ElevationOfPrivilege,
        Stride::InformationDisclosure,
        Stride::Tampering,
    ],
    cwe: &[306, 319],
    stage: LifecycleStage::Host,
    cis: &["CIS-Docker-2.7"],
    peers: &[],
    remediation: "Listen on the Unix socket only, or set `tlsverify: true` with `tlscacert`, `tlscert` and `tlskey` so that only clients with a certificate from your CA connect.",
    docs: r#"
**What it detects.** A `hosts` entry `tcp://…` in `daemon.json` while `tlsverify` is not true (with `tls: true` alone the traffic is encrypted but any client is accepted: still reported).

**Why it is a threat.** The Docker API is root on the host: whoever reaches the port starts a privileged container with the host's root filesystem mounted. Without client certificates anyone on the network can (STRIDE: Spoofing, Elevation of privilege), and without TLS the traffic can be read and altered (Information disclosure, Tampering).

**Example.**
```json
{"hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"]}
```

**Fix.**
```json
{"hosts": ["tcp://0.0.0.0:2376"], "tlsverify": true, "tlscacert": "/etc/docker/ca.pem", "tlscert": "/etc/docker/server.pem", "tlskey": "/etc/docker/server-key.pem"}
```
"#,
};

impl Rule for DaemonTcpWithoutTls {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        for daemon in &ctx.system.daemons {
            let verified = daemon_key(daemon, "tlsverify").and_then(|n| n.as_bool()) == Some(true);
            if verified {
                continue;
            }
            let tls = daemon_key(daemon, "tls").and_then(|n| n.as_bool()) == Some(true);
            let hosts = daemon_key(daemon, "hosts")
                .and_then(|n| n.as_seq())
                .unwrap_or(&[]);
            for host in hosts {
                let Some(address) = host.as_str() else {
                    continue;
                };
                if !address.starts_with("tcp://") {
                    continue;
                }
                let how = if tls {
                    "TLS without client verification (`tlsverify` not true)"
                } else {
                    "no TLS"
                };
                sink.push(Finding::new(
                    &META,
                    daemon_location(daemon, Some(host)),
                    format!("the Docker API listens on `{address}` with {how}: whoever connects is root on the host (CIS Docker 2.7)"),
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
        check_file(&DaemonTcpWithoutTls, "daemon.json", json)
    }

    #[test]
    fn reports_insecure_settings_at_their_line() {
        assert_eq!(
            lines(&run(
                "{\n  \"hosts\": [\n    \"unix:///var/run/docker.sock\",\n    \"tcp://0.0.0.0:2375\"\n  ]\n}"
            )),
            Vec::<usize>::from([4]),
            "case 0"
        );
        assert_eq!(
            lines(&run(
                "{\"hosts\": [\"tcp://0.0.0.0:2376\"], \"tlsverify\": true}"
            )),
            Vec::<usize>::from([]),
            "case 1"
        );
    }
}
