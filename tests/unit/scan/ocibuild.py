"""Build OCI image layouts and docker archives from real files, in Python.

Layers are tar files built in memory from (path, content) members or host
files; compression is gzip, zstd or none. Used by the scanner tests and the
Syft benchmark.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import zstandard

MEDIA = {
    "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
    "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
    "none": "application/vnd.oci.image.layer.v1.tar",
}


@dataclass
class Layer:
    """Members of one layer tar, in order."""

    members: list[tuple[tarfile.TarInfo, bytes | None]] = field(default_factory=list)

    def file(self, path: str, data: bytes, mode: int = 0o644) -> Layer:
        info = tarfile.TarInfo(path.lstrip("/"))
        info.size, info.mode = len(data), mode
        self.members.append((info, data))
        return self

    def host_file(self, host: Path, path: str | None = None) -> Layer:
        data = host.read_bytes()
        return self.file(path or str(host), data, host.stat().st_mode & 0o7777)

    def host_tree(self, root: Path, prefix: str, skip: Iterable[str] = ()) -> Layer:
        """Every regular file and symlink under ``root``, placed under ``prefix``."""
        for item in sorted(root.rglob("*")):
            rel = item.relative_to(root).as_posix()
            if any(rel.startswith(s) for s in skip):
                continue
            target = f"{prefix.rstrip('/')}/{rel}"
            if item.is_symlink():
                self.symlink(target, str(item.readlink()))
            elif item.is_file():
                self.host_file(item, target)
        return self

    def symlink(self, path: str, target: str) -> Layer:
        info = tarfile.TarInfo(path.lstrip("/"))
        info.type, info.linkname = tarfile.SYMTYPE, target
        self.members.append((info, None))
        return self

    def raw(self, info: tarfile.TarInfo, data: bytes | None = None) -> Layer:
        self.members.append((info, data))
        return self

    def whiteout(self, path: str) -> Layer:
        head, _, base = path.rpartition("/")
        return self.file(f"{head}/.wh.{base}", b"")

    def tar(self) -> bytes:
        out = io.BytesIO()
        with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for info, data in self.members:
                tar.addfile(info, io.BytesIO(data) if data is not None else None)
        return out.getvalue()


def compress(data: bytes, compression: str) -> bytes:
    if compression == "gzip":
        return gzip.compress(data, compresslevel=1)
    if compression == "zstd":
        return zstandard.ZstdCompressor(level=1).compress(data)
    return data


def _put(root: Path, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    blobs = root / "blobs" / "sha256"
    blobs.mkdir(parents=True, exist_ok=True)
    (blobs / digest).write_bytes(data)
    return f"sha256:{digest}"


def image_manifest(
    root: Path, layers: list[Layer], compression: str = "gzip", arch: str = "amd64"
) -> dict[str, object]:
    """Write the layers and config as blobs; the manifest descriptor."""
    descriptors, diff_ids = [], []
    for layer in layers:
        tar = layer.tar()
        diff_ids.append("sha256:" + hashlib.sha256(tar).hexdigest())
        blob = compress(tar, compression)
        descriptors.append(
            {
                "mediaType": MEDIA[compression],
                "digest": _put(root, blob),
                "size": len(blob),
            }
        )
    config = json.dumps(
        {
            "architecture": arch,
            "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
        }
    ).encode()
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": _put(root, config),
                "size": len(config),
            },
            "layers": descriptors,
        }
    ).encode()
    return {
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": _put(root, manifest),
        "size": len(manifest),
        "platform": {"architecture": arch, "os": "linux"},
    }


def write_layout(
    root: Path, manifests: list[dict[str, object]], tag: str = "latest"
) -> Path:
    """index.json over ``manifests`` (each tagged ``tag`` when only one)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    entries = []
    for manifest in manifests:
        entry = dict(manifest)
        if len(manifests) == 1:
            entry["annotations"] = {"org.opencontainers.image.ref.name": tag}
        entries.append(entry)
    (root / "index.json").write_text(
        json.dumps({"schemaVersion": 2, "manifests": entries})
    )
    return root


def build_layout(
    root: Path, layers: list[Layer], compression: str = "gzip", tag: str = "latest"
) -> Path:
    """A one-image OCI layout."""
    root.mkdir(parents=True, exist_ok=True)
    return write_layout(root, [image_manifest(root, layers, compression)], tag)


def build_docker_archive(
    path: Path, layers: list[Layer], tag: str = "test:latest"
) -> Path:
    """A ``docker save`` style archive of uncompressed layers."""
    files: dict[str, bytes] = {}
    names, diff_ids = [], []
    for layer in layers:
        tar = layer.tar()
        digest = hashlib.sha256(tar).hexdigest()
        names.append(f"{digest}/layer.tar")
        diff_ids.append(f"sha256:{digest}")
        files[f"{digest}/layer.tar"] = tar
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
        }
    ).encode()
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    files[config_name] = config
    files["manifest.json"] = json.dumps(
        [{"Config": config_name, "RepoTags": [tag], "Layers": names}]
    ).encode()
    with tarfile.open(path, "w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path
