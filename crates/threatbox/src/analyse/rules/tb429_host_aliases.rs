//! TB429 `host-aliases`: the manifest writes static entries into the
//! container's `/etc/hosts` (Kubernetes `hostAliases`, compose
//! `extra_hosts`, docker `--add-host`).

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::container_support::workload_subject;
use crate::model::runtime::{HostAlias, Platform, Workload};

pub struct HostAliases;

pub static META: RuleMeta = RuleMeta {
    code: "TB429",
    slug: "host-aliases",
    title: "Name resolution overridden in /etc/hosts",
    severity: Severity::Low,
    stride: &[Stride::Spoofing, Stride::Tampering],
    cwe: &[706],
    stage: LifecycleStage::Runtime,
    cis: &[],
    peers: &["HostAliases", "KSV-0007"],
    remediation: "Resolve names through DNS: a Service (or an ExternalName Service) in Kubernetes, a compose network alias or a DNS record, instead of pinning addresses in `hostAliases` / `extra_hosts`. When an entry is unavoidable, keep it in one reviewed place and document why.",
    docs: r#"
**What it detects.** A Kubernetes pod spec with `hostAliases`, a compose
service with `extra_hosts` (list `host:ip` / `host=ip`, or a mapping) or a
docker container with `HostConfig.ExtraHosts` (`--add-host`). One finding
per entry, at its line, naming the host names and the address. Compose and
docker's special address `host-gateway` is called out: the name then
reaches the host machine itself (its address on the container network), so
a service bound to the host's interfaces becomes reachable by that name.
Entries without an address or without a host name change nothing and are
not reported.

**Why it is a threat.** These entries override name resolution for the
container: whatever address the manifest writes wins over DNS, silently and
for every library in the container. Changing one line redirects a
dependency (a database, a package mirror, an identity provider) to another
machine without any DNS change to review or log, so it is a quiet spoofing
and tampering lever for whoever can edit the manifest; a stale entry keeps
sending traffic to an address that may since belong to someone else; and
network or egress policy written in terms of DNS names no longer describes
where the container really connects (STRIDE: Spoofing, Tampering). The CWE
is CWE-706 (Use of Incorrectly-Resolved Name or Reference, a Class): the
container reaches a resource by name, and the name resolves to whatever the
manifest says rather than to the authority that owns the name. Low
severity: the entry is often a legitimate workaround, and it takes write
access to the manifest to abuse it.

**Example.**
```yaml
spec:
  hostAliases:
    - ip: "10.1.2.3"
      hostnames: ["db.internal", "db"]
```
```yaml
services:
  app:
    extra_hosts:
      - "host.docker.internal:host-gateway"
      - "api.example.com=203.0.113.7"
```

**Fix.** Give the dependency a real name: a Kubernetes Service (an
`ExternalName` Service for an outside host), a compose network alias, or a
DNS record, and delete the static entry:
```yaml
apiVersion: v1
kind: Service
metadata: { name: db }
spec:
  type: ExternalName
  externalName: db.internal.example.com
```
"#,
};

