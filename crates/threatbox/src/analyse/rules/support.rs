//! Helpers shared by the rules: the scripts each `RUN` executes, and how
//! much a finding in a given build stage matters.

use crate::analyse::finding::Severity;
use crate::analyse::secrets::{is_literal_secret_value, is_secret_name, secret_file_kind};
use crate::model::image::BuildImage;
use crate::parse::dockerfile::{InstrKind, Word};
use crate::parse::shell::{RunScript, ShellWord, SimpleCommand, basename};
use crate::source::Span;

/// Every script of every `RUN` (and `ONBUILD RUN`), with the index of its
/// instruction.
pub fn image_scripts(image: &BuildImage) -> Vec<(usize, &RunScript)> {
    (0..image.dockerfile.instructions.len())
        .flat_map(|i| image.run_scripts(i).iter().map(move |s| (i, s)))
        .collect()
}

/// Does instruction `index` end up in the image that ships (its stage is the
/// final one or feeds it)? Instructions outside any stage, or a model
/// without stages, count as shipping: better a finding too many than a
/// silent miss.
pub fn ships(image: &BuildImage, index: usize) -> bool {
    match image.stage_of(index).and_then(|s| image.stages.get(s)) {
        Some(stage) => stage.is_final || stage.feeds_final,
        None => true,
    }
}

/// Do the layers and history of instruction `index` end up in the shipped
/// image? Only when its stage is the final one or an ancestor of it through
/// `FROM <stage>`: `COPY --from` takes files as they are at the end of the
/// stage, not its layers or history.
pub fn history_ships(image: &BuildImage, index: usize) -> bool {
    let Some(stage) = image.stage_of(index) else {
        return image.stages.is_empty();
    };
    let mut current = image.final_stage().map(|s| s.index);
    let mut steps = 0;
    while let Some(i) = current {
        if i == stage {
            return true;
        }
        current = match image.stages.get(i).map(|s| &s.base) {
            Some(crate::model::image::BaseImage::Stage(j)) if *j < i => Some(*j),
            _ => None,
        };
        steps += 1;
        if steps > image.stages.len() {
            break;
        }
    }
    false
}

/// `severity` for a finding at instruction `index`: one step lower in a
/// stage that does not ship (it still leaks into build caches and CI logs).
pub fn stage_severity(image: &BuildImage, index: usize, severity: Severity) -> Severity {
    if ships(image, index) {
        severity
    } else {
        severity.lowered()
    }
}

