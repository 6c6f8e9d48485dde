"""Go modules compiled into binaries, from the embedded build information.

Go 1.13+ binaries carry a 32-byte header, ``\\xff Go buildinf:``, a pointer
size and flags, in ``.go.buildinfo`` (or at the start of the writable data
segment). With flag bit 2 (Go 1.18+) the version and module strings follow
inline as varint-length strings; before that the header holds pointers to
Go string headers. The module text has ``path``, ``mod``, ``dep``, ``=>``
(replacement) and ``build`` lines.
"""

from __future__ import annotations

import re
import struct

from seawall.scan.catalogers.elf import ElfFile, Region
from seawall.scan.catalogers.interface import Entry, LayerView
from seawall.scan.catalogers.purl import purl
from seawall.scan.image.layer import WANT_ELF, WANT_NONE, LayerFile
from seawall.scan.inventory import Ecosystem, Package

MAGIC = b"\xff Go buildinf:"
_SEARCH = 64 * 1024
_MAX_STRING = 4 * 1024 * 1024


class GoBinaryCataloger:
    name = "go-binary"
    version = 2

    def want(self, path: str, mode: int, size: int) -> int:
        return WANT_ELF if mode & 0o111 and size > 1024 else WANT_NONE

    def catalog(self, layer: LayerView) -> list[Entry]:
        entries = []
        for item in layer.files(self):
            try:
                info = read_buildinfo(item)
            except (ValueError, struct.error, UnicodeDecodeError) as exc:
                layer.skip(item.path, f"failed to read Go build info: {exc}")
                continue
            if info is not None:
                packages = tuple(_packages(info[0], info[1], layer, item.path))
                entries.append(Entry(item.path, packages))
        return entries


def read_buildinfo(item: LayerFile) -> tuple[str, str] | None:
    """(Go version, module text) of a Go binary, or None if not Go."""
    elf = ElfFile(item.open(), item.size)
    section = elf.sections().get(".go.buildinfo")
    regions = [section] if section else elf.writable_segments()[:1]
    for region in regions:
        data = elf.read(region.offset, min(region.size, _SEARCH))
        at = (
            data.find(MAGIC)
            if section is None
            else (0 if data.startswith(MAGIC) else -1)
        )
        while at % 16 and at >= 0:
            at = data.find(MAGIC, at + 1)
        if at >= 0:
            return _decode(elf, region.offset + at)
    return None


def _decode(elf: ElfFile, offset: int) -> tuple[str, str]:
    header = elf.read(offset, 32)
    ptr_size, flags = header[14], header[15]
    if flags & 2:
        rest = elf.read(offset + 32, min(_MAX_STRING, elf.size - offset - 32))
        version, pos = _varint_string(rest, 0)
        modinfo, _ = _varint_string(rest, pos)
    else:
        # TODO(seawall): the pre-1.18 pointer layout is implemented but untested;
        # Debian 12 ships no Go binary old enough to exercise it.
        order = ">" if flags & 1 else "<"
        regions = elf.writable_segments() + _all_sections(elf)
        version = _go_string(
            elf, header, 16, ptr=ptr_size, order=order, regions=regions
        )
        modinfo = _go_string(
            elf, header, 16 + ptr_size, ptr=ptr_size, order=order, regions=regions
        )
    if len(modinfo) >= 33 and modinfo[-17] == "\n":
        modinfo = modinfo[16:-16]
    return version, modinfo


def _all_sections(elf: ElfFile) -> list[Region]:
    return [r for r in elf.sections().values() if r.address]


def _varint_string(data: bytes, pos: int) -> tuple[str, int]:
    length, shift = 0, 0
    while True:
        if pos >= len(data) or shift > 63:
            raise ValueError("truncated build info")
        byte = data[pos]
        pos += 1
        length |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            break
    if length > _MAX_STRING or pos + length > len(data):
        raise ValueError("build info string too long")
    return data[pos : pos + length].decode("utf-8", "replace"), pos + length


