//! Helpers for rule tests: run one rule over Dockerfile text.

use std::sync::Arc;

use crate::analyse::finding::Finding;
use crate::analyse::rule::{Rule, RuleContext};
use crate::config::Config;
use crate::model::System;
use crate::model::build::build_image;
use crate::model::image::BuildImage;
use crate::parse::dockerfile::parse;
use crate::source::SourceFile;

/// Parses `text` as `Dockerfile` and models it (no `.dockerignore`).
pub fn image(text: &str) -> BuildImage {
    let source = Arc::new(SourceFile::new("Dockerfile", text.to_string()));
    build_image(parse(source), None)
}

/// Findings of `rule` on `text`, sorted by position.
pub fn check(rule: &dyn Rule, text: &str) -> Vec<Finding> {
    check_image(rule, &image(text))
}

pub fn check_image(rule: &dyn Rule, image: &BuildImage) -> Vec<Finding> {
    check_image_with(rule, image, &Config::default())
}

/// Findings of `rule` on `text` under a given configuration.
pub fn check_with(rule: &dyn Rule, text: &str, config: &Config) -> Vec<Finding> {
    check_image_with(rule, &image(text), config)
}

pub fn check_image_with(rule: &dyn Rule, image: &BuildImage, config: &Config) -> Vec<Finding> {
    let mut sink = Vec::new();
    let system = System::default();
    rule.check_image_with(
        image,
        &RuleContext {
            config,
            system: &system,
        },
        &mut sink,
    );
    sink.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    sink
}

/// Start lines of the findings, for compact assertions.
pub fn lines(findings: &[Finding]) -> Vec<usize> {
    findings.iter().map(|f| f.location.start_line).collect()
}

/// Builds a system from in-memory files (`(path, text)`): Dockerfiles by
/// name, everything else as YAML/JSON by content, then resolves it.
pub fn system(files: &[(&str, &str)]) -> System {
    let mut system = System::default();
    for (path, text) in files {
        let source = Arc::new(SourceFile::new(*path, text.to_string()));
        let kind = crate::discover::kind_by_name(std::path::Path::new(path));
        if kind == Some(crate::discover::InputKind::Dockerfile) {
            system.images.push(build_image(parse(source), None));
        } else {
            let json = kind == Some(crate::discover::InputKind::Json);
            let (fragment, _) = crate::model::load::load(&source, json, true);
            system.add(fragment);
        }
    }
    crate::model::resolve::resolve(&mut system);
    system
}

/// Findings of `rule` (all hooks) over `system`, sorted by position.
pub fn check_system(rule: &'static dyn Rule, system: &System) -> Vec<Finding> {
    let mut findings = crate::analyse::run_rules(system, &Config::default(), &[rule]);
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings
}

/// Findings of `rule` over one YAML/JSON file named `path`.
pub fn check_file(rule: &'static dyn Rule, path: &str, text: &str) -> Vec<Finding> {
    check_system(rule, &system(&[(path, text)]))
}

/// Findings of `rule` on one image archive, sorted by message.
pub fn check_archive(
    rule: &dyn Rule,
    archive: &crate::model::image_archive::ImageArchive,
) -> Vec<Finding> {
    check_archive_with(rule, archive, &Config::default())
}

pub fn check_archive_with(
    rule: &dyn Rule,
    archive: &crate::model::image_archive::ImageArchive,
    config: &Config,
) -> Vec<Finding> {
    let mut sink = Vec::new();
    let system = System::default();
    rule.check_image_archive(
        archive,
        &RuleContext {
            config,
            system: &system,
        },
        &mut sink,
    );
    sink.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    sink
}
