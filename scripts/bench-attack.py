#!/usr/bin/env python3
"""Attack-analysis benchmark on synthetic clusters (issue 4's figures).

Generates clusters with scripts/gen-cluster.py (10 000 pods, 1 000 service
accounts, 5 000 role bindings; and twice that), then runs
`threatbox attack DIR --timings` several times on each and prints the median
time of the attack analysis alone (graph, fixpoint, goals, trees, fix sets;
reported by --timings), the whole process, and the peak memory
(/usr/bin/time), with the 20k/10k ratio.

    scripts/bench-attack.py [--threatbox target/release/threatbox] [--runs 3]
                            [--format text|json]

Python 3.11, standard library; needs /usr/bin/time (GNU time).
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(threatbox, cluster, fmt):
    cmd = ["/usr/bin/time", "-f", "TIME %e %M", threatbox, "attack", cluster,
           "--format", fmt, "--output", os.devnull, "--timings"]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode not in (0, 1):
        sys.exit(f"threatbox failed ({p.returncode}): {p.stderr}")
    analysis = float(re.search(r"attack analysis ([0-9.]+) s", p.stderr).group(1))
    wall, rss = re.search(r"TIME ([0-9.]+) ([0-9]+)", p.stderr).groups()
    return analysis, float(wall), int(rss) / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threatbox", default=os.path.join(REPO, "target/release/threatbox"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--format", default="text", choices=["text", "json"])
    a = ap.parse_args()
    sizes = [(10000, 1000, 5000, 100), (20000, 2000, 10000, 200)]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for pods, sas, bindings, nss in sizes:
            out = os.path.join(tmp, f"c{pods}")
            subprocess.run([sys.executable, os.path.join(REPO, "scripts/gen-cluster.py"), out,
                            "--pods", str(pods), "--service-accounts", str(sas),
                            "--bindings", str(bindings), "--namespaces", str(nss)], check=True)
            results = [run(a.threatbox, out, a.format) for _ in range(a.runs)]
            rows.append((pods, sas, bindings,
                         statistics.median(r[0] for r in results),
                         statistics.median(r[1] for r in results),
                         max(r[2] for r in results)))
    print(f"| pods | service accounts | role bindings | attack analysis (s) | whole process, --format {a.format} (s) | peak memory (MiB) |")
    print("|---:|---:|---:|---:|---:|---:|")
    for pods, sas, bindings, analysis, wall, rss in rows:
        print(f"| {pods} | {sas} | {bindings} | {analysis:.2f} | {wall:.2f} | {rss:.0f} |")
    print(f"\n20 000 / 10 000 pods: attack analysis {rows[1][3] / rows[0][3]:.2f}x, whole process {rows[1][4] / rows[0][4]:.2f}x")


if __name__ == "__main__":
    main()
