#!/usr/bin/env python3
"""Which threatbox rules cover each Kubernetes security property of
../shared/reference/kubernetes-properties.md, sections 2a-2f (rows 1-79).

A rule covers a property when its `peers` list (`threatbox rules --format
json`) names one of the peer checks in the property's row. Rows that no peer
id joins carry a note written here by hand (NOTES): covered another way, or a
gap. The output is docs/kubernetes-coverage.md:

    cargo build --release
    python3 scripts/k8s-coverage.py > docs/kubernetes-coverage.md

Options: --threatbox PATH (default target/release/threatbox),
--properties FILE (default ../shared/reference/kubernetes-properties.md).
"""
import argparse
import json
import os
import re
import subprocess

# Rows no peer id joins to a rule, or joined only through an id shared with
# another row: how they stand (checked by hand against the rules and the
# attack analysis; "gap" marks what is still to build). A note that starts
# with "gap" replaces the rules the peer ids found.
NOTES = {
    26: "by design: each missing setting is its own finding (TB406 privilege escalation, TB407 capabilities, TB408 root, TB409 read-only root, TB410 seccomp/AppArmor/SELinux); no finding for an absent `securityContext` block itself",
    35: "TB432 no-ephemeral-storage-limit (kube-score's check has no id to join): containers that can fill the node's disk (writable root filesystem, or an emptyDir without sizeLimit) with no ephemeral-storage limit",
    47: "TB524 reads ConfigMap data; TB414 only shares the peer id C-0012 with row 46",
    48: "attack analysis: mounted Secrets and service-account tokens are what `secret-read(workload)` and `credential(subject)` steps read (docs/attack-analysis.md); no separate finding",
    67: "attack analysis: workload → ServiceAccount → binding → role is joined for every goal (`control the cluster` paths), and TB501–TB505 name the bound subjects",
    79: "TB530 deprecated-api-version reports PodSecurityPolicy objects (`policy/v1beta1`, removed in Kubernetes 1.25) with Pod Security Admission as the replacement; the content of a policy the cluster can no longer enforce is not judged",
}


def peer_ids(cell):
    """The peer check ids written in a table cell, lower-cased."""
    out = set()
    for tok in re.split(r"[,/ ()+]+", cell):
        tok = tok.strip("`*.").strip()
        if not tok or tok in ("—", "✔"):
            continue
        m = re.match(r"K8S_(\d+)", tok)
        out.add(f"ckv_k8s_{m.group(1)}" if m else tok.lower())
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--threatbox", default=os.path.join(here, "../target/release/threatbox"))
    ap.add_argument("--properties",
                    default=os.path.join(here, "../../shared/reference/kubernetes-properties.md"))
    a = ap.parse_args()
    rules = json.loads(subprocess.run([a.threatbox, "rules", "--format", "json"],
                                      check=True, capture_output=True, text=True).stdout)
    if isinstance(rules, dict):
        rules = rules.get("rules", [])
    by_peer = {}
    for r in rules:
        for p in r.get("peers", []):
            by_peer.setdefault(p.lower(), set()).add(r["code"])
    text = open(a.properties, encoding="utf-8").read()
    body = text[text.index("### 2a."):text.index("### 2g.")]
    print("# Kubernetes security properties: what covers each\n")
    print("Rows 1–79 of `../shared/reference/kubernetes-properties.md` (sections 2a–2f, the merged")
    print("list of what kube-score, kubesec, kube-linter, Polaris, Checkov, Trivy and Kubescape")
    print("check) with the threatbox rules whose peer ids name one of the row's checks; rows no")
    print("peer id joins carry a note: covered another way, or a **gap** still to build. Section 2g")
    print("(control-plane and kubelet flags) is TB601–TB614; the two flags left out (API server")
    print("request timeout, terminated-pod GC threshold: availability tuning) are named in")
    print("docs/k8s-label-agreement.md. Regenerate with")
    print("`python3 scripts/k8s-coverage.py > docs/kubernetes-coverage.md`.\n")
    print("| # | property | threatbox |")
    print("|---:|---|---|")
    gaps = 0
    section = ""
    for line in body.split("\n"):
        if line.startswith("### "):
            section = line[4:].strip()
            print(f"| | **{section}** | |")
            continue
        m = re.match(r"\| *(\d+) *\|", line)
        if not m:
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        num, prop = int(cells[0]), cells[1]
        ids = set().union(*(peer_ids(c) for c in cells[2:]))
        codes = sorted(set().union(*(by_peer.get(i, set()) for i in ids)))
        note = NOTES.get(num)
        if codes and not (note or "").startswith("gap"):
            what = ", ".join(codes) + (f" ({note})" if note else "")
        else:
            what = note or "gap: no rule names this property's peer checks"
        if what.startswith("gap") or "partial" in what:
            gaps += 1
        print(f"| {num} | {prop} | {what} |")
    print(f"\n{gaps} of the rows are gaps or partial (see the notes).")


if __name__ == "__main__":
    main()
