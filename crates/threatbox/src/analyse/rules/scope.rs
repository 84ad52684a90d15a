//! Which build stages end up in the shipped image. Shared by the rules that
//! judge the final image rather than every stage: a multi-stage build whose
//! builder runs as root, or installs a compiler, ships neither.

use crate::model::image::{BaseImage, BuildImage, BuildStage, ImageRef};
use crate::parse::dockerfile::{InstrKind, Instruction};
use crate::source::Span;

/// How a stage relates to the image that ships.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageRole {
    /// The stage that ships (the last one, or the `--target`).
    Final,
    /// The final stage is built `FROM` this one (directly or through other
    /// stages): its layers, user, ports and health check are in the image.
    Parent,
    /// The final image copies files from this stage, but not its layers.
    Feeds,
    /// Nothing of this stage reaches the final image.
    Unused,
}

impl StageRole {
    /// Its layers are part of the shipped image.
    pub fn ships(self) -> bool {
        matches!(self, StageRole::Final | StageRole::Parent)
    }
}

/// The role of every stage, indexed like `image.stages`.
pub fn roles(image: &BuildImage) -> Vec<StageRole> {
    let mut roles: Vec<StageRole> = image
        .stages
        .iter()
        .map(|s| {
            if s.feeds_final {
                StageRole::Feeds
            } else {
                StageRole::Unused
            }
        })
        .collect();
    let chain = final_chain(image);
    for (n, stage) in chain.iter().rev().enumerate() {
        if let Some(role) = position(image, stage).and_then(|i| roles.get_mut(i)) {
            *role = if n == 0 {
                StageRole::Final
            } else {
                StageRole::Parent
            };
        }
    }
    roles
}

fn position(image: &BuildImage, stage: &BuildStage) -> Option<usize> {
    // A stage's `index` is its position; the linear search is only a
    // fallback (it made `roles` quadratic in the number of stages).
    match image.stages.get(stage.index) {
        Some(s) if std::ptr::eq(s, stage) => Some(stage.index),
        _ => image.stages.iter().position(|s| std::ptr::eq(s, stage)),
    }
}

/// The final stage and the stages it is built `FROM`, oldest ancestor first:
/// the Dockerfile part of the shipped image's history. Empty when no stage
/// is final.
pub fn final_chain(image: &BuildImage) -> Vec<&BuildStage> {
    let mut chain = Vec::new();
    let mut current = image.final_stage();
    // A parent always comes earlier in the file; the bound guards against a
    // malformed model all the same.
    while let Some(stage) = current {
        if chain.len() > image.stages.len() {
            break;
        }
        chain.push(stage);
        current = match &stage.base {
            BaseImage::Stage(i) if *i != stage.index => image.stages.get(*i),
            _ => None,
        };
    }
    chain.reverse();
    chain
}

/// The first stage of the final chain: the one whose `FROM` names the
/// external base image (or `scratch`) of the shipped image.
pub fn root_of_final(image: &BuildImage) -> Option<&BuildStage> {
    final_chain(image).into_iter().next()
}

/// One instruction of a stage, with `ONBUILD` triggers unwrapped.
#[derive(Debug, Clone, Copy)]
pub struct StageInstruction<'a> {
    pub stage: &'a BuildStage,
    pub role: StageRole,
    /// Index of the instruction in the Dockerfile (of the `ONBUILD` for a
    /// trigger).
    pub index: usize,
    pub instr: &'a Instruction,
    /// The instruction is an `ONBUILD` trigger: it runs when another image
    /// is built `FROM` this one, not in this build.
    pub onbuild: bool,
}

/// Every instruction after a `FROM`, in file order, `ONBUILD` triggers
/// replaced by the instruction they carry.
pub fn instructions(image: &BuildImage) -> Vec<StageInstruction<'_>> {
    let roles = roles(image);
    let mut out = Vec::new();
    for (n, stage) in image.stages.iter().enumerate() {
        let role = roles.get(n).copied().unwrap_or(StageRole::Unused);
        for index in stage.body.clone() {
            let Some(instr) = image.dockerfile.instructions.get(index) else {
                continue;
            };
            let (instr, onbuild) = match &instr.kind {
                InstrKind::Onbuild(inner) => (inner.as_ref(), true),
                _ => (instr, false),
            };
            out.push(StageInstruction {
                stage,
                role,
                index,
                instr,
                onbuild,
            });
        }
    }
    out
}

/// The instructions that build the shipped image (final stage and its
/// parents), in order, without `ONBUILD` triggers.
pub fn shipped_instructions(image: &BuildImage) -> Vec<StageInstruction<'_>> {
    instructions(image)
        .into_iter()
        .filter(|i| i.role.ships() && !i.onbuild)
        .collect()
}

/// How a stage is named in messages: `stage "builder"` or `stage 2`.
pub fn stage_label(stage: &BuildStage) -> String {
    match &stage.name {
        Some(name) => format!("stage \"{name}\""),
        None => format!("stage {}", stage.index + 1),
    }
}

