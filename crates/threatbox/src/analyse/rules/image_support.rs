//! Helpers shared by the rules over built images (TB210–TB221): quoting
//! history safely, naming layers, reading `NAME=value` pairs out of
//! `created_by`.

use crate::analyse::secrets::{find_secret, is_literal_secret_value, is_secret_name, redact};
use crate::model::image_archive::ImageArchive;

/// At most this many characters of a `created_by` in a message.
const QUOTE_CHARS: usize = 80;

/// A `created_by` fit for a message: the legacy `/bin/sh -c #(nop) ` noise
/// dropped, secret values redacted, cut to a readable length.
pub fn quote_history(created_by: &str) -> String {
    let text = created_by
        .trim()
        .trim_start_matches("/bin/sh -c #(nop)")
        .trim_end_matches("# buildkit")
        .trim();
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| match w.split_once('=') {
            Some((k, v)) if is_secret_pair(k, v) => format!("{k}={}", redact(v)),
            _ if find_secret(w).is_some_and(|(kind, _)| kind != "high-entropy string") => redact(w),
            _ => w.to_string(),
        })
        .collect();
    let joined = words.join(" ");
    if joined.chars().count() > QUOTE_CHARS {
        let cut: String = joined.chars().take(QUOTE_CHARS).collect();
        format!("{cut}…")
    } else {
        joined
    }
}

/// A secret-named variable with a literal value, or a value in a
/// well-known token format.
pub fn is_secret_pair(name: &str, value: &str) -> bool {
    let value = value.trim_matches(['"', '\'']);
    (is_secret_name(name) && is_literal_secret_value(value))
        || find_secret(value).is_some_and(|(kind, _)| kind != "high-entropy string")
}

/// `layer 2 (sha256:0123456789ab, `COPY x /y`)`, 1-based for people.
pub fn layer_label(archive: &ImageArchive, layer: usize) -> String {
    let Some(l) = archive.layers.get(layer) else {
        return format!("layer {}", layer + 1);
    };
    match archive.created_by(layer) {
        Some(by) if !by.trim().is_empty() => {
            format!(
                "layer {} ({}, `{}`)",
                layer + 1,
                l.short_digest(),
                quote_history(by)
            )
        }
        _ => format!("layer {} ({})", layer + 1, l.short_digest()),
    }
}

/// Where a `NAME=value` pair in history comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairSource {
    /// `|N NAME=value … ` before a RUN: build arguments in scope.
    BuildArg,
    Env,
    Arg,
}

/// The `NAME=value` pairs a history entry records.
pub fn history_pairs(created_by: &str) -> Vec<(String, String, PairSource)> {
    let text = created_by.trim();
    let mut out = Vec::new();
    // `|2 A=1 B=2 /bin/sh -c …` (legacy and BuildKit alike).
    let run = text.strip_prefix("RUN ").unwrap_or(text).trim_start();
    if let Some(rest) = run.strip_prefix('|') {
        let mut words = rest.split_whitespace();
        let count: usize = words.next().and_then(|n| n.parse().ok()).unwrap_or(0);
        for w in words.take(count.min(256)) {
            if let Some((k, v)) = w.split_once('=') {
                out.push((k.to_string(), v.to_string(), PairSource::BuildArg));
            }
        }
        return out;
    }
    let body = text.trim_start_matches("/bin/sh -c #(nop)").trim_start();
    let (source, rest) = if let Some(r) = body.strip_prefix("ENV ") {
        (PairSource::Env, r)
    } else if let Some(r) = body.strip_prefix("ARG ") {
        (PairSource::Arg, r)
    } else {
        return out;
    };
    let rest = rest.trim();
    // `ENV NAME value` (old form) or `ENV A=1 B=2`.
    if !rest.contains('=') {
        if let Some((k, v)) = rest.split_once(char::is_whitespace) {
            out.push((k.to_string(), v.trim().to_string(), source));
        }
        return out;
    }
    for w in rest.split_whitespace() {
        if let Some((k, v)) = w.split_once('=') {
            out.push((k.to_string(), v.trim_matches('"').to_string(), source));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_from_history() {
        assert_eq!(
            history_pairs("|2 A=1 NPM_TOKEN=x /bin/sh -c npm ci"),
            vec![
                ("A".into(), "1".into(), PairSource::BuildArg),
                ("NPM_TOKEN".into(), "x".into(), PairSource::BuildArg)
            ]
        );
        assert_eq!(
            history_pairs("RUN |1 T=y /bin/sh -c make # buildkit")[0].2,
            PairSource::BuildArg
        );
        assert_eq!(
            history_pairs("/bin/sh -c #(nop)  ENV DB_PASSWORD=hunter22"),
            vec![("DB_PASSWORD".into(), "hunter22".into(), PairSource::Env)]
        );
        assert_eq!(history_pairs("ENV PATH /usr/bin")[0].1, "/usr/bin");
        assert!(history_pairs("/bin/sh -c apt-get update").is_empty());
        assert!(history_pairs("|x").is_empty());
    }

    #[test]
    fn quotes_are_redacted_and_short() {
        let q = quote_history(
            "|1 NPM_TOKEN=npm_abcdefghijklmnopqrstuvwxyz0123456789 /bin/sh -c npm ci",
        );
        assert!(!q.contains("abcdefghijklmnop"), "{q}");
        assert!(q.contains("npm ci"));
        let long = quote_history(&"é".repeat(200));
        assert_eq!(long.chars().count(), 81);
        assert_eq!(
            quote_history("/bin/sh -c #(nop)  CMD [\"x\"]"),
            "CMD [\"x\"]"
        );
    }
}
