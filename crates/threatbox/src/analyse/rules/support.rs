//! Helpers shared by the rules: the scripts each `RUN` executes, and how
//! much a finding in a given build stage matters.

use crate::analyse::finding::Severity;
use crate::analyse::secrets::{is_literal_secret_value, is_secret_name};
use crate::analyse::shell::{RunScript, run_scripts};
use crate::model::image::BuildImage;
use crate::parse::dockerfile::{InstrKind, Word};
use crate::source::Span;

/// Every script of every `RUN` (and `ONBUILD RUN`), with the index of its
/// instruction.
pub fn image_scripts(image: &BuildImage) -> Vec<(usize, RunScript)> {
    image
        .dockerfile
        .instructions
        .iter()
        .enumerate()
        .flat_map(|(i, instr)| run_scripts(instr).into_iter().map(move |s| (i, s)))
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
    /// `RUN` instructions after it in its stage: (index, span of the first
    /// `$NAME` reference in it, if any).
    pub runs: Vec<(usize, Option<Span>)>,
}

pub fn secret_build_args(image: &BuildImage) -> Vec<SecretBuildArg<'_>> {
    let instrs = &image.dockerfile.instructions;
    let mut out = Vec::new();
    for (index, instr) in instrs.iter().enumerate() {
        let InstrKind::Arg(decls) = &instr.kind else {
            continue;
        };
        for decl in decls {
            if !is_secret_name(&decl.name.value) {
                continue;
            }
            if decl
                .default
                .as_ref()
                .is_some_and(|d| is_literal_secret_value(&d.value))
            {
                continue;
            }
            // Global ARGs (before the first FROM) reach no RUN directly.
            let end = match image.stage_of(index).and_then(|s| image.stages.get(s)) {
                Some(stage) => stage.body.end,
                None => index + 1,
            };
            let mut runs = Vec::new();
            for (j, later) in instrs.iter().enumerate().take(end).skip(index + 1) {
                let scripts = run_scripts(later);
                if scripts.is_empty() {
                    continue;
                }
                let reference = scripts.iter().find_map(|s| {
                    variable_reference(&s.text, &decl.name.value).map(|r| s.source_span(r))
                });
                runs.push((j, reference));
            }
            out.push(SecretBuildArg {
                instruction: index,
                name: &decl.name,
                runs,
            });
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
            "ARG GLOBAL_TOKEN\nFROM a\nARG NPM_TOKEN\nARG API_KEY=abc123def\nARG PASSWORD=\"\"\nRUN npm ci\nRUN echo $NPM_TOKEN\nFROM b\nRUN true\n",
        );
        let found: Vec<_> = secret_build_args(&image)
            .iter()
            .map(|a| {
                (
                    a.name.value.clone(),
                    a.runs
                        .iter()
                        .map(|(i, r)| (*i, r.is_some()))
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        assert_eq!(
            found,
            vec![
                ("GLOBAL_TOKEN".to_string(), vec![]),
                ("NPM_TOKEN".to_string(), vec![(5, false), (6, true)]),
                ("PASSWORD".to_string(), vec![(5, false), (6, false)]),
            ]
        );
    }
}
