//! Builds the image model from a parsed Dockerfile: stages, bases, users,
//! variables.
//!
//! Variable scoping follows BuildKit: only the ARGs declared before the first
//! `FROM` (global ARGs) apply to `FROM` lines; inside a stage, an ARG is in
//! scope from its declaration on (a bare `ARG NAME` picks up the global
//! default), ENV from its instruction on, and a stage based on another stage
//! inherits that stage's ENV but not its ARGs.

use std::collections::HashMap;

use super::image::{BaseImage, BuildImage, BuildStage, Expanded, ImageRef, UserSetting};
use crate::parse::dockerfile::{Dockerfile, InstrKind};
use crate::parse::dockerignore::DockerIgnore;

/// Variables in scope: `None` means declared but with no known value (an
/// ARG without default: it depends on `--build-arg`).
type Scope = HashMap<String, Option<String>>;

/// Resolves stages and their properties. Never fails.
pub fn build_image(dockerfile: Dockerfile, dockerignore: Option<DockerIgnore>) -> BuildImage {
    let instructions = &dockerfile.instructions;
    let froms: Vec<usize> = instructions
        .iter()
        .enumerate()
        .filter(|(_, i)| matches!(i.kind, InstrKind::From(_)))
        .map(|(i, _)| i)
        .collect();
    let first_from = froms.first().copied().unwrap_or(instructions.len());
    let global_args: Vec<usize> = (0..first_from)
        .filter(|&i| matches!(instructions[i].kind, InstrKind::Arg(_)))
        .collect();

    let mut image = BuildImage {
        stages: Vec::with_capacity(froms.len()),
        global_args,
        dockerignore,
        scripts: Default::default(),
        dockerfile,
    };
    let globals = image.global_scope();
    for (index, &from) in froms.iter().enumerate() {
        let end = froms
            .get(index + 1)
            .copied()
            .unwrap_or(image.dockerfile.instructions.len());
        let InstrKind::From(f) = &image.dockerfile.instructions[from].kind else {
            continue;
        };
        let name = f.alias.as_ref().map(|a| a.value.to_lowercase());
        let base = resolve_base(
            &f.image.value,
            &globals,
            &image.stages,
            image.dockerfile.escape,
        );
        image.stages.push(BuildStage {
            index,
            name,
            from,
            body: from + 1..end,
            base,
            is_final: index + 1 == froms.len(),
            feeds_final: false,
            user: None,
        });
    }
    mark_feeds_final(&mut image);
    for index in 0..image.stages.len() {
        let user = image.stage_user(index);
        image.stages[index].user = user;
    }
    image
}

/// What a `FROM` points at: scratch, an earlier stage, or an image.
fn resolve_base(raw: &str, globals: &Scope, earlier: &[BuildStage], escape: char) -> BaseImage {
    let expanded = expand_in(raw, globals, escape);
    if !expanded.complete {
        return BaseImage::Unresolved {
            raw: raw.to_string(),
        };
    }
    let text = expanded.value.trim();
    if text.eq_ignore_ascii_case("scratch") {
        return BaseImage::Scratch;
    }
    let lower = text.to_lowercase();
    if let Some(stage) = earlier
        .iter()
        .rev()
        .find(|s| s.name.as_deref() == Some(&lower))
    {
        return BaseImage::Stage(stage.index);
    }
    BaseImage::Image(ImageRef::parse(text, raw.contains('$')))
}

/// Sets `feeds_final` on the final stage and every stage it depends on,
/// through `FROM <stage>`, `COPY --from=<stage>` and
/// `RUN --mount=…,from=<stage>`, transitively.
fn mark_feeds_final(image: &mut BuildImage) {
    let count = image.stages.len();
    let deps: Vec<Vec<usize>> = (0..count).map(|i| image.stage_dependencies(i)).collect();
    let mut todo: Vec<usize> = image
        .stages
        .iter()
        .filter(|s| s.is_final)
        .map(|s| s.index)
        .collect();
    while let Some(i) = todo.pop() {
        let Some(stage) = image.stages.get_mut(i) else {
            continue;
        };
        if stage.feeds_final {
            continue;
        }
        stage.feeds_final = true;
        todo.extend(deps[i].iter().copied());
    }
}

