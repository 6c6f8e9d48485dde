"""Real OCI images built from files on this machine, for the registry tests.

Layers are gzip tars of real host files (binaries, libraries, os-release),
configs and manifests are written as the image spec defines them, and a
multi-platform index ties two platform images together. Output is an OCI
image layout that skopeo, podman and oras read.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
from dataclasses import dataclass
from pathlib import Path

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"

# Real files of a Debian 12 host, grouped into layers.
HOST_LAYERS: tuple[tuple[str, ...], ...] = (
    ("/etc/os-release", "/usr/lib/os-release", "/etc/debian_version"),
    ("/bin/ls", "/bin/cat"),
    ("/usr/bin/env", "/etc/passwd"),
)


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def layer_from_files(paths: tuple[str, ...], salt: str = "") -> tuple[bytes, str]:
    """A gzip tar of ``paths`` (those that exist) and its uncompressed digest."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in paths:
            if not os.path.exists(path):
                continue
            info = tar.gettarinfo(path, arcname=path.lstrip("/"))
            info.mtime = 0
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            if info.isfile():
                with open(path, "rb") as fh:
                    tar.addfile(info, fh)
            else:
                tar.addfile(info)
        if salt:
            data = salt.encode()
            info = tarfile.TarInfo(
                f"etc/seawall-test-{hashlib.sha256(data).hexdigest()[:8]}"
            )
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    uncompressed = raw.getvalue()
    return gzip.compress(uncompressed, mtime=0), _digest(uncompressed)


@dataclass
class Layout:
    """An OCI image layout on disk."""

    path: Path

    def write_blob(self, data: bytes) -> dict[str, object]:
        digest = _digest(data)
        target = self.path / "blobs" / "sha256" / digest.split(":")[1]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        return {"digest": digest, "size": len(data)}

    def write_index(self, manifests: list[dict[str, object]]) -> None:
        (self.path / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
        index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests}
        (self.path / "index.json").write_text(json.dumps(index))


def _image(layout: Layout, arch: str, salt: str) -> dict[str, object]:
    layers, diff_ids = [], []
    for i, paths in enumerate(HOST_LAYERS):
        blob, diff_id = layer_from_files(paths, salt=f"{salt}-{i}")
        layers.append({"mediaType": OCI_LAYER_GZIP, **layout.write_blob(blob)})
        diff_ids.append(diff_id)
    config = {
        "architecture": arch,
        "os": "linux",
        "config": {"Env": ["PATH=/usr/bin:/bin"], "Cmd": ["/bin/ls"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [
            {"created_by": f"seawall test layer {i}"} for i in range(len(layers))
        ],
    }
    config_desc = {
        "mediaType": OCI_CONFIG,
        **layout.write_blob(json.dumps(config).encode()),
    }
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": config_desc,
        "layers": layers,
    }
    raw = json.dumps(manifest).encode()
    return {
        "mediaType": OCI_MANIFEST,
        **layout.write_blob(raw),
        "platform": {"architecture": arch, "os": "linux"},
    }


def build_image(path: Path, tag: str = "v1", salt: str = "") -> Path:
    """A single-platform, three-layer image tagged ``tag``; returns the layout."""
    layout = Layout(path)
    descriptor = _image(layout, "amd64", salt or tag)
    descriptor.pop("platform")
    descriptor["annotations"] = {"org.opencontainers.image.ref.name": tag}
    layout.write_index([descriptor])
    return path


def build_multiplatform(path: Path, tag: str = "multi") -> Path:
    """An index over amd64 and arm64 images, tagged ``tag``."""
    layout = Layout(path)
    children = [_image(layout, arch, f"{tag}-{arch}") for arch in ("amd64", "arm64")]
    index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": children}
    descriptor = {
        "mediaType": OCI_INDEX,
        **layout.write_blob(json.dumps(index).encode()),
        "annotations": {"org.opencontainers.image.ref.name": tag},
    }
    layout.write_index([descriptor])
    return path
