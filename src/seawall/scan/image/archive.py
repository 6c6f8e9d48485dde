"""Images in a ``docker save`` archive.

The archive's ``manifest.json`` names a config file and uncompressed layer
tars. This source presents it as an OCI image manifest whose layer digests
are the config's ``diff_ids`` (a layer tar's digest is its diff id), so the
rest of the scanner sees one shape.
"""

from __future__ import annotations

import hashlib
import json
import tarfile
from pathlib import Path
from typing import Any, BinaryIO

from seawall.errors import BlobUnknown, InvalidInput, ManifestUnknown
from seawall.oci import mediatypes as mt
from seawall.oci.digest import Digest


class DockerArchiveSource:
    """An :class:`ImageSource` over a ``docker save`` tar file."""

    def __init__(self, path: Path, max_manifest_bytes: int) -> None:
        try:
            self._tar = tarfile.open(path, "r:*")  # noqa: SIM115 - closed in close()
        except (OSError, tarfile.TarError) as exc:
            raise InvalidInput(f"invalid docker archive {path}: {exc}") from exc
        self._max = max_manifest_bytes
        self._members = {m.name.lstrip("./"): m for m in self._tar.getmembers()}
        images = self._load_json("manifest.json")
        if not isinstance(images, list) or not images:
            raise InvalidInput(f"invalid docker archive {path}: empty manifest.json")
        self._images: list[dict[str, Any]] = [i for i in images if isinstance(i, dict)]
        self._blobs: dict[str, str] = {}

    def manifest(self, reference: str | None) -> tuple[bytes, str | None]:
        entry = self._pick(reference)
        config_name = str(entry["Config"])
        config_raw = self._read(config_name)
        config_digest = "sha256:" + hashlib.sha256(config_raw).hexdigest()
        self._blobs[config_digest] = config_name
        diff_ids = json.loads(config_raw).get("rootfs", {}).get("diff_ids", [])
        layer_names = [str(n) for n in entry.get("Layers", [])]
        if len(diff_ids) != len(layer_names):
            raise InvalidInput("invalid docker archive: layers and diff_ids differ")
        layers = []
        for name, diff_id in zip(layer_names, diff_ids, strict=True):
            self._blobs[diff_id] = name
            size = self._member(name).size
            layers.append({"mediaType": mt.OCI_LAYER, "digest": diff_id, "size": size})
        doc = {
            "schemaVersion": 2,
            "mediaType": mt.OCI_MANIFEST,
            "config": {
                "mediaType": mt.OCI_CONFIG,
                "digest": config_digest,
                "size": len(config_raw),
            },
            "layers": layers,
        }
        return json.dumps(doc).encode(), mt.OCI_MANIFEST

    def open_blob(self, digest: Digest, size: int | None = None) -> BinaryIO:
        name = self._blobs.get(str(digest))
        if name is None:
            raise BlobUnknown(f"failed to find blob {digest} in the docker archive")
        handle = self._tar.extractfile(self._member(name))
        if handle is None:
            raise BlobUnknown(f"failed to read {name} in the docker archive")
        return handle  # type: ignore[return-value]

    def close(self) -> None:
        self._tar.close()

    def _pick(self, reference: str | None) -> dict[str, Any]:
        if reference is None:
            return dict(self._images[0])
        for entry in self._images:
            tags = entry.get("RepoTags") or []
            if reference in tags or any(t.endswith(":" + reference) for t in tags):
                return dict(entry)
        raise ManifestUnknown(f"failed to find {reference!r} in the docker archive")

    def _member(self, name: str) -> tarfile.TarInfo:
        member = self._members.get(name.lstrip("./"))
        if member is None or not member.isfile():
            raise InvalidInput(f"invalid docker archive: no file {name!r}")
        return member

    def _read(self, name: str) -> bytes:
        member = self._member(name)
        if member.size > self._max:
            raise InvalidInput(f"invalid docker archive: {name} is too large")
        handle = self._tar.extractfile(member)
        assert handle is not None
        return handle.read()

    def _load_json(self, name: str) -> object:
        try:
            return json.loads(self._read(name))
        except ValueError as exc:
            raise InvalidInput(f"invalid docker archive {name}: {exc}") from exc
