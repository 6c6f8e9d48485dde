"""Decoding of rpm header blobs as stored in the package database.

A stored header is: entry count (u32 BE), data size (u32 BE), that many
16-byte index entries (tag, type, offset, count; all BE) and the data store.
Every offset is checked against the blob, which is untrusted.
"""

from __future__ import annotations

import struct

from seawall.errors import InvalidInput

TAG_NAME = 1000
TAG_VERSION = 1001
TAG_RELEASE = 1002
TAG_EPOCH = 1003
TAG_SUMMARY = 1004
TAG_VENDOR = 1011
TAG_LICENSE = 1014
TAG_ARCH = 1022
TAG_SOURCERPM = 1044
TAG_DIRINDEXES = 1116
TAG_BASENAMES = 1117
TAG_DIRNAMES = 1118
TAG_MODULARITYLABEL = 5096

_INT32 = 4
_STRING = 6
_STRING_ARRAY = 8
_I18NSTRING = 9
_MAX_ENTRIES = 100_000

Value = str | int | list[str] | list[int]


def parse_header(blob: bytes) -> dict[int, Value]:
    """Tag -> value for string, string-array and int32 tags.

    Raises InvalidInput for a blob that is malformed.
    """
    if len(blob) < 8:
        raise InvalidInput("invalid rpm header: too short")
    count, size = struct.unpack_from(">II", blob)
    store = 8 + 16 * count
    if count > _MAX_ENTRIES or store + size > len(blob):
        raise InvalidInput("invalid rpm header: sizes exceed the blob")
    data = memoryview(blob)[store : store + size]
    tags: dict[int, Value] = {}
    for i in range(count):
        tag, kind, offset, n = struct.unpack_from(">IIII", blob, 8 + 16 * i)
        if offset >= size:
            continue
        value = _decode(data, kind, offset, n)
        if value is not None:
            tags[tag] = value
    return tags


def _decode(data: memoryview, kind: int, offset: int, n: int) -> Value | None:
    if kind == _INT32:
        if offset + 4 * n > len(data):
            return None
        return list(struct.unpack_from(f">{n}i", data, offset))
    if kind in (_STRING, _I18NSTRING):
        return _strings(data, offset, 1)[0] if n else ""
    if kind == _STRING_ARRAY:
        return _strings(data, offset, n)
    return None


def _strings(data: memoryview, offset: int, n: int) -> list[str]:
    raw = bytes(data[offset:])
    parts = raw.split(b"\0", n)
    return [p.decode("utf-8", "replace") for p in parts[:n]]


def text(tags: dict[int, Value], tag: int) -> str:
    value = tags.get(tag)
    if isinstance(value, list):
        return str(value[0]) if value else ""
    return "" if value is None else str(value)


def files(tags: dict[int, Value]) -> list[str]:
    """Full paths from BASENAMES, DIRNAMES and DIRINDEXES."""
    bases, dirs, indexes = (
        tags.get(TAG_BASENAMES),
        tags.get(TAG_DIRNAMES),
        tags.get(TAG_DIRINDEXES),
    )
    if not isinstance(bases, list) or not isinstance(dirs, list):
        return []
    if not isinstance(indexes, list):
        return []
    out = []
    for base, index in zip(bases, indexes, strict=False):
        if isinstance(index, int) and 0 <= index < len(dirs):
            out.append(f"{dirs[index]}{base}")
    return out
