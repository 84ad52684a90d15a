//! Built images and vulnerability reports from the command line:
//! `scan image.tar`, `--vulns`, `--platform`, exit codes.

use assert_cmd::Command;
use serde_json::Value;

fn threatbox() -> Command {
    let mut c = Command::cargo_bin("threatbox").unwrap();
    c.env_remove("NO_COLOR")
        .env("THREATBOX_TODAY", "2026-06-01");
    c
}

/// A small legacy `docker save` archive: one layer, a config without USER.
fn write_archive(path: &std::path::Path) {
    let mut layer = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(2);
    h.set_mode(0o755);
    h.set_cksum();
    layer.append_data(&mut h, "bin/sh", &b"#!"[..]).unwrap();
    let layer = layer.into_inner().unwrap();
    let config = serde_json::json!({
        "architecture": "arm64", "os": "linux", "created": "2026-05-01T00:00:00Z",
        "config": {"Env": ["PATH=/bin"], "Cmd": ["/bin/sh"]},
        "history": [{"created_by": "|1 GITHUB_TOKEN=ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789 /bin/sh -c make"}],
    });
    let manifest = serde_json::json!([{"Config": "config.json", "RepoTags": ["shop/api:2.0"], "Layers": ["l1/layer.tar"]}]);
    let mut outer = tar::Builder::new(std::fs::File::create(path).unwrap());
    for (name, data) in [
        ("config.json", serde_json::to_vec(&config).unwrap()),
        ("l1/layer.tar", layer),
        ("manifest.json", serde_json::to_vec(&manifest).unwrap()),
    ] {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        outer.append_data(&mut h, name, data.as_slice()).unwrap();
    }
    outer.finish().unwrap();
}

const TRIVY: &str = r#"{"SchemaVersion": 2, "ArtifactName": "shop/api:2.0", "Results": [{"Target": "shop/api:2.0 (alpine 3.19)",
  "Vulnerabilities": [{"VulnerabilityID": "CVE-2024-0001", "PkgName": "musl", "InstalledVersion": "1.2.4-r2",
  "FixedVersion": "1.2.4-r3", "Severity": "CRITICAL"}]}]}"#;

fn codes(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn archive_with_compose_and_vulns_report() {
    let dir = tempfile::tempdir().unwrap();
    write_archive(&dir.path().join("api.tar"));
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  api:\n    image: shop/api:2.0\n",
    )
    .unwrap();
    let report = dir.path().join("trivy-out.txt");
    std::fs::write(&report, TRIVY).unwrap();
    let out = threatbox()
        .arg("scan")
        .arg(dir.path())
        .args(["--format", "json", "--platform", "linux/amd64", "--vulns"])
        .arg(&report)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes = codes(&v);
    for code in ["TB210", "TB212", "TB217", "TB219", "TB221"] {
        assert!(
            codes.contains(&code.to_string()),
            "{code} missing from {codes:?}"
        );
    }
    assert!(
        !codes.contains(&"TB220".to_string()),
        "a month-old image is not too old"
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("aBcDeFgHiJkLmNoP"), "secret value printed");
    let kinds: Vec<&str> = v["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"image-archive") && kinds.contains(&"vulnerability-report"),
        "{kinds:?}"
    );
    let vuln = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "TB221")
        .unwrap();
    assert_eq!(vuln["severity"], "critical");
    assert!(
        vuln["location"]["path"]
            .as_str()
            .unwrap()
            .ends_with("compose.yaml")
    );
}

#[test]
fn a_report_both_found_and_named_is_read_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  api:\n    image: shop/api:2.0\n",
    )
    .unwrap();
    let report = dir.path().join("api.trivy.json");
    std::fs::write(&report, TRIVY).unwrap();
    let out = threatbox()
        .arg("scan")
        .arg(dir.path())
        .args(["--format", "json", "--vulns"])
        .arg(&report)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let reports = v["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "vulnerability-report")
        .count();
    assert_eq!(reports, 1);
    let vuln = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "TB221")
        .unwrap();
    assert_eq!(vuln["related"].as_array().unwrap().len(), 1);
}

#[test]
fn unreadable_vulns_file_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM alpine:3.19\nUSER 1000\n",
    )
    .unwrap();
    threatbox()
        .arg("scan")
        .arg(dir.path())
        .args([
            "--vulns",
            "/nonexistent/trivy.json",
            "--fail-on",
            "critical",
        ])
        .assert()
        .code(2);
    let bogus = dir.path().join("not-a-report.txt");
    std::fs::write(&bogus, "{\"hello\": 1}").unwrap();
    threatbox()
        .arg("scan")
        .arg(dir.path())
        .arg("--vulns")
        .arg(&bogus)
        .args(["--fail-on", "critical"])
        .assert()
        .code(2)
        .stdout(predicates::str::contains("neither a Trivy"));
}

