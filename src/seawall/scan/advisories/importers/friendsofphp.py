"""FriendsOfPHP/security-advisories YAML: ``<vendor>/<package>/<id>.yaml``
with ``reference: composer://vendor/package`` and ``branches`` whose
``versions`` are Composer constraints that together (AND) describe one
vulnerable range; a version is vulnerable when any branch matches.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from seawall.scan.advisories.importers._common import (
    load_yaml,
    require_mapping,
    strings,
)
from seawall.scan.advisories.model import Advisory, Affected, Status


class FriendsOfPhpImporter:
    """FriendsOfPHP security advisories."""

    format = "friendsofphp"

    def detect(self, name: str, head: bytes) -> bool:
        return b"composer://" in head or (b"branches:" in head and b"title:" in head)

    def parse(self, name: str, data: bytes) -> Iterator[Advisory]:
        doc = require_mapping(name, load_yaml(name, data))
        reference = str(doc.get("reference") or "")
        package = reference.removeprefix("composer://").strip().lower()
        branches = [
            list(strings((b or {}).get("versions")))
            for b in (doc.get("branches") or {}).values()
        ]
        branches = [b for b in branches if b]
        if not package or not branches:
            return
        affected = Affected(
            ecosystem="Packagist",
            name=package,
            kind="constraints",
            ranges=tuple({"vulnerable": b} for b in branches),
            status=Status.FIXED,
        )
        yield Advisory(
            id=_id(name, doc, package),
            affected=(affected,),
            summary=str(doc.get("title") or ""),
            references=strings(doc.get("link")),
            source=name,
        )


def _id(name: str, doc: dict[str, Any], package: str) -> str:
    cve = str(doc.get("cve") or "").strip()
    if cve.startswith("CVE-"):
        return cve
    stem = name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return f"FOP-{package}-{stem}"
