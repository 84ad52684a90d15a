//! TB415 `container-image-not-pinned`: a workload's image has no tag,
//! `:latest`, or no digest.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::container_support::subject;
use crate::model::runtime::{Platform, Workload};

pub struct ContainerImageNotPinned;

pub static META: RuleMeta = RuleMeta {
    code: "TB415",
    slug: "container-image-not-pinned",
    title: "Workload image not pinned",
    severity: Severity::Medium,
    stride: &[Stride::Tampering],
    cwe: &[494, 1357],
    stage: LifecycleStage::Registry,
    cis: &["CIS-Docker-5.28"],
    peers: &[
        "CKV_K8S_14",
        "CKV_K8S_15",
        "CKV_K8S_43",
        "KSV-0013",
        "C-0075",
        "latest-tag",
        "tagNotSpecified",
        "pullPolicyNotAlways",
    ],
    remediation: "Reference images by an immutable version and digest: `image: registry.example/app:1.4.2@sha256:…` (Kubernetes and compose alike); with a mutable tag on Kubernetes, set `imagePullPolicy: Always` so every node runs the same build.",
    docs: r#"
**What it detects.** A container image reference that is:
- without a tag or tagged `latest` — medium;
- tagged but without an `@sha256:` digest — low;
- on Kubernetes, a mutable tag with `imagePullPolicy` set to `IfNotPresent`
  or `Never` — low, at the policy: nodes keep whichever build they pulled
  first.
Image references with variables (`${TAG}`) are not judged.

**Why it is a threat.** A tag is a pointer the registry owner (or whoever
steals their credentials) can move: the next pull runs different code than
what was reviewed, and two nodes of the same Deployment may run different
builds. A digest fixes the exact content (STRIDE: Tampering).

**Example.**
```yaml
      image: nginx:latest
      imagePullPolicy: IfNotPresent
```
```yaml
services:
  web:
    image: nginx
```

**Fix.**
```yaml
      image: nginx:1.27.2@sha256:<digest>
```
```yaml
services:
  web:
    image: nginx:1.27.2@sha256:<digest>
```
"#,
};

/// `(tag, has_digest)` of an image reference.
fn tag_and_digest(image: &str) -> (Option<&str>, bool) {
    let (name, digest) = match image.split_once('@') {
        Some((name, digest)) => (name, !digest.is_empty()),
        None => (image, false),
    };
    let last = name.rsplit('/').next().unwrap_or(name);
    (last.split_once(':').map(|(_, tag)| tag), digest)
}

impl Rule for ContainerImageNotPinned {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_workload(&self, workload: &Workload, _ctx: &RuleContext<'_>, sink: &mut Sink) {
        for container in &workload.containers {
            let Some(image) = &container.image else {
                continue;
            };
            let reference = image.value.trim();
            if reference.is_empty() || reference.contains('$') || reference.contains('{') {
                continue;
            }
            let who = subject(workload, container);
            let (tag, digest) = tag_and_digest(reference);
            if digest {
                continue;
            }
            let mutable = matches!(tag, None | Some("latest"));
            if mutable {
                let what = if tag.is_none() {
                    "has no tag"
                } else {
                    "uses `:latest`"
                };
                sink.push(Finding::new(
                    &META,
                    image.location.clone(),
                    format!("{who} image `{reference}` {what}: whatever was pushed last runs"),
                ));
            } else {
                sink.push(
                    Finding::new(
                        &META,
                        image.location.clone(),
                        format!("{who} image `{reference}` is not pinned by digest"),
                    )
                    .with_severity(Severity::Low),
                );
            }
            if workload.platform == Platform::Kubernetes
                && let Some(policy) = &container.image_pull_policy
                && policy.value != "Always"
            {
                sink.push(
                    Finding::new(
                        &META,
                        policy.location.clone(),
                        format!(
                            "{who} pulls the mutable image `{reference}` with `imagePullPolicy: {}`: nodes may run different builds",
                            policy.value
                        ),
                    )
                    .with_severity(Severity::Low),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::container_support::test_support::{loc, run_all};
    use crate::analyse::rules::testing::lines;
    use crate::model::runtime::{Container, Setting};

    fn image(reference: &str) -> Container {
        Container {
            image: Some(Setting::new(reference.into(), loc(4))),
            ..Default::default()
        }
    }

    #[test]
    fn grades_tags_and_digests() {
        for (reference, severity) in [
            ("nginx", Severity::Medium),
            ("nginx:latest", Severity::Medium),
            ("localhost:5000/app", Severity::Medium),
            ("nginx:1.27", Severity::Low),
            ("localhost:5000/app:1.0", Severity::Low),
        ] {
            for f in run_all(&ContainerImageNotPinned, image(reference)) {
                assert_eq!(lines(&f), vec![4], "{reference}");
                assert_eq!(f[0].severity, severity, "{reference}");
            }
        }
    }

    #[test]
    fn pull_policy_with_mutable_tag_on_kubernetes() {
        let mut c = image("nginx:latest");
        c.image_pull_policy = Some(Setting::new("IfNotPresent".into(), loc(5)));
        let [k, compose, _] = run_all(&ContainerImageNotPinned, c);
        assert_eq!(lines(&k), vec![4, 5]);
        assert_eq!(lines(&compose), vec![4]);
    }

    #[test]
    fn ignores_digests_and_variables() {
        for reference in [
            "nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "nginx:1.27@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "${REGISTRY}/app:${TAG}",
        ] {
            for f in run_all(&ContainerImageNotPinned, image(reference)) {
                assert!(f.is_empty(), "{reference}");
            }
        }
    }
}
