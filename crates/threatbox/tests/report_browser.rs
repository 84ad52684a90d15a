//! The HTML report in a real browser: headless Chromium loads the page of
//! `examples/`, a page with hand-made attack trees and the hostile input,
//! and the test reads the DOM Chromium dumps and its network log.
//!
//! Skipped, with the reason printed, when no Chromium binary is found
//! (`CHROMIUM` names one explicitly; Debian: `apt-get install chromium`).
//! CI installs it and sets `THREATBOX_REQUIRE_BROWSER`, which turns the
//! skip into a failure (`.ci/run`).
//!
//! Network: Chromium writes every request to a NetLog (`--log-net-log`).
//! The browser itself also talks to Google in the background, so only the
//! requests made for the page (network isolation key `file://`) count; a
//! control page with an `<img>` pointing at 127.0.0.1 shows that such a
//! request is seen.

#[path = "support/hostile.rs"]
mod hostile;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use threatbox::config::Config;
use threatbox::report::document::{
    AttackSummary, FixView, GoalView, TreeNodeKind, TreeNodeView, TreeView, build, html,
};
use threatbox::{ScanOptions, scan};

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

struct Loaded {
    dom: String,
    /// URLs the page itself requested (not the browser's own traffic).
    page_requests: Vec<String>,
}

/// Loads `file` in headless Chromium; returns the DOM after scripts ran
/// and the page's network requests. Writes a screenshot when asked.
fn load(browser: &Path, file: &Path, work: &Path, screenshot: Option<&Path>) -> Loaded {
    let netlog = work.join(format!(
        "net-{}.json",
        file.file_stem().unwrap().to_string_lossy()
    ));
    let url = format!("file://{}", file.display());
    let common = |c: &mut Command| {
        c.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--window-size=1400,5000",
        ])
        .arg(format!(
            "--user-data-dir={}",
            work.join("profile").display()
        ))
        .stdin(Stdio::null())
        .stderr(Stdio::null());
    };
    let mut c = Command::new(browser);
    common(&mut c);
    c.arg(format!("--log-net-log={}", netlog.display()))
        .arg("--dump-dom")
        .arg(&url);
    let out = c.output().expect("chromium runs");
    assert!(out.status.success(), "chromium failed on {url}");
    if let Some(png) = screenshot {
        let mut c = Command::new(browser);
        common(&mut c);
        c.arg(format!("--screenshot={}", png.display()))
            .arg(&url)
            .stdout(Stdio::null());
        let status = c.status().expect("chromium runs");
        assert!(status.success() && png.is_file(), "no screenshot of {url}");
    }
    Loaded {
        dom: String::from_utf8_lossy(&out.stdout).into_owned(),
        page_requests: page_requests(&netlog),
    }
}

