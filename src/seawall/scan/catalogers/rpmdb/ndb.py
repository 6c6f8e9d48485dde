"""rpm's own NDB format (``Packages.db``), little endian.

A 32-byte header (magic ``RpmP``, version 0, generation, number of slot
pages) is followed by 16-byte slots (magic ``Slot``, package index, block
offset, block count) filling the slot pages. Each used slot points, in
16-byte blocks, at a blob: magic ``BlbS``, package index, checksum, length,
then the header blob.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import BinaryIO

from seawall.errors import InvalidInput

_HEADER_MAGIC = int.from_bytes(b"RpmP", "little")
_SLOT_MAGIC = int.from_bytes(b"Slot", "little")
_BLOB_MAGIC = int.from_bytes(b"BlbS", "little")
_PAGE = 4096
_BLOCK = 16
_MAX_SLOT_PAGES = 4096
_MAX_BLOB = 64 * 1024 * 1024


def read_blobs(handle: BinaryIO) -> Iterator[bytes]:
    """Header blobs of every used slot."""
    handle.seek(0)
    head = handle.read(32)
    if len(head) < 32:
        raise InvalidInput("invalid rpm ndb: too short")
    magic, version, _generation, pages = struct.unpack_from("<IIII", head)
    if magic != _HEADER_MAGIC or version != 0 or not 0 < pages <= _MAX_SLOT_PAGES:
        raise InvalidInput("invalid rpm ndb: bad header")
    slots = handle.read(pages * _PAGE - 32)
    for offset in range(0, len(slots) - _BLOCK + 1, _BLOCK):
        slot_magic, index, block, _count = struct.unpack_from("<IIII", slots, offset)
        if slot_magic != _SLOT_MAGIC:
            raise InvalidInput("invalid rpm ndb: bad slot")
        if index:
            yield _blob(handle, index, block)


def _blob(handle: BinaryIO, index: int, block: int) -> bytes:
    handle.seek(block * _BLOCK)
    head = handle.read(16)
    if len(head) < 16:
        raise InvalidInput("invalid rpm ndb: blob past the end")
    magic, blob_index, _checksum, length = struct.unpack_from("<IIII", head)
    if magic != _BLOB_MAGIC or blob_index != index or length > _MAX_BLOB:
        raise InvalidInput("invalid rpm ndb: bad blob header")
    return handle.read(length)
