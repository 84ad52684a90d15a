//! TB214 `image-setuid-binaries`: setuid/setgid files in a built image
//! beyond the usual ones of a base distribution.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::model::image_archive::ImageArchive;

pub struct ImageSetuidBinaries;

pub static META: RuleMeta = RuleMeta {
    code: "TB214",
    slug: "image-setuid-binaries",
    title: "Unusual setuid/setgid binaries in a built image",
    severity: Severity::Medium,
    stride: &[Stride::ElevationOfPrivilege],
    cwe: &[250],
    stage: LifecycleStage::Image,
    cis: &["CIS-Docker-4.8"],
    peers: &["CIS-DI-0008"],
    remediation: "Remove the setuid/setgid bit where the program does not need it (`RUN chmod u-s,g-s /path`) or remove the program; run containers with `no-new-privileges` (`allowPrivilegeEscalation: false`) so that no setuid bit takes effect.",
    docs: r#"
**What it detects.** Files in the final file system of an image read from an
archive whose mode has the setuid (`4000`) or setgid (`2000`) bit, other than
the usual account tools of base distributions (`passwd`, `su`, `chsh`, `chfn`,
`gpasswd`, `newgrp`, `mount`, `umount`, `chage`, `expiry`, `wall`,
`unix_chkpwd`, `ping`, busybox's `bbsuid`). `sudo` and `pkexec` are always
reported.

**Why it is a threat.** A setuid-root program runs as root whatever user
starts it: one bug in it (pkexec's CVE-2021-4034, sudo's CVE-2021-3156) turns
a compromised unprivileged process into root inside the container (STRIDE:
Elevation of privilege), one step from a container escape.

**Example.** `-rwsr-xr-x root root /usr/local/bin/helper`.

**Fix.**
```dockerfile
RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} + || true
```
"#,
};

/// Setuid/setgid programs every Debian, Ubuntu, RHEL or Alpine base ships.
const USUAL: &[&str] = &[
    "passwd",
    "su",
    "chsh",
    "chfn",
    "gpasswd",
    "newgrp",
    "mount",
    "umount",
    "chage",
    "expiry",
    "wall",
    "unix_chkpwd",
    "ping",
    "ping6",
    "bbsuid",
    "write",
    "ssh-agent",
    "crontab",
    "newuidmap",
    "newgidmap",
];

impl Rule for ImageSetuidBinaries {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image_archive(&self, archive: &ImageArchive, _ctx: &RuleContext<'_>, sink: &mut Sink) {
        let mut found = Vec::new();
        for (_, e) in archive.final_files() {
            if !(e.is_setuid() || e.is_setgid()) {
                continue;
            }
            let base = e.path.rsplit('/').next().unwrap_or(&e.path);
            if USUAL.contains(&base) {
                continue;
            }
            let bits = match (e.is_setuid(), e.is_setgid()) {
                (true, true) => "setuid+setgid",
                (true, false) => "setuid",
                _ => "setgid",
            };
            let owner = if e.uid == 0 { " root" } else { "" };
            found.push(format!("`/{}` ({bits}{owner}, mode {:o})", e.path, e.mode));
        }
        if found.is_empty() {
            return;
        }
        let n = found.len();
        let shown: Vec<String> = found.into_iter().take(10).collect();
        let more = if n > 10 {
            format!(" and {} more", n - 10)
        } else {
            String::new()
        };
        sink.push(Finding::new(
            &META,
            archive.location(),
            format!(
                "image {} has {n} unusual setuid/setgid file{}: {}{more}",
                archive.display_name(),
                if n == 1 { "" } else { "s" },
                shown.join(", ")
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::check_archive;
    use crate::parse::image::testing::{E, TestImage, read_image};

    #[test]
    fn flags_unusual_setuid_files_in_the_final_tree_only() {
        let img = TestImage::new("api:1")
            .layer(
                "ADD base",
                &[
                    E::File("usr/bin/passwd", 0o4755, vec![]),
                    E::File("usr/bin/sudo", 0o4755, vec![]),
                    E::File("usr/bin/wall", 0o2755, vec![]),
                    E::File("usr/local/bin/helper", 0o6755, vec![]),
                    E::File("usr/local/bin/gone", 0o4755, vec![]),
                    E::File("usr/bin/plain", 0o755, vec![]),
                ],
            )
            .layer("RUN rm gone", &[E::Whiteout("usr/local/bin/gone")]);
        let f = check_archive(&ImageSetuidBinaries, &read_image(&img));
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].message,
            "image api:1 has 2 unusual setuid/setgid files: `/usr/bin/sudo` (setuid root, mode 4755), `/usr/local/bin/helper` (setuid+setgid root, mode 6755)"
        );
    }

    #[test]
    fn usual_base_tools_are_fine() {
        let img = TestImage::new("api:1").layer(
            "ADD base",
            &[
                E::File("bin/su", 0o4755, vec![]),
                E::File("sbin/unix_chkpwd", 0o2755, vec![]),
            ],
        );
        assert!(check_archive(&ImageSetuidBinaries, &read_image(&img)).is_empty());
    }
}
