//! TB641 `daemon-deprecated-storage-settings`: the docker daemon uses a
//! removed storage driver (`aufs`, `overlay`, `devicemapper`) or changes
//! the devicemapper base device size (`dm.basesize`).

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};

pub struct DaemonDeprecatedStorageSettings;

pub static META: RuleMeta = RuleMeta {
    code: "TB641",
    slug: "daemon-deprecated-storage-settings",
    title: "Docker daemon uses a deprecated storage driver or base device size",
    severity: Severity::Low,
    stride: &[Stride::DenialOfService, Stride::ElevationOfPrivilege],
    cwe: &[1104, 770],
    stage: LifecycleStage::Host,
    cis: &["CIS-Docker-2.6", "CIS-Docker-2.11"],
    peers: &[],
    remediation: "Remove `storage-driver` (Docker picks `overlay2`) or set `\"storage-driver\": \"overlay2\"`, migrating images and volumes first; remove `dm.basesize` from `storage-opts`.",
    docs: r#"
**What it detects.** In `daemon.json`:
- `storage-driver` `aufs` (CIS 2.6), or the other drivers Docker deprecated
  and has since removed, `overlay` (the first overlay driver) and
  `devicemapper`;
- a `storage-opts` entry `dm.basesize=…` (CIS 2.11), at that entry.

**Why it is a threat.** `aufs` is not in the mainline kernel and has had
privilege-escalation and crash bugs that distribution kernels patched
late; `overlay` and `devicemapper` are unmaintained in Docker and gone
from current engines, so the host stays on an old engine to keep them
(STRIDE: Elevation of privilege, Denial of service). `dm.basesize`
changes the size of every container's root device: raised, one container
fills the thin pool the others share; it can only grow, never shrink back,
without recreating the pool (Denial of service).

**Example.**
```json
{"storage-driver": "aufs", "storage-opts": ["dm.basesize=50G"]}
```

**Fix.**
```json
{"storage-driver": "overlay2"}
```
"#,
};

/// Why a storage driver should not be used, if it should not.
fn deprecated_driver(driver: &str) -> Option<&'static str> {
    match driver.trim().to_ascii_lowercase().as_str() {
        "aufs" => Some(
            "`aufs` is not in the mainline kernel, has had privilege-escalation bugs and was removed from Docker (CIS Docker 2.6)",
        ),
        "overlay" => Some(
            "the first `overlay` driver was deprecated and removed from Docker; `overlay2` replaces it",
        ),
        "devicemapper" => {
            Some("`devicemapper` was deprecated and removed from Docker; `overlay2` replaces it")
        }
        _ => None,
    }
}

impl Rule for DaemonDeprecatedStorageSettings {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        for daemon in &ctx.system.daemons {
            if let Some(driver) = daemon.storage_driver()
                && let Some(why) = deprecated_driver(&driver.value)
            {
                sink.push(Finding::new(
                    &META,
                    driver.location,
                    format!("`storage-driver` is `{}`: {why}", driver.value.trim()),
                ));
            }
            let opts = daemon
                .node
                .get("storage-opts")
                .and_then(|n| n.as_seq())
                .unwrap_or(&[]);
            for opt in opts {
                let Some(text) = opt.as_str() else { continue };
                let name = text.split('=').next().unwrap_or("").trim();
                if name.eq_ignore_ascii_case("dm.basesize") {
                    sink.push(Finding::new(
                        &META,
                        daemon.source.location(&opt.span),
                        format!("`storage-opts` sets `{}`: the base device size of every container changes, and one container can fill the pool the others share (CIS Docker 2.11)", text.trim()),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check_file, lines};

    fn run(json: &str) -> Vec<Finding> {
        check_file(&DaemonDeprecatedStorageSettings, "daemon.json", json)
    }

    #[test]
    fn aufs_and_basesize_are_reported_at_their_lines() {
        let f = run(
            "{\n  \"storage-driver\": \"aufs\",\n  \"storage-opts\": [\n    \"dm.thinpooldev=/dev/mapper/thin\",\n    \"dm.basesize=50G\"\n  ]\n}",
        );
        assert_eq!(lines(&f), [2, 5]);
        assert!(f[0].message.contains("CIS Docker 2.6"), "{}", f[0].message);
        assert!(
            f[1].message.contains("`dm.basesize=50G`"),
            "{}",
            f[1].message
        );
        assert!(f.iter().all(|f| f.severity == Severity::Low));
    }

    #[test]
    fn other_removed_drivers_are_reported() {
        for driver in ["overlay", "devicemapper", "AUFS"] {
            let f = run(&format!("{{\n  \"storage-driver\": \"{driver}\"\n}}"));
            assert_eq!(lines(&f), [2], "{driver}");
        }
    }

    #[test]
    fn current_drivers_and_other_options_are_not_reported() {
        for json in [
            "{\"storage-driver\": \"overlay2\"}",
            "{\"storage-driver\": \"btrfs\", \"storage-opts\": [\"btrfs.min_space=10G\"]}",
            "{\"storage-opts\": [\"overlay2.size=20G\"]}",
            "{\"icc\": false}",
        ] {
            assert!(run(json).is_empty(), "{json}");
        }
    }

    #[test]
    fn wrong_types_give_no_finding() {
        for json in [
            "{\"storage-driver\": [\"aufs\"]}",
            "{\"storage-driver\": {\"name\": \"aufs\"}, \"storage-opts\": \"dm.basesize=10G\"}",
            "{\"storage-opts\": [1, null, {\"dm.basesize\": \"10G\"}, [\"dm.basesize=1G\"]]}",
            "{\"storage-driver\": null, \"storage-opts\": null}",
            "{\"storage-driver\": \"\", \"storage-opts\": [\"\"]}",
        ] {
            assert!(run(json).is_empty(), "{json}");
        }
    }
}
