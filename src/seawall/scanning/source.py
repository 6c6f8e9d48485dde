"""An :class:`~seawall.scan.image.interface.ImageSource` over the registry's
own storage: manifests and blobs are read straight from the
:class:`~seawall.storage.registry.RegistryStore` (decrypted by its blob
stores when encryption is on), never over HTTP.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import BinaryIO

from seawall.errors import BlobUnknown, ManifestUnknown, NotFound
from seawall.oci.digest import Digest
from seawall.storage.registry import RegistryStore


class RegistryImageSource:
    """Manifests and blobs of one repository of this registry."""

    def __init__(self, store: RegistryStore, repository: str) -> None:
        self._store = store
        self._repository = repository

    def manifest(self, reference: str | None) -> tuple[bytes, str | None]:
        """The stored manifest for a tag or digest; raises ManifestUnknown."""
        if reference is None:
            raise ManifestUnknown("manifest unknown: a reference is required")
        stored, raw = self._store.get_manifest(self._repository, reference)
        return raw, stored.media_type

    def open_blob(self, digest: Digest, size: int | None = None) -> BinaryIO:
        """A stream of a layer or config blob, or of a child manifest."""
        try:
            _, chunks = self._store.read_blob(self._repository, digest)
        except BlobUnknown:
            try:
                _, raw = self._store.get_manifest(self._repository, str(digest))
            except NotFound as exc:
                raise BlobUnknown(f"blob unknown to registry: {digest}") from exc
            return io.BytesIO(raw)
        return io.BufferedReader(_ChunkReader(chunks), buffer_size=1024 * 1024)

    def close(self) -> None:
        return None


class _ChunkReader(io.RawIOBase):
    """A file-like reader over an iterator of byte chunks."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._buffer:
            try:
                self._buffer = memoryview(next(self._chunks))
            except StopIteration:
                return 0
        count = min(len(target), len(self._buffer))
        target[:count] = self._buffer[:count]
        self._buffer = self._buffer[count:]
        return count

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()
        super().close()
