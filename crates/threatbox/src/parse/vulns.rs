//! Vulnerability reports of image scanners: Trivy (`trivy image -f json`:
//! `ArtifactName`, `Results[].Vulnerabilities[]`) and Grype (`grype -o json`:
//! `source.target`, `matches[]`). Only the fields threatbox uses are read;
//! unknown fields and odd types are skipped, never fatal.

use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use crate::model::image_archive::{Vulnerability, VulnerabilityReport};
use crate::source::{Diagnostic, Location};

/// Reports larger than this are refused (a full Trivy report of a large
/// image is a few tens of MB).
pub const MAX_REPORT_BYTES: u64 = 256 * 1024 * 1024;

/// Which scanner wrote a JSON text, judged by its top-level keys (cheap: a
/// substring test first, so other JSON files are not parsed twice).
pub fn sniff(text: &str) -> Option<&'static str> {
    let head = text.get(..text.len().min(4096)).unwrap_or(text);
    if text.contains("\"Results\"")
        && (head.contains("\"ArtifactName\"") || head.contains("\"SchemaVersion\""))
    {
        return Some("trivy");
    }
    if text.contains("\"matches\"") && text.contains("\"descriptor\"") {
        return Some("grype");
    }
    None
}

/// Reads a report named with `--vulns`.
pub fn read_file(path: &Path) -> Result<VulnerabilityReport, Diagnostic> {
    let display: Arc<str> = path.display().to_string().into();
    let err = |msg: String| Diagnostic::error("vulns-error", msg, Location::file(display.clone()));
    let meta = std::fs::metadata(path).map_err(|e| err(format!("cannot read: {e}")))?;
    if meta.len() > MAX_REPORT_BYTES {
        return Err(err(format!(
            "report is {} bytes, over the {MAX_REPORT_BYTES} byte limit; not read",
            meta.len()
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| err(format!("cannot read: {e}")))?;
    let text = String::from_utf8_lossy(&bytes);
    parse(&text, display)
}

/// Parses a Trivy or Grype JSON report.
pub fn parse(text: &str, path: Arc<str>) -> Result<VulnerabilityReport, Diagnostic> {
    let err = |msg: String| Diagnostic::error("vulns-error", msg, Location::file(path.clone()));
    let v: Value = serde_json::from_str(text).map_err(|e| err(format!("not valid JSON: {e}")))?;
    if v.get("Results").is_some() || v.get("ArtifactName").is_some() {
        Ok(trivy(&v, path))
    } else if v.get("matches").is_some() {
        Ok(grype(&v, path))
    } else {
        Err(err(
            "neither a Trivy (`trivy image -f json`) nor a Grype (`grype -o json`) report".into(),
        ))
    }
}

fn s(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn trivy(v: &Value, path: Arc<str>) -> VulnerabilityReport {
    let meta = v.get("Metadata");
    let mut aliases = strings(meta.and_then(|m| m.get("RepoTags")));
    aliases.extend(strings(meta.and_then(|m| m.get("RepoDigests"))));
    aliases.extend(
        meta.and_then(|m| m.get("ImageID"))
            .and_then(Value::as_str)
            .map(str::to_string),
    );
    let mut vulnerabilities = Vec::new();
    for result in v
        .get("Results")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        for x in result
            .get("Vulnerabilities")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            let fixed = s(x, "FixedVersion");
            vulnerabilities.push(Vulnerability {
                id: s(x, "VulnerabilityID"),
                package: s(x, "PkgName"),
                installed_version: s(x, "InstalledVersion"),
                // Trivy lists several fixed versions comma-separated.
                fixed_versions: fixed
                    .split(',')
                    .map(str::trim)
                    .filter(|f| !f.is_empty())
                    .map(str::to_string)
                    .collect(),
                severity: s(x, "Severity").to_ascii_lowercase(),
                cwe: strings(x.get("CweIDs")),
            });
        }
    }
    VulnerabilityReport {
        path,
        scanner: "trivy",
        target: s(v, "ArtifactName"),
        target_aliases: aliases,
        vulnerabilities,
    }
}

fn grype(v: &Value, path: Arc<str>) -> VulnerabilityReport {
    let target = v.get("source").and_then(|s| s.get("target"));
    let (name, mut aliases) = match target {
        Some(Value::String(t)) => (t.clone(), Vec::new()),
        Some(t) => {
            let mut a = strings(t.get("tags"));
            a.extend(strings(t.get("repoDigests")));
            for key in ["imageID", "manifestDigest"] {
                let x = s(t, key);
                if !x.is_empty() {
                    a.push(x);
                }
            }
            (s(t, "userInput"), a)
        }
        None => (String::new(), Vec::new()),
    };
    aliases.retain(|a| a != &name);
    let mut vulnerabilities = Vec::new();
    for m in v
        .get("matches")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let Some(vuln) = m.get("vulnerability") else {
            continue;
        };
        let artifact = m.get("artifact");
        let fix = vuln.get("fix");
        let state = fix.map(|f| s(f, "state")).unwrap_or_default();
        let fixed_versions = if state == "fixed" || state.is_empty() {
            strings(fix.and_then(|f| f.get("versions")))
        } else {
            Vec::new()
        };
        // Newer Grype lists CWEs as objects `{cwe: "CWE-79"}`; accept strings too.
        let cwe = vuln
            .get("cwes")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|c| {
                        c.as_str()
                            .map(str::to_string)
                            .or_else(|| c.get("cwe").and_then(Value::as_str).map(str::to_string))
                    })
                    .collect()
            })
            .unwrap_or_default();
        vulnerabilities.push(Vulnerability {
            id: s(vuln, "id"),
            package: artifact.map(|a| s(a, "name")).unwrap_or_default(),
            installed_version: artifact.map(|a| s(a, "version")).unwrap_or_default(),
            fixed_versions,
            severity: s(vuln, "severity").to_ascii_lowercase(),
            cwe,
        });
    }
    VulnerabilityReport {
        path,
        scanner: "grype",
        target: name,
        target_aliases: aliases,
        vulnerabilities,
    }
}

