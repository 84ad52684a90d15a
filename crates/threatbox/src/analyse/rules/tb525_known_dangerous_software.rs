//! TB525 `known-dangerous-workload-software`: workloads that run software
//! known to open the cluster (Tiller, the Kubernetes dashboard, git-sync,
//! Argo CD versions with CVE-2022-24348) and ingress-nginx snippet
//! annotations (CVE-2021-25742).

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::container_support::{subject, workload_subject};
use crate::model::kubernetes::KubeObject;
use crate::model::runtime::{Container, Platform, Workload};
use crate::parse::yaml::Node;
use crate::source::Location;

pub struct KnownDangerousSoftware;

pub static META: RuleMeta = RuleMeta {
    code: "TB525",
    slug: "known-dangerous-workload-software",
    title: "Known dangerous software or nginx snippet annotation",
    severity: Severity::High,
    stride: &[Stride::ElevationOfPrivilege, Stride::InformationDisclosure],
    cwe: &[306, 94, 1104, 829, 22],
    stage: LifecycleStage::Orchestrator,
    cis: &[],
    peers: &[
        "CKV_K8S_33",
        "CKV_K8S_34",
        "CKV_K8S_45",
        "CKV_K8S_152",
        "CKV_K8S_153",
        "CKV_K8S_154",
        "CKV_K8S_159",
        "KSV-0102",
        "KCV-0093",
        "C-0014",
        "C-0059",
        "C-0081",
    ],
    remediation: "Remove Tiller (migrate to Helm 3, which has no in-cluster server); do not deploy the Kubernetes dashboard, or reach it only through `kubectl proxy` with a token and never with `--enable-skip-login`; pin git-sync to a reviewed repository and never set `GITSYNC_GIT`; upgrade Argo CD to 2.1.9, 2.2.4 or later; replace `nginx.ingress.kubernetes.io/*-snippet` annotations by dedicated annotations and set `allow-snippet-annotations: \"false\"` in the controller's ConfigMap.",
    docs: r#"
**What it detects.**
- a container image that is Tiller (`…/tiller:…`, Helm v2's in-cluster
  server) — high;
- a container image of the Kubernetes dashboard (`kubernetesui/dashboard…`,
  `…/kubernetes-dashboard…`), a pod labelled `k8s-app` or `app`
  `kubernetes-dashboard`, and dashboard arguments `--enable-skip-login` /
  `--enable-insecure-login` — medium;
- a container image of git-sync (`…/git-sync`) — low; medium at a
  `GITSYNC_GIT` / `GIT_SYNC_GIT` variable or `--git` argument, which makes
  git-sync run another program instead of `git`;
- a container image of Argo CD (`…/argocd`, or the 1.x component images
  `…/argocd-server`, `…/argocd-repo-server`,
  `…/argocd-application-controller`) whose tag is a version affected by
  CVE-2022-24348 (before 2.1.9, or 2.2.0 to 2.2.3) — high. Only plain
  `X.Y.Z` / `vX.Y.Z` tags are judged: `latest`, pre-releases, other tags
  and digests give no finding, since the version is then unknown;
- any object with an `nginx.ingress.kubernetes.io/…-snippet` annotation
  (`server-snippet`, `configuration-snippet`, `auth-snippet`,
  `stream-snippet`, …), whatever its value — high (CVE-2021-25742).

**Why it is a threat.** Tiller accepts unauthenticated gRPC from any pod and
installs charts with its own (usually cluster-admin) service account; Helm 3
removed it. The dashboard is a web UI holding cluster credentials; with
skip-login anyone who reaches it acts as its service account. git-sync
fetches and runs code at runtime with the pod's service account, and its
`GITSYNC_GIT` setting executes an arbitrary binary. Argo CD before 2.1.9
and 2.2.4 lets whoever may create an Application point Helm at values files
outside the chart's directory (path traversal, CVE-2022-24348): the repo
server then reads other applications' manifests and secrets from its disk.
Snippet annotations
inject raw nginx configuration into the shared controller: whoever may edit
an Ingress can read the controller's service-account token and every Secret
it sees (STRIDE: Elevation of privilege, Information disclosure).

**Example.**
```yaml
      containers:
      - image: gcr.io/kubernetes-helm/tiller:v2.16.9
```
```yaml
kind: Ingress
metadata:
  annotations:
    nginx.ingress.kubernetes.io/server-snippet: |
      location /x { content_by_lua_block { ... } }
```

**Fix.** Delete Tiller and use Helm 3; remove the dashboard (or expose it
only through `kubectl proxy`, with login); drop the snippet annotation for a
dedicated one and disable snippets in the controller:
```yaml
kind: ConfigMap
metadata: {name: ingress-nginx-controller}
data:
  allow-snippet-annotations: "false"
```
"#,
};

