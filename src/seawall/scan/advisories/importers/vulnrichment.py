"""CISA vulnrichment: CVE JSON 5 records whose ``CISA ADP Vulnrichment``
container carries SSVC decision points (Exploitation, Automatable,
Technical Impact) and sometimes CVSS vectors. Values are lower-cased since
the source is not case-consistent (``active`` / ``Active``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from seawall.scan.advisories.importers._common import is_cve, load_json, require_mapping
from seawall.scan.advisories.model import Exploitation


class VulnrichmentImporter:
    """CVE JSON 5 records with the CISA ADP container."""

    format = "vulnrichment"

    def detect(self, name: str, head: bytes) -> bool:
        return b'"CVE_RECORD"' in head

    def parse(self, name: str, data: bytes) -> Iterator[Exploitation]:
        doc = require_mapping(name, load_json(name, data))
        cve = str((doc.get("cveMetadata") or {}).get("cveId") or "")
        if not is_cve(cve):
            return
        options: dict[str, str] = {}
        vectors: list[str] = []
        for container in (doc.get("containers") or {}).get("adp") or ():
            if "CISA" not in str(
                (container.get("providerMetadata") or {}).get("shortName")
            ):
                continue
            for metric in container.get("metrics") or ():
                options.update(_ssvc(metric))
                vectors.extend(_vectors(metric))
        if options or vectors:
            yield Exploitation(
                cve=cve,
                exploitation=options.get("exploitation", ""),
                automatable=options.get("automatable", ""),
                technical_impact=options.get("technical impact", ""),
                cvss=tuple(vectors),
            )


def _ssvc(metric: dict[str, Any]) -> dict[str, str]:
    other = metric.get("other") or {}
    if other.get("type") != "ssvc":
        return {}
    out = {}
    for option in (other.get("content") or {}).get("options") or ():
        for key, value in option.items():
            out[str(key).lower()] = str(value).lower()
    return out


def _vectors(metric: dict[str, Any]) -> list[str]:
    return [
        str(value["vectorString"])
        for key, value in metric.items()
        if key.startswith("cvssV")
        and isinstance(value, dict)
        and value.get("vectorString")
    ]
