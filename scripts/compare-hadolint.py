#!/usr/bin/env python3
"""Agreement between threatbox and hadolint on the properties both check.

Runs both tools over the Dockerfiles under a directory (default: the shared
corpus), then, per file and per property, asks whether each tool reports it.
Prints a table of agreement and writes every disagreement to a TSV file so
that each kind can be explained.

Usage: scripts/compare-hadolint.py [CORPUS_DIR] [--threatbox PATH] [--out FILE]
"""
import argparse
import json
import os
import re
import subprocess
import sys

from corpus import dockerfiles
from collections import defaultdict

PIPE_TO_SHELL = re.compile(
    r"(curl|wget)\b[^|;&]*\|\s*(sudo\s+)?(\S*/)?(sh|bash|ash|dash|zsh|ksh|python[0-9.]*)\b")

def run_text(path, line):
    """The logical RUN text starting at a 1-based line (continuations joined)."""
    try:
        lines = open(path, encoding="utf-8", errors="replace").read().split("\n")
    except OSError:
        return ""
    out, i = [], line - 1
    while 0 <= i < len(lines):
        s = lines[i].rstrip()
        if s.lstrip().startswith("#"):
            i += 1
            continue
        out.append(s.rstrip("\\"))
        if not s.endswith("\\"):
            break
        i += 1
    return " ".join(out)

def line_text(path, line):
    try:
        return open(path, encoding="utf-8", errors="replace").read().split("\n")[line - 1]
    except (OSError, IndexError):
        return ""

def hadolint_props(files):
    res = subprocess.run(["hadolint", "--no-fail", "-f", "json", *files],
                         capture_output=True, text=True)
    data = json.loads(res.stdout or "[]")
    props = defaultdict(set)
    parse_errors = set()
    for f in data:
        path, code = f["file"], f["code"]
        if code == "DL1000":
            parse_errors.add(path)
        elif code == "DL3002":
            props[path].add("final-user-root")
        elif code in ("DL3006", "DL3007"):
            props[path].add("base-untagged-or-latest")
        elif code == "DL3020":
            props[path].add("add-local-file")
        elif code == "DL3004":
            props[path].add("sudo")
        elif code == "DL3064":
            props[path].add("secret-in-env-arg")
        elif code == "DL4006" and PIPE_TO_SHELL.search(run_text(path, f["line"])):
            props[path].add("curl-pipe-shell")
    return props, parse_errors

def threatbox_props(binary, files):
    res = subprocess.run([binary, "scan", "--format", "json", "--fail-on", "critical", *files],
                         capture_output=True, text=True)
    data = json.loads(res.stdout)
    props = defaultdict(set)
    for f in data["findings"]:
        path, code = f["location"]["path"], f["code"]
        if code == "TB201" and line_text(path, f["location"]["start_line"]).lstrip().upper().startswith("USER"):
            props[path].add("final-user-root")
        elif code == "TB301":
            props[path].add("base-untagged-or-latest")
        elif code == "TB110":
            props[path].add("add-local-file")
        elif code == "TB108":
            props[path].add("sudo")
        elif code in ("TB101", "TB103") and re.match(
                r"\s*(ENV|ARG)\b", line_text(path, f["location"]["start_line"]), re.I):
            # hadolint's DL3064 judges ENV/ARG instructions only: compare those
            # (TB101 also reports secrets in RUN and LABEL).
            props[path].add("secret-in-env-arg")
        elif code == "TB104":
            props[path].add("curl-pipe-shell")
    parse_errors = {d["location"]["path"] for d in data["diagnostics"] if d["code"] == "parse-error"}
    return props, parse_errors

PROPERTIES = ["final-user-root", "base-untagged-or-latest", "add-local-file", "sudo",
              "secret-in-env-arg", "curl-pipe-shell"]

def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", nargs="?", default=os.path.join(here, "../../shared/corpora/dockerfiles"))
    ap.add_argument("--threatbox", default=os.path.join(here, "../target/release/threatbox"))
    ap.add_argument("--out", default="target/hadolint-disagreements.tsv")
    a = ap.parse_args()
    files = dockerfiles(a.corpus)
    if not files:
        sys.exit(f"no Dockerfiles under {a.corpus}")
    hl, hl_err = hadolint_props(files)
    tb, tb_err = threatbox_props(a.threatbox, files)
    rows, all_agree = [], 0
    print(f"{len(files)} files; parse errors: hadolint {len(hl_err)}, threatbox {len(tb_err)}")
    print(f"{'property':<26}{'both':>6}{'neither':>9}{'only tb':>9}{'only hl':>9}{'agree %':>9}")
    per_file_ok = {f: True for f in files}
    for p in PROPERTIES:
        both = neither = only_tb = only_hl = 0
        for f in files:
            t, h = p in tb[f], p in hl[f]
            if t and h:
                both += 1
            elif not t and not h:
                neither += 1
            elif t:
                only_tb += 1
                rows.append((p, "threatbox-only", f))
                per_file_ok[f] = False
            else:
                only_hl += 1
                rows.append((p, "hadolint-only", f))
                per_file_ok[f] = False
        print(f"{p:<26}{both:>6}{neither:>9}{only_tb:>9}{only_hl:>9}{100.0*(both+neither)/len(files):>8.1f}%")
    all_agree = sum(per_file_ok.values())
    print(f"files agreeing on every property: {all_agree}/{len(files)} = {100.0*all_agree/len(files):.1f}%")
    os.makedirs(os.path.dirname(a.out) or ".", exist_ok=True)
    with open(a.out, "w") as fh:
        for r in rows:
            fh.write("\t".join(r) + "\n")
    print(f"disagreements written to {a.out}")

if __name__ == "__main__":
    main()
