//! TB218 `image-history-exposes-build`: a built image's history shows
//! internal hosts and URLs or the build tool chain (the squash advice).

use std::sync::LazyLock;

use regex::Regex;

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::model::image_archive::ImageArchive;

pub struct ImageHistoryExposesBuild;

pub static META: RuleMeta = RuleMeta {
    code: "TB218",
    slug: "image-history-exposes-build",
    title: "Image history exposes internal hosts or the build tool chain",
    severity: Severity::Low,
    stride: &[Stride::InformationDisclosure],
    cwe: &[497],
    stage: LifecycleStage::Image,
    cis: &[],
    peers: &[],
    remediation: "Build in a multi-stage Dockerfile and ship only the final stage (its history holds only the steps of that stage), pass internal URLs as secrets or build-time mounts rather than in commands, or squash the build's layers (`docker build --squash`, external squash tools) before publishing.",
    docs: r#"
**What it detects.** History entries of an image read from an archive that
show:
- internal hosts and URLs: private IP addresses (10/8, 172.16/12,
  192.168/16), host names under `.internal`, `.corp`, `.local`, `.lan`,
  `.intranet`, `.home.arpa`;
- the build tool chain run in the shipped image (compilers and build tools:
  `gcc`, `make`, `go build`, `cargo build`, `mvn`, `gradle`, `npm run build`).

**Why it is a threat.** Anyone who pulls the image reads its history with
`docker history --no-trunc`: internal registries, artefact servers and
network layout help an attacker plan the next step (STRIDE: Information
disclosure). A tool chain in the final image's history means the compilers
and sources are likely in its layers too. The seed's advice: squash images, or
better, use multi-stage builds.

**Example.** `RUN curl -fsSL http://artifacts.corp/tools.tgz | tar xz` in
the final stage.

**Fix.** Move the build into an earlier stage and `COPY --from=build` only
the result.
"#,
};

static INTERNAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:10(?:\.\d{1,3}){3}|172\.(?:1[6-9]|2\d|3[01])(?:\.\d{1,3}){2}|192\.168(?:\.\d{1,3}){2}|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:internal|corp|local|lan|intranet|home\.arpa))\b")
        .expect("fixed pattern")
});

static BUILD_TOOLS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[\s;&|(])(gcc|g\+\+|make|cmake|go build|cargo build|mvn|gradle|npm run build|yarn build)(?:\s|$)")
        .expect("fixed pattern")
});

impl Rule for ImageHistoryExposesBuild {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image_archive(&self, archive: &ImageArchive, _ctx: &RuleContext<'_>, sink: &mut Sink) {
        let mut hosts: Vec<String> = Vec::new();
        let mut tools: Vec<String> = Vec::new();
        for (i, h) in archive.history.iter().enumerate() {
            for m in INTERNAL.find_iter(&h.created_by) {
                let s = format!("`{}` (step {})", m.as_str(), i + 1);
                if !hosts
                    .iter()
                    .any(|x| x.starts_with(&format!("`{}`", m.as_str())))
                {
                    hosts.push(s);
                }
            }
            // `ADD file:…` base layers are not the build's own steps.
            if let Some(c) = BUILD_TOOLS.captures(&h.created_by)
                && let Some(t) = c.get(1)
                && !tools
                    .iter()
                    .any(|x| x.starts_with(&format!("`{}`", t.as_str())))
            {
                tools.push(format!("`{}` (step {})", t.as_str(), i + 1));
            }
        }
        let name = archive.display_name();
        if !hosts.is_empty() {
            let shown: Vec<&str> = hosts.iter().take(5).map(String::as_str).collect();
            sink.push(Finding::new(
                &META,
                archive.location(),
                format!(
                    "image {name}: history shows internal hosts {}",
                    shown.join(", ")
                ),
            ));
        }
        if !tools.is_empty() {
            let shown: Vec<&str> = tools.iter().take(5).map(String::as_str).collect();
            sink.push(
                Finding::new(
                    &META,
                    archive.location(),
                    format!(
                        "image {name}: history shows the build tool chain run in the shipped image ({}); build in an earlier stage or squash",
                        shown.join(", ")
                    ),
                )
                .with_severity(Severity::Info),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::check_archive;
    use crate::model::image_archive::HistoryEntry;

    fn with_history(steps: &[&str]) -> ImageArchive {
        ImageArchive {
            path: "a.tar".into(),
            repo_tags: vec!["a:1".into()],
            history: steps
                .iter()
                .map(|s| HistoryEntry {
                    created_by: s.to_string(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn flags_internal_hosts_and_tool_chain() {
        let f = check_archive(
            &ImageHistoryExposesBuild,
            &with_history(&[
                "/bin/sh -c #(nop) ADD file:abc in /",
                "RUN /bin/sh -c curl -fsSL http://artifacts.corp/x.tgz | tar xz # buildkit",
                "RUN /bin/sh -c pip install --index-url http://10.1.2.3/simple app && make install # buildkit",
            ]),
        );
        assert_eq!(f.len(), 2);
        assert_eq!(
            f[0].message,
            "image a:1: history shows internal hosts `artifacts.corp` (step 2), `10.1.2.3` (step 3)"
        );
        assert!(f[1].message.contains("`make` (step 3)"));
        assert_eq!(f[1].severity, Severity::Info);
    }

    #[test]
    fn public_hosts_and_plain_steps_are_fine() {
        let f = check_archive(
            &ImageHistoryExposesBuild,
            &with_history(&[
                "RUN /bin/sh -c apt-get install -y makedepend && curl https://deb.debian.org/x # buildkit",
                "COPY app /app # buildkit",
                "ENV GOLANG_VERSION=1.22",
            ]),
        );
        assert!(
            f.is_empty(),
            "{:?}",
            f.iter().map(|f| &f.message).collect::<Vec<_>>()
        );
    }
}
