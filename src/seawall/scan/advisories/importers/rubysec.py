"""ruby-advisory-db (RubySec) YAML: ``gems/<gem>/<id>.yml`` and
``rubies/<engine>/<id>.yml`` with ``patched_versions`` and
``unaffected_versions`` as RubyGems requirement strings. A version is
vulnerable when it satisfies none of them.

Gems are the ``RubyGems`` ecosystem; interpreters are keyed as ecosystem
``Ruby`` with the engine name (``ruby``, ``jruby``) for runtime matching.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from seawall.scan.advisories.importers._common import (
    load_yaml,
    require_mapping,
    strings,
)
from seawall.scan.advisories.model import Advisory, Affected, SeverityScore, Status


class RubySecImporter:
    """RubySec gem and ruby advisories."""

    format = "rubysec"

    def detect(self, name: str, head: bytes) -> bool:
        return name.lower().endswith((".yml", ".yaml")) and (
            head.lstrip(b"-\n ").startswith((b"gem:", b"engine:"))
        )

    def parse(self, name: str, data: bytes) -> Iterator[Advisory]:
        doc = require_mapping(name, load_yaml(name, data))
        gem, engine = doc.get("gem"), doc.get("engine")
        ecosystem = "RubyGems" if gem else "Ruby"
        package = str(gem or engine or "")
        if not package:
            return
        constraints = {
            "patched": list(strings(doc.get("patched_versions"))),
            "unaffected": list(strings(doc.get("unaffected_versions"))),
        }
        affected = Affected(
            ecosystem=ecosystem,
            name=package if gem else package.lower(),
            kind="constraints",
            ranges=(constraints,),
            status=Status.FIXED if constraints["patched"] else Status.AFFECTED,
        )
        ids = _ids(doc)
        stem = name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        yield Advisory(
            id=ids[0] if ids else f"RUBYSEC-{package}-{stem}",
            affected=(affected,),
            aliases=tuple(ids[1:]),
            summary=str(doc.get("title") or ""),
            published=str(doc.get("date") or ""),
            severity=_severity(doc),
            references=strings(doc.get("url")),
            source=name,
        )


def _ids(doc: dict[str, Any]) -> list[str]:
    ids = []
    if doc.get("cve"):
        ids.append(f"CVE-{doc['cve']}")
    if doc.get("ghsa"):
        ids.append(f"GHSA-{doc['ghsa']}")
    return ids


def _severity(doc: dict[str, Any]) -> tuple[SeverityScore, ...]:
    out = []
    for key, kind in (
        ("cvss_v4", "CVSS_V4"),
        ("cvss_v3", "CVSS_V3"),
        ("cvss_v2", "CVSS_V2"),
    ):
        if doc.get(key):
            out.append(SeverityScore(f"{kind}_SCORE", str(doc[key])))
    return tuple(out)