def _go_string(
    elf: ElfFile, header: bytes, at: int, *, ptr: int, order: str, regions: list[Region]
) -> str:
    fmt = order + ("Q" if ptr == 8 else "I")
    (address,) = struct.unpack_from(fmt, header, at)
    raw = elf.read_virtual(address, 2 * ptr, regions)
    data_ptr, length = struct.unpack_from(order + ("QQ" if ptr == 8 else "II"), raw)
    if length > _MAX_STRING:
        raise ValueError("build info string too long")
    return elf.read_virtual(data_ptr, length, regions).decode("utf-8", "replace")


def parse_modinfo(
    text: str,
) -> tuple[tuple[str, str] | None, list[tuple[str, str]], dict[str, str]]:
    """(main module, dependencies, build settings) from the module text."""
    main: tuple[str, str] | None = None
    deps: list[tuple[str, str]] = []
    settings: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split("\t")
        if parts[0] == "mod" and len(parts) >= 3:
            main = (parts[1], parts[2])
        elif parts[0] == "dep" and len(parts) >= 3:
            deps.append((parts[1], parts[2]))
        elif parts[0] == "=>" and len(parts) >= 3 and deps:
            deps[-1] = (parts[1], parts[2])
        elif parts[0] == "build" and len(parts) >= 2:
            key, _, value = parts[1].partition("=")
            settings[key] = value
        elif parts[0] == "path" and len(parts) >= 2 and main is None:
            settings.setdefault("path", parts[1])
    return main, deps, settings


def _packages(
    go_version: str, modinfo: str, layer: LayerView, path: str
) -> list[Package]:
    main, deps, settings = parse_modinfo(modinfo)
    if main is None and settings.get("path"):
        # GOPATH builds (as Debian makes them) name only the main package.
        main = (settings["path"], "(devel)")
    if main is not None and main[1] == "(devel)":
        main = (main[0], _version_from_ldflags(settings.get("-ldflags", "")) or main[1])
    meta: dict[str, object] = {
        "goVersion": go_version,
        "mainModule": main[0] if main else "",
    }
    found = [_module(n, v, layer, path, meta) for n, v in deps]
    if main is not None:
        found.insert(0, _module(main[0], main[1], layer, path, {**meta, "main": True}))
    toolchain = go_version.split(" ", maxsplit=1)[0]
    if toolchain.startswith("go"):
        found.append(_stdlib(toolchain, layer, path, meta))
    return found


_LDFLAGS_VERSION = re.compile(r"-X[ =]\S*?[./]?(?:[Vv]ersion)=['\"]?(v?\d[\w.+~-]*)")


def _version_from_ldflags(ldflags: str) -> str | None:
    """A release version stamped with ``-X ...version=1.2.3``, as ``v1.2.3``."""
    match = _LDFLAGS_VERSION.search(ldflags)
    if match is None:
        return None
    value = match.group(1)
    return value if value.startswith("v") else f"v{value}"


def _stdlib(
    toolchain: str, layer: LayerView, path: str, meta: dict[str, object]
) -> Package:
    """The standard library, versioned like the toolchain (``go1.21.5``)."""
    return Package(
        name="stdlib",
        version=toolchain,
        ecosystem=Ecosystem.GO,
        purl=purl("golang", "stdlib", toolchain.removeprefix("go")),
        type="go-module",
        locations=(layer.location(path),),
        metadata=dict(meta),
    )


def _module(
    name: str, version: str, layer: LayerView, path: str, meta: dict[str, object]
) -> Package:
    namespace, _, bare = name.rpartition("/")
    return Package(
        name=name,
        version=version,
        ecosystem=Ecosystem.GO,
        purl=purl("golang", bare, version, namespace or None),
        type="go-module",
        locations=(layer.location(path),),
        metadata=dict(meta),
    )