/// Names of variables a text refers to (`$NAME`, `${NAME}`, `${NAME:-x}`).
pub fn referenced_variables(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' {
            let start = if bytes.get(i + 1) == Some(&b'{') {
                i + 2
            } else {
                i + 1
            };
            let mut end = start;
            while end < bytes.len() && (bytes[end] == b'_' || bytes[end].is_ascii_alphanumeric()) {
                end += 1;
            }
            if end > start && !bytes[start].is_ascii_digit() {
                // Indices are at ASCII bytes, so they are char boundaries.
                out.push(&text[start..end]);
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

/// A secret-named `ARG` whose value comes from `--build-arg` (no default, or
/// a default that is not a literal secret, such as `""` or `$OTHER`), and the
/// `RUN` instructions of its stage that run with it in their environment —
/// BuildKit records those values in the image history (`|1 NAME=value`).
///
/// Split between rules: TB101 reports literal defaults (the secret is in the
/// Dockerfile); TB103 reports build-time secret ARGs that a later `RUN` of the
/// same stage receives; TB101 reports the remaining secret ARGs at low
/// severity.
pub struct SecretBuildArg<'a> {
    /// Index of the `ARG` instruction.
    pub instruction: usize,
    pub name: &'a Word,
    /// The first `RUN` after it in its stage.
    pub first_run: Option<usize>,
    /// The first `RUN` after it in its stage that names it, and where.
    pub first_use: Option<(usize, Span)>,
}

/// One pass over the instructions: linear in the file, however many ARGs
/// and RUNs it has.
pub fn secret_build_args(image: &BuildImage) -> Vec<SecretBuildArg<'_>> {
    use std::collections::HashMap;
    let instrs = &image.dockerfile.instructions;
    let mut out: Vec<SecretBuildArg<'_>> = Vec::new();
    // Per stage: ARGs waiting for their first RUN, and for a RUN naming them.
    let mut waiting_run: Vec<usize> = Vec::new();
    let mut waiting_use: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut current_stage = None;
    for (index, instr) in instrs.iter().enumerate() {
        let stage = image.stage_of(index);
        if stage != current_stage || matches!(instr.kind, InstrKind::From(_)) {
            waiting_run.clear();
            waiting_use.clear();
            current_stage = stage;
        }
        if let InstrKind::Arg(decls) = &instr.kind {
            for decl in decls {
                let literal = decl
                    .default
                    .as_ref()
                    .is_some_and(|d| is_literal_secret_value(&d.value));
                if !is_secret_name(&decl.name.value) || literal {
                    continue;
                }
                let i = out.len();
                out.push(SecretBuildArg {
                    instruction: index,
                    name: &decl.name,
                    first_run: None,
                    first_use: None,
                });
                // Global ARGs (before the first FROM) reach no RUN directly.
                if stage.is_some() {
                    waiting_run.push(i);
                    waiting_use
                        .entry(decl.name.value.as_str())
                        .or_default()
                        .push(i);
                }
            }
            continue;
        }
        let scripts = image.run_scripts(index);
        if scripts.is_empty() || !matches!(instr.kind, InstrKind::Run(_)) {
            continue;
        }
        for i in waiting_run.drain(..) {
            out[i].first_run = Some(index);
        }
        if waiting_use.is_empty() {
            continue;
        }
        for script in scripts {
            for name in referenced_variables(&script.text) {
                let Some(args) = waiting_use.remove(name) else {
                    continue;
                };
                let span = variable_reference(&script.text, name).map(|r| script.source_span(r));
                for i in args {
                    out[i].first_use = span.clone().map(|s| (index, s));
                }
            }
        }
    }
    out
}

/// Byte range of the first `$NAME` / `${NAME…}` in `text`.
pub fn variable_reference(text: &str, name: &str) -> Option<std::ops::Range<usize>> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(pos) = text.get(from..)?.find('$') {
        let at = from + pos;
        let braced = bytes.get(at + 1) == Some(&b'{');
        let start = at + 1 + usize::from(braced);
        let end = start + name.len();
        let next = bytes.get(end).copied();
        if text.get(start..end) == Some(name)
            && !next.is_some_and(|b| b == b'_' || b.is_ascii_alphanumeric())
        {
            return Some(at..end + usize::from(braced && next == Some(b'}')));
        }
        from = at + 1;
    }
    None
}

/// A secret file put into a layer: by `COPY`/`ADD` of a secret-named source,
/// or by a `RUN` that writes one (`echo … > ~/.netrc`, `cp key ~/.ssh/id_rsa`,
/// `curl -o ~/.aws/credentials …`).
#[derive(Debug, Clone)]
pub struct SecretPlacement {
    pub instruction: usize,
    /// The source word of a COPY/ADD, or the target word of a RUN write.
    pub span: Span,
    /// Where the file lands (as written; `~`/`$HOME` kept).
    pub path: String,
    /// The source's file name for COPY/ADD (a destination directory keeps it).
    pub source_name: Option<String>,
    pub kind: &'static str,
    pub by_copy: bool,
    /// A later `RUN` that deletes it: (instruction, span of the `rm` operand).
    pub removed: Option<(usize, Span)>,
}

/// Placements tracked per file: matching deletions is placements × `rm`
/// operands, so a hostile file with thousands of each stays cheap.
const MAX_PLACEMENTS: usize = 1_000;

