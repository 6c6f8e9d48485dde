"""Decompressed, size-bounded streams over layer blobs.

The compression is told from the blob's first bytes, not from the media
type, which an untrusted manifest may state wrongly.
"""

from __future__ import annotations

import gzip
import io
from typing import Any, BinaryIO

import zstandard

_GZIP = b"\x1f\x8b"
_ZSTD = b"\x28\xb5\x2f\xfd"


class LayerTooLarge(Exception):
    """The uncompressed layer passed its limit: likely a decompression bomb."""


class BoundedReader(io.RawIOBase):
    """Reads from ``inner`` and raises LayerTooLarge past ``limit`` bytes."""

    def __init__(self, inner: BinaryIO, limit: int) -> None:
        self._inner = inner
        self._limit = limit
        self.total = 0

    def readable(self) -> bool:
        return True

    def readinto(self, target: memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(len(target))
        self.total += len(data)
        if self.total > self._limit:
            raise LayerTooLarge(f"layer is larger than {self._limit} bytes unpacked")
        target[: len(data)] = data
        return len(data)


def open_decompressed(raw: BinaryIO, limit: int) -> BinaryIO:
    """A buffered stream of the uncompressed tar in ``raw``, bounded by ``limit``."""
    peekable = io.BufferedReader(_Raw(raw), 1024 * 1024)
    head = peekable.peek(4)[:4]
    inner: Any
    if head.startswith(_GZIP):
        inner = gzip.GzipFile(fileobj=peekable, mode="rb")
    elif head.startswith(_ZSTD):
        inner = zstandard.ZstdDecompressor().stream_reader(peekable)
    else:
        inner = peekable
    reader: Any = io.BufferedReader(BoundedReader(inner, limit), 1024 * 1024)
    return reader  # type: ignore[no-any-return]


class _Raw(io.RawIOBase):
    """Adapts any object with ``read`` to the raw I/O interface."""

    def __init__(self, inner: BinaryIO) -> None:
        self._inner = inner

    def readable(self) -> bool:
        return True

    def readinto(self, target: memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(len(target))
        target[: len(data)] = data
        return len(data)
