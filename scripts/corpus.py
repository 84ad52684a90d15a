"""Helpers shared by the evaluation scripts."""
import os
import re


def dockerfiles(root):
    """Files threatbox takes as Dockerfiles: the word `dockerfile` or
    `containerfile` between `.`, `-`, `_` anywhere in the name."""
    skip = {"dockerignore", "md", "txt", "sh", "py", "ps1", "go", "rs", "bak", "orig", "swp",
            "yaml", "yml", "json"}
    out = []
    for d, _, files in os.walk(root):
        for f in files:
            low = f.lower()
            if low.rsplit(".", 1)[-1] in skip and "." in low:
                continue
            if any(w in ("dockerfile", "containerfile") for w in re.split(r"[._-]", low)):
                out.append(os.path.join(d, f))
    return sorted(out)