#[cfg(test)]
pub(crate) mod samples {
    /// A Trivy report in the documented `trivy image -f json` shape.
    pub const TRIVY: &str = r#"{
  "SchemaVersion": 2,
  "ArtifactName": "registry.example.com/team/api:1.0",
  "ArtifactType": "container_image",
  "Metadata": {"OS": {"Family": "debian", "Name": "12.4"}, "RepoTags": ["registry.example.com/team/api:1.0"]},
  "Results": [
    {"Target": "registry.example.com/team/api:1.0 (debian 12.4)", "Class": "os-pkgs", "Type": "debian",
     "Vulnerabilities": [
       {"VulnerabilityID": "CVE-2024-0001", "PkgName": "libssl3", "InstalledVersion": "3.0.11-1~deb12u2",
        "FixedVersion": "3.0.13-1~deb12u1", "Status": "fixed", "Severity": "CRITICAL", "CweIDs": ["CWE-787"]},
       {"VulnerabilityID": "CVE-2024-0002", "PkgName": "zlib1g", "InstalledVersion": "1:1.2.13", "Status": "affected",
        "Severity": "HIGH"},
       {"VulnerabilityID": "CVE-2024-0003", "PkgName": "bash", "InstalledVersion": "5.2", "FixedVersion": "5.2.1, 5.3",
        "Severity": "LOW"}
     ]},
    {"Target": "app/package-lock.json", "Class": "lang-pkgs", "Type": "npm"}
  ]
}"#;

    /// A Grype report in the documented `grype -o json` shape.
    pub const GRYPE: &str = r#"{
  "matches": [
    {"vulnerability": {"id": "GHSA-aaaa-bbbb-cccc", "dataSource": "https://github.com/advisories/GHSA-aaaa-bbbb-cccc",
       "severity": "High", "fix": {"versions": ["4.17.21"], "state": "fixed"}},
     "relatedVulnerabilities": [{"id": "CVE-2024-1111"}],
     "artifact": {"name": "lodash", "version": "4.17.20", "type": "npm"}},
    {"vulnerability": {"id": "CVE-2024-2222", "severity": "Medium", "fix": {"versions": [], "state": "not-fixed"}},
     "artifact": {"name": "openssl", "version": "3.1.0", "type": "apk"}}
  ],
  "source": {"type": "image", "target": {"userInput": "web:2.3", "imageID": "sha256:1111", "tags": ["web:2.3"],
     "repoDigests": ["web@sha256:2222"], "manifestDigest": "sha256:3333"}},
  "descriptor": {"name": "grype", "version": "0.74.0"}
}"#;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trivy_report_is_read() {
        assert_eq!(sniff(samples::TRIVY), Some("trivy"));
        let r = parse(samples::TRIVY, "trivy.json".into()).unwrap();
        assert_eq!(r.scanner, "trivy");
        assert_eq!(r.target, "registry.example.com/team/api:1.0");
        assert_eq!(r.vulnerabilities.len(), 3);
        let v = &r.vulnerabilities[0];
        assert_eq!(
            (v.id.as_str(), v.package.as_str(), v.severity.as_str()),
            ("CVE-2024-0001", "libssl3", "critical")
        );
        assert_eq!(v.fixed_versions, vec!["3.0.13-1~deb12u1"]);
        assert_eq!(v.cwe, vec!["CWE-787"]);
        assert!(!r.vulnerabilities[1].has_fix());
        assert_eq!(r.vulnerabilities[2].fixed_versions, vec!["5.2.1", "5.3"]);
    }

    #[test]
    fn grype_report_is_read() {
        assert_eq!(sniff(samples::GRYPE), Some("grype"));
        let r = parse(samples::GRYPE, "grype.json".into()).unwrap();
        assert_eq!(r.target, "web:2.3");
        assert!(r.target_aliases.contains(&"sha256:3333".to_string()));
        assert_eq!(r.vulnerabilities.len(), 2);
        let v = &r.vulnerabilities[0];
        assert_eq!(
            (
                v.package.as_str(),
                v.installed_version.as_str(),
                v.severity.as_str()
            ),
            ("lodash", "4.17.20", "high")
        );
        assert!(v.has_fix());
        assert!(!r.vulnerabilities[1].has_fix());
    }

    #[test]
    fn other_json_is_an_error_not_a_panic() {
        assert_eq!(sniff("{\"a\": 1}"), None);
        assert!(parse("{\"a\": 1}", "x".into()).is_err());
        assert!(parse("[", "x".into()).is_err());
        let odd = r#"{"Results": [{"Vulnerabilities": [{"VulnerabilityID": 5, "Severity": null}]}, 7], "ArtifactName": []}"#;
        let r = parse(odd, "x".into()).unwrap();
        assert_eq!(r.vulnerabilities.len(), 1);
        assert_eq!(r.vulnerabilities[0].id, "");
    }
}
