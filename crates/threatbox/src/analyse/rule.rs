//! Rule metadata and the trait every rule implements.
//!
//! A rule lives in one file under `analyse/rules/`, holding its [`RuleMeta`]
//! (the single source of the catalogue, `threatbox rules`, `threatbox explain`
//! and the SARIF rule descriptors), its check and its tests.

use serde::Serialize;

use super::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::config::Config;
use crate::model::System;
use crate::model::image::BuildImage;
use crate::model::runtime::Workload;

/// Everything known about a rule apart from its check.
#[derive(Debug, Serialize)]
pub struct RuleMeta {
    /// Stable code, e.g. `TB101`. Never reused once published.
    pub code: &'static str,
    /// Stable kebab-case name, e.g. `secret-in-env`.
    pub slug: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    /// STRIDE categories this weakness enables; never empty.
    pub stride: &'static [Stride],
    /// CWE ids (numbers only) at Base/Variant/Class level in CWE-1000.
    pub cwe: &'static [u32],
    pub stage: LifecycleStage,
    /// CIS Docker / CIS Kubernetes benchmark ids, e.g. `CIS-Docker-4.1`.
    pub cis: &'static [&'static str],
    /// Equivalent rules of other tools (hadolint, Checkov, Trivy, KICS…), so
    /// users migrating can map their suppressions and reports.
    pub peers: &'static [&'static str],
    /// One paragraph: what to change.
    pub remediation: &'static str,
    /// Markdown: what it detects, why it is a threat (STRIDE, attack), an
    /// example and the fix. Shown by `threatbox explain CODE`.
    pub docs: &'static str,
}

impl RuleMeta {
    pub fn cwe_ids(&self) -> impl Iterator<Item = String> + '_ {
        self.cwe.iter().map(|n| format!("CWE-{n}"))
    }
    pub fn stride_letters(&self) -> String {
        self.stride.iter().map(|s| s.letter()).collect()
    }
}

/// Where rules report to.
pub type Sink = Vec<Finding>;

/// What a rule may read besides the model element it checks: the run's
/// configuration (e.g. the trusted registries). Passed by reference so that
/// fields can be added without touching every rule.
#[derive(Debug, Clone, Copy)]
pub struct RuleContext<'a> {
    pub config: &'a Config,
    /// The whole model, for rules that look across elements (e.g. the image
    /// a compose service builds, the ServiceAccount of a pod).
    pub system: &'a System,
}

/// A rule. Each hook is called once per model element of that kind; a rule
/// implements only those it needs.
pub trait Rule: Sync + Send {
    fn meta(&self) -> &'static RuleMeta;

    /// Called once for each image built from a Dockerfile.
    fn check_image(&self, _image: &BuildImage, _sink: &mut Sink) {}

    /// Like [`Rule::check_image`], for rules that need the configuration.
    /// The analysis calls this hook; its default forwards to `check_image`,
    /// so rules that need no context implement `check_image` only.
    fn check_image_with(&self, image: &BuildImage, _ctx: &RuleContext<'_>, sink: &mut Sink) {
        self.check_image(image, sink)
    }

    /// Called once for each workload (Kubernetes pod template, compose
    /// service, inspected container); its containers are in
    /// `workload.containers`.
    fn check_workload(&self, _workload: &Workload, _ctx: &RuleContext<'_>, _sink: &mut Sink) {}

    /// Called once for each image read from a `docker save` archive or an
    /// OCI layout (`System::image_archives`).
    fn check_image_archive(
        &self,
        _archive: &crate::model::image_archive::ImageArchive,
        _ctx: &RuleContext<'_>,
        _sink: &mut Sink,
    ) {
    }

    /// Called once with the whole system (`ctx.system`), for rules about
    /// things that are not images or workloads (RBAC, control plane, daemon
    /// settings) or that join several of them.
    fn check_system(&self, _ctx: &RuleContext<'_>, _sink: &mut Sink) {}
}