/// Expands `$VAR`, `${VAR}`, `${VAR:-d}`, `${VAR-d}`, `${VAR:+a}`, `${VAR+a}`.
///
/// A variable with no known value is left as written and makes the result
/// incomplete, except under `-`/`:-` (the default applies when no build
/// argument is given) and `+`/`:+` (empty). An escaped `$` is literal.
/// Unsupported forms (`${VAR#x}`…) are left as written, incomplete.
pub(crate) fn expand_in(text: &str, scope: &Scope, escape: char) -> Expanded {
    expand_nested(text, scope, escape, 0)
}

/// How deep `${A:-${B:-…}}` defaults are expanded; deeper ones are kept as
/// written (incomplete). Bounds the recursion: 10 000 nested defaults used
/// to overflow the stack.
const MAX_EXPANSION_DEPTH: usize = 32;

/// How many `FROM <stage>` links are followed up a chain of stages when
/// collecting inherited ENV: bounds the recursion and keeps a file of
/// 10 000 chained stages linear.
const MAX_STAGE_CHAIN: usize = 64;

fn expand_nested(text: &str, scope: &Scope, escape: char, nesting: usize) -> Expanded {
    if nesting >= MAX_EXPANSION_DEPTH {
        return Expanded {
            value: text.to_string(),
            complete: false,
        };
    }
    let mut out = String::with_capacity(text.len());
    let mut complete = true;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == escape && rest[c.len_utf8()..].starts_with('$') {
            out.push('$');
            rest = &rest[c.len_utf8() + 1..];
            continue;
        }
        if c != '$' {
            out.push(c);
            rest = &rest[c.len_utf8()..];
            continue;
        }
        let after = &rest[1..];
        if let Some(body) = after.strip_prefix('{') {
            // Find the matching brace (defaults may nest `${…}`).
            let mut depth = 1usize;
            let mut close = None;
            for (i, b) in body.bytes().enumerate() {
                match b {
                    b'{' => depth += 1,
                    b'}' => {
                        depth -= 1;
                        if depth == 0 {
                            close = Some(i);
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let Some(close) = close else {
                // Unterminated: keep the rest verbatim.
                out.push_str(rest);
                complete = false;
                break;
            };
            let inner = &body[..close];
            let whole = &rest[..close + 3];
            rest = &body[close + 1..];
            let name_len = inner
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(inner.len());
            let (name, op) = inner.split_at(name_len);
            let value = scope.get(name).cloned().flatten();
            let set = value.is_some();
            let non_empty = value.as_deref().is_some_and(|v| !v.is_empty());
            let (word, use_word, use_value) = if op.is_empty() {
                ("", false, true)
            } else if let Some(w) = op.strip_prefix(":-") {
                (w, !non_empty, non_empty)
            } else if let Some(w) = op.strip_prefix(":+") {
                (w, non_empty, false)
            } else if let Some(w) = op.strip_prefix('-') {
                (w, !set, set)
            } else if let Some(w) = op.strip_prefix('+') {
                (w, set, false)
            } else {
                out.push_str(whole);
                complete = false;
                continue;
            };
            if name.is_empty() {
                out.push_str(whole);
                complete = false;
            } else if use_value {
                match value {
                    Some(v) => out.push_str(&v),
                    None => {
                        out.push_str(whole);
                        complete = false;
                    }
                }
            } else if use_word {
                let inner = expand_nested(word, scope, escape, nesting + 1);
                complete &= inner.complete;
                out.push_str(&inner.value);
            }
        } else {
            let name_len = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            if name_len == 0 {
                out.push('$');
                rest = after;
                continue;
            }
            let name = &after[..name_len];
            match scope.get(name).cloned().flatten() {
                Some(v) => out.push_str(&v),
                None => {
                    out.push('$');
                    out.push_str(name);
                    complete = false;
                }
            }
            rest = &after[name_len..];
        }
    }
    Expanded {
        value: out,
        complete,
    }
}

impl BuildImage {
    /// Expands variables in `text` with the ARG/ENV values in scope just
    /// before instruction `at` of stage `stage` (`at` indexes
    /// `dockerfile.instructions`). A stage index out of range gives the
    /// global scope (the one `FROM` lines see).
    pub fn expand(&self, stage: usize, at: usize, text: &str) -> Expanded {
        // Nothing to expand: skip building the scope (a walk of the stage).
        if !text.contains('$') {
            return Expanded {
                value: text.to_string(),
                complete: true,
            };
        }
        let scope = match self.stages.get(stage) {
            Some(_) => self.stage_scope(stage, at),
            None => self.global_scope(),
        };
        expand_in(text, &scope, self.dockerfile.escape)
    }

    /// The index of the stage an instruction belongs to (`None` before the
    /// first `FROM`). The `FROM` itself belongs to its stage.
    pub fn stage_of(&self, instruction: usize) -> Option<usize> {
        // Stages are in file order: a binary search keeps this cheap when a
        // rule asks it for every instruction of a file with many stages.
        let after = self.stages.partition_point(|s| s.from <= instruction);
        after
            .checked_sub(1)
            .and_then(|i| self.stages.get(i))
            .map(|s| s.index)
    }

    /// The stage a `COPY --from` / `--mount from=` value names: a stage name
    /// (case-insensitive) or index, among the stages before `before`.
    pub fn stage_by_reference(&self, reference: &str, before: usize) -> Option<usize> {
        let reference = reference.trim();
        let lower = reference.to_lowercase();
        let earlier = &self.stages[..before.min(self.stages.len())];
        if let Some(s) = earlier
            .iter()
            .rev()
            .find(|s| s.name.as_deref() == Some(&lower))
        {
            return Some(s.index);
        }
        reference
            .parse::<usize>()
            .ok()
            .filter(|&i| i < earlier.len())
    }

    /// The stages this one uses: its base stage and those it copies or
    /// mounts from.
    pub fn stage_dependencies(&self, index: usize) -> Vec<usize> {
        let Some(stage) = self.stages.get(index) else {
            return Vec::new();
        };
        let mut deps = Vec::new();
        if let BaseImage::Stage(j) = stage.base {
            deps.push(j);
        }
        for i in stage.body.clone() {
            let instr = &self.dockerfile.instructions[i];
            let mut refs: Vec<String> = Vec::new();
            match &instr.kind {
                InstrKind::Copy(_) | InstrKind::Add(_) => {
                    refs.extend(instr.flag("from").and_then(|f| f.value.clone()));
                }
                InstrKind::Run(_) => {
                    for f in instr
                        .flags
                        .iter()
                        .filter(|f| f.name.eq_ignore_ascii_case("mount"))
                    {
                        let Some(v) = &f.value else { continue };
                        refs.extend(
                            v.split(',')
                                .filter_map(|kv| kv.split_once('='))
                                .filter(|(k, _)| k.trim().eq_ignore_ascii_case("from"))
                                .map(|(_, v)| v.to_string()),
                        );
                    }
                }
                _ => {}
            }
            for r in refs {
                let r = self.expand(index, i, &r).value;
                if let Some(j) = self.stage_by_reference(&r, index) {
                    deps.push(j);
                }
            }
        }
        deps.sort_unstable();
        deps.dedup();
        deps
    }

    /// Global ARG defaults (ARGs before the first `FROM`), each expanded
    /// with the ones before it.
    fn global_scope(&self) -> Scope {
        let mut scope = Scope::new();
        for &i in &self.global_args {
            self.apply(i, &mut scope, &Scope::new());
        }
        scope
    }

    /// Applies the ARG/ENV declarations of instruction `i` to `scope`.
    fn apply(&self, i: usize, scope: &mut Scope, globals: &Scope) {
        let escape = self.dockerfile.escape;
        match &self.dockerfile.instructions[i].kind {
            InstrKind::Arg(args) => {
                for a in args {
                    let value = match &a.default {
                        Some(d) => {
                            let e = expand_in(&d.value, scope, escape);
                            e.complete.then_some(e.value)
                        }
                        // A bare ARG in a stage takes the global default.
                        None => globals.get(&a.name.value).cloned().flatten(),
                    };
                    scope.insert(a.name.value.clone(), value);
                }
            }
            InstrKind::Env(kvs) => {
                // All pairs of one ENV see the scope from before it.
                let before = scope.clone();
                for kv in kvs {
                    let e = expand_in(&kv.value.value, &before, escape);
                    scope.insert(kv.key.value.clone(), e.complete.then_some(e.value));
                }
            }
            _ => {}
        }
    }

    /// ENV inherited from the parent stage, then this stage's ARG/ENV up to
    /// (not including) instruction `at`.
    fn stage_scope(&self, stage: usize, at: usize) -> Scope {
        let globals = self.global_scope();
        self.stage_scope_with(stage, at, &globals, 0)
    }

    fn stage_scope_with(&self, stage: usize, at: usize, globals: &Scope, depth: usize) -> Scope {
        let Some(s) = self.stages.get(stage) else {
            return Scope::new();
        };
        let mut scope = Scope::new();
        if let BaseImage::Stage(parent) = s.base
            && parent < stage
            && depth < self.stages.len().min(MAX_STAGE_CHAIN)
        {
            let parent_end = self.stages[parent].body.end;
            // Only ENV carries over to a child stage, not ARG.
            let inherited = self.stage_scope_with(parent, parent_end, globals, depth + 1);
            let env_names = self.env_names(parent, depth);
            scope.extend(inherited.into_iter().filter(|(k, _)| env_names.contains(k)));
        }
        let end = at.min(s.body.end);
        for i in s.body.start..end.max(s.body.start) {
            self.apply(i, &mut scope, globals);
        }
        scope
    }

    /// Names set by ENV in a stage or its ancestors.
    fn env_names(&self, stage: usize, depth: usize) -> Vec<String> {
        let Some(s) = self.stages.get(stage) else {
            return Vec::new();
        };
        let mut names: Vec<String> = s
            .body
            .clone()
            .filter_map(|i| match &self.dockerfile.instructions[i].kind {
                InstrKind::Env(kvs) => Some(kvs.iter().map(|kv| kv.key.value.clone())),
                _ => None,
            })
            .flatten()
            .collect();
        if let BaseImage::Stage(parent) = s.base
            && parent < stage
            && depth < self.stages.len().min(MAX_STAGE_CHAIN)
        {
            names.extend(self.env_names(parent, depth + 1));
        }
        names
    }

    /// The stage's own last `USER`, else its parent stage's (inherited).
    fn stage_user(&self, index: usize) -> Option<UserSetting> {
        let stage = self.stages.get(index)?;
        let own =
            stage
                .body
                .clone()
                .rev()
                .find_map(|i| match &self.dockerfile.instructions[i].kind {
                    InstrKind::User(w) => Some((i, w)),
                    _ => None,
                });
        if let Some((i, word)) = own {
            return Some(UserSetting {
                value: self.expand(index, i, &word.value).value,
                instruction: i,
                inherited: false,
            });
        }
        match stage.base {
            BaseImage::Stage(parent) if parent < index => {
                let mut user = self.stages.get(parent)?.user.clone()?;
                user.inherited = true;
                Some(user)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::parse::dockerfile::parse;
    use crate::source::SourceFile;

    fn image(text: &str) -> BuildImage {
        let source = Arc::new(SourceFile::new("Dockerfile", text.to_string()));
        build_image(parse(source), None)
    }

    fn image_ref(b: &BaseImage) -> &ImageRef {
        match b {
            BaseImage::Image(r) => r,
            other => panic!("not an image: {other:?}"),
        }
    }

    #[test]
    fn stages_names_bodies_and_final() {
        let img = image(
            "ARG V=3.12\nFROM python:${V} AS Build\nRUN make\nFROM scratch\nCOPY --from=build /a /a\n",
        );
        assert_eq!(img.global_args, [0]);
        assert_eq!(img.stages.len(), 2);
        let s0 = &img.stages[0];
        assert_eq!(s0.name.as_deref(), Some("build"));
        assert_eq!((s0.from, s0.body.clone()), (1, 2..3));
        assert!(!s0.is_final);
        let r = image_ref(&s0.base);
        assert_eq!(r.text, "python:3.12");
        assert_eq!(r.tag.as_deref(), Some("3.12"));
        assert!(r.from_variables);
        let s1 = &img.stages[1];
        assert_eq!(s1.base, BaseImage::Scratch);
        assert!(s1.is_final && s1.feeds_final);
        assert!(s0.feeds_final, "COPY --from=build feeds the final stage");
        assert_eq!(img.final_stage().map(|s| s.index), Some(1));
        assert_eq!(img.stage_of(2), Some(0));
        assert_eq!(img.stage_of(0), None);
    }

    #[test]
    fn feeds_final_is_transitive_and_excludes_unused_stages() {
        let img = image(
            "FROM alpine AS a\nFROM alpine AS unused\nFROM a AS b\nFROM golang AS c\nRUN --mount=type=bind,from=b,target=/b make\nFROM debian\nCOPY --from=3 /x /x\n",
        );
        let feeds: Vec<bool> = img.stages.iter().map(|s| s.feeds_final).collect();
        // final copies from c (index 3); c mounts from b; b is based on a.
        assert_eq!(feeds, [true, false, true, true, true]);
        assert_eq!(img.stages[2].base, BaseImage::Stage(0));
    }

    #[test]
    fn user_is_inherited_from_the_parent_stage() {
        let img = image(
            "ARG U=app\nFROM alpine AS base\nARG U\nUSER root\nUSER ${U}\nFROM base AS next\nRUN id\nFROM base\nUSER 0\n",
        );
        let u0 = img.stages[0].user.as_ref().unwrap();
        assert_eq!(
            (u0.value.as_str(), u0.instruction, u0.inherited),
            ("app", 4, false)
        );
        let u1 = img.stages[1].user.as_ref().unwrap();
        assert_eq!(
            (u1.value.as_str(), u1.instruction, u1.inherited),
            ("app", 4, true)
        );
        assert!(!u1.is_root());
        let u2 = img.stages[2].user.as_ref().unwrap();
        assert!(u2.is_root() && !u2.inherited);
        // A stage on a registry image with no USER: unknown (None).
        assert!(image("FROM alpine\nRUN x\n").stages[0].user.is_none());
    }

    #[test]
    fn arg_in_from_with_and_without_default() {
        let img = image("ARG TAG\nFROM alpine:${TAG}\n");
        assert_eq!(
            img.stages[0].base,
            BaseImage::Unresolved {
                raw: "alpine:${TAG}".into()
            }
        );
        let img = image("ARG TAG\nFROM alpine:${TAG:-3.19}\n");
        assert_eq!(image_ref(&img.stages[0].base).tag.as_deref(), Some("3.19"));
        let img = image("ARG REG=ghcr.io ARG2=x\nARG IMG=$REG/org/app\nFROM $IMG:1\n");
        let r = image_ref(&img.stages[0].base);
        assert_eq!(r.registry.as_deref(), Some("ghcr.io"));
        assert_eq!(r.repository, "org/app");
        // A stage ARG does not reach FROM: only global ARGs do.
        let img = image("FROM alpine\nARG B=x\nFROM $B\n");
        assert!(matches!(img.stages[1].base, BaseImage::Unresolved { .. }));
        // A FROM naming a stage through a variable.
        let img = image("ARG S=builder\nFROM alpine AS builder\nFROM ${S}\n");
        assert_eq!(img.stages[1].base, BaseImage::Stage(0));
    }

    #[test]
    fn image_references() {
        let r = ImageRef::parse("localhost:5000/x:1", false);
        assert_eq!(r.registry.as_deref(), Some("localhost:5000"));
        assert_eq!((r.repository.as_str(), r.tag.as_deref()), ("x", Some("1")));
        assert_eq!(r.qualified_repository(), "localhost:5000/x");
        let r = ImageRef::parse("python:3.12-slim@sha256:abcd", false);
        assert_eq!(r.registry, None);
        assert_eq!(r.repository, "python");
        assert_eq!(r.tag.as_deref(), Some("3.12-slim"));
        assert_eq!(r.digest.as_deref(), Some("sha256:abcd"));
        assert!(r.is_pinned());
        assert_eq!(r.qualified_repository(), "docker.io/library/python");
        let r = ImageRef::parse("gcr.io/distroless/static", false);
        assert_eq!(r.qualified_repository(), "gcr.io/distroless/static");
        assert_eq!(r.tag, None);
        let r = ImageRef::parse("bitnami/redis", false);
        assert_eq!(r.qualified_repository(), "docker.io/bitnami/redis");
        let r = ImageRef::parse("localhost/app", false);
        assert_eq!(r.registry.as_deref(), Some("localhost"));
        let r = ImageRef::parse("docker.io/library/nginx:1", false);
        assert!(r.is_docker_hub());
        assert_eq!(r.qualified_repository(), "docker.io/library/nginx");
    }

    #[test]
    fn expansion_forms() {
        let img = image(
            "ARG G=global\nFROM alpine\nARG G\nARG E=\nENV A=1 B=\"x y\"\nENV C=$A-${B}\nRUN echo\n",
        );
        let at = 6; // the RUN
        let e = |t: &str| img.expand(0, at, t);
        assert_eq!(e("$A ${B} $G").value, "1 x y global");
        assert!(e("$A").complete);
        assert_eq!(e("${C}").value, "1-x y");
        assert_eq!(e("${NOPE:-def}").value, "def");
        assert_eq!(e("${E:-def}").value, "def");
        assert_eq!(e("${E-def}").value, "");
        assert_eq!(e("${A:+alt}").value, "alt");
        assert_eq!(e("${E:+alt}").value, "");
        assert_eq!(e("${E+alt}").value, "alt");
        assert_eq!(e("${NOPE+alt}").value, "");
        let x = e("a $NOPE ${NOPE2} b");
        assert_eq!(x.value, "a $NOPE ${NOPE2} b");
        assert!(!x.complete);
        let x = e("\\$A $");
        assert_eq!(x.value, "$A $");
        assert!(x.complete);
        // Scope is "before instruction at": ENV on line 5 is not yet set at 4.
        assert!(!img.expand(0, 4, "$A").complete);
        assert_eq!(img.expand(0, 5, "$A").value, "1");
        // Unsupported modifiers stay as written.
        assert!(!e("${A#x}").complete);
        // Unterminated braces do not panic.
        assert!(!e("${A").complete);
    }

    #[test]
    fn deeply_nested_defaults_do_not_overflow_the_stack() {
        // 10 000 nested `${X:-…}` used to recurse once per level.
        let n = 10_000;
        let text = format!("{}v{}", "${X:-".repeat(n), "}".repeat(n));
        let e = expand_in(&text, &Scope::new(), '\\');
        assert!(!e.complete);
        // Shallow nesting still expands.
        let e = expand_in("${X:-${Y:-v}}", &Scope::new(), '\\');
        assert_eq!((e.value.as_str(), e.complete), ("v", true));
    }

    #[test]
    fn long_stage_chains_are_bounded() {
        // 10 000 stages each `FROM` the previous: the model is built, the
        // stage lookup is right, and inherited ENV stops at the chain limit.
        let mut text = String::from("FROM alpine:3.20 AS s0\nENV A=1\n");
        for i in 0..10_000 {
            text.push_str(&format!("FROM s{i} AS s{}\n", i + 1));
        }
        text.push_str("RUN echo $A\n");
        let img = image(&text);
        assert_eq!(img.stages.len(), 10_001);
        let last = img.dockerfile.instructions.len() - 1;
        assert_eq!(img.stage_of(last), Some(10_000));
        assert_eq!(img.stage_of(0), Some(0));
        assert_eq!(img.stage_of(1), Some(0));
        assert!(!img.expand(10_000, last, "$A").complete);
        assert_eq!(img.expand(5, img.stages[5].body.end, "$A").value, "1");
    }

    #[test]
    fn env_is_inherited_by_child_stages_but_arg_is_not() {
        let img = image("FROM alpine AS a\nARG X=1\nENV Y=2\nFROM a\nRUN echo\n");
        assert!(!img.expand(1, 4, "$X").complete);
        assert_eq!(img.expand(1, 4, "$Y").value, "2");
    }

    #[test]
    fn no_from_gives_no_stage_and_no_panic() {
        let img = image("ARG A=1\n");
        assert!(img.stages.is_empty());
        assert_eq!(img.global_args, [0]);
        assert_eq!(img.expand(7, 99, "$A").value, "1");
        assert!(img.final_stage().is_none());
    }
}
