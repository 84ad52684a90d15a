//! Compose files: each service becomes a [`super::runtime::Workload`].

use std::sync::Arc;

use super::Fragment;
use crate::parse::yaml::Node;
use crate::source::SourceFile;

/// Adds a compose file (a document with top-level `services`).
pub fn add_document(_fragment: &mut Fragment, _source: &Arc<SourceFile>, _root: &Node) {}
