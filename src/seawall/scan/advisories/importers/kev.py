"""CISA Known Exploited Vulnerabilities catalog JSON
(https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json).
"""

from __future__ import annotations

from collections.abc import Iterator

from seawall.errors import InvalidInput
from seawall.scan.advisories.importers._common import is_cve, load_json, require_mapping
from seawall.scan.advisories.model import KevEntry


class KevImporter:
    """The KEV catalog."""

    format = "kev"

    def detect(self, name: str, head: bytes) -> bool:
        return b'"catalogVersion"' in head and b'"$schema"' not in head

    def parse(self, name: str, data: bytes) -> Iterator[KevEntry]:
        doc = require_mapping(name, load_json(name, data))
        entries = doc.get("vulnerabilities")
        if not isinstance(entries, list):
            raise InvalidInput(f"invalid KEV catalog {name}: no 'vulnerabilities' list")
        for item in entries:
            cve = str(item.get("cveID") or "")
            if is_cve(cve):
                yield KevEntry(
                    cve=cve,
                    date_added=str(item.get("dateAdded") or ""),
                    due_date=str(item.get("dueDate") or ""),
                    ransomware=str(item.get("knownRansomwareCampaignUse")) == "Known",
                    name=str(item.get("vulnerabilityName") or ""),
                )