/// `` `a`, `b` `` for the message.
fn names(alias: &HostAlias) -> String {
    alias
        .hostnames
        .iter()
        .map(|h| format!("`{h}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Rule for HostAliases {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_workload(&self, workload: &Workload, _ctx: &RuleContext<'_>, sink: &mut Sink) {
        for alias in &workload.host_aliases {
            let effect = if alias.ip == "host-gateway" && workload.platform != Platform::Kubernetes
            {
                "the name reaches the host machine itself, bypassing DNS"
            } else {
                "name resolution bypasses DNS and one edit silently redirects the dependency"
            };
            sink.push(Finding::new(
                &META,
                alias.location.clone(),
                format!(
                    "{} pins {} to `{}` in /etc/hosts: {effect}",
                    workload_subject(workload),
                    names(alias),
                    alias.ip
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check_file, lines};

    const POD: &str = "\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  hostAliases:
  - ip: \"10.1.2.3\"
    hostnames: [\"db.internal\", \"db\"]
  - ip: 127.0.0.1
    hostnames:
    - foo.local
  containers:
  - name: a
    image: nginx
";

    #[test]
    fn kubernetes_host_aliases_each_entry_at_its_line() {
        let f = check_file(&HostAliases, "pod.yaml", POD);
        assert_eq!(lines(&f), vec![6, 8]);
        assert_eq!(
            f[0].message,
            "Pod `p` pins `db.internal`, `db` to `10.1.2.3` in /etc/hosts: name resolution bypasses DNS and one edit silently redirects the dependency"
        );
        assert!(f[1].message.contains("`foo.local` to `127.0.0.1`"));
        assert!(f.iter().all(|f| f.severity == Severity::Low));
    }

    #[test]
    fn compose_extra_hosts_list_and_map_forms() {
        let list = "services:\n  app:\n    image: nginx\n    extra_hosts:\n      - \"somehost:162.242.195.82\"\n      - \"myhostv6:::1\"\n      - \"api.example.com=203.0.113.7\"\n      - \"host.docker.internal:host-gateway\"\n";
        let f = check_file(&HostAliases, "compose.yaml", list);
        assert_eq!(lines(&f), vec![5, 6, 7, 8]);
        assert!(f[0].message.contains("`somehost` to `162.242.195.82`"));
        assert!(
            f[1].message.contains("`myhostv6` to `::1`"),
            "{}",
            f[1].message
        );
        assert!(f[2].message.contains("`api.example.com` to `203.0.113.7`"));
        assert!(
            f[3].message.ends_with(
                "`host.docker.internal` to `host-gateway` in /etc/hosts: the name reaches the host machine itself, bypassing DNS"
            ),
            "{}",
            f[3].message
        );
        let map = "services:\n  app:\n    image: nginx\n    extra_hosts:\n      somehost: 162.242.195.82\n      multi:\n        - 10.0.0.1\n        - \"[::1]\"\n";
        let f = check_file(&HostAliases, "compose.yaml", map);
        assert_eq!(lines(&f), vec![5, 7, 8]);
        assert!(f[0].message.starts_with("service `app` pins `somehost`"));
        assert!(
            f[2].message.contains("`multi` to `::1`"),
            "{}",
            f[2].message
        );
    }

    #[test]
    fn docker_extra_hosts() {
        let inspect = "[{\"Name\": \"/web\",\n\"HostConfig\": {\n\"ExtraHosts\": [\n\"db:10.0.0.5\",\n\"gw:host-gateway\"]},\n\"Config\": {}}]";
        let f = check_file(&HostAliases, "inspect.json", inspect);
        assert_eq!(lines(&f), vec![4, 5]);
        assert!(
            f[0].message
                .starts_with("container `web` pins `db` to `10.0.0.5`")
        );
        assert!(f[1].message.contains("reaches the host machine itself"));
    }

    #[test]
    fn no_aliases_no_finding() {
        let pod = POD.replace("  hostAliases:\n", "  hostAliases: []\n  x:\n");
        assert!(check_file(&HostAliases, "pod.yaml", &pod).is_empty());
        let compose = "services:\n  app:\n    image: nginx\n    extra_hosts: []\n";
        assert!(check_file(&HostAliases, "compose.yaml", compose).is_empty());
        let inspect =
            "[{\"Name\": \"/web\", \"HostConfig\": {\"ExtraHosts\": null}, \"Config\": {}}]";
        assert!(check_file(&HostAliases, "inspect.json", inspect).is_empty());
    }

    #[test]
    fn malformed_entries_give_no_findings_and_do_not_panic() {
        for spec in [
            "hostAliases: {ip: 10.0.0.1}",
            "hostAliases: \"10.0.0.1 db\"",
            "hostAliases: [\"10.0.0.1 db\", 7, null]",
            "hostAliases: [{ip: 10.0.0.1}]",
            "hostAliases: [{ip: 10.0.0.1, hostnames: []}]",
            "hostAliases: [{ip: 10.0.0.1, hostnames: db}]",
            "hostAliases: [{ip: [1, 2], hostnames: [db]}]",
            "hostAliases: [{ip: \"\", hostnames: [db]}]",
            "hostAliases: [{hostnames: [db]}]",
            "hostAliases: [{ip: 10.0.0.1, hostnames: [{a: b}, [], \"\"]}]",
        ] {
            let text = format!(
                "apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  {spec}\n  containers: [{{name: a, image: nginx}}]\n"
            );
            assert!(
                check_file(&HostAliases, "pod.yaml", &text).is_empty(),
                "{spec}"
            );
        }
        for hosts in [
            "extra_hosts: \"db:10.0.0.1\"",
            "extra_hosts: [\"db\", \":10.0.0.1\", \"db:\", \"=\", 7, {a: b}, null]",
            "extra_hosts: {db: null, \"\": 10.0.0.1, x: {a: b}, y: []}",
            "extra_hosts: 12",
        ] {
            let text = format!("services:\n  app:\n    image: nginx\n    {hosts}\n");
            let f = check_file(&HostAliases, "compose.yaml", &text);
            // `7` is read as a string `7` with no `:`: not an entry.
            assert!(f.is_empty(), "{hosts}: {f:?}");
        }
    }
}
