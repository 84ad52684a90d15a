//! TB221 `known-vulnerabilities`: scanner reports (Trivy, Grype) list known
//! vulnerabilities in the image a workload runs — one summary per container
//! (counts by severity, the fixable critical and high ones named), not one
//! finding per CVE.

use crate::analyse::finding::{Finding, LifecycleStage, Severity, Stride};
use crate::analyse::rule::{Rule, RuleContext, RuleMeta, Sink};
use crate::analyse::rules::container_support::subject;
use crate::model::image_archive::{ImageArchive, Vulnerability};
use crate::model::runtime::Workload;
use crate::source::Location;

pub struct KnownVulnerabilities;

pub static META: RuleMeta = RuleMeta {
    code: "TB221",
    slug: "known-vulnerabilities",
    title: "Known vulnerabilities in the image",
    severity: Severity::High,
    stride: &[
        Stride::ElevationOfPrivilege,
        Stride::Tampering,
        Stride::InformationDisclosure,
    ],
    cwe: &[1395],
    stage: LifecycleStage::Image,
    cis: &["CIS-Docker-4.4"],
    peers: &["CIS-DI-0004"],
    remediation: "Update the packages that have a fixed version (rebuild on an updated base image, bump the dependency), redeploy, and scan again; for vulnerabilities without a fix, judge exposure and track them (a VEX statement or a `.trivyignore` with a reason).",
    docs: r#"
**What it detects.** Vulnerabilities listed by a Trivy (`trivy image -f
json`) or Grype (`grype -o json`) report given with `--vulns FILE` (or found
among the scanned files) for an image that a workload runs — matched by the
report's target, tags and digests, or through a scanned image archive. One
finding per container summarises the counts by severity and names the
critical and high vulnerabilities that have a fixed version. Its severity is
the highest severity among the fixable ones (one step lower when none has a
fix). An image archive no workload runs, and a report that matches nothing
scanned, get one summary each. Every vulnerability stays in the model (and
the attack analysis treats a fixable critical one in an exposed workload as
an entry point).

**Why it is a threat.** A known, published vulnerability is the cheapest way
in: exploits are public and scanners tell attackers as much as defenders
(STRIDE: Elevation of privilege, Tampering, Information disclosure, depending
on the flaw). A fix available and not applied is the most preventable risk.

**Example.** `trivy image -f json -o api.trivy.json api:1.0` lists
CVE-2024-… in `libssl3` with `FixedVersion` set.

**Fix.** Rebuild with the fixed versions and redeploy; `threatbox scan
--vulns api.trivy.json` confirms.
"#,
};

/// Counts and the fixable critical/high list, as a message tail.
fn summary(vulns: &[&Vulnerability]) -> (String, Severity) {
    let count = |rank: u8| vulns.iter().filter(|v| v.severity_rank() == rank).count();
    let fixable = vulns.iter().filter(|v| v.has_fix()).count();
    let mut text = format!(
        "{} known vulnerabilit{} ({} critical, {} high, {} medium, {} low, {} other; {fixable} with a fix)",
        vulns.len(),
        if vulns.len() == 1 { "y" } else { "ies" },
        count(4),
        count(3),
        count(2),
        count(1),
        count(0),
    );
    let mut urgent: Vec<&&Vulnerability> = vulns
        .iter()
        .filter(|v| v.has_fix() && v.severity_rank() >= 3)
        .collect();
    urgent.sort_by(|a, b| {
        b.severity_rank()
            .cmp(&a.severity_rank())
            .then(a.id.cmp(&b.id))
    });
    if !urgent.is_empty() {
        let listed: Vec<String> = urgent
            .iter()
            .take(10)
            .map(|v| {
                format!(
                    "{} ({}) in {} {} → {}",
                    v.id,
                    v.severity,
                    v.package,
                    v.installed_version,
                    v.fixed_versions.join(", ")
                )
            })
            .collect();
        let more = if urgent.len() > 10 {
            format!(" and {} more", urgent.len() - 10)
        } else {
            String::new()
        };
        text.push_str(&format!("; fix now: {}{more}", listed.join("; ")));
    }
    let to_severity = |rank: u8| match rank {
        4 => Severity::Critical,
        3 => Severity::High,
        2 => Severity::Medium,
        1 => Severity::Low,
        _ => Severity::Info,
    };
    let fixable_max = vulns
        .iter()
        .filter(|v| v.has_fix())
        .map(|v| v.severity_rank())
        .max();
    let severity = match fixable_max {
        Some(r) => to_severity(r),
        None => to_severity(vulns.iter().map(|v| v.severity_rank()).max().unwrap_or(0)).lowered(),
    };
    (text, severity)
}

fn reports_of<'a>(ctx: &RuleContext<'a>, indices: &[usize]) -> Vec<&'a Vulnerability> {
    let mut seen = std::collections::HashSet::new();
    indices
        .iter()
        .filter_map(|&i| ctx.system.vulnerability_reports.get(i))
        .flat_map(|r| &r.vulnerabilities)
        .filter(|v| seen.insert((&v.id, &v.package, &v.installed_version)))
        .collect()
}

