//! Kubernetes objects: every object of a manifest or cluster dump is kept as
//! a [`KubeObject`] (unknown kinds and CRDs included); pod templates become
//! [`Workload`]s.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::Fragment;
use crate::parse::yaml::Node;
use crate::source::{Location, SourceFile};

/// One Kubernetes object with its spanned tree.
#[derive(Debug, Clone)]
pub struct KubeObject {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    /// As written; `None` when the object names none.
    pub namespace: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    /// The whole object.
    pub node: Node,
    pub source: Arc<SourceFile>,
    pub location: Location,
}

impl KubeObject {
    /// Location of a node of this object.
    pub fn loc(&self, node: &Node) -> Location {
        self.source.location(&node.span)
    }
}

/// Adds one YAML/JSON document that holds a Kubernetes object (or a `List`)
/// to the fragment.
pub fn add_document(_fragment: &mut Fragment, _source: &Arc<SourceFile>, _root: &Node) {}
