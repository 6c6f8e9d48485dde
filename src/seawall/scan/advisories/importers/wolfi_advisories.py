"""Wolfi's advisory YAML (wolfi-dev/advisories, schema 2): one file per
package, each advisory a CGA id with aliases and a timeline of events.

The latest event decides the verdict: ``fixed`` (with ``fixed-version``),
``false-positive-determination`` (not affected), ``fix-not-planned``
(won't fix), ``pending-upstream-fix`` (affected, waiting upstream),
``detection`` / ``true-positive-determination`` (affected).

Licence note: the repository is Apache-2.0 only up to commit 244709c95297;
later data may not be used by scanners (see docs/vulnerability-db.md).
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

_VERDICTS = {
    "fixed": Status.FIXED,
    "false-positive-determination": Status.NOT_AFFECTED,
    "fix-not-planned": Status.WONT_FIX,
    "pending-upstream-fix": Status.AFFECTED,
    "true-positive-determination": Status.AFFECTED,
    "detection": Status.AFFECTED,
    "analysis-not-planned": Status.DEFERRED,
}


class WolfiAdvisoriesImporter:
    """wolfi-dev/advisories ``*.advisories.yaml``."""

    format = "wolfi-advisories"

    def detect(self, name: str, head: bytes) -> bool:
        return b"schema-version" in head and b"advisories" in head

    def parse(self, name: str, data: bytes) -> Iterator[Advisory]:
        doc = require_mapping(name, load_yaml(name, data))
        package = str((doc.get("package") or {}).get("name") or "").lower()
        for item in doc.get("advisories") or ():
            advisory = _advisory(name, package, item or {})
            if advisory is not None:
                yield advisory


def _advisory(source: str, package: str, item: dict[str, Any]) -> Advisory | None:
    events = sorted(item.get("events") or (), key=lambda e: str(e.get("timestamp")))
    if not package or not item.get("id") or not events:
        return None
    last = events[-1]
    kind = str(last.get("type") or "")
    data = last.get("data") or {}
    status = _VERDICTS.get(kind, Status.AFFECTED)
    affected = Affected(
        ecosystem="Wolfi",
        name=package,
        kind="distro",
        status=status,
        fixed=str(data.get("fixed-version") or "") if status == Status.FIXED else "",
        note=_note(kind, data),
    )
    return Advisory(
        id=str(item["id"]),
        affected=(affected,),
        aliases=strings(item.get("aliases")),
        modified=str(last.get("timestamp") or ""),
        source=source,
    )


def _note(kind: str, data: dict[str, Any]) -> str:
    detail = data.get("type") or data.get("note") or ""
    return f"{kind}: {detail}" if detail else kind
