//! `threatbox rules` and `threatbox explain`: the catalogue, from the rules'
//! own metadata.

use crate::analyse::rules;

pub fn text() -> String {
    let mut out = String::new();
    for r in rules::all() {
        let m = r.meta();
        let cwe: Vec<String> = m.cwe_ids().collect();
        out.push_str(&format!(
            "{:<7} {:<8} {:<7} {:<12} {:<34} {}\n",
            m.code,
            m.severity,
            m.stride_letters(),
            m.stage.as_str(),
            cwe.join(","),
            m.title
        ));
    }
    out
}

pub fn json() -> String {
    let metas: Vec<_> = rules::all().into_iter().map(|r| r.meta()).collect();
    let mut s = serde_json::to_string_pretty(&metas).unwrap_or_default();
    s.push('\n');
    s
}

pub fn explain(code: &str) -> Option<String> {
    let m = rules::find(code)?;
    let cwe: Vec<String> = m.cwe_ids().collect();
    let stride: Vec<&str> = m.stride.iter().map(|s| s.name()).collect();
    Some(format!(
        "{code} {slug}: {title}\n\nseverity: {sev}   stage: {stage}   STRIDE: {stride}\nCWE: {cwe}   CIS: {cis}   peers: {peers}\n\n{docs}\n\nFix: {fix}\n",
        code = m.code,
        slug = m.slug,
        title = m.title,
        sev = m.severity,
        stage = m.stage.as_str(),
        stride = stride.join(", "),
        cwe = cwe.join(", "),
        cis = if m.cis.is_empty() {
            "-".to_string()
        } else {
            m.cis.join(", ")
        },
        peers = if m.peers.is_empty() {
            "-".to_string()
        } else {
            m.peers.join(", ")
        },
        docs = m.docs.trim(),
        fix = m.remediation,
    ))
}
