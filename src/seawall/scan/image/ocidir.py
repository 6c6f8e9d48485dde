"""Images in an OCI image layout directory (``oci-layout``, ``index.json``,
``blobs/<alg>/<hex>``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import BinaryIO

from seawall.errors import BlobUnknown, InvalidInput, ManifestUnknown
from seawall.oci import mediatypes as mt
from seawall.oci.digest import Digest

_REF_NAME = "org.opencontainers.image.ref.name"


class OCILayoutSource:
    """An :class:`ImageSource` over an OCI layout directory."""

    def __init__(self, root: Path, max_manifest_bytes: int) -> None:
        if not (root / "oci-layout").is_file() or not (root / "index.json").is_file():
            raise InvalidInput(f"invalid OCI layout {root}: no oci-layout/index.json")
        self._root = root
        self._max = max_manifest_bytes

    def manifest(self, reference: str | None) -> tuple[bytes, str | None]:
        index_raw = self._read_small(self._root / "index.json")
        if reference is None:
            return index_raw, mt.OCI_INDEX
        for desc in _descriptors(index_raw):
            annotations = desc.get("annotations")
            name = annotations.get(_REF_NAME) if isinstance(annotations, dict) else None
            if reference in (name, desc.get("digest")):
                digest = Digest.parse(str(desc["digest"]))
                media_type = desc.get("mediaType")
                raw = self._read_small(self._blob_path(digest))
                return raw, media_type if isinstance(media_type, str) else None
        if ":" in reference:
            digest = Digest.parse(reference)
            return self._read_small(self._blob_path(digest)), None
        raise ManifestUnknown(f"failed to find tag {reference!r} in {self._root}")

    def open_blob(self, digest: Digest, size: int | None = None) -> BinaryIO:
        return self._blob_path(digest).open("rb")

    def close(self) -> None:
        """Nothing to release: blobs are opened per call."""

    def _blob_path(self, digest: Digest) -> Path:
        path = self._root / "blobs" / digest.algorithm / digest.encoded
        if not path.is_file():
            raise BlobUnknown(f"failed to find blob {digest} in {self._root}")
        return path

    def _read_small(self, path: Path) -> bytes:
        if path.stat().st_size > self._max:
            raise InvalidInput(
                f"invalid manifest {path}: larger than {self._max} bytes"
            )
        return path.read_bytes()


def _descriptors(index_raw: bytes) -> list[dict[str, object]]:
    try:
        doc = json.loads(index_raw)
    except ValueError as exc:
        raise InvalidInput(f"invalid OCI layout index.json: {exc}") from exc
    manifests = doc.get("manifests") if isinstance(doc, dict) else None
    if not isinstance(manifests, list):
        raise InvalidInput("invalid OCI layout index.json: no manifests list")
    return [m for m in manifests if isinstance(m, dict)]
