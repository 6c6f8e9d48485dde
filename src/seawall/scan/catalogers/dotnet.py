""".NET packages from ``*.deps.json`` (NuGet ``libraries`` of type package)."""

from __future__ import annotations

import json

from seawall.scan.catalogers.interface import Entry, LayerView
from seawall.scan.catalogers.purl import purl
from seawall.scan.image.layer import WANT_FILE, WANT_NONE
from seawall.scan.inventory import Ecosystem, Package

_MAX = 32 * 1024 * 1024


class DotnetCataloger:
    name = "dotnet"
    version = 1

    def want(self, path: str, mode: int, size: int) -> int:
        return WANT_FILE if path.endswith(".deps.json") and size < _MAX else WANT_NONE

    def catalog(self, layer: LayerView) -> list[Entry]:
        entries = []
        for item in layer.files(self):
            try:
                doc = json.loads(item.read())
            except ValueError as exc:
                layer.skip(item.path, f"failed to parse: {exc}")
                continue
            libraries = doc.get("libraries") if isinstance(doc, dict) else None
            found = []
            for key, info in (libraries or {}).items():
                name, _, version = str(key).partition("/")
                if isinstance(info, dict) and info.get("type") == "package" and version:
                    found.append(_package(name, version, layer, item.path))
            if found:
                entries.append(Entry(item.path, tuple(found)))
        return entries


def _package(name: str, version: str, layer: LayerView, path: str) -> Package:
    return Package(
        name=name,
        version=version,
        ecosystem=Ecosystem.NUGET,
        purl=purl("nuget", name, version),
        type="dotnet",
        locations=(layer.location(path),),
    )
