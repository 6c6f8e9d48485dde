"""Ruby gems: installed ``specifications/*.gemspec`` and ``Gemfile.lock``."""

from __future__ import annotations

import re

from seawall.scan.catalogers.interface import Entry, LayerView
from seawall.scan.catalogers.purl import purl
from seawall.scan.image.layer import WANT_FILE, WANT_NONE
from seawall.scan.inventory import Ecosystem, Package

_FIELD = re.compile(r'^\s*\w+\.(name|version)\s*=\s*["\']([^"\']+)["\']', re.MULTILINE)
_LICENSES = re.compile(r"^\s*\w+\.licenses?\s*=\s*\[?([^\]\n]*)\]?", re.MULTILINE)
_QUOTED = re.compile(r'["\']([^"\']+)["\']')
_LOCK_SPEC = re.compile(r"^    ([^\s(]+) \(([^)\s]+)\)$")
_MAX = 4 * 1024 * 1024


class RubyCataloger:
    name = "ruby"
    version = 1

    def want(self, path: str, mode: int, size: int) -> int:
        if size > _MAX:
            return WANT_NONE
        if "/specifications/" in path and path.endswith(".gemspec"):
            return WANT_FILE
        return WANT_FILE if path.endswith("/Gemfile.lock") else WANT_NONE

    def catalog(self, layer: LayerView) -> list[Entry]:
        entries = []
        for item in layer.files(self):
            text = item.read().decode("utf-8", "replace")
            if item.path.endswith(".gemspec"):
                found = _gemspec(text)
            else:
                found = [(n, v, ()) for n, v in parse_gemfile_lock(text)]
            packages = tuple(
                _package(n, v, lic, layer, item.path) for n, v, lic in found
            )
            if packages:
                entries.append(Entry(item.path, packages))
        return entries


def _gemspec(text: str) -> list[tuple[str, str, tuple[str, ...]]]:
    fields = dict(_FIELD.findall(text))
    if not fields.get("name") or not fields.get("version"):
        return []
    match = _LICENSES.search(text)
    licenses = tuple(_QUOTED.findall(match.group(1))) if match else ()
    return [(fields["name"], fields["version"], licenses)]


def parse_gemfile_lock(text: str) -> list[tuple[str, str]]:
    """Gems listed under ``specs:`` (four-space indented ``name (version)``)."""
    found = []
    for line in text.splitlines():
        match = _LOCK_SPEC.match(line)
        if match:
            found.append((match.group(1), match.group(2).split("-")[0]))
    return found


def _package(
    name: str, version: str, licenses: tuple[str, ...], layer: LayerView, path: str
) -> Package:
    return Package(
        name=name,
        version=version,
        ecosystem=Ecosystem.RUBYGEMS,
        purl=purl("gem", name, version),
        type="gem",
        locations=(layer.location(path),),
        licenses=licenses,
    )
