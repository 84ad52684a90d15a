//! Helpers shared by the rules: the scripts each `RUN` executes, and how
//! much a finding in a given build stage matters.

use crate::analyse::finding::Severity;
use crate::analyse::shell::{RunScript, run_scripts};
use crate::model::image::BuildImage;

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
}