/// Requests in a NetLog whose network isolation key is the `file://` page
/// (a log cut short by the browser's exit is closed before parsing).
fn page_requests(netlog: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(netlog).expect("net log written");
    let value: serde_json::Value = serde_json::from_str(&text)
        .or_else(|_| serde_json::from_str(&format!("{}]}}", text.trim_end().trim_end_matches(','))))
        .expect("net log is JSON");
    let mut urls: Vec<String> = value["events"]
        .as_array()
        .map(|events| {
            events
                .iter()
                .filter_map(|e| {
                    let p = &e["params"];
                    let url = p["url"].as_str()?;
                    let key = p["network_isolation_key"].as_str()?;
                    (key.contains("file://") && !url.starts_with("file:")).then(|| url.to_string())
                })
                .collect()
        })
        .unwrap_or_default();
    urls.sort();
    urls.dedup();
    urls
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn cli_html(dir: &Path, out: &Path) {
    let status = assert_cmd::Command::cargo_bin("threatbox")
        .unwrap()
        .current_dir(dir)
        .env("THREATBOX_TODAY", "2026-06-01")
        .args(["report", ".", "--format", "html", "--output"])
        .arg(out)
        .output()
        .unwrap()
        .status;
    assert!(status.success());
}

/// The body's opening tag in a dumped DOM.
fn body_tag(dom: &str) -> &str {
    let start = dom.find("<body").expect("a body");
    let end = dom[start..].find('>').map_or(dom.len(), |e| start + e + 1);
    &dom[start..end]
}

/// A hand-made attack summary over the examples' real findings, as the
/// attack analysis will give it.
fn attack_for(analysis: &threatbox::analyse::Analysis) -> AttackSummary {
    let fp = |code: &str| {
        analysis
            .active()
            .find(|f| f.rule.code == code)
            .map(|f| f.fingerprint.clone())
    };
    let leaf = |label: &str, code: &str| TreeNodeView {
        kind: TreeNodeKind::Leaf,
        label: label.into(),
        reachable: fp(code).is_some(),
        finding: fp(code),
        children: vec![],
    };
    let tree = TreeView {
        root: 0,
        nodes: vec![
            TreeNodeView {
                kind: TreeNodeKind::Or,
                label: "root on a node".into(),
                reachable: true,
                finding: None,
                children: vec![1, 2],
            },
            TreeNodeView {
                kind: TreeNodeKind::And,
                label: "escape from the log agent".into(),
                reachable: true,
                finding: None,
                children: vec![3, 4],
            },
            leaf("Docker socket mounted", "TB402"),
            leaf("privileged container", "TB401"),
            leaf("host / mounted writable", "TB404"),
        ],
    };
    AttackSummary {
        analysed: true,
        goals: vec![
            GoalView {
                name: "root on a node".into(),
                reachable: true,
                tree,
            },
            GoalView {
                name: "read etcd directly".into(),
                reachable: false,
                tree: TreeView {
                    root: 0,
                    nodes: vec![leaf("etcd exposed without TLS", "TB999")],
                },
            },
        ],
        fix_set: fp("TB401").into_iter().collect(),
        fixes: fp("TB402")
            .map(|f| FixView {
                finding: f,
                paths_removed: 1,
                goals_cut: vec![],
            })
            .into_iter()
            .collect(),
        assumptions: vec![],
    }
}

#[test]
fn html_report_in_headless_chromium() {
    let Some(browser) = chromium() else {
        // CI sets this so that a missing browser fails instead of skipping.
        assert!(
            std::env::var_os("THREATBOX_REQUIRE_BROWSER").is_none(),
            "THREATBOX_REQUIRE_BROWSER is set but no chromium binary was found"
        );
        println!(
            "skipped: no chromium binary in PATH (set CHROMIUM or `apt-get install -y chromium`)"
        );
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR"));

    // The control: a request the page makes is seen in the net log.
    let control = work.path().join("control.html");
    std::fs::write(
        &control,
        "<!DOCTYPE html><html><body><img src=\"http://127.0.0.1:9/probe.png\"></body></html>",
    )
    .unwrap();
    let seen = load(&browser, &control, work.path(), None);
    assert_eq!(
        seen.page_requests,
        vec!["http://127.0.0.1:9/probe.png".to_string()],
        "the net-log check must see a page's request"
    );

    // `threatbox report examples/ --format html`.
    let page = work.path().join("examples.html");
    cli_html(&workspace().join("examples"), &page);
    let shot = shots.join("report-examples.png");
    let got = load(&browser, &page, work.path(), Some(&shot));
    assert!(
        got.page_requests.is_empty(),
        "requests: {:?}",
        got.page_requests
    );
    let dom = &got.dom;
    assert!(dom.contains("<svg id=\"dfd\""), "the data-flow diagram");
    for kind in ["internet", "network", "namespace", "host", "container"] {
        assert!(
            dom.contains(&format!("class=\"boundary boundary-{kind}\"")),
            "a {kind} boundary"
        );
    }
    for label in [
        "Internet client",
        "Kubernetes API server",
        "Deployment shop/api",
        "DaemonSet kube-system/log-agent",
        "service worker",
        "Runtime socket /var/run/docker.sock",
    ] {
        // Each node's tooltip names it in full (the drawn text may be cut).
        assert!(
            dom.contains(&format!(": {label} (")) && dom.contains("class=\"dfd-node"),
            "diagram node {label}"
        );
    }
    assert!(dom.contains("class=\"dfd-flow"), "flows are drawn");
    // The attack analysis runs in `report`: each reachable goal's heading
    // is followed by its drawn tree.
    let reachable: Vec<usize> = (0..64)
        .filter(|i| dom.contains(&format!("<h3 id=\"goal-{i}\" class=\"goal reachable\"")))
        .collect();
    assert!(!reachable.is_empty(), "the examples reach some goal");
    for i in reachable {
        assert!(
            dom.contains(&format!("<svg id=\"goal-{i}-tree\"")),
            "tree of goal {i}"
        );
    }
    assert!(dom.contains("class=\"tree-node leaf reachable\""));
    // The filter script ran (its CSP hash matched): the form is shown.
    assert!(
        dom.contains("<form id=\"filters\" aria-label"),
        "filters not shown"
    );

    // A page with attack trees: each reachable goal has its tree, with its
    // reachable nodes marked and leaves linked to findings.
    let root = workspace().join("examples");
    let options = ScanOptions {
        paths: vec![root],
        today: Some("2026-06-01".into()),
        ..ScanOptions::default()
    };
    let analysis = scan(&options, &Config::default());
    let system = &analysis.system;
    let attack = attack_for(&analysis);
    let trees = work.path().join("trees.html");
    let page_text = html::render(&build(&analysis, system, &attack));
    std::fs::write(&trees, &page_text).unwrap();
    let got = load(&browser, &trees, work.path(), None);
    // For the screenshot only: the same page with the long sections
    // hidden, so that the diagram and the trees fit in one image.
    let overview = work.path().join("overview.html");
    let hide = "<style>#scope,#summary,#system table,#system h3:not(#dfd-heading),#stride,#lifecycle,#findings,#appendix{display:none}</style></head>";
    std::fs::write(&overview, page_text.replacen("</head>", hide, 1)).unwrap();
    load(
        &browser,
        &overview,
        work.path(),
        Some(&shots.join("report-diagram-and-trees.png")),
    );
    assert!(
        got.page_requests.is_empty(),
        "requests: {:?}",
        got.page_requests
    );
    for (i, g) in attack.goals.iter().enumerate() {
        if g.reachable {
            assert!(
                got.dom.contains(&format!("<svg id=\"goal-{i}-tree\"")),
                "tree of {}",
                g.name
            );
        }
    }
    assert!(
        got.dom
            .contains("class=\"tree-node or reachable\" id=\"goal-0-n0\"")
    );
    assert!(got.dom.contains("class=\"tree-node leaf reachable\""));
    assert!(got.dom.contains("<a href=\"#f-"), "leaves link to findings");

    // The hostile input: no injected script ran, no element was injected.
    let hostile_dir = work.path().join("hostile");
    hostile::write(&hostile_dir);
    let page = work.path().join("hostile.html");
    cli_html(&hostile_dir, &page);
    let got = load(
        &browser,
        &page,
        work.path(),
        Some(&shots.join("report-hostile.png")),
    );
    assert!(
        got.page_requests.is_empty(),
        "requests: {:?}",
        got.page_requests
    );
    let dom = &got.dom;
    assert!(
        dom.contains("&lt;script&gt;document.title"),
        "payload is on the page as text"
    );
    assert!(
        dom.contains("<title>Threat model — threatbox</title>"),
        "title changed"
    );
    assert!(
        !body_tag(dom).contains("data-pwned"),
        "an injected handler ran"
    );
    assert!(!dom.contains("<img"), "an <img> was injected");
    assert!(!dom.contains("<svg onload"), "an <svg> was injected");
    assert_eq!(dom.matches("<script").count(), 1, "only our own script");
}