/// Secret files placed in the image, with their later deletion if any.
/// A file written and deleted by the same `RUN` never reaches a layer and is
/// not listed. At most [`MAX_PLACEMENTS`] are tracked.
pub fn secret_file_placements(image: &BuildImage) -> Vec<SecretPlacement> {
    let mut placed: Vec<SecretPlacement> = Vec::new();
    for (index, instr) in image.dockerfile.instructions.iter().enumerate() {
        let stage = image.stage_of(index);
        match &instr.kind {
            InstrKind::Copy(c) | InstrKind::Add(c) => {
                let many = c.sources.len() > 1;
                let dest = c.dest.value.as_str();
                for src in c
                    .sources
                    .iter()
                    .take(MAX_PLACEMENTS.saturating_sub(placed.len()))
                {
                    let name = basename(src.value.trim_end_matches('/')).to_string();
                    let path = if many || dest.ends_with('/') || dest == "." {
                        format!("{}/{name}", dest.trim_end_matches('/'))
                    } else {
                        dest.to_string()
                    };
                    // By the source's name, or by where it lands
                    // (`COPY creds /root/.aws/credentials`).
                    let Some(kind) =
                        secret_file_kind(&src.value).or_else(|| secret_file_kind(&path))
                    else {
                        continue;
                    };
                    placed.push(SecretPlacement {
                        instruction: index,
                        span: src.span.clone(),
                        path,
                        source_name: Some(name),
                        kind,
                        by_copy: true,
                        removed: None,
                    });
                }
            }
            InstrKind::Run(_) | InstrKind::Onbuild(_) => {
                let mut writes = Vec::new();
                let mut removes = Vec::new();
                for script in image.run_scripts(index) {
                    for cmd in script.commands() {
                        for (word, kind) in written_secret_files(cmd) {
                            writes.push((word.value.clone(), script.word_span(word), kind));
                        }
                        if matches!(cmd.name(), Some("rm" | "unlink" | "shred")) {
                            for w in cmd.args().iter().filter(|w| !w.value.starts_with('-')) {
                                removes.push((w.value.clone(), script.word_span(w)));
                            }
                        }
                    }
                }
                // Deletions of files placed by earlier layers of the same stage.
                let earlier = if removes.is_empty() {
                    &mut [][..]
                } else {
                    &mut placed[..]
                };
                for p in earlier.iter_mut() {
                    if p.removed.is_some() || image.stage_of(p.instruction) != stage {
                        continue;
                    }
                    if let Some((_, span)) = removes.iter().find(|(t, _)| same_file(p, t)) {
                        p.removed = Some((index, span.clone()));
                    }
                }
                for (path, span, kind) in writes {
                    let candidate = SecretPlacement {
                        instruction: index,
                        span,
                        path,
                        source_name: None,
                        kind,
                        by_copy: false,
                        removed: None,
                    };
                    // Written and deleted in the same layer: never stored.
                    if placed.len() < MAX_PLACEMENTS
                        && !removes.iter().any(|(t, _)| same_file(&candidate, t))
                    {
                        placed.push(candidate);
                    }
                }
            }
            _ => {}
        }
    }
    placed
}

/// Target words of a command that writes a secret file.
fn written_secret_files(cmd: &SimpleCommand) -> Vec<(&ShellWord, &'static str)> {
    let mut out = Vec::new();
    for r in cmd.redirects.iter().filter(|r| r.writes_file()) {
        if let Some(kind) = secret_file_kind(&r.target.value) {
            out.push((&r.target, kind));
        }
    }
    let operands: Vec<&ShellWord> = cmd
        .args()
        .iter()
        .filter(|w| !w.value.starts_with('-'))
        .collect();
    match cmd.name() {
        Some("cp" | "mv" | "install" | "scp" | "rsync") if operands.len() >= 2 => {
            if let Some((dest, sources)) = operands.split_last() {
                let kind = secret_file_kind(&dest.value)
                    .or_else(|| sources.iter().find_map(|s| secret_file_kind(&s.value)));
                if let Some(kind) = kind {
                    out.push((*dest, kind));
                }
            }
        }
        Some("tee") => {
            for w in operands {
                if let Some(kind) = secret_file_kind(&w.value) {
                    out.push((w, kind));
                }
            }
        }
        Some(name @ ("curl" | "wget")) => {
            let short = if name == "curl" { 'o' } else { 'O' };
            let long = if name == "curl" {
                "output"
            } else {
                "output-document"
            };
            if let Some((value, word)) = cmd.flag_value(Some(short), long)
                && let Some(kind) = secret_file_kind(&value)
            {
                out.push((word, kind));
            }
        }
        _ => {}
    }
    out
}

/// `~`, `$HOME` and `${HOME}` are the same directory; `./` and trailing
/// slashes do not matter.
fn normalise(path: &str) -> String {
    let p = path.trim().trim_end_matches('/');
    let p = p.strip_prefix("./").unwrap_or(p);
    for home in ["${HOME}", "$HOME", "~"] {
        if let Some(rest) = p.strip_prefix(home) {
            return format!("~{rest}");
        }
    }
    p.to_string()
}

