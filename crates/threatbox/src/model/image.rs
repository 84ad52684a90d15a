//! Images built from a Dockerfile: build stages, what each is based on, the
//! variables in scope, the user each stage runs as, and which stage ships.

use std::ops::Range;

use crate::parse::dockerfile::{Dockerfile, Instruction};
use crate::parse::dockerignore::DockerIgnore;
use crate::parse::shell::RunScript;
use crate::source::{Location, Span};

/// An image as described by one Dockerfile.
#[derive(Debug)]
pub struct BuildImage {
    pub dockerfile: Dockerfile,
    pub stages: Vec<BuildStage>,
    /// Indices of `ARG` instructions before the first `FROM`.
    pub global_args: Vec<usize>,
    /// The `.dockerignore` of the build context (next to the Dockerfile, or
    /// `<Dockerfile>.dockerignore`), when there is one.
    pub dockerignore: Option<DockerIgnore>,
    /// The shell scripts of each instruction, tokenised on first use and
    /// shared by every rule (see [`BuildImage::run_scripts`]).
    pub(crate) scripts: std::sync::OnceLock<Vec<Vec<RunScript>>>,
}

/// One `FROM` … up to the next `FROM`.
#[derive(Debug)]
pub struct BuildStage {
    pub index: usize,
    /// The `AS name`, lower-cased as BuildKit does.
    pub name: Option<String>,
    /// Index of the `FROM` instruction.
    pub from: usize,
    /// Indices of the instructions after `FROM` that belong to this stage.
    pub body: Range<usize>,
    pub base: BaseImage,
    /// The last stage (or the `--target`) is what ships.
    pub is_final: bool,
    /// The final stage copies files from this one (directly or through other
    /// stages), or is based on it.
    pub feeds_final: bool,
    /// The user the stage's process runs as at its end: its own last `USER`,
    /// or the one inherited from a parent stage. `None`: never set (root
    /// unless the base image sets one).
    pub user: Option<UserSetting>,
}

#[derive(Debug, Clone)]
pub struct UserSetting {
    /// As written, with variables expanded where known.
    pub value: String,
    /// Index of the `USER` instruction.
    pub instruction: usize,
    /// Set by a parent stage (`FROM <stage>`), not this one.
    pub inherited: bool,
}

impl UserSetting {
    /// `root`, `0`, `root:…`, `0:…` (the group does not lower privilege).
    pub fn is_root(&self) -> bool {
        let user = self.value.split(':').next().unwrap_or("").trim();
        user == "root" || user == "0"
    }
}

/// What a stage's `FROM` points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaseImage {
    /// `FROM scratch`.
    Scratch,
    /// An earlier stage of the same Dockerfile, by index.
    Stage(usize),
    /// A registry image.
    Image(ImageRef),
    /// Depends on a build argument with no default: cannot be judged.
    Unresolved { raw: String },
}

/// A parsed image reference, e.g. `registry.example.com:5000/team/app:1.2@sha256:…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// The reference after variable expansion.
    pub text: String,
    /// `None` means Docker Hub.
    pub registry: Option<String>,
    /// Path without registry as written, e.g. `python` or `team/app` (no
    /// `library/` is added for Docker Hub; see [`ImageRef::qualified_repository`]).
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
    /// The reference came (partly) from build arguments.
    pub from_variables: bool,
}

impl ImageRef {
    /// Parses an (expanded) image reference. The first path component is a
    /// registry when it contains `.` or `:` or is `localhost`, as in the
    /// distribution reference grammar; a tag follows the last `:` after the
    /// last `/`; a digest follows `@`.
    pub fn parse(text: &str, from_variables: bool) -> ImageRef {
        let text = text.trim();
        let (name, digest) = match text.split_once('@') {
            Some((n, d)) => (n, Some(d.to_string())),
            None => (text, None),
        };
        let (registry, path) = match name.split_once('/') {
            Some((first, rest))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (Some(first.to_string()), rest)
            }
            _ => (None, name),
        };
        let last_slash = path.rfind('/').map_or(0, |i| i + 1);
        let (repository, tag) = match path[last_slash..].rfind(':') {
            Some(i) => (
                &path[..last_slash + i],
                Some(path[last_slash + i + 1..].to_string()),
            ),
            None => (path, None),
        };
        ImageRef {
            text: text.to_string(),
            registry,
            repository: repository.to_string(),
            tag,
            digest,
            from_variables,
        }
    }

    /// Docker Hub (no registry, or one of its host names)?
    pub fn is_docker_hub(&self) -> bool {
        matches!(
            self.registry.as_deref(),
            None | Some("docker.io" | "index.docker.io" | "registry-1.docker.io")
        )
    }

    /// Registry and repository in full, for trust decisions:
    /// `python` → `docker.io/library/python`, `gcr.io/distroless/static`
    /// stays as it is.
    pub fn qualified_repository(&self) -> String {
        if self.is_docker_hub() {
            if self.repository.contains('/') {
                format!("docker.io/{}", self.repository)
            } else {
                format!("docker.io/library/{}", self.repository)
            }
        } else {
            format!(
                "{}/{}",
                self.registry.as_deref().unwrap_or_default(),
                self.repository
            )
        }
    }

    /// Pinned by digest (the only immutable reference)?
    pub fn is_pinned(&self) -> bool {
        self.digest.is_some()
    }
}

/// The result of expanding `$VAR`, `${VAR}`, `${VAR:-default}`,
/// `${VAR:+alt}` against the ARG/ENV values in scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expanded {
    pub value: String,
    /// `false` when some variable had no known value (it was left as written).
    pub complete: bool,
}

impl BuildImage {
    pub fn instruction(&self, index: usize) -> &Instruction {
        &self.dockerfile.instructions[index]
    }

    pub fn final_stage(&self) -> Option<&BuildStage> {
        self.stages.iter().find(|s| s.is_final)
    }

    /// The instructions of a stage (after its `FROM`) with their indices.
    pub fn stage_instructions<'a>(
        &'a self,
        stage: &BuildStage,
    ) -> impl Iterator<Item = (usize, &'a Instruction)> + 'a {
        stage
            .body
            .clone()
            .map(move |i| (i, &self.dockerfile.instructions[i]))
    }

    /// The scripts instruction `index` runs (a `RUN`, or an `ONBUILD RUN`):
    /// computed once per image, whatever number of rules ask.
    pub fn run_scripts(&self, index: usize) -> &[RunScript] {
        let all = self.scripts.get_or_init(|| {
            self.dockerfile
                .instructions
                .iter()
                .map(crate::parse::shell::run_scripts)
                .collect()
        });
        all.get(index).map_or(&[], Vec::as_slice)
    }

    pub fn location(&self, span: &Span) -> Location {
        self.dockerfile.source.location(span)
    }

    pub fn path(&self) -> &std::sync::Arc<str> {
        &self.dockerfile.source.path
    }
}
