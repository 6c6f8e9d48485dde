"""Rust crates: ``cargo auditable`` data in binaries and ``Cargo.lock`` files.

``cargo auditable`` stores zlib-compressed JSON (``{"packages": [...]}``) in
the ELF section ``.dep-v0``.
"""

from __future__ import annotations

import json
import tomllib
import zlib
from typing import Any

from seawall.scan.catalogers.elf import ElfFile
from seawall.scan.catalogers.interface import Entry, LayerView
from seawall.scan.catalogers.purl import purl
from seawall.scan.image.layer import WANT_ELF, WANT_FILE, WANT_NONE
from seawall.scan.inventory import Ecosystem, Package

_MAX_JSON = 16 * 1024 * 1024


class RustCataloger:
    name = "rust"
    version = 1

    def want(self, path: str, mode: int, size: int) -> int:
        if path.endswith("/Cargo.lock") and size < _MAX_JSON:
            return WANT_FILE
        return WANT_ELF if mode & 0o111 and size > 1024 else WANT_NONE

    def catalog(self, layer: LayerView) -> list[Entry]:
        entries = []
        for item in layer.files(self):
            try:
                if item.path.endswith("/Cargo.lock"):
                    crates = _lock(item.read())
                else:
                    crates = _auditable(ElfFile(item.open(), item.size))
            except (ValueError, zlib.error, tomllib.TOMLDecodeError) as exc:
                layer.skip(item.path, f"failed to read Rust dependencies: {exc}")
                continue
            packages = tuple(_package(n, v, layer, item.path) for n, v in crates)
            if packages:
                entries.append(Entry(item.path, packages))
        return entries


def _auditable(elf: ElfFile) -> list[tuple[str, str]]:
    section = elf.sections().get(".dep-v0")
    if section is None:
        return []
    raw = zlib.decompressobj().decompress(
        elf.read(section.offset, section.size), _MAX_JSON
    )
    doc: dict[str, Any] = json.loads(raw)
    return [
        (p["name"], p["version"])
        for p in doc.get("packages", [])
        if p.get("source", "crates.io") == "crates.io" and p.get("kind") != "build"
    ]


def _lock(data: bytes) -> list[tuple[str, str]]:
    doc = tomllib.loads(data.decode("utf-8", "replace"))
    return [
        (p["name"], p["version"])
        for p in doc.get("package", [])
        if isinstance(p, dict) and p.get("name") and p.get("version")
    ]


def _package(name: str, version: str, layer: LayerView, path: str) -> Package:
    return Package(
        name=name,
        version=version,
        ecosystem=Ecosystem.CRATES,
        purl=purl("cargo", name, version),
        type="rust-crate",
        locations=(layer.location(path),),
    )
