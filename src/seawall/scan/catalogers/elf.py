"""Just enough ELF to find a named section or the first writable segment.

The input is untrusted: every header field is bounds-checked against the
file size before use.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

_MAX_SECTIONS = 10_000
_PT_LOAD = 1
_PF_W = 2


@dataclass(frozen=True, slots=True)
class Region:
    """Bytes of the file at ``offset``, mapped at virtual ``address``."""

    offset: int
    size: int
    address: int


class ElfFile:
    """Sections and load segments of an ELF file; raises ValueError if bad."""

    def __init__(self, handle: BinaryIO, file_size: int) -> None:
        self.handle, self.size = handle, file_size
        handle.seek(0)
        ident = handle.read(64)
        if len(ident) < 52 or ident[:4] != b"\x7fELF":
            raise ValueError("not an ELF file")
        self.is64 = ident[4] == 2
        self.order = "<" if ident[5] == 1 else ">"
        if self.is64:
            fields = struct.unpack_from(self.order + "QQQIHHHHHH", ident, 24)
            self._phoff, self._shoff = fields[1], fields[2]
            self._phentsize, self._phnum = fields[5], fields[6]
            self._shentsize, self._shnum, self._shstrndx = fields[7:10]
        else:
            fields = struct.unpack_from(self.order + "IIIIHHHHHH", ident, 24)
            self._phoff, self._shoff = fields[1], fields[2]
            self._phentsize, self._phnum = fields[5], fields[6]
            self._shentsize, self._shnum, self._shstrndx = fields[7:10]
        self.ptr_size = 8 if self.is64 else 4

    def read(self, offset: int, size: int) -> bytes:
        if offset < 0 or size < 0 or offset + size > self.size:
            raise ValueError("ELF region outside the file")
        self.handle.seek(offset)
        return self.handle.read(size)

    def sections(self) -> dict[str, Region]:
        if not self._shoff or self._shnum > _MAX_SECTIONS:
            return {}
        headers = [self._section(i) for i in range(self._shnum)]
        if self._shstrndx >= len(headers):
            return {}
        names = self.read(headers[self._shstrndx][1], headers[self._shstrndx][2].size)
        out = {}
        for name_off, _off, region in headers:
            end = names.find(b"\0", name_off)
            if 0 <= name_off < len(names) and end > 0:
                out[names[name_off:end].decode("latin-1")] = region
        return out

    def _section(self, index: int) -> tuple[int, int, Region]:
        raw = self.read(self._shoff + index * self._shentsize, self._shentsize)
        if self.is64:
            name, _t, _f, addr, off, size = struct.unpack_from(
                self.order + "IIQQQQ", raw
            )
        else:
            name, _t, _f, addr, off, size = struct.unpack_from(
                self.order + "IIIIII", raw
            )
        return name, off, Region(off, size, addr)

    def writable_segments(self) -> list[Region]:
        out = []
        for i in range(min(self._phnum, 512)):
            raw = self.read(self._phoff + i * self._phentsize, self._phentsize)
            if self.is64:
                kind, flags, off, vaddr, _p, filesz = struct.unpack_from(
                    self.order + "IIQQQQ", raw
                )
            else:
                kind, off, vaddr, _p, filesz, _m, flags = struct.unpack_from(
                    self.order + "IIIIIII", raw
                )
            if kind == _PT_LOAD and flags & _PF_W:
                out.append(Region(off, filesz, vaddr))
        return out

    def read_virtual(self, address: int, size: int, regions: list[Region]) -> bytes:
        """``size`` bytes at virtual ``address``, if a region maps them."""
        for region in regions:
            if (
                region.address <= address
                and address + size <= region.address + region.size
            ):
                return self.read(region.offset + address - region.address, size)
        raise ValueError("ELF address not mapped")