/// Writes the test archive to `root/api.tar` and unpacks it into
/// `root/project/api-image`, as `docker save | tar -x` would: (archive, directory).
fn archive_and_extracted_copy(root: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let tar = root.join("api.tar");
    write_archive(&tar);
    let extracted = root.join("project/api-image");
    std::fs::create_dir_all(&extracted).unwrap();
    tar::Archive::new(std::fs::File::open(&tar).unwrap())
        .unpack(&extracted)
        .unwrap();
    (tar, extracted)
}

#[test]
fn extracted_docker_save_directory_gives_what_the_archive_gives() {
    let dir = tempfile::tempdir().unwrap();
    let (tar, _) = archive_and_extracted_copy(dir.path());
    let scan = |path: &std::path::Path| -> Value {
        let out = threatbox()
            .arg("scan")
            .arg(path)
            .args(["--format", "json", "--platform", "linux/amd64"])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let from_tar = scan(&tar);
    // Found while walking the project, as one input (its layer is not walked).
    let from_dir = scan(&dir.path().join("project"));
    let mut tar_codes = codes(&from_tar);
    let mut dir_codes = codes(&from_dir);
    tar_codes.sort();
    dir_codes.sort();
    assert!(tar_codes.contains(&"TB217".to_string()), "{tar_codes:?}");
    assert_eq!(tar_codes, dir_codes);
    let inputs = from_dir["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 1, "{inputs:?}");
    assert_eq!(inputs[0]["kind"], "image-directory");
    assert!(inputs[0]["path"].as_str().unwrap().ends_with("api-image"));
}

#[test]
fn extracted_docker_save_directory_with_a_missing_layer_is_an_error_and_the_rest_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let (_, extracted) = archive_and_extracted_copy(dir.path());
    std::fs::remove_file(extracted.join("l1/layer.tar")).unwrap();
    std::fs::write(
        dir.path().join("project/Dockerfile"),
        "FROM alpine:3.20\nRUN sudo true\n",
    )
    .unwrap();
    let out = threatbox()
        .arg("scan")
        .arg(dir.path().join("project"))
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unreadable input is an input error"
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors: Vec<&Value> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["level"] == "error")
        .collect();
    assert!(
        errors.iter().any(|d| d["location"]["path"]
            .as_str()
            .unwrap()
            .ends_with("api-image")
            && d["message"].as_str().unwrap().contains("layer.tar")),
        "{errors:?}"
    );
    // The Dockerfile beside it is still scanned.
    assert!(codes(&v).contains(&"TB108".to_string()), "{:?}", codes(&v));
}

#[test]
fn non_image_tar_named_explicitly_is_a_warning_only() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("backup.tar");
    let mut b = tar::Builder::new(std::fs::File::create(&p).unwrap());
    let mut h = tar::Header::new_gnu();
    h.set_size(1);
    h.set_cksum();
    b.append_data(&mut h, "notes.txt", &b"x"[..]).unwrap();
    b.finish().unwrap();
    drop(b);
    threatbox()
        .arg("scan")
        .arg(&p)
        .assert()
        .code(0)
        .stdout(predicates::str::contains("not an image archive"));
}

#[test]
fn critical_fixable_vulnerability_in_an_exposed_workload_is_an_attack_entry_point() {
    let dir = tempfile::tempdir().unwrap();
    write_archive(&dir.path().join("api.tar"));
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  api:\n    image: shop/api:2.0\n    ports: [\"8080:8080\"]\n",
    )
    .unwrap();
    // Outside the scanned folder: a report there would be found by content.
    let reports = tempfile::tempdir().unwrap();
    let report = reports.path().join("trivy.json");
    std::fs::write(&report, TRIVY).unwrap();
    let out = threatbox()
        .arg("attack")
        .arg(dir.path())
        .args(["--format", "json", "--goal", "workload:api", "--vulns"])
        .arg(&report)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let goal = &v["goals"][0];
    assert_eq!(goal["reachable"], true);
    let first = goal["path"][0].as_u64().unwrap() as usize;
    assert_eq!(
        v["graph"]["steps"][first]["step"],
        "exploit-known-vulnerability"
    );
    // The fact names the vulnerability and links to the TB221 finding.
    let fact = v["graph"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["predicate"] == "known-vulnerability")
        .unwrap();
    assert!(fact["label"].as_str().unwrap().contains("CVE-2024-0001"));
    let fix = fact["fix"].as_u64().unwrap() as usize;
    assert_eq!(v["fixes"][fix]["code"], "TB221");

    // Without the report the same workload is reached only by the generic,
    // costlier assumption.
    let out = threatbox()
        .arg("attack")
        .arg(dir.path())
        .args(["--format", "json", "--goal", "workload:api"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let first = v["goals"][0]["path"][0].as_u64().unwrap() as usize;
    assert_eq!(
        v["graph"]["steps"][first]["step"],
        "exploit-exposed-service"
    );
}