impl Rule for KnownVulnerabilities {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_workload(&self, workload: &Workload, ctx: &RuleContext<'_>, sink: &mut Sink) {
        for c in &workload.containers {
            let vulns = ctx.system.vulnerabilities_of_container(c);
            if vulns.is_empty() {
                continue;
            }
            let (text, severity) = summary(&vulns);
            let image = c.image.as_ref().map_or("its image", |i| i.value.as_str());
            let location = c
                .image
                .as_ref()
                .map_or(&c.location, |i| &i.location)
                .clone();
            let mut f = Finding::new(
                &META,
                location,
                format!("{} runs `{image}` with {text}", subject(workload, c)),
            )
            .with_severity(severity);
            for &i in &c.vulnerability_reports {
                if let Some(r) = ctx.system.vulnerability_reports.get(i) {
                    f = f.with_related(
                        Location::file(r.path.clone()),
                        format!("{} report", r.scanner),
                    );
                }
            }
            sink.push(f);
        }
    }

    fn check_image_archive(&self, archive: &ImageArchive, ctx: &RuleContext<'_>, sink: &mut Sink) {
        // Archives a workload runs are reported per workload.
        let index = ctx
            .system
            .image_archives
            .iter()
            .position(|a| std::ptr::eq(a, archive));
        let run = index.is_some()
            && ctx
                .system
                .workloads
                .iter()
                .flat_map(|w| &w.containers)
                .any(|c| c.image_archive == index);
        let vulns = reports_of(ctx, &archive.vulnerability_reports);
        if run || vulns.is_empty() {
            return;
        }
        let (text, severity) = summary(&vulns);
        sink.push(
            Finding::new(
                &META,
                archive.location(),
                format!("image {} has {text}", archive.display_name()),
            )
            .with_severity(severity),
        );
    }

    fn check_system(&self, ctx: &RuleContext<'_>, sink: &mut Sink) {
        for (i, report) in ctx.system.vulnerability_reports.iter().enumerate() {
            let used = ctx
                .system
                .image_archives
                .iter()
                .any(|a| a.vulnerability_reports.contains(&i))
                || ctx
                    .system
                    .workloads
                    .iter()
                    .flat_map(|w| &w.containers)
                    .any(|c| c.vulnerability_reports.contains(&i));
            let vulns = reports_of(ctx, &[i]);
            if used || vulns.is_empty() {
                continue;
            }
            let (text, severity) = summary(&vulns);
            let target = if report.target.is_empty() {
                "an unnamed image"
            } else {
                report.target.as_str()
            };
            sink.push(
                Finding::new(
                    &META,
                    Location::file(report.path.clone()),
                    format!(
                        "{} report: `{target}` (run by no scanned workload) has {text}",
                        report.scanner
                    ),
                )
                .with_severity(severity),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::rules::testing::{check_system, system};
    use crate::parse::vulns::{parse, samples};

    fn with_reports(files: &[(&str, &str)], reports: &[(&str, &str)]) -> crate::model::System {
        let mut s = system(files);
        for (path, text) in reports {
            s.vulnerability_reports
                .push(parse(text, (*path).into()).unwrap());
        }
        crate::model::resolve::resolve(&mut s);
        s
    }

    #[test]
    fn one_summary_per_container_with_fixable_critical_and_high_named() {
        let s = with_reports(
            &[(
                "compose.yaml",
                "services:\n  api:\n    image: registry.example.com/team/api:1.0\n  web:\n    image: web:2.3\n  db:\n    image: postgres:16\n",
            )],
            &[
                ("trivy.json", samples::TRIVY),
                ("grype.json", samples::GRYPE),
            ],
        );
        let f = check_system(&KnownVulnerabilities, &s);
        assert_eq!(
            f.len(),
            2,
            "{:?}",
            f.iter().map(|f| &f.message).collect::<Vec<_>>()
        );
        assert_eq!(
            f[0].message,
            "service `api` runs `registry.example.com/team/api:1.0` with 3 known vulnerabilities (1 critical, 1 high, 0 medium, 1 low, 0 other; 2 with a fix); fix now: CVE-2024-0001 (critical) in libssl3 3.0.11-1~deb12u2 → 3.0.13-1~deb12u1"
        );
        assert_eq!(f[0].severity, Severity::Critical);
        assert_eq!(f[0].location.start_line, 3);
        assert_eq!(&*f[0].related[0].location.path, "trivy.json");
        assert!(
            f[1].message
                .starts_with("service `web` runs `web:2.3` with 2 known vulnerabilities")
        );
        assert!(
            f[1].message
                .contains("GHSA-aaaa-bbbb-cccc (high) in lodash 4.17.20 → 4.17.21")
        );
        assert_eq!(f[1].severity, Severity::High);
    }

    #[test]
    fn unmatched_report_gets_one_finding_at_the_report() {
        let s = with_reports(
            &[("compose.yaml", "services:\n  db:\n    image: postgres:16\n")],
            &[("grype.json", samples::GRYPE)],
        );
        let f = check_system(&KnownVulnerabilities, &s);
        assert_eq!(f.len(), 1);
        assert_eq!(&*f[0].location.path, "grype.json");
        assert!(
            f[0].message
                .starts_with("grype report: `web:2.3` (run by no scanned workload) has 2")
        );
    }

    #[test]
    fn no_fix_lowers_the_severity() {
        let v = Vulnerability {
            id: "CVE-1".into(),
            package: "p".into(),
            installed_version: "1".into(),
            fixed_versions: vec![],
            severity: "critical".into(),
            cwe: vec![],
        };
        let (text, severity) = summary(&[&v]);
        assert_eq!(severity, Severity::High);
        assert!(!text.contains("fix now"));
    }
}
