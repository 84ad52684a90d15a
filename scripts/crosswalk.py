#!/usr/bin/env python3
"""Prints docs/peer-crosswalk.md: every Dockerfile rule of hadolint, Checkov,
Trivy and BuildKit's linter (from the shared reference catalogues) with the
threatbox rules whose `peers` name it.

Usage: python3 scripts/crosswalk.py [--threatbox PATH] [--reference DIR] > docs/peer-crosswalk.md
"""
import argparse
import csv
import json
import os
import subprocess

# Peer rules threatbox leaves out on purpose, and why.
REASONS = {
    "DL1001": "governance of inline pragmas: `--strict` ignores every suppression, and threatbox "
              "reports its own suppressions that give no reason",
    "DL3001": "not covered: commands such as `vim` or `ps` in RUN are hygiene, not a threat on "
              "their own (SSH is TB202)",
    "DL3025": "not covered yet: shell-form CMD/ENTRYPOINT (signals not forwarded to the app) is an "
              "availability nuisance, weakly security-relevant",
    "DL3046": "not covered: a large image from `useradd` without `-l` is a size problem",
    "DS-0030": "not covered yet: WORKDIR under /proc, /boot, /dev",
    "DuplicateStageName": "a parser diagnostic (`duplicate-stage-name`), not a rule",
}
DEFAULT_REASON = "not covered: correctness or style, not a security property"


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--threatbox", default=os.path.join(here, "../target/release/threatbox"))
    ap.add_argument("--reference",
                    default=os.path.join(here, "../../shared/reference/peer-rules"))
    a = ap.parse_args()
    rules = json.loads(subprocess.run([a.threatbox, "rules", "--format", "json"],
                                      capture_output=True, text=True, check=True).stdout)
    peers = {}
    for r in rules:
        for p in r["peers"]:
            peers.setdefault(p, []).append(r["code"])

    def row(tool, pid, desc):
        desc = desc.replace("|", "\\|")
        covered = ", ".join(peers.get(pid, [])) or REASONS.get(pid, DEFAULT_REASON)
        return f"| {tool} | {pid} | {desc} | {covered} |"

    out = [
        "# Crosswalk: peer rules → threatbox rules", "",
        "Every Dockerfile rule of hadolint 2.15, Checkov 3.3, Trivy (trivy-checks) and BuildKit's",
        "linter, with the threatbox rules that cover the same property. Peer ids also work in",
        "suppressions (`# hadolint ignore=DL3002`, `[[ignore]] rule = \"CKV_DOCKER_3\"`) and with",
        "`threatbox explain`. Regenerate with",
        "`python3 scripts/crosswalk.py > docs/peer-crosswalk.md` (needs the shared reference catalogues).",
        "", "| tool | id | what it checks | threatbox |", "|---|---|---|---|",
    ]
    sources = [("hadolint", "hadolint.csv", 2), ("Checkov", "checkov-dockerfile.csv", 1),
               ("Trivy", "trivy-dockerfile.csv", 3), ("BuildKit", "buildkit-lint.csv", 1)]
    for tool, name, desc_col in sources:
        with open(os.path.join(a.reference, name), newline="") as fh:
            for r in list(csv.reader(fh))[1:]:
                out.append(row(tool, r[0], r[desc_col]))
    print("\n".join(out))


if __name__ == "__main__":
    main()