/// Does removing `target` delete the placed file?
fn same_file(placed: &SecretPlacement, target: &str) -> bool {
    let target = normalise(target);
    let path = normalise(&placed.path);
    if target.is_empty() || target == "/" {
        return false;
    }
    if let Some(dir) = target.strip_suffix("/*") {
        return path.starts_with(&format!("{dir}/"));
    }
    if path == target
        || path.starts_with(&format!("{target}/"))
        || target.starts_with(&format!("{path}/"))
    {
        return true;
    }
    // Relative paths depend on WORKDIR: compare file names.
    let relative = !path.starts_with('/') && !path.starts_with('~')
        || !target.starts_with('/') && !target.starts_with('~');
    let target_name = basename(&target);
    let names_match = |name: &str| {
        name == target_name
            || (target_name.contains('*')
                && globset::Glob::new(target_name)
                    .map(|g| g.compile_matcher().is_match(name))
                    .unwrap_or(false))
    };
    (relative && names_match(basename(&path)))
        || placed
            .source_name
            .as_deref()
            .is_some_and(|n| names_match(n) && target.ends_with(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_referenced() {
        assert_eq!(
            referenced_variables("a $X ${Y:-z} $1 $$ ${é} $_Z9"),
            vec!["X", "Y", "_Z9"]
        );
    }

    #[test]
    fn variable_references() {
        assert_eq!(variable_reference("a $TOKEN b", "TOKEN"), Some(2..8));
        assert_eq!(variable_reference("a ${TOKEN} b", "TOKEN"), Some(2..10));
        assert_eq!(variable_reference("${TOKEN:-x}", "TOKEN"), Some(0..7));
        assert_eq!(variable_reference("$TOKENS $TOK", "TOKEN"), None);
        assert_eq!(variable_reference("é$", "TOKEN"), None);
    }

    #[test]
    fn secret_build_args_and_their_runs() {
        let image = crate::analyse::rules::testing::image(
            "ARG GLOBAL_TOKEN\nFROM a\nARG NPM_TOKEN\nARG API_KEY=abc123def\nARG PASSWORD=\"\"\nRUN npm ci\nRUN echo $NPM_TOKEN\nARG LATE_TOKEN\nFROM b\nRUN echo $LATE_TOKEN\n",
        );
        let found: Vec<_> = secret_build_args(&image)
            .iter()
            .map(|a| {
                (
                    a.name.value.clone(),
                    a.first_run,
                    a.first_use.as_ref().map(|(i, _)| *i),
                )
            })
            .collect();
        assert_eq!(
            found,
            vec![
                ("GLOBAL_TOKEN".to_string(), None, None),
                ("NPM_TOKEN".to_string(), Some(5), Some(6)),
                ("PASSWORD".to_string(), Some(5), None),
                ("LATE_TOKEN".to_string(), None, None),
            ]
        );
    }

    #[test]
    fn placements_and_later_deletions() {
        let image = crate::analyse::rules::testing::image(
            "FROM a\nCOPY id_rsa /root/.ssh/\nCOPY .npmrc ./\nCOPY known_hosts config /root/.ssh/\nRUN echo \"$NETRC\" > ~/.netrc && make\nRUN echo x > /tmp/.git-credentials && rm /tmp/.git-credentials\nRUN npm ci && rm -f .npmrc\nRUN rm -rf /root/.ssh $HOME/.netrc\nCOPY app.key /etc/app.key\n",
        );
        let found: Vec<_> = secret_file_placements(&image)
            .iter()
            .map(|p| {
                (
                    p.instruction,
                    p.path.clone(),
                    p.by_copy,
                    p.removed.as_ref().map(|r| r.0),
                )
            })
            .collect();
        assert_eq!(
            found,
            vec![
                (1, "/root/.ssh/id_rsa".to_string(), true, Some(7)),
                (2, "./.npmrc".to_string(), true, Some(6)),
                (4, "~/.netrc".to_string(), false, Some(7)),
                (8, "/etc/app.key".to_string(), true, None),
            ]
        );
    }
}
