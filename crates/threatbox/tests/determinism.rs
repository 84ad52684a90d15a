//! Deterministic output (issue 7): the same inputs give byte-identical JSON,
//! SARIF and text reports whatever the number of threads and whatever the
//! order in which files are found or named.
//!
//! The inputs are `examples/` plus generated files: twenty copies of the
//! examples (the same object names over and over, so that any "first one
//! wins" join depends on order if it can), many small Dockerfiles and
//! manifests with findings on the same lines, and a few broken files that
//! give diagnostics.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    let mut entries: Vec<_> = std::fs::read_dir(from)
        .expect("read_dir")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for p in entries {
        let dest = to.join(p.file_name().expect("name"));
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).expect("copy");
        }
    }
}

/// Writes the generated inputs under `root`; `reverse` creates them in the
/// opposite order (directory order may follow creation order).
fn generate(root: &Path, reverse: bool) {
    let mut jobs: Vec<Box<dyn Fn()>> = Vec::new();
    for i in 0..20 {
        let dest = root.join(format!("copy{i:02}"));
        jobs.push(Box::new(move || {
            copy_dir(&repo_root().join("examples"), &dest)
        }));
    }
    for i in 0..60 {
        let dir = root.join(format!("svc{i:02}"));
        jobs.push(Box::new(move || {
            std::fs::create_dir_all(&dir).expect("mkdir");
            std::fs::write(
                dir.join("Dockerfile"),
                format!("FROM python:3.{i}\nENV TOKEN=ghp_{i:036}\nRUN sudo pip install flask\n"),
            )
            .expect("write");
            std::fs::write(
                dir.join("pod.yaml"),
                format!(
                    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: ns{}\nspec:\n  containers:\n  - name: c\n    image: registry.example/svc{i}:latest\n    securityContext: {{privileged: true}}\n",
                    i % 3
                ),
            )
            .expect("write");
        }));
    }
    jobs.push(Box::new(move || {
        let dir = root.join("broken");
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join("Dockerfile"), "FROM alpine:3.20\nFROBNICATE\n").expect("write");
        std::fs::write(dir.join("cut.yaml"), "apiVersion: v1\nkind: Pod\nspec: [\n")
            .expect("write");
        std::fs::write(dir.join("daemon.json"), "{\"icc\": true,").expect("write");
    }));
    if reverse {
        jobs.reverse();
    }
    for job in jobs {
        job();
    }
}

/// Runs a scan from the repository root; returns the report bytes.
fn report(args: &[&str], env_threads: Option<&str>) -> Vec<u8> {
    let mut cmd = Command::cargo_bin("threatbox").expect("binary");
    cmd.current_dir(repo_root())
        .env("THREATBOX_TODAY", "2026-06-01")
        .env_remove("RAYON_NUM_THREADS")
        .args(["scan", "--color", "never"])
        .args(args);
    if let Some(n) = env_threads {
        cmd.env("RAYON_NUM_THREADS", n);
    }
    let out = cmd.output().expect("run threatbox");
    // Exit 2: the broken files give input errors on purpose.
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.stdout.is_empty());
    out.stdout
}

fn assert_same(what: &str, a: &[u8], b: &[u8]) {
    if a != b {
        let (a, b) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
        let line = a
            .lines()
            .zip(b.lines())
            .position(|(x, y)| x != y)
            .unwrap_or(0);
        panic!(
            "{what}: outputs differ from line {}:\n{}\n---\n{}",
            line + 1,
            a.lines().nth(line).unwrap_or(""),
            b.lines().nth(line).unwrap_or("")
        );
    }
}

#[test]
fn same_bytes_for_any_thread_count() {
    let dir = tempfile::tempdir().expect("temp dir");
    generate(dir.path(), false);
    let gen_dir = dir.path().display().to_string();
    for format in ["json", "sarif", "text"] {
        let args = ["--format", format, "examples", &gen_dir];
        let one = report(&[&["--jobs", "1"], &args[..]].concat(), None);
        let eight = report(&[&["--jobs", "8"], &args[..]].concat(), None);
        assert_same(&format!("{format}: --jobs 1 vs 8"), &one, &eight);
        let env_one = report(&args, Some("1"));
        let env_eight = report(&args, Some("8"));
        assert_same(
            &format!("{format}: RAYON_NUM_THREADS 1 vs 8"),
            &env_one,
            &env_eight,
        );
        assert_same(
            &format!("{format}: --jobs 1 vs RAYON_NUM_THREADS 8"),
            &one,
            &env_eight,
        );
    }
}

#[test]
fn same_bytes_for_any_walk_or_argument_order() {
    // The same tree written in two creation orders, scanned at one path.
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("tree");
    let root_text = root.display().to_string();
    generate(&root, false);
    let forward = report(&["--format", "json", "examples", &root_text], Some("8"));
    std::fs::remove_dir_all(&root).expect("rm");
    generate(&root, true);
    let backward = report(&["--format", "json", &root_text, "examples"], Some("8"));
    assert_same("json: creation and argument order", &forward, &backward);

    // Every file named on the command line, in two orders (named files are
    // explicit, so compare with each other, not with the walk).
    let mut files: Vec<String> = Vec::new();
    let mut stack = vec![root.clone(), repo_root().join("examples")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if threatbox::discover::kind_by_name(&p).is_some() {
                files.push(p.display().to_string());
            }
        }
    }
    files.sort();
    assert!(files.len() > 200, "{}", files.len());
    for format in ["json", "sarif"] {
        let mut args: Vec<&str> = vec!["--format", format];
        args.extend(files.iter().map(String::as_str));
        let sorted = report(&args, Some("8"));
        let mut args: Vec<&str> = vec!["--format", format];
        // Reversed, then interleaved: a shuffle without a random source.
        let mut shuffled: Vec<&str> = files.iter().rev().map(String::as_str).collect();
        let half = shuffled.split_off(shuffled.len() / 2);
        for (a, b) in half.iter().zip(shuffled.iter()) {
            args.push(a);
            args.push(b);
        }
        args.extend(half.iter().skip(shuffled.len()));
        args.extend(shuffled.iter().skip(half.len()));
        assert_eq!(args.len(), files.len() + 2);
        let mixed = report(&args, Some("1"));
        assert_same(
            &format!("{format}: named files in two orders"),
            &sorted,
            &mixed,
        );
    }
}
