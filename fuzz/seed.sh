#!/usr/bin/env bash
# Fills fuzz/corpus/TARGET with seeds from the project's own files: the
# examples/ system and small inputs of each kind written here (the good
# files of tests/hostile_inputs.rs). The corpus directories are not
# committed. Extra local seeds (never committed) can be passed as
# directories: `fuzz/seed.sh /path/to/dockerfiles ...` copies the files
# whose names fit each target.
# CORPUS_DIR chooses where (default: fuzz/corpus).
set -euo pipefail
cd "$(dirname "$0")"
root=$PWD/..
corpus=${CORPUS_DIR:-corpus}
mkdir -p "$corpus"/{dockerfile,yaml,manifests,docker_json,suppressions,config,end_to_end,image_archive}

copy() { # copy FILE TARGET...
  local f=$1; shift
  local name
  name=$(printf '%s' "$f" | sha1sum | cut -c1-16)
  for t in "$@"; do cp "$f" "$corpus/$t/$name"; done
}

while IFS= read -r -d '' f; do
  case "$f" in
    *Dockerfile*|*Containerfile*) copy "$f" dockerfile suppressions end_to_end ;;
    *.yaml|*.yml) copy "$f" yaml manifests end_to_end ;;
    *.json) copy "$f" yaml docker_json end_to_end ;;
  esac
done < <(find "$root/examples" -type f -print0)

w() { printf '%b' "$2" > "$corpus/$1/$3"; }
w dockerfile 'FROM alpine:3.20 AS a\nARG V=1\nENV A=${V:-x}\nRUN <<EOF\nsudo true\nEOF\nFROM a\nCOPY --from=a / /\nUSER 1000\n' multistage
w dockerfile '# escape=`\nFROM mcr.microsoft.com/windows:ltsc2022\nRUN powershell -c `\n  echo hi\n' escape
w manifests 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.25\n          securityContext:\n            privileged: true\n' deployment
w manifests 'services:\n  web:\n    image: nginx:1.25\n    privileged: true\n    ports: ["8080:80"]\n    volumes: [/var/run/docker.sock:/var/run/docker.sock]\n' compose
w manifests 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  anonymous:\n    enabled: true\nreadOnlyPort: 10255\n' kubelet
w manifests 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver\n  namespace: kube-system\nspec:\n  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.0\n    command: [kube-apiserver, --anonymous-auth=true]\n' static-pod
w manifests 'a: &a {x: 1}\nb: {<<: *a, y: [*a, *a]}\n' anchors
w docker_json '[{"Id": "abc", "Name": "/web", "Config": {"Image": "nginx:1.25", "User": ""}, "HostConfig": {"Privileged": true, "Binds": ["/:/host"], "CapAdd": ["SYS_ADMIN"]}}]\n' inspect
w docker_json '{"icc": true, "insecure-registries": ["10.0.0.1:5000"], "hosts": ["tcp://0.0.0.0:2375"]}\n' daemon
w config 'fail-on = "medium"\ntrusted-registries = ["registry.example.com/*"]\n[rules]\ndisable = ["TB205"]\n\n[[ignore]]\nrule = "TB101"\npath = "legacy/**"\nreason = "legacy"\nexpires = 2027-01-31\n' full
w suppressions ' threatbox:ignore=TB108 reason\n threatbox:ignore-file=TB203\n hadolint ignore=DL3004 # why\n hadolint global ignore=DL3002\n trivy:ignore:DS-0002\n checkov:skip=CKV_DOCKER_3: reason\n' pragmas
w end_to_end '\x03FROM alpine:3.20\nRUN sudo true\n' dockerfile
# image_archive: a tiny `docker save` archive (legacy form), an OCI layout
# with a gzip layer (as an archive, byte 0, and as a directory, byte 1) and
# a Trivy report (byte 2). Written here so that nothing binary is committed.
python3 - "$corpus/image_archive" <<'PY'
import gzip, hashlib, io, json, sys, tarfile
out = sys.argv[1]
def tar_of(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        for name, data, mode in members:
            info = tarfile.TarInfo(name); info.size = len(data); info.mode = mode
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()
layer = tar_of([("etc/passwd", b"root:x:0:0::/root:/bin/sh\n", 0o644),
                ("usr/bin/su", b"\x7fELF", 0o4755),
                ("app/.env", b"AWS_SECRET_ACCESS_KEY=abc\n", 0o600),
                ("app/.wh.old", b"", 0o644)])
sha = lambda b: hashlib.sha256(b).hexdigest()
config = json.dumps({"architecture": "amd64", "os": "linux",
    "config": {"User": "", "Env": ["PASSWORD=x"], "ExposedPorts": {"22/tcp": {}}},
    "rootfs": {"type": "layers", "diff_ids": ["sha256:" + sha(layer)]},
    "history": [{"created_by": "RUN echo $TOKEN"}]}).encode()
legacy = tar_of([("manifest.json", json.dumps([{"Config": sha(config) + ".json",
    "RepoTags": ["app:latest"], "Layers": ["l/layer.tar"]}]).encode(), 0o644),
    (sha(config) + ".json", config, 0o644), ("l/layer.tar", layer, 0o644)])
gz = gzip.compress(layer, mtime=0)
manifest = json.dumps({"schemaVersion": 2, "config": {"digest": "sha256:" + sha(config), "size": len(config)},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "sha256:" + sha(gz), "size": len(gz)}]}).encode()
index = json.dumps({"schemaVersion": 2, "manifests": [{"digest": "sha256:" + sha(manifest), "size": len(manifest),
    "platform": {"os": "linux", "architecture": "amd64"}}]}).encode()
oci = tar_of([("oci-layout", b'{"imageLayoutVersion":"1.0.0"}', 0o644), ("index.json", index, 0o644),
    ("blobs/sha256/" + sha(config), config, 0o644), ("blobs/sha256/" + sha(manifest), manifest, 0o644),
    ("blobs/sha256/" + sha(gz), gz, 0o644)])
trivy = json.dumps({"SchemaVersion": 2, "ArtifactName": "app:latest", "Results": [{"Target": "app", "Vulnerabilities": [
    {"VulnerabilityID": "CVE-2024-0001", "PkgName": "openssl", "InstalledVersion": "1", "FixedVersion": "2", "Severity": "CRITICAL"}]}]}).encode()
grype = json.dumps({"matches": [{"vulnerability": {"id": "CVE-2024-0002", "severity": "High", "fix": {"versions": ["2"], "state": "fixed"}},
    "artifact": {"name": "zlib", "version": "1"}}], "descriptor": {"name": "grype"}}).encode()
for name, data in [("legacy", b"\x00" + legacy), ("oci", b"\x00" + oci), ("layout", b"\x01" + oci),
                   ("trivy", b"\x02" + trivy), ("grype", b"\x02" + grype)]:
    open(f"{out}/{name}", "wb").write(data)
PY
cp "$corpus"/manifests/* "$corpus"/yaml/
cp "$corpus"/manifests/* "$corpus"/end_to_end/
cp "$corpus"/docker_json/* "$corpus"/end_to_end/

# Optional local seeds.
for dir in "$@"; do
  while IFS= read -r -d '' f; do
    case "$f" in
      *Dockerfile*|*Containerfile*|*dockerfile*) copy "$f" dockerfile ;;
      *.yaml|*.yml) copy "$f" yaml manifests ;;
      *.json) copy "$f" docker_json ;;
    esac
  done < <(find "$dir" -type f -size -64k -print0)
done
for t in "$corpus"/*; do echo "$t: $(ls "$t" | wc -l) seeds"; done
