"""Node.js security working group JSON (nodejs/security-wg ``vuln/``):
``npm/<n>.json`` (``module_name``, ``vulnerable_versions`` as an npm range)
and ``core/<n>.json`` (Node.js itself: ``vulnerable``, ``patched``).

Core advisories are keyed as ecosystem ``Node.js``, package ``node``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from seawall.scan.advisories.importers._common import (
    load_json,
    require_mapping,
    strings,
)
from seawall.scan.advisories.model import Advisory, Affected, SeverityScore, Status
from seawall.scan.matchers.names import normalize_name


class NodejsWgImporter:
    """Node.js security-wg npm and core advisories."""

    format = "nodejs-security-wg"

    def detect(self, name: str, head: bytes) -> bool:
        return name.lower().endswith(".json") and (
            b'"vulnerable_versions"' in head
            or b'"module_name"' in head
            or (b'"vulnerable"' in head and b'"patched"' in head)
        )

    def parse(self, name: str, data: bytes) -> Iterator[Advisory]:
        doc = require_mapping(name, load_json(name, data))
        stem = name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        if doc.get("module_name"):
            yield _npm(name, stem, doc)
        elif doc.get("vulnerable"):
            yield _core(name, stem, doc)


# TODO(seawall): about 300 npm records carry no CVE (e.g. NSWG-ECO-516, lodash
# 4.17.15-4.17.18); with no shared id they cannot merge with the GHSA record of
# the same flaw and may show as a second finding.
def _npm(name: str, stem: str, doc: dict[str, Any]) -> Advisory:
    affected = Affected(
        ecosystem="npm",
        name=normalize_name("npm", str(doc["module_name"])),
        kind="npm-range",
        ranges=(
            {
                "vulnerable": str(doc.get("vulnerable_versions") or "*"),
                "patched": str(doc.get("patched_versions") or ""),
            },
        ),
        status=Status.FIXED if doc.get("patched_versions") else Status.AFFECTED,
    )
    return _advisory(name, f"NSWG-ECO-{doc.get('id', stem)}", affected, doc)


def _core(name: str, stem: str, doc: dict[str, Any]) -> Advisory:
    affected = Affected(
        ecosystem="Node.js",
        name="node",
        kind="npm-range",
        ranges=(
            {
                "vulnerable": str(doc["vulnerable"]),
                "patched": str(doc.get("patched") or ""),
            },
        ),
        status=Status.FIXED if doc.get("patched") else Status.AFFECTED,
    )
    return _advisory(name, f"NSWG-CORE-{stem}", affected, doc)


def _advisory(
    name: str, vuln_id: str, affected: Affected, doc: dict[str, Any]
) -> Advisory:
    cves = strings(doc.get("cves") or doc.get("cve"))
    severity = []
    if doc.get("cvss_vector"):
        severity.append(SeverityScore("CVSS_V3", str(doc["cvss_vector"])))
    if doc.get("severity"):
        severity.append(SeverityScore("WORD", str(doc["severity"])))
    return Advisory(
        id=vuln_id,
        affected=(affected,),
        aliases=cves,
        summary=str(doc.get("title") or doc.get("description") or ""),
        published=str(doc.get("publish_date") or ""),
        modified=str(doc.get("updated_at") or ""),
        severity=tuple(severity),
        references=strings(doc.get("references") or doc.get("ref")),
        source=name,
    )
