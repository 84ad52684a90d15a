//! TB303 `base-image-untrusted-source`: a base image from a registry or
//! repository that the configuration does not trust.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::scope::{self, StageRole};
use crate::model::image::BuildImage;

pub struct BaseImageUntrustedSource;

pub static META: RuleMeta = RuleMeta {
    code: "TB303",
    slug: "base-image-untrusted-source",
    title: "Base image from an untrusted source",
    severity: Severity::Medium,
    stride: &[Stride::Spoofing, Stride::Tampering],
    cwe: &[829, 1357],
    stage: LifecycleStage::Registry,
    cis: &["CIS-Docker-4.2"],
    peers: &["DL3026"],
    remediation: "Base the image on a Docker Official Image, a vendor's official registry or your own curated mirror, or add the registry/repository you have vetted to `trusted-registries` in `.threatbox.toml`.",
    docs: r#"
**What it detects.** A `FROM` of a registry image whose fully qualified
repository (`registry/path`, e.g. `docker.io/someuser/node`) matches none of
the `trusted-registries` globs of the configuration, in the final stage (or
the stage it is built from) and in stages whose files are copied into the
final image; likewise a registry image named by `COPY --from=` or
`RUN --mount=from=` in those stages. Without a configuration the trusted
set is the Docker Official Images (`docker.io/library/*`) and the official
registries of major vendors (Microsoft, Google distroless, Red Hat, AWS's
mirror of the official images, Chainguard, Oracle, Kubernetes). References from build-argument defaults are
judged on the default; unresolvable ones, `scratch`, stage references and
`localhost/…` images (built on the same machine, usually from another
Dockerfile of the project) are not.

**Why it is a threat.** The base image is code that runs in every
container built from it. An image from a personal Docker Hub account or an
unknown registry has no review, no security response and no guarantee that
the account is who it claims to be: typosquatted names (`pyhton`,
`nodejs/node`) and abandoned repositories taken over by attackers have
shipped crypto-miners and back doors (STRIDE: Spoofing, Tampering). Trust
should be a decision recorded in configuration, not an accident of a
`docker pull`.

Stages that only feed files to the final image are reported one level lower;
stages that never reach it are not reported.

**Example.**
```dockerfile
FROM someuser/python3-alpine:3.12
```

**Fix.** Use the official image (`FROM python:3.12-alpine`), or trust your
own registry explicitly:
```toml
# .threatbox.toml
trusted-registries = ["docker.io/library/*", "registry.example.com/base/*"]
```
"#,
};

impl Rule for BaseImageUntrustedSource {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image_with(&self, image: &BuildImage, ctx: &RuleContext<'_>, sink: &mut Sink) {
        for used in scope::external_images(image) {
            let severity = match used.role {
                StageRole::Final | StageRole::Parent => META.severity,
                StageRole::Feeds => META.severity.lowered(),
                StageRole::Unused => continue,
            };
            let reference = &used.reference;
            let qualified = reference.qualified_repository();
            // `localhost/…` names an image built on this machine (often from
            // another Dockerfile of the same project), not a remote source.
            let local = matches!(reference.registry.as_deref(), Some(r)
                if r == "localhost" || r.starts_with("localhost:") || r.starts_with("127.0.0.1"));
            if local || ctx.config.is_trusted_registry(&qualified) {
                continue;
            }
            sink.push(
                Finding::new(
                    &META,
                    image.location(&used.span),
                    format!(
                        "{} comes from `{qualified}`, which no trusted-registries pattern matches",
                        used.describe()
                    ),
                )
                .with_severity(severity),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check, check_with, lines};
    use crate::config::Config;
    use crate::source::SourceFile;

    #[test]
    fn flags_personal_hub_repositories_and_unknown_registries() {
        let f = check(
            &BaseImageUntrustedSource,
            "FROM someuser/python:3.12 AS build\nFROM quay.io/acme/runtime:1.0\nCOPY --from=build /a /a\n",
        );
        assert_eq!(lines(&f), vec![1, 2]);
        assert_eq!(f[0].severity, Severity::Low);
        assert_eq!(f[1].severity, Severity::Medium);
        assert!(f[1].message.contains("quay.io/acme/runtime"));
        assert_eq!(f[1].location.start_column, 6);
    }

    #[test]
    fn flags_untrusted_copy_from_images() {
        let f = check(
            &BaseImageUntrustedSource,
            "FROM python:3.12\nCOPY --from=someone/tools:1.0 /bin/tool /usr/local/bin/tool\n",
        );
        assert_eq!(lines(&f), vec![2]);
        assert!(f[0].message.contains("docker.io/someone/tools"));
    }

    #[test]
    fn official_and_vendor_images_are_trusted_by_default() {
        for text in [
            "FROM python:3.12\n",
            "FROM docker.io/library/python:3.12\n",
            "FROM mcr.microsoft.com/dotnet/aspnet:8.0\n",
            "FROM gcr.io/distroless/static-debian12\n",
            "FROM scratch\n",
            "ARG BASE\nFROM $BASE\n",
            "FROM localhost/oracle/database:19.3.0\n",
            "FROM localhost:5000/team/app:1.0\n",
        ] {
            assert!(check(&BaseImageUntrustedSource, text).is_empty(), "{text}");
        }
    }

    #[test]
    fn configured_registries_replace_the_defaults() {
        let config = Config::parse(SourceFile::new(
            ".threatbox.toml",
            "trusted-registries = [\"registry.example.com/*\"]\n".to_string(),
        ))
        .expect("valid config");
        let text = "FROM registry.example.com/base/python:3.12 AS base\nFROM python:3.12\nCOPY --from=base /a /a\n";
        let f = check_with(&BaseImageUntrustedSource, text, &config);
        assert_eq!(lines(&f), vec![2]);
    }
}
