"""PHP Composer packages: ``vendor/composer/installed.json`` and ``composer.lock``."""

from __future__ import annotations

import json
from typing import Any

from seawall.scan.catalogers.interface import Entry, LayerView
from seawall.scan.catalogers.purl import purl
from seawall.scan.image.layer import WANT_FILE, WANT_NONE
from seawall.scan.inventory import Ecosystem, Package

_MAX = 32 * 1024 * 1024


class PhpCataloger:
    name = "php"
    version = 1

    def want(self, path: str, mode: int, size: int) -> int:
        if size > _MAX:
            return WANT_NONE
        if path.endswith(("/vendor/composer/installed.json", "/composer.lock")):
            return WANT_FILE
        return WANT_NONE

    def catalog(self, layer: LayerView) -> list[Entry]:
        entries = []
        for item in layer.files(self):
            try:
                doc = json.loads(item.read())
            except ValueError as exc:
                layer.skip(item.path, f"failed to parse: {exc}")
                continue
            packages = tuple(
                _package(p, layer, item.path) for p in _listed(doc) if _valid(p)
            )
            if packages:
                entries.append(Entry(item.path, packages))
        return entries


def _listed(doc: Any) -> list[Any]:
    """installed.json v1 is a list; v2 and composer.lock hold ``packages``."""
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        return list(doc.get("packages") or []) + list(doc.get("packages-dev") or [])
    return []


def _valid(item: Any) -> bool:
    return (
        isinstance(item, dict)
        and isinstance(item.get("name"), str)
        and isinstance(item.get("version"), str)
    )


def _package(item: dict[str, Any], layer: LayerView, path: str) -> Package:
    vendor, _, name = item["name"].partition("/")
    version = item["version"]
    licenses = item.get("license") or []
    return Package(
        name=item["name"],
        version=version,
        ecosystem=Ecosystem.PACKAGIST,
        purl=purl("composer", name or vendor, version, vendor if name else None),
        type="php-composer",
        locations=(layer.location(path),),
        licenses=tuple(str(x) for x in licenses) if isinstance(licenses, list) else (),
    )
