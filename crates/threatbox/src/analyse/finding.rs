//! What a rule reports: the finding, its severity, STRIDE categories and the
//! lifecycle stage it belongs to.

use std::fmt;

use serde::Serialize;

use super::rule::RuleMeta;
use crate::source::Location;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    serde::Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
    /// One step lower (used for findings in non-final build stages, which do
    /// not ship but still leak into caches and CI logs).
    pub fn lowered(self) -> Severity {
        match self {
            Severity::Critical => Severity::High,
            Severity::High => Severity::Medium,
            Severity::Medium => Severity::Low,
            Severity::Low | Severity::Info => Severity::Info,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The STRIDE threat categories (Microsoft SDL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stride {
    Spoofing,
    Tampering,
    Repudiation,
    InformationDisclosure,
    DenialOfService,
    ElevationOfPrivilege,
}

impl Stride {
    pub const ALL: [Stride; 6] = [
        Stride::Spoofing,
        Stride::Tampering,
        Stride::Repudiation,
        Stride::InformationDisclosure,
        Stride::DenialOfService,
        Stride::ElevationOfPrivilege,
    ];
    pub fn letter(self) -> &'static str {
        match self {
            Stride::Spoofing => "S",
            Stride::Tampering => "T",
            Stride::Repudiation => "R",
            Stride::InformationDisclosure => "I",
            Stride::DenialOfService => "D",
            Stride::ElevationOfPrivilege => "E",
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Stride::Spoofing => "Spoofing",
            Stride::Tampering => "Tampering",
            Stride::Repudiation => "Repudiation",
            Stride::InformationDisclosure => "Information disclosure",
            Stride::DenialOfService => "Denial of service",
            Stride::ElevationOfPrivilege => "Elevation of privilege",
        }
    }
}

impl Serialize for Stride {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.letter())
    }
}

/// Lifecycle stage, following the seed document and NIST SP 800-190.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LifecycleStage {
    Build,
    Image,
    Registry,
    Orchestrator,
    Runtime,
    Host,
}

impl LifecycleStage {
    pub fn as_str(self) -> &'static str {
        match self {
            LifecycleStage::Build => "build",
            LifecycleStage::Image => "image",
            LifecycleStage::Registry => "registry",
            LifecycleStage::Orchestrator => "orchestrator",
            LifecycleStage::Runtime => "runtime",
            LifecycleStage::Host => "host",
        }
    }
}

/// A secondary location that explains a finding (e.g. where `USER root` was set).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct RelatedLocation {
    pub message: String,
    #[serde(flatten)]
    pub location: Location,
}

/// Why a finding is not counted.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Suppression {
    /// `inline` (a comment in the file) or `config` (`.threatbox.toml`).
    pub kind: &'static str,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// One problem found in the system, tied to the place that causes it.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: &'static RuleMeta,
    /// Specific to this case; never contains a secret value.
    pub message: String,
    /// The rule's default severity unless the case warrants another.
    pub severity: Severity,
    pub location: Location,
    pub related: Vec<RelatedLocation>,
    /// Stable across runs and unrelated edits: rule, path and the normalised
    /// text of the offending line, not its line number.
    pub fingerprint: String,
    pub suppression: Option<Suppression>,
}

impl Finding {
    pub fn new(rule: &'static RuleMeta, location: Location, message: impl Into<String>) -> Self {
        Finding {
            rule,
            message: message.into(),
            severity: rule.severity,
            location,
            related: Vec::new(),
            fingerprint: String::new(),
            suppression: None,
        }
    }

    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub fn with_related(mut self, location: Location, message: impl Into<String>) -> Self {
        self.related.push(RelatedLocation {
            message: message.into(),
            location,
        });
        self
    }

    /// Deterministic order for every output: path, position, then rule.
    pub fn sort_key(&self) -> impl Ord + '_ {
        (
            &self.location.path,
            self.location.start_line,
            self.location.start_column,
            self.rule.code,
            &self.message,
        )
    }
}
