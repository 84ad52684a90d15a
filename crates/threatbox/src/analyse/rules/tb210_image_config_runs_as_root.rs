//! TB210 `image-config-runs-as-root`: a built image whose configuration
//! sets no user, or root.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::model::image_archive::ImageArchive;

pub struct ImageConfigRunsAsRoot;

pub static META: RuleMeta = RuleMeta {
    code: "TB210",
    slug: "image-config-runs-as-root",
    title: "Built image runs as root",
    severity: Severity::High,
    stride: &[Stride::ElevationOfPrivilege],
    cwe: &[250],
    stage: LifecycleStage::Image,
    cis: &["CIS-Docker-4.1"],
    peers: &["CIS-DI-0001", "DS-0002"],
    remediation: "Add a non-root user to the image and end the Dockerfile with `USER <uid>:<gid>` (numeric, so that `runAsNonRoot` can verify it), then rebuild; or set a non-root user where the container is run.",
    docs: r#"
**What it detects.** An image read from a `docker save` archive or an OCI
layout whose configuration `User` is empty (never set), `root`, `0` or
`0:0` — the user every container of the image runs as unless the
orchestrator overrides it. Unlike TB201 (which reads the Dockerfile), this is
what the image really ships, whatever Dockerfile built it.

**Why it is a threat.** A process running as root inside the container is
root on the host's kernel too: any container escape (a kernel bug, a runtime
bug, a mounted socket or host path) starts with full privileges, and inside
the container it can rewrite binaries and read every file (STRIDE: Elevation
of privilege).

**Example.** `docker inspect --format '{{.Config.User}}' api:1.0` prints
nothing.

**Fix.**
```dockerfile
RUN adduser --system --uid 10001 app
USER 10001:10001
```
"#,
};

impl Rule for ImageConfigRunsAsRoot {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image_archive(&self, archive: &ImageArchive, _ctx: &RuleContext<'_>, sink: &mut Sink) {
        if !archive.config.runs_as_root() {
            return;
        }
        let how = match archive.config.user.as_deref().map(str::trim) {
            None | Some("") => "sets no user: its containers run as root".to_string(),
            Some(u) => format!("sets `User: {u}`: its containers run as root"),
        };
        sink.push(Finding::new(
            &META,
            archive.location(),
            format!("image {} {how}", archive.display_name()),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::check_archive;
    use crate::model::image_archive::ImageConfig;

    fn with_user(user: Option<&str>) -> ImageArchive {
        ImageArchive {
            path: "api.tar".into(),
            repo_tags: vec!["api:1".into()],
            config: ImageConfig {
                user: user.map(str::to_string),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn flags_unset_empty_and_root_users() {
        for user in [None, Some(""), Some("root"), Some("0"), Some("0:0")] {
            let f = check_archive(&ImageConfigRunsAsRoot, &with_user(user));
            assert_eq!(f.len(), 1, "{user:?}");
            assert_eq!(&*f[0].location.path, "api.tar");
            assert!(f[0].message.starts_with("image api:1 sets"));
        }
    }

    #[test]
    fn ignores_non_root_users() {
        for user in ["app", "10001", "10001:0"] {
            assert!(check_archive(&ImageConfigRunsAsRoot, &with_user(Some(user))).is_empty());
        }
    }
}