/// How a registry image enters the build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageUse {
    /// `FROM image`.
    Base,
    /// `COPY --from=image` or `RUN --mount=from=image`.
    CopyFrom,
}

/// A registry image the build pulls, with where it is named.
#[derive(Debug, Clone)]
pub struct ExternalImage<'a> {
    pub reference: ImageRef,
    /// The image word of the `FROM`, or the `--from`/`--mount` flag.
    pub span: Span,
    /// The stage that uses it.
    pub stage: &'a BuildStage,
    pub role: StageRole,
    pub via: ImageUse,
}

impl ExternalImage<'_> {
    /// `base image `x` of stage "build"` / `image `x` of COPY --from in stage 2`.
    pub fn describe(&self) -> String {
        match self.via {
            ImageUse::Base => format!(
                "base image `{}` of {}",
                self.reference.text,
                stage_label(self.stage)
            ),
            ImageUse::CopyFrom => format!(
                "image `{}` that {} copies or mounts files from",
                self.reference.text,
                stage_label(self.stage)
            ),
        }
    }
}

/// Every registry image the build pulls: resolved `FROM` bases (not
/// `scratch`, stages or unresolvable references) and `COPY --from` /
/// `RUN --mount=from=` values that name no stage. References whose
/// variables cannot be resolved are left out.
pub fn external_images(image: &BuildImage) -> Vec<ExternalImage<'_>> {
    let roles = roles(image);
    let mut out = Vec::new();
    for (n, stage) in image.stages.iter().enumerate() {
        let role = roles.get(n).copied().unwrap_or(StageRole::Unused);
        if let BaseImage::Image(reference) = &stage.base {
            let from = image.instruction(stage.from);
            let span = match &from.kind {
                InstrKind::From(f) => f.image.span.clone(),
                _ => from.span.clone(),
            };
            out.push(ExternalImage {
                reference: reference.clone(),
                span,
                stage,
                role,
                via: ImageUse::Base,
            });
        }
        for index in stage.body.clone() {
            let Some(instr) = image.dockerfile.instructions.get(index) else {
                continue;
            };
            for flag in &instr.flags {
                let Some(value) = flag.value.as_deref() else {
                    continue;
                };
                let named = match (&instr.kind, flag.name.to_ascii_lowercase().as_str()) {
                    (InstrKind::Copy(_) | InstrKind::Add(_), "from") => Some(value.to_string()),
                    (InstrKind::Run(_), "mount") => value.split(',').find_map(|kv| {
                        let (k, v) = kv.split_once('=')?;
                        k.trim()
                            .eq_ignore_ascii_case("from")
                            .then(|| v.trim().to_string())
                    }),
                    _ => None,
                };
                let Some(named) = named else {
                    continue;
                };
                let expanded = image.expand(stage.index, index, &named);
                let text = expanded.value.trim();
                if !expanded.complete
                    || text.is_empty()
                    || text.eq_ignore_ascii_case("scratch")
                    || image.stage_by_reference(text, image.stages.len()).is_some()
                {
                    continue;
                }
                out.push(ExternalImage {
                    reference: ImageRef::parse(text, text != named.trim()),
                    span: flag.span.clone(),
                    stage,
                    role,
                    via: ImageUse::CopyFrom,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::image;

    #[test]
    fn roles_follow_from_and_copy_edges() {
        let img = image(
            "FROM alpine:3.20 AS base\n\
             FROM golang:1.23 AS build\n\
             FROM alpine:3.20 AS lint\n\
             FROM base\n\
             COPY --from=build /app /app\n",
        );
        assert_eq!(
            roles(&img),
            vec![
                StageRole::Parent,
                StageRole::Feeds,
                StageRole::Unused,
                StageRole::Final
            ]
        );
        let chain: Vec<usize> = final_chain(&img).iter().map(|s| s.index).collect();
        assert_eq!(chain, vec![0, 3]);
        assert_eq!(root_of_final(&img).map(|s| s.index), Some(0));
    }

    #[test]
    fn onbuild_triggers_are_unwrapped_but_not_shipped() {
        let img = image("FROM alpine:3.20\nONBUILD RUN true\nRUN true\n");
        let all = instructions(&img);
        assert_eq!(all.len(), 2);
        assert!(all[0].onbuild && matches!(all[0].instr.kind, InstrKind::Run(_)));
        assert_eq!(shipped_instructions(&img).len(), 1);
    }

    #[test]
    fn external_images_skip_stages_scratch_and_unknown_variables() {
        let img = image(
            "ARG TOOLS\nFROM alpine:3.20 AS build\nFROM scratch\nCOPY --from=build /a /a\nCOPY --from=busybox:1.36 /b /b\nCOPY --from=${TOOLS} /c /c\n",
        );
        let names: Vec<(String, ImageUse)> = external_images(&img)
            .into_iter()
            .map(|e| (e.reference.text, e.via))
            .collect();
        assert_eq!(
            names,
            vec![
                ("alpine:3.20".to_string(), ImageUse::Base),
                ("busybox:1.36".to_string(), ImageUse::CopyFrom)
            ]
        );
    }
}
