//! The image stage end to end: archives and reports on disk → scan →
//! findings, the issue's acceptance case included.

use crate::analyse::Analysis;
use crate::config::Config;
use crate::parse::image::testing::{archive, legacy_members, oci_members, write_dir};
use crate::parse::vulns::samples;
use crate::{ScanOptions, scan};

fn run(dir: &std::path::Path, vulns: Vec<std::path::PathBuf>, platform: Option<&str>) -> Analysis {
    let options = ScanOptions {
        paths: vec![dir.to_path_buf()],
        today: Some("2026-06-01".into()),
        platform: platform.map(str::to_string),
        vulns,
        ..ScanOptions::default()
    };
    scan(&options, &Config::default())
}

fn messages<'a>(a: &'a Analysis, code: &str) -> Vec<&'a str> {
    a.findings
        .iter()
        .filter(|f| f.rule.code == code)
        .map(|f| f.message.as_str())
        .collect()
}

#[test]
fn acceptance_key_in_layer_two_deleted_in_three_build_arg_no_user_and_vulns() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let image = crate::parse::image::tests::leaky_image();
    std::fs::write(root.join("api.tar"), archive(&legacy_members(&image))).unwrap();
    std::fs::write(
        root.join("compose.yaml"),
        "services:\n  api:\n    image: registry.example.com/team/api:1.0\n    ports:\n      - \"8080:8080\"\n",
    )
    .unwrap();
    let report = root.join("scan-results");
    std::fs::create_dir(&report).unwrap();
    std::fs::write(report.join("api.trivy.json"), samples::TRIVY).unwrap();
    // The Grype report names another image: it attaches to nothing here.
    let grype = root.join("web.grype.json");
    std::fs::write(&grype, samples::GRYPE).unwrap();
    let a = run(root, vec![grype.clone()], None);

    assert!(a.diagnostics.is_empty(), "{:?}", a.diagnostics);
    let kinds: Vec<_> = a.inputs.iter().map(|i| i.kind).collect();
    assert!(kinds.contains(&crate::discover::InputKind::ImageArchive));
    assert!(kinds.contains(&crate::discover::InputKind::VulnerabilityReport));

    let keys = messages(&a, "TB213");
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert!(
        keys[0].contains("`/root/.ssh/id_rsa` added by layer 2"),
        "{}",
        keys[0]
    );
    assert!(keys[0].contains("deleted by layer 3"), "{}", keys[0]);
    let history = messages(&a, "TB212");
    assert_eq!(history.len(), 1);
    assert!(history[0].contains("build argument `NPM_TOKEN`"));
    assert!(
        a.findings
            .iter()
            .all(|f| !f.message.contains("npm_abcdefghij"))
    );
    assert_eq!(
        messages(&a, "TB210"),
        vec!["image registry.example.com/team/api:1.0 sets no user: its containers run as root"]
    );
    // The compose service runs the archive's image: still root (no USER).
    assert_eq!(messages(&a, "TB408").len(), 1);
    let vulns = messages(&a, "TB221");
    assert_eq!(vulns.len(), 2, "{vulns:?}");
    assert!(vulns.iter().any(|m| {
        m.starts_with("service `api` runs `registry.example.com/team/api:1.0` with 3 known")
    }));
    assert!(
        vulns
            .iter()
            .any(|m| m.starts_with("grype report: `web:2.3`"))
    );
    assert!(
        messages(&a, "TB214").is_empty(),
        "passwd is a usual setuid binary"
    );
    assert_eq!(messages(&a, "TB217").len(), 1);
}

#[test]
fn oci_layout_directory_user_reaches_the_workload() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let image = crate::parse::image::testing::TestImage::new("docker.io/library/web:2")
        .layer(
            "ADD base",
            &[crate::parse::image::testing::E::File(
                "bin/sh",
                0o755,
                vec![],
            )],
        )
        .config(serde_json::json!({"User": "10001", "Healthcheck": {"Test": ["CMD", "/hc"]}}));
    write_dir(
        &root.join("web-layout"),
        &oci_members(&[image], true, false),
    );
    std::fs::write(
        root.join("compose.yaml"),
        "services:\n  web:\n    image: web:2\n",
    )
    .unwrap();
    let a = run(root, vec![], Some("linux/arm64"));
    assert!(a.diagnostics.is_empty(), "{:?}", a.diagnostics);
    assert!(messages(&a, "TB408").is_empty(), "UID 10001 from the image");
    assert!(messages(&a, "TB210").is_empty());
    assert_eq!(
        messages(&a, "TB219"),
        vec![
            "image docker.io/library/web:2 is built for linux/amd64, not the requested linux/arm64"
        ]
    );
}

#[test]
fn hostile_and_foreign_tars_give_diagnostics_not_findings() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // A tar that is no image, found while walking: silently not an input.
    std::fs::write(
        root.join("backup.tar"),
        archive(&[("notes.txt".into(), b"x".to_vec())]),
    )
    .unwrap();
    // A broken one whose manifest points outside.
    std::fs::write(
        root.join("evil.tar"),
        archive(&[(
            "manifest.json".into(),
            br#"[{"Config": "../../etc/passwd", "Layers": ["/x"]}]"#.to_vec(),
        )]),
    )
    .unwrap();
    let a = run(root, vec![], None);
    assert!(a.findings.is_empty());
    let codes: Vec<(&str, &str)> = a
        .diagnostics
        .iter()
        .map(|d| (d.code, &*d.location.path))
        .collect();
    assert_eq!(codes.len(), 1, "{codes:?}");
    assert_eq!(codes[0].0, "image-unsafe-entry");
    assert!(codes[0].1.ends_with("evil.tar"));
}
