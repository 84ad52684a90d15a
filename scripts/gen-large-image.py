#!/usr/bin/env python3
"""Writes a large `docker save`-style archive (OCI layout + manifest.json) for
measuring how threatbox streams image layers.

    python3 scripts/gen-large-image.py /tmp/big-image.tar --mib 1024
    /usr/bin/time -v target/release/threatbox scan /tmp/big-image.tar -f json -o /dev/null

Layers: plain tars (as `docker save` writes them) plus one gzip layer, filled
with random (incompressible) files of mixed sizes, so that every byte must be
read. Nothing is kept in memory but one file's data at a time. Never commit
the output.
"""

import argparse
import gzip
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_layer(path, index, target_bytes, file_kib, large_every):
    """A layer tar of random files (small ones and, every `large_every`, an 8 MiB one)."""
    written = 0
    n = 0
    with tarfile.open(path, "w", format=tarfile.GNU_FORMAT) as tar:
        while written < target_bytes:
            large = large_every and n % large_every == 0
            size = 8 * 1024 * 1024 if large else file_kib * 1024
            size = min(size, max(1, target_bytes - written))
            info = tarfile.TarInfo(f"layer{index}/dir{n // 1000}/file{n}.bin")
            info.size = size
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(os.urandom(size)))
            written += size
            n += 1
    return n


def main():
    p = argparse.ArgumentParser()
    p.add_argument("output")
    p.add_argument("--mib", type=int, default=1024, help="approximate archive size")
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--file-kib", type=int, default=16, help="size of the small files")
    p.add_argument("--large-every", type=int, default=50, help="one 8 MiB file every N files (0: none)")
    args = p.parse_args()

    total = args.mib * 1024 * 1024
    per_layer = total // args.layers
    work = tempfile.mkdtemp(prefix="tb-big-image-")
    try:
        blobs = []  # (path, digest hex, diff_id hex, media type)
        history = []
        for i in range(args.layers):
            tar_path = os.path.join(work, f"layer{i}.tar")
            files = write_layer(tar_path, i, per_layer, args.file_kib, args.large_every)
            diff_id = sha256_file(tar_path)
            media = "application/vnd.oci.image.layer.v1.tar"
            blob_path = tar_path
            if i == args.layers - 1:
                # The last layer gzip'd, as a registry would serve it.
                blob_path = tar_path + ".gz"
                with open(tar_path, "rb") as src, gzip.open(blob_path, "wb", compresslevel=1) as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
                os.remove(tar_path)
                media += "+gzip"
            blobs.append((blob_path, sha256_file(blob_path), diff_id, media))
            history.append({"created": "2026-01-01T00:00:00Z", "created_by": f"COPY layer{i} /layer{i} # buildkit ({files} files)"})

        config = json.dumps({
            "architecture": "amd64",
            "os": "linux",
            "created": "2026-01-01T00:00:00Z",
            "config": {"User": "10001", "Cmd": ["/app"]},
            "rootfs": {"type": "layers", "diff_ids": [f"sha256:{b[2]}" for b in blobs]},
            "history": history,
        }).encode()
        config_hex = hashlib.sha256(config).hexdigest()
        manifest = json.dumps({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": f"sha256:{config_hex}", "size": len(config)},
            "layers": [{"mediaType": b[3], "digest": f"sha256:{b[1]}", "size": os.path.getsize(b[0])} for b in blobs],
        }).encode()
        manifest_hex = hashlib.sha256(manifest).hexdigest()
        index = json.dumps({
            "schemaVersion": 2,
            "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": f"sha256:{manifest_hex}", "size": len(manifest),
                           "annotations": {"io.containerd.image.name": "big:latest"}}],
        }).encode()
        docker_manifest = json.dumps([{
            "Config": f"blobs/sha256/{config_hex}",
            "RepoTags": ["big:latest"],
            "Layers": [f"blobs/sha256/{b[1]}" for b in blobs],
        }]).encode()

        def add_bytes(tar, name, data):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))

        with tarfile.open(args.output, "w", format=tarfile.GNU_FORMAT) as out:
            add_bytes(out, "oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
            add_bytes(out, f"blobs/sha256/{config_hex}", config)
            add_bytes(out, f"blobs/sha256/{manifest_hex}", manifest)
            for path, digest, _, _ in blobs:
                out.add(path, arcname=f"blobs/sha256/{digest}")
            add_bytes(out, "index.json", index)
            add_bytes(out, "manifest.json", docker_manifest)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{args.output}: {os.path.getsize(args.output)} bytes")


if __name__ == "__main__":
    main()
