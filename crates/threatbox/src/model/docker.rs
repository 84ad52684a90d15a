//! Docker engine inputs: `docker inspect` output (each record a
//! [`super::runtime::Workload`]) and the daemon's `daemon.json`.

use std::sync::Arc;

use super::Fragment;
use crate::parse::yaml::Node;
use crate::source::{Location, SourceFile};

/// A `daemon.json`, kept as its spanned tree.
#[derive(Debug, Clone)]
pub struct DaemonConfig {
    pub node: Node,
    pub source: Arc<SourceFile>,
    pub location: Location,
}

/// Adds a `docker inspect` array of container records.
pub fn add_inspect(_fragment: &mut Fragment, _source: &Arc<SourceFile>, _root: &Node) {}

/// Adds a `daemon.json`.
pub fn add_daemon(fragment: &mut Fragment, source: &Arc<SourceFile>, root: &Node) {
    fragment.daemons.push(DaemonConfig {
        node: root.clone(),
        source: source.clone(),
        location: source.location(&root.span),
    });
}
