//! TB531 `image-signature-not-verified`: Kubernetes workloads whose images no
//! admission policy among the scanned objects verifies the signature of.

use std::collections::HashMap;

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::container_support::subject;
use crate::model::image::ImageRef;
use crate::model::kubernetes::KubeObject;
use crate::model::runtime::{ContainerKind, Platform};
use crate::parse::yaml::Node;

pub struct ImageSignatureNotVerified;

pub static META: RuleMeta = RuleMeta {
    code: "TB531",
    slug: "image-signature-not-verified",
    title: "Image signatures not verified at admission",
    severity: Severity::Low,
    stride: &[Stride::Tampering, Stride::Spoofing],
    cwe: &[347],
    stage: LifecycleStage::Registry,
    cis: &["CIS-Kubernetes-5.5.1"],
    peers: &["C-0236", "C-0237"],
    remediation: "Sign images in CI (cosign, Notation) and verify them at admission: a Kyverno `ClusterPolicy` with `verifyImages` in `Enforce` mode, a Sigstore policy-controller `ClusterImagePolicy`, or Ratify with Gatekeeper, whose image patterns cover every image the cluster runs.",
    docs: r#"
**What it detects.** Read from the admission policies among the scanned
objects — Kyverno `ClusterPolicy`/`Policy` rules with `verifyImages`
(`imageReferences`, or the older `image`), Kyverno `ImageValidatingPolicy`
(`matchImageReferences` globs), Sigstore policy-controller
`ClusterImagePolicy` (`images[].glob`) and Ratify's Gatekeeper constraint
(`RatifyVerification`, taken to cover every image):
- When policies exist: each Kubernetes container whose image matches no
  pattern of a policy that enforces (low). A Kyverno policy in `Audit` mode
  (the default `validationFailureAction`, or `failureAction: Audit` on the
  entry), an `ImageValidatingPolicy` without `Deny`, or a Sigstore policy in
  `warn` mode only reports; the message says so. A namespaced Kyverno
  `Policy` covers its own namespace only.
- When none exists and Kubernetes workloads were scanned: one finding
  (info), at the first workload, giving how many workloads run unverified
  images. An application repository seldom holds cluster policies, hence
  info; scanning a cluster dump tells whether the cluster has any.
Patterns match the image as written and in its fully qualified forms
(`nginx:1.27` also as `docker.io/library/nginx:1.27` and
`index.docker.io/library/nginx:1.27`); Kyverno's `*` matches any
characters, Sigstore's `*` stays within a path segment and `**` crosses
them. A CEL `expression` in `matchImageReferences` cannot be evaluated here
and is taken to match every image. Compose and docker have no admission
step: not judged (Docker Content Trust, CIS Docker 4.5, is a client
setting no file shows).

**Why it is a threat.** A tag is a pointer anyone with push rights to the
registry — or control of the network path to it — can move. Without
signature verification the cluster runs whatever the registry serves under
the name: a compromised CI token or registry account becomes code
execution in every pod that pulls the image (STRIDE: Tampering, Spoofing;
the seed's "sign and verify images" practice).

**Example.**
```yaml
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: verify-images}
spec:
  validationFailureAction: Audit
  rules:
    - name: verify
      match: {any: [{resources: {kinds: [Pod]}}]}
      verifyImages:
        - imageReferences: ["registry.example.com/team/*"]
```
A pod running `docker.io/library/redis:7` is not covered, and the covered
images are only audited.

**Fix.** Enforce, and cover every registry the cluster pulls from:
```yaml
spec:
  validationFailureAction: Enforce
  rules:
    - name: verify
      verifyImages:
        - imageReferences: ["registry.example.com/*"]
          attestors: [{entries: [{keys: {publicKeys: "-----BEGIN PUBLIC KEY-----..."}}]}]
```
"#,
};

/// One image-verification policy read from the scanned objects.
struct Policy {
    /// `Kind `name``, for messages.
    name: String,
    /// A namespaced Kyverno `Policy` applies in its own namespace only.
    namespace: Option<String>,
    enforces: bool,
    /// `None`: every image.
    patterns: Option<Vec<Glob>>,
}

/// `*` across path segments (Kyverno's wildcard) or within one (Sigstore).
fn pattern(text: &str, star_crosses_slash: bool) -> Option<Glob> {
    GlobBuilder::new(text.trim())
        .literal_separator(!star_crosses_slash)
        .backslash_escape(false)
        .build()
        .ok()
}

/// The policies that apply in one place (every namespace, or one) and
/// either enforce or only audit, merged into one glob set: a container is
/// matched against at most four sets however many policies a scan holds.
struct Scope {
    /// A policy covering every image, if any.
    every_image: Option<String>,
    globs: GlobSet,
    /// The policy each glob of `globs` came from.
    names: Vec<String>,
}

impl Scope {
    /// The name of a policy of this scope that covers one of `forms`.
    fn covering(&self, forms: &[String]) -> Option<&str> {
        if let Some(name) = &self.every_image {
            return Some(name);
        }
        forms
            .iter()
            .find_map(|form| self.globs.matches(form).first().copied())
            .and_then(|i| self.names.get(i))
            .map(String::as_str)
    }
}

/// Scopes keyed by (namespace, enforces).
struct Coverage(HashMap<(Option<String>, bool), Scope>);

impl Coverage {
    fn new(policies: Vec<Policy>) -> Coverage {
        let mut building: HashMap<_, (Option<String>, GlobSetBuilder, Vec<String>)> =
            HashMap::new();
        for policy in policies {
            let (every_image, builder, names) = building
                .entry((policy.namespace, policy.enforces))
                .or_insert_with(|| (None, GlobSetBuilder::new(), Vec::new()));
            match policy.patterns {
                None => {
                    every_image.get_or_insert(policy.name);
                }
                Some(globs) => {
                    for glob in globs {
                        builder.add(glob);
                        names.push(policy.name.clone());
                    }
                }
            }
        }
        Coverage(
            building
                .into_iter()
                .map(|(key, (every_image, builder, names))| {
                    // Each glob compiled on its own above: the set builds.
                    let globs = builder.build().unwrap_or_else(|_| GlobSet::empty());
                    let scope = Scope {
                        every_image,
                        globs,
                        names,
                    };
                    (key, scope)
                })
                .collect(),
        )
    }

    /// A policy covering the image in `namespace` that enforces (or, with
    /// `enforces` false, that only audits).
    fn covering(&self, namespace: Option<&str>, forms: &[String], enforces: bool) -> Option<&str> {
        let everywhere = self.0.get(&(None, enforces));
        let here = self
            .0
            .get(&(Some(namespace.unwrap_or("default").to_string()), enforces));
        [everywhere, here]
            .into_iter()
            .flatten()
            .find_map(|scope| scope.covering(forms))
    }
}

fn strings(node: Option<&Node>) -> Vec<&str> {
    match node {
        Some(n) => match n.as_seq() {
            Some(items) => items.iter().filter_map(Node::as_str).collect(),
            None => n.as_str().into_iter().collect(),
        },
        None => Vec::new(),
    }
}

fn is_audit(value: Option<&str>) -> bool {
    value.is_some_and(|v| v.eq_ignore_ascii_case("audit"))
}

fn policy_of(object: &KubeObject) -> Option<Policy> {
    let group = object.api_version.split('/').next().unwrap_or("");
    let spec = object.node.get("spec");
    let name = format!("{} `{}`", object.kind, object.name);
    match (group, object.kind.as_str()) {
        ("kyverno.io", "ClusterPolicy" | "Policy") => {
            // Kyverno's default action is Audit.
            let policy_audits = !spec
                .and_then(|s| s.get("validationFailureAction"))
                .and_then(Node::as_str)
                .is_some_and(|v| v.eq_ignore_ascii_case("enforce"));
            let mut patterns = Vec::new();
            let mut enforces = false;
            let mut any = false;
            let rules = spec.and_then(|s| s.get("rules")).and_then(Node::as_seq);
            for entry in rules
                .into_iter()
                .flatten()
                .filter_map(|rule| rule.get("verifyImages").and_then(Node::as_seq))
                .flatten()
            {
                any = true;
                let action = entry.get("failureAction").and_then(Node::as_str);
                enforces |= match action {
                    Some(a) => !is_audit(Some(a)),
                    None => !policy_audits,
                };
                let mut refs = strings(entry.get("imageReferences"));
                refs.extend(strings(entry.get("image")));
                patterns.extend(refs.into_iter().filter_map(|r| pattern(r, true)));
            }
            any.then(|| Policy {
                name,
                namespace: (object.kind == "Policy")
                    .then(|| object.namespace.clone().unwrap_or_else(|| "default".into())),
                enforces,
                patterns: Some(patterns),
            })
        }
        ("policies.kyverno.io", "ImageValidatingPolicy") => {
            let mut patterns = Vec::new();
            let mut every_image = false;
            for entry in spec
                .and_then(|s| s.get("matchImageReferences"))
                .and_then(Node::as_seq)
                .into_iter()
                .flatten()
            {
                if let Some(glob) = entry.get("glob").and_then(Node::as_str) {
                    patterns.extend(pattern(glob, true));
                } else if entry.get("expression").is_some() {
                    every_image = true;
                }
            }
            let actions = strings(spec.and_then(|s| s.get("validationActions")));
            Some(Policy {
                name,
                namespace: None,
                // Kyverno's default for this kind is Deny.
                enforces: actions.is_empty()
                    || actions.iter().any(|a| a.eq_ignore_ascii_case("deny")),
                patterns: (!every_image).then_some(patterns),
            })
        }
        ("policy.sigstore.dev", "ClusterImagePolicy") => {
            let images = spec.and_then(|s| s.get("images")).and_then(Node::as_seq);
            let patterns = images
                .into_iter()
                .flatten()
                .filter_map(|i| i.get("glob").and_then(Node::as_str))
                .filter_map(|g| pattern(g, false))
                .collect();
            let mode = spec.and_then(|s| s.get("mode")).and_then(Node::as_str);
            Some(Policy {
                name,
                namespace: None,
                enforces: !mode.is_some_and(|m| m.eq_ignore_ascii_case("warn")),
                patterns: Some(patterns),
            })
        }
        ("constraints.gatekeeper.sh", "RatifyVerification") => Some(Policy {
            name,
            namespace: None,
            enforces: !object
                .node
                .path(&["spec", "enforcementAction"])
                .and_then(Node::as_str)
                .is_some_and(|a| matches!(a, "dryrun" | "warn")),
            patterns: None,
        }),
        _ => None,
    }
}

/// The image as written and in the fully qualified forms admission
/// controllers match against.
fn image_forms(image: &str) -> Vec<String> {
    let reference = ImageRef::parse(image, false);
    let mut suffix = String::new();
    if let Some(tag) = &reference.tag {
        suffix.push(':');
        suffix.push_str(tag);
    }
    if let Some(digest) = &reference.digest {
        suffix.push('@');
        suffix.push_str(digest);
    }
    let qualified = reference.qualified_repository();
    let mut forms = vec![image.trim().to_string(), format!("{qualified}{suffix}")];
    if reference.tag.is_none() && reference.digest.is_none() {
        forms.push(format!("{qualified}:latest"));
    }
    if let Some(rest) = qualified.strip_prefix("docker.io/") {
        forms.push(format!("index.docker.io/{rest}{suffix}"));
        if let Some(short) = rest.strip_prefix("library/") {
            forms.push(format!("docker.io/{short}{suffix}"));
        }
    }
    forms
}

impl Rule for ImageSignatureNotVerified {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        let policies: Vec<Policy> = ctx
            .system
            .kube_objects
            .iter()
            .filter_map(policy_of)
            .collect();
        let workloads = ctx
            .system
            .workloads
            .iter()
            .filter(|w| w.platform == Platform::Kubernetes);
        if policies.is_empty() {
            let with_images: Vec<_> = workloads
                .filter(|w| w.containers.iter().any(|c| c.image.is_some()))
                .collect();
            if let Some(first) = with_images.first() {
                sink.push(
                    Finding::new(
                        &META,
                        first.location.clone(),
                        format!(
                            "no image signature verification policy (Kyverno verifyImages, Sigstore ClusterImagePolicy, Ratify) among the scanned objects: the images of {} workload{} are admitted unverified",
                            with_images.len(),
                            if with_images.len() == 1 { "" } else { "s" }
                        ),
                    )
                    .with_severity(Severity::Info),
                );
            }
            return;
        }
        let coverage = Coverage::new(policies);
        for workload in workloads {
            for container in &workload.containers {
                if container.kind == ContainerKind::Ephemeral {
                    continue;
                }
                let Some(image) = &container.image else {
                    continue;
                };
                let forms = image_forms(&image.value);
                let namespace = workload.namespace.as_deref();
                if coverage.covering(namespace, &forms, true).is_some() {
                    continue;
                }
                let message = match coverage.covering(namespace, &forms, false) {
                    Some(policy) => format!(
                        "{} runs `{}`, whose signature {policy} only audits: an unsigned image is still admitted",
                        subject(workload, container),
                        image.value,
                    ),
                    None => format!(
                        "{} runs `{}`, which no image-verification policy among the scanned objects covers",
                        subject(workload, container),
                        image.value
                    ),
                };
                sink.push(Finding::new(&META, image.location.clone(), message));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check_system, lines};
    use crate::model::rbac::test_support::kube_system;

    const PODS: &str = "\
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: shop}
spec:
  containers:
    - name: api
      image: registry.example.com/team/api:1.4
    - name: cache
      image: redis:7
---
apiVersion: v1
kind: Pod
metadata: {name: tool, namespace: ops}
spec:
  containers:
    - name: tool
      image: registry.example.com/team/tool:2
";

    fn run(policy: &str) -> Vec<Finding> {
        let system = kube_system(&[("pods.yaml", PODS), ("policy.yaml", policy)]);
        check_system(&ImageSignatureNotVerified, &system)
    }

    #[test]
    fn without_any_policy_one_info_finding_counts_the_workloads() {
        let system = kube_system(&[("pods.yaml", PODS)]);
        let f = check_system(&ImageSignatureNotVerified, &system);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Info);
        assert_eq!(lines(&f), vec![1]);
        assert!(f[0].message.contains("2 workloads"), "{}", f[0].message);
    }

    #[test]
    fn images_outside_an_enforcing_kyverno_policy_are_reported() {
        let f = run("\
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: verify}
spec:
  validationFailureAction: Enforce
  rules:
    - name: team
      verifyImages:
        - imageReferences: [\"registry.example.com/team/*\"]
");
        assert_eq!(lines(&f), vec![9]);
        assert!(f[0].message.contains("redis:7"), "{}", f[0].message);
        assert!(f[0].message.contains("no image-verification policy"));
    }

    #[test]
    fn audit_mode_is_not_enforcement() {
        // Kyverno's default action is Audit; a rule entry may override it.
        let f = run("\
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: verify}
spec:
  rules:
    - name: all
      verifyImages:
        - imageReferences: [\"*\"]
");
        assert_eq!(lines(&f), vec![7, 9, 17]);
        assert!(f[0].message.contains("only audits"), "{}", f[0].message);
        let f = run("\
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: verify}
spec:
  validationFailureAction: Audit
  rules:
    - name: all
      verifyImages:
        - imageReferences: [\"*\"]
          failureAction: Enforce
");
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn docker_hub_short_names_match_qualified_patterns() {
        let f = run("\
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: verify}
spec:
  validationFailureAction: Enforce
  rules:
    - name: hub
      verifyImages:
        - imageReferences: [\"docker.io/library/redis*\", \"registry.example.com/*\"]
");
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn a_namespaced_policy_covers_its_namespace_only() {
        let f = run("\
apiVersion: kyverno.io/v1
kind: Policy
metadata: {name: verify, namespace: shop}
spec:
  validationFailureAction: Enforce
  rules:
    - name: all
      verifyImages:
        - image: \"*\"
");
        assert_eq!(lines(&f), vec![17]);
    }

    #[test]
    fn sigstore_globs_keep_star_within_a_segment() {
        let f = run("\
apiVersion: policy.sigstore.dev/v1beta1
kind: ClusterImagePolicy
metadata: {name: team}
spec:
  images:
    - glob: \"registry.example.com/*\"
    - glob: \"index.docker.io/library/**\"
");
        // `*` does not reach `team/api`; `**` covers redis.
        assert_eq!(lines(&f), vec![7, 17]);
        let f = run("\
apiVersion: policy.sigstore.dev/v1beta1
kind: ClusterImagePolicy
metadata: {name: team}
spec:
  mode: warn
  images: [{glob: \"**\"}]
");
        assert_eq!(lines(&f), vec![7, 9, 17]);
        assert!(f[0].message.contains("only audits"));
    }

    #[test]
    fn ratify_and_cel_expressions_cover_every_image() {
        let ratify = "\
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: RatifyVerification
metadata: {name: ratify}
spec: {enforcementAction: deny}
";
        assert!(run(ratify).is_empty());
        let ivp = "\
apiVersion: policies.kyverno.io/v1alpha1
kind: ImageValidatingPolicy
metadata: {name: all}
spec:
  matchImageReferences:
    - expression: \"true\"
";
        assert!(run(ivp).is_empty());
    }

    #[test]
    fn compose_services_are_not_judged() {
        let system = crate::analyse::rules::testing::system(&[(
            "compose.yaml",
            "services:\n  web:\n    image: nginx:1.27\n",
        )]);
        assert!(check_system(&ImageSignatureNotVerified, &system).is_empty());
    }

    #[test]
    fn malformed_policies_do_not_panic_or_cover() {
        let f = run("\
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: broken}
spec:
  validationFailureAction: [Enforce]
  rules:
    - verifyImages: {imageReferences: \"*\"}
    - verifyImages:
        - imageReferences: [\"[unclosed\", 7, {a: b}]
        - 42
---
apiVersion: policy.sigstore.dev/v1beta1
kind: ClusterImagePolicy
metadata: {name: odd}
spec: {images: \"**\"}
");
        // The Kyverno entries audit (no valid action) and match nothing; the
        // Sigstore policy has no usable glob: every image is reported.
        assert_eq!(lines(&f), vec![7, 9, 17]);
    }
}