/// The repository path of an image reference, lower-cased, without tag or
/// digest: `gcr.io/kubernetes-helm/tiller:v2` → `gcr.io/kubernetes-helm/tiller`.
fn repository(image: &str) -> String {
    let name = image.split('@').next().unwrap_or(image);
    let name = match name.rfind(':') {
        Some(colon) if !name[colon..].contains('/') => &name[..colon],
        _ => name,
    };
    name.to_ascii_lowercase()
}

/// `name` is `base` or `base-<arch>` (old multi-arch image names).
fn is_named(name: &str, base: &str) -> bool {
    const ARCHES: &[&str] = &["amd64", "arm64", "arm", "ppc64le", "s390x", "386"];
    match name.strip_prefix(base) {
        Some("") => true,
        Some(rest) => rest
            .strip_prefix('-')
            .is_some_and(|arch| ARCHES.contains(&arch)),
        None => false,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Software {
    Tiller,
    Dashboard,
    GitSync,
    ArgoCd,
}

/// Argo CD's image (2.x) and its 1.x per-component images.
const ARGO_CD_IMAGES: &[&str] = &[
    "argocd",
    "argocd-server",
    "argocd-repo-server",
    "argocd-application-controller",
];

/// The tag of an image reference; `None` with a digest (the version is
/// then not what the tag says) or without a tag.
fn tag(image: &str) -> Option<&str> {
    if image.contains('@') {
        return None;
    }
    let colon = image.rfind(':')?;
    let tag = image.get(colon + 1..)?;
    (!tag.contains('/')).then_some(tag)
}

/// A plain release version `X.Y.Z` or `vX.Y.Z`; anything else (`latest`,
/// `v2.2.4-rc1`, `2.2`) is unknown.
fn release_version(tag: &str) -> Option<(u64, u64, u64)> {
    let text = tag.strip_prefix('v').unwrap_or(tag);
    let mut parts = text.split('.');
    let mut next = || -> Option<u64> {
        let part = parts.next()?;
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let version = (next()?, next()?, next()?);
    parts.next().is_none().then_some(version)
}

/// Affected by CVE-2022-24348: before 2.1.9, and 2.2.0 up to 2.2.3.
fn argo_cd_path_traversal(version: (u64, u64, u64)) -> bool {
    version < (2, 1, 9) || ((2, 2, 0)..(2, 2, 4)).contains(&version)
}

fn software(image: &str) -> Option<Software> {
    let repo = repository(image);
    let mut parts = repo.rsplit('/');
    let last = parts.next().unwrap_or_default();
    let owner = parts.next().unwrap_or_default();
    if last == "tiller" {
        Some(Software::Tiller)
    } else if is_named(last, "kubernetes-dashboard")
        || (owner == "kubernetesui" && (last == "dashboard" || last.starts_with("dashboard-")))
    {
        Some(Software::Dashboard)
    } else if is_named(last, "git-sync") {
        Some(Software::GitSync)
    } else if ARGO_CD_IMAGES.contains(&last) {
        Some(Software::ArgoCd)
    } else {
        None
    }
}

/// A dashboard flag that turns login off or allows it over plain HTTP.
fn insecure_dashboard_flag(word: &str) -> Option<&str> {
    let flag = word.split('=').next().unwrap_or(word);
    let value = word.split_once('=').map(|(_, v)| v);
    let on = value.is_none_or(|v| v.eq_ignore_ascii_case("true"));
    (on && matches!(flag, "--enable-skip-login" | "--enable-insecure-login")).then_some(flag)
}

/// git-sync's setting that names the program it runs instead of `git`.
fn git_override(container: &Container) -> Option<(String, Location)> {
    if let Some(env) = container
        .env
        .iter()
        .find(|e| e.name == "GITSYNC_GIT" || e.name == "GIT_SYNC_GIT")
    {
        return Some((env.name.clone(), env.location.clone()));
    }
    container
        .command
        .iter()
        .find(|w| w.value == "--git" || w.value.starts_with("--git="))
        .map(|w| ("--git".to_string(), w.location.clone()))
}

const DASHBOARD_LABELS: &[&str] = &["k8s-app", "app"];

/// Where the pod template's dashboard label is written, if it can be found.
fn dashboard_label_location(workload: &Workload, ctx: &RuleContext<'_>) -> Option<Location> {
    let object = ctx.system.kube_objects.iter().find(|o| {
        o.location.path == workload.location.path
            && o.location.start_line == workload.location.start_line
            && o.kind == workload.kind
    })?;
    let labels = pod_labels_node(object)?;
    labels
        .str_entries()
        .find(|(key, value)| {
            DASHBOARD_LABELS.contains(key) && value.as_str() == Some("kubernetes-dashboard")
        })
        .map(|(_, value)| object.loc(value))
}

fn pod_labels_node(object: &KubeObject) -> Option<&Node> {
    let node = &object.node;
    match object.kind.as_str() {
        "Pod" => node.path(&["metadata", "labels"]),
        "CronJob" => node.path(&[
            "spec",
            "jobTemplate",
            "spec",
            "template",
            "metadata",
            "labels",
        ]),
        _ => node.path(&["spec", "template", "metadata", "labels"]),
    }
}

const SNIPPET_PREFIX: &str = "nginx.ingress.kubernetes.io/";

impl Rule for KnownDangerousSoftware {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_workload(&self, workload: &Workload, ctx: &RuleContext<'_>, sink: &mut Sink) {
        let mut dashboard_image = false;
        for container in &workload.containers {
            let Some(image) = &container.image else {
                continue;
            };
            let who = subject(workload, container);
            match software(&image.value) {
                Some(Software::Tiller) => sink.push(Finding::new(
                    &META,
                    image.location.clone(),
                    format!(
                        "{who} runs Tiller (Helm v2): an unauthenticated in-cluster server that installs anything with its service account"
                    ),
                )),
                Some(Software::Dashboard) => {
                    dashboard_image = true;
                    sink.push(
                        Finding::new(
                            &META,
                            image.location.clone(),
                            format!(
                                "{who} runs the Kubernetes dashboard: a web UI acting with cluster credentials"
                            ),
                        )
                        .with_severity(Severity::Medium),
                    );
                }
                Some(Software::GitSync) => {
                    sink.push(
                        Finding::new(
                            &META,
                            image.location.clone(),
                            format!(
                                "{who} runs git-sync: code fetched at runtime with the pod's service account"
                            ),
                        )
                        .with_severity(Severity::Low),
                    );
                    if let Some((setting, location)) = git_override(container) {
                        sink.push(
                            Finding::new(
                                &META,
                                location,
                                format!(
                                    "{who} sets `{setting}`: git-sync runs that program instead of `git`"
                                ),
                            )
                            .with_severity(Severity::Medium),
                        );
                    }
                }
                Some(Software::ArgoCd) => {
                    let version = tag(&image.value).and_then(release_version);
                    if let Some((major, minor, patch)) =
                        version.filter(|v| argo_cd_path_traversal(*v))
                    {
                        sink.push(Finding::new(
                            &META,
                            image.location.clone(),
                            format!(
                                "{who} runs Argo CD {major}.{minor}.{patch}, affected by CVE-2022-24348: Helm values files outside the chart are read from the repo server, leaking other applications' manifests and secrets (fixed in 2.1.9 and 2.2.4)"
                            ),
                        ));
                    }
                }
                None => {}
            }
        }
        // Login flags are the dashboard's own: flag them on any image.
        for container in &workload.containers {
            for word in &container.command {
                if let Some(flag) = insecure_dashboard_flag(&word.value) {
                    sink.push(
                        Finding::new(
                            &META,
                            word.location.clone(),
                            format!(
                                "{} passes `{flag}`: the dashboard can be used without logging in",
                                subject(workload, container)
                            ),
                        )
                        .with_severity(Severity::Medium),
                    );
                }
            }
        }
        let labelled = DASHBOARD_LABELS.iter().any(|k| {
            workload.pod_labels.get(*k).map(String::as_str) == Some("kubernetes-dashboard")
        });
        if labelled && !dashboard_image && workload.platform == Platform::Kubernetes {
            let location = dashboard_label_location(workload, ctx)
                .unwrap_or_else(|| workload.location.clone());
            sink.push(
                Finding::new(
                    &META,
                    location,
                    format!(
                        "{} is labelled `kubernetes-dashboard`: it deploys the Kubernetes dashboard",
                        workload_subject(workload)
                    ),
                )
                .with_severity(Severity::Medium),
            );
        }
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        for object in &ctx.system.kube_objects {
            let Some(annotations) = object.node.path(&["metadata", "annotations"]) else {
                continue;
            };
            for (key_node, _) in annotations.as_map().unwrap_or_default() {
                let Some(key) = key_node.as_str() else {
                    continue;
                };
                let snippet = key
                    .strip_prefix(SNIPPET_PREFIX)
                    .is_some_and(|name| name.ends_with("-snippet"));
                if snippet {
                    sink.push(Finding::new(
                        &META,
                        object.loc(key_node),
                        format!(
                            "{} `{}` has annotation `{key}`: raw nginx configuration in the shared controller can read its service-account token (CVE-2021-25742)",
                            object.kind, object.name
                        ),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check_system, lines};
    use crate::model::rbac::test_support::kube_system;

    fn run(text: &str) -> Vec<Finding> {
        check_system(&KnownDangerousSoftware, &kube_system(&[("k8s.yaml", text)]))
    }

    fn severities(findings: &[Finding]) -> Vec<Severity> {
        findings.iter().map(|f| f.severity).collect()
    }

    #[test]
    fn flags_tiller_dashboard_and_git_sync_images() {
        let f = run("\
apiVersion: apps/v1
kind: Deployment
metadata: {name: tools}
spec:
  template:
    metadata:
      labels: {app: tools}
    spec:
      initContainers:
      - name: sync
        image: registry.k8s.io/git-sync/git-sync:v4.2.1
        env:
        - name: GITSYNC_GIT
          value: /tmp/payload/run
      containers:
      - name: tiller
        image: gcr.io/kubernetes-helm/tiller:v2.16.9
      - name: dash
        image: kubernetesui/dashboard:v2.7.0@sha256:abc
        args: [--auto-generate-certificates, --enable-skip-login]
      - name: old-dash
        image: k8s.gcr.io/kubernetes-dashboard-amd64:v1.10.1
      - name: old-sync
        image: k8s.gcr.io/git-sync
");
        assert_eq!(lines(&f), vec![11, 13, 17, 19, 20, 22, 24]);
        assert_eq!(
            severities(&f),
            vec![
                Severity::Low,
                Severity::Medium,
                Severity::High,
                Severity::Medium,
                Severity::Medium,
                Severity::Medium,
                Severity::Low,
            ]
        );
    }

    #[test]
    fn flags_dashboard_labels_once_when_no_dashboard_image() {
        let f = run("\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    metadata:
      labels:
        tier: web
        k8s-app: kubernetes-dashboard
        app: kubernetes-dashboard
    spec:
      containers:
      - name: web
        image: nginx:1.27
        args: [\"--enable-insecure-login=true\"]
---
apiVersion: v1
kind: Pod
metadata:
  name: p
  labels:
    app: kubernetes-dashboard
spec:
  containers:
  - name: c
    image: kubernetesui/dashboard-web:1.6.0
");
        // The pod's dashboard image already says it: its label adds nothing.
        assert_eq!(lines(&f), vec![9, 15, 26]);
    }

    #[test]
    fn flags_each_snippet_annotation_on_any_object() {
        let f = run("\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: app
  annotations:
    kubernetes.io/ingress.class: nginx
    nginx.ingress.kubernetes.io/server-snippet: |
      location /x { return 200; }
    nginx.ingress.kubernetes.io/configuration-snippet: 'more_set_headers \"A: b\";'
    nginx.ingress.kubernetes.io/auth-snippet: \"\"
    nginx.ingress.kubernetes.io/rewrite-target: /$2
spec:
  rules: [{host: a.example.com}]
---
apiVersion: v1
kind: Service
metadata:
  name: tcp
  annotations:
    nginx.ingress.kubernetes.io/stream-snippet: \"server {}\"
");
        assert_eq!(lines(&f), vec![7, 9, 10, 20]);
        assert!(f.iter().all(|x| x.severity == Severity::High));
        assert!(f[0].message.contains("CVE-2021-25742"));
    }

    #[test]
    fn ignores_nginx_look_alikes_and_safe_flags() {
        let f = run("\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx
  annotations:
    nginx.ingress.kubernetes.io/ssl-redirect: \"true\"
    example.com/server-snippet: x
spec:
  template:
    metadata:
      labels: {app: nginx}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        args: [--enable-skip-login=false]
      - name: docs
        image: example.com/my-tiller-docs:1.0
      - name: sync-ui
        image: example.com/git-sync-dashboard:2
      - name: scraper
        image: kubernetesui/metrics-scraper:v1.0.8
");
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn reads_image_repositories() {
        assert_eq!(
            repository("Registry:5000/Helm/Tiller:v2@sha256:x"),
            "registry:5000/helm/tiller"
        );
        assert_eq!(
            repository("localhost:5000/git-sync"),
            "localhost:5000/git-sync"
        );
        assert!(software("ghcr.io/helm/tiller") == Some(Software::Tiller));
        assert!(software("k8s.gcr.io/git-sync-arm64:v2.0.6") == Some(Software::GitSync));
        assert!(software("tiller-proxy:1").is_none());
        assert!(software("").is_none());
    }

    #[test]
    fn malformed_annotations_images_and_args_give_no_finding() {
        let f = run("\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: listed
  annotations: [nginx.ingress.kubernetes.io/server-snippet]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: odd}
spec:
  template:
    metadata:
      labels: [k8s-app, kubernetes-dashboard]
    spec:
      containers:
      - {name: a, image: \"\"}
      - {name: b, image: \":\"}
      - {name: c, image: \"@\", args: 42}
      - {name: d, image: [tiller]}
");
        assert!(f.is_empty(), "{f:?}");
        for image in ["/", ":/", "a:b:c", "é/tiller:v1"] {
            let _ = software(image);
        }
        assert!(software("é/tiller:v1") == Some(Software::Tiller));
    }

    #[test]
    fn flags_argo_cd_versions_affected_by_cve_2022_24348() {
        let f = run("\
apiVersion: v1
kind: Pod
metadata: {name: argocd}
spec:
  containers:
  - {name: a, image: quay.io/argoproj/argocd:v2.1.8}
  - {name: b, image: quay.io/argoproj/argocd:v2.1.9}
  - {name: c, image: argoproj/argocd:v2.2.3}
  - {name: d, image: argoproj/argocd:v2.2.4}
  - {name: e, image: argoproj/argocd:2.0.10}
  - {name: f, image: argoproj/argocd-server:v1.8.7}
  - {name: g, image: argoproj/argocd:v2.3.0}
  - {name: h, image: argoproj/argocd:v2.10.1}
  - {name: i, image: argoproj/argocd:latest}
  - {name: j, image: argoproj/argocd:v2.2.3-rc1}
  - {name: k, image: argoproj/argocd}
  - {name: l, image: \"argoproj/argocd:v2.2.3@sha256:0123456789abcdef\"}
  - {name: m, image: registry:5000/argoproj/argocd}
  - {name: n, image: example/argocd-notifications:v1.0.0}
");
        assert_eq!(lines(&f), vec![6, 8, 10, 11]);
        assert!(f.iter().all(|f| f.severity == Severity::High), "{f:?}");
        assert!(
            f[1].message
                .contains("runs Argo CD 2.2.3, affected by CVE-2022-24348"),
            "{}",
            f[1].message
        );
    }

    #[test]
    fn reads_release_versions_only() {
        assert_eq!(release_version("v2.1.8"), Some((2, 1, 8)));
        assert_eq!(release_version("2.10.0"), Some((2, 10, 0)));
        for unknown in [
            "latest",
            "v2.2",
            "v2.2.4-rc1",
            "v2.2.4.1",
            "v..1",
            "vé.1.2",
            "",
        ] {
            assert_eq!(release_version(unknown), None, "{unknown}");
        }
        assert_eq!(tag("a/b:v1"), Some("v1"));
        assert_eq!(tag("registry:5000/b"), None);
        assert_eq!(tag("b@sha256:ab"), None);
        assert!(argo_cd_path_traversal((1, 8, 7)));
        assert!(!argo_cd_path_traversal((2, 1, 9)));
        assert!(argo_cd_path_traversal((2, 2, 0)));
        assert!(!argo_cd_path_traversal((2, 2, 4)));
        assert!(!argo_cd_path_traversal((2, 3, 0)));
    }
}
