//! `.dockerignore`: which files of the build context `COPY`/`ADD` can see.

use std::path::Path;
use std::sync::Arc;

use crate::source::Diagnostic;

/// A parsed `.dockerignore`.
#[derive(Debug)]
pub struct DockerIgnore {
    pub path: Arc<str>,
}

impl DockerIgnore {
    /// Is `path` (relative to the build context, `/`-separated) excluded?
    pub fn is_excluded(&self, _path: &str) -> bool {
        false
    }
}

/// The `.dockerignore` that applies to a Dockerfile: `<Dockerfile>.dockerignore`
/// beside it, else `.dockerignore` in its directory (the usual build context).
pub fn find_for(_dockerfile: &Path) -> Option<Result<DockerIgnore, Diagnostic>> {
    None
}
