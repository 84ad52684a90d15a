//! Helpers for rule tests: run one rule over Dockerfile text.

use std::sync::Arc;

use crate::analyse::finding::Finding;
use crate::analyse::rule::{Rule, RuleContext};
use crate::config::Config;
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
    rule.check_image_with(image, &RuleContext { config }, &mut sink);
    sink.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    sink
}

/// Start lines of the findings, for compact assertions.
pub fn lines(findings: &[Finding]) -> Vec<usize> {
    findings.iter().map(|f| f.location.start_line).collect()
}
