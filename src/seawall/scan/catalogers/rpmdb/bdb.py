"""Berkeley DB hash files (the classic ``/var/lib/rpm/Packages``).

Layout read here: a metadata page (magic ``0x061561``, page size, last page
number), hash pages (types 2 and 13) whose items alternate key and value,
and overflow pages (type 7) chained by ``next_pgno`` for large values. rpm
stores one header per value; values are usually off-page.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import BinaryIO

from seawall.errors import InvalidInput

_HASH_MAGIC = 0x061561
_P_HASH_UNSORTED = 2
_P_OVERFLOW = 7
_P_HASH = 13
_H_KEYDATA = 1
_H_OFFPAGE = 3
_PAGE_HEADER = 26
_MAX_VALUE = 64 * 1024 * 1024


def read_blobs(handle: BinaryIO) -> Iterator[bytes]:
    """Every value stored in the hash database (the header blobs)."""
    handle.seek(0)
    meta = handle.read(512)
    order = _byte_order(meta)
    (page_size,) = struct.unpack_from(order + "I", meta, 20)
    (last_page,) = struct.unpack_from(order + "I", meta, 32)
    if page_size < 512 or page_size > 65536 or page_size & (page_size - 1):
        raise InvalidInput("invalid Berkeley DB: bad page size")
    reader = _Pages(handle, page_size, order)
    for number in range(1, last_page + 1):
        page = reader.page(number)
        if page is not None and page[25] in (_P_HASH, _P_HASH_UNSORTED):
            yield from _values(reader, page)


def _byte_order(meta: bytes) -> str:
    if len(meta) < 64:
        raise InvalidInput("invalid Berkeley DB: too short")
    for order in ("<", ">"):
        if struct.unpack_from(order + "I", meta, 12)[0] == _HASH_MAGIC:
            return order
    raise InvalidInput("invalid Berkeley DB: not a hash database")


class _Pages:
    def __init__(self, handle: BinaryIO, size: int, order: str) -> None:
        self.handle, self.size, self.order = handle, size, order

    def page(self, number: int) -> bytes | None:
        self.handle.seek(number * self.size)
        data = self.handle.read(self.size)
        return data if len(data) == self.size else None

    def overflow(self, number: int, length: int) -> bytes:
        out = bytearray()
        seen = set()
        while number and len(out) < length and number not in seen:
            seen.add(number)
            page = self.page(number)
            if page is None or page[25] != _P_OVERFLOW:
                raise InvalidInput("invalid Berkeley DB: broken overflow chain")
            (used,) = struct.unpack_from(self.order + "H", page, 22)
            out += page[_PAGE_HEADER : _PAGE_HEADER + used]
            (number,) = struct.unpack_from(self.order + "I", page, 16)
        return bytes(out[:length])


def _values(reader: _Pages, page: bytes) -> Iterator[bytes]:
    order = reader.order
    (entries,) = struct.unpack_from(order + "H", page, 20)
    offsets = [
        struct.unpack_from(order + "H", page, _PAGE_HEADER + 2 * i)[0]
        for i in range(min(entries, (len(page) - _PAGE_HEADER) // 2))
    ]
    for i in range(1, len(offsets), 2):
        start = offsets[i]
        if start >= len(page):
            continue
        kind = page[start]
        if kind == _H_OFFPAGE:
            number, length = struct.unpack_from(order + "II", page, start + 4)
            if length <= _MAX_VALUE:
                yield reader.overflow(number, length)
        elif kind == _H_KEYDATA:
            end = offsets[i - 1] if offsets[i - 1] > start else len(page)
            yield page[start + 1 : end]
