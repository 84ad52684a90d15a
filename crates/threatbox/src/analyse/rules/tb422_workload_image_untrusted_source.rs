//! TB422 `workload-image-untrusted-source`: a workload runs an image from a
//! registry or repository the configuration does not trust.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::container_support::subject;
use crate::model::image::ImageRef;
use crate::model::runtime::Workload;

pub struct WorkloadImageUntrustedSource;

pub static META: RuleMeta = RuleMeta {
    code: "TB422",
    slug: "workload-image-untrusted-source",
    title: "Workload image from an untrusted registry",
    severity: Severity::Medium,
    stride: &[Stride::Spoofing, Stride::Tampering],
    cwe: &[829, 1357],
    stage: LifecycleStage::Registry,
    cis: &["CIS-Docker-4.2"],
    peers: &["KSV-0125", "C-0001", "C-0078"],
    remediation: "Run images from your own registry or a vetted mirror (`image: registry.example.com/team/app:1.4@sha256:…`), and list the registries you trust in `trusted-registries` of `.threatbox.toml`.",
    docs: r#"
**What it detects.** A Kubernetes container, compose service or docker
container whose image's fully qualified repository (`docker.io/library/nginx`,
`quay.io/someone/tool`) matches none of the `trusted-registries` globs of
the configuration (by default: Docker Official Images and the official
registries of major vendors, as for TB303). Images a compose service builds
itself, `localhost/…` images and references with variables are not judged.

**Why it is a threat.** Where the configuration names a private registry,
an image pulled straight from a public one bypasses the scanning, signing
and mirroring that registry provides; a personal Docker Hub repository has
no review and can be replaced or taken over at any time (STRIDE: Spoofing,
Tampering).

**Example.**
```yaml
      containers:
        - name: tool
          image: someuser/tool:1.0
```
```yaml
services:
  tool:
    image: someuser/tool:1.0
```

**Fix.** Mirror the image into the trusted registry and reference it there:
```yaml
          image: registry.example.com/mirror/tool:1.0@sha256:<digest>
```
```yaml
    image: registry.example.com/mirror/tool:1.0@sha256:<digest>
```
"#,
};

impl Rule for WorkloadImageUntrustedSource {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_workload(&self, workload: &Workload, ctx: &RuleContext<'_>, sink: &mut Sink) {
        for container in &workload.containers {
            // A compose `image:` next to `build:` names the image built here.
            if container.build_dockerfile.is_some() {
                continue;
            }
            let Some(image) = &container.image else {
                continue;
            };
            let text = image.value.trim();
            if text.is_empty() || text.contains('$') || text.contains('{') {
                continue;
            }
            let reference = ImageRef::parse(text, false);
            let local = matches!(reference.registry.as_deref(), Some(r)
                if r == "localhost" || r.starts_with("localhost:") || r.starts_with("127.0.0.1"));
            let qualified = reference.qualified_repository();
            if local || ctx.config.is_trusted_registry(&qualified) {
                continue;
            }
            sink.push(Finding::new(
                &META,
                image.location.clone(),
                format!(
                    "{} runs `{text}` from `{qualified}`, which no trusted-registries pattern matches",
                    subject(workload, container)
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::container_support::test_support::{loc, run_all, workload};
    use crate::analyse::rules::testing::lines;
    use crate::config::Config;
    use crate::model::System;
    use crate::model::runtime::{Container, Platform, Setting};
    use crate::source::SourceFile;

    fn image(reference: &str) -> Container {
        Container {
            image: Some(Setting::new(reference.into(), loc(4))),
            ..Default::default()
        }
    }

    #[test]
    fn flags_personal_repositories_with_the_default_trust() {
        for f in run_all(&WorkloadImageUntrustedSource, image("someuser/tool:1.0")) {
            assert_eq!(lines(&f), vec![4]);
            assert!(f[0].message.contains("docker.io/someuser/tool"));
        }
    }

    #[test]
    fn ignores_official_local_variable_and_built_images() {
        for reference in ["nginx:1.27", "localhost:5000/app", "${REGISTRY}/app:1"] {
            for f in run_all(&WorkloadImageUntrustedSource, image(reference)) {
                assert!(f.is_empty(), "{reference}");
            }
        }
        let mut built = image("someuser/app:dev");
        built.build_dockerfile = Some("Dockerfile".into());
        for f in run_all(&WorkloadImageUntrustedSource, built) {
            assert!(f.is_empty());
        }
    }

    #[test]
    fn a_private_registry_in_the_config_makes_public_images_untrusted() {
        let config = Config::parse(SourceFile::new(
            ".threatbox.toml",
            "trusted-registries = [\"registry.example.com/*\"]\n".to_string(),
        ))
        .expect("valid config");
        let run = |reference: &str| {
            let mut system = System::default();
            system
                .workloads
                .push(workload(Platform::Kubernetes, image(reference)));
            crate::analyse::run_rules(&system, &config, &[&WorkloadImageUntrustedSource])
        };
        assert_eq!(lines(&run("nginx:1.27")), vec![4]);
        assert!(run("registry.example.com/team/app:1.4").is_empty());
    }
}
