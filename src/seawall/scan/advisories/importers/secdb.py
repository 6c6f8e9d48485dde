"""Alpine secdb (https://secdb.alpinelinux.org/v3.19/main.json, and the older
YAML files) and the Wolfi/Chainguard secdb in the same shape
(``packages.wolfi.dev/os/security.json``).

``packages[].pkg.secfixes`` maps a fixed package version to the CVEs it
fixes; the version ``"0"`` lists CVEs that never affected the package. Records
are regrouped by CVE. Alpine files name their release (``distroversion``);
Wolfi is rolling and has none.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from seawall.scan.advisories.importers._common import (
    load_json,
    load_yaml,
    require_mapping,
)
from seawall.scan.advisories.model import Advisory, Affected, Status
from seawall.scan.matchers.names import normalize_release

_ID = re.compile(r"\b(CVE-\d{4}-\d+|GHSA(?:-[0-9a-z]{4}){3}|XSA-\d+|ALPINE-\d+)\b")


class SecdbImporter:
    """Alpine / Wolfi secdb, YAML or JSON."""

    format = "secdb"

    def detect(self, name: str, head: bytes) -> bool:
        return b"secfixes" in head or (b"apkurl" in head and b"packages" in head)

    def parse(self, name: str, data: bytes) -> Iterator[Advisory]:
        is_json = name.lower().endswith(".json")
        doc = require_mapping(
            name, load_json(name, data) if is_json else load_yaml(name, data)
        )
        ecosystem, release = _distro(doc)
        by_id: dict[str, list[Affected]] = {}
        for item in doc.get("packages") or ():
            pkg = (item or {}).get("pkg") or {}
            for affected, ids in _fixes(ecosystem, release, pkg):
                for vuln_id in ids:
                    by_id.setdefault(vuln_id, []).append(affected)
        for vuln_id, entries in sorted(by_id.items()):
            yield Advisory(id=vuln_id, affected=tuple(entries), source=name)


def _distro(doc: dict[str, Any]) -> tuple[str, str]:
    prefix = str(doc.get("urlprefix") or "") + str(doc.get("apkurl") or "")
    if "chainguard" in prefix:
        return "Chainguard", ""
    if "wolfi" in prefix or doc.get("reponame") == "os":
        return "Wolfi", ""
    return "Alpine", normalize_release("Alpine", str(doc.get("distroversion") or ""))


def _fixes(
    ecosystem: str, release: str, pkg: dict[str, Any]
) -> Iterator[tuple[Affected, list[str]]]:
    name = str(pkg.get("name") or "").lower()
    for version, entries in (pkg.get("secfixes") or {}).items():
        ids = [m for e in entries or () for m in _ID.findall(str(e))]
        never = str(version) == "0"
        affected = Affected(
            ecosystem=ecosystem,
            name=name,
            kind="distro",
            release=release,
            status=Status.NOT_AFFECTED if never else Status.FIXED,
            fixed="" if never else str(version),
        )
        if name and ids:
            yield affected, ids
