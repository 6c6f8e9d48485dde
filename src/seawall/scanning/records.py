"""Stored forms of packages and findings.

A package's *identity* is everything but where it was found, so the same
package in many images is stored and matched once. A finding is stored as a
JSON record carrying what both ECR finding shapes and ``seawall findings``
need; the package it concerns is joined from the package row.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from seawall.scan.findings import Finding
from seawall.scan.inventory import Location, Package


def package_doc(package: Package) -> dict[str, Any]:
    """``Package.to_json`` without ``asdict``'s deep copies (it is hot)."""
    return {
        "name": package.name,
        "version": package.version,
        "ecosystem": package.ecosystem,
        "purl": package.purl,
        "type": package.type,
        "locations": [
            {"layer_digest": loc.layer_digest, "path": loc.path}
            for loc in package.locations
        ],
        "licenses": list(package.licenses),
        "source_name": package.source_name,
        "source_version": package.source_version,
        "distro": package.distro,
        "metadata": dict(package.metadata),
    }


def package_identity(package: Package) -> str:
    """sha256 over the package without its locations and metadata."""
    fields = (
        package.name,
        package.version,
        package.ecosystem,
        package.purl,
        package.type,
        list(package.licenses),
        package.source_name,
        package.source_version,
        package.distro,
    )
    text = json.dumps(fields, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def package_json(package: Package) -> str:
    doc = package_doc(package)
    doc["locations"] = []
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), default=str)


def locations_json(locations: tuple[Location, ...]) -> str:
    return json.dumps([[loc.layer_digest, loc.path] for loc in locations])


def locations_from_json(text: str) -> tuple[Location, ...]:
    return tuple(Location(layer, path) for layer, path in json.loads(text))


def finding_record(finding: Finding) -> dict[str, Any]:
    """The JSON record of one finding (package fields excluded)."""
    return {
        "id": finding.id,
        "aliases": list(finding.aliases),
        "advisories": list(finding.advisories),
        "installedVersion": finding.installed_version,
        "fixState": finding.fix_state,
        "fixedVersions": list(finding.fixed_versions),
        "severity": finding.severity,
        "severitySource": finding.severity_source,
        "cvss": [
            {
                "version": s.version,
                "vector": s.vector,
                "baseScore": s.base_score,
                "severity": s.severity,
            }
            for s in finding.cvss
        ],
        "kev": None
        if finding.kev is None
        else {
            "dateAdded": finding.kev.date_added,
            "ransomware": finding.kev.ransomware,
        },
        "exploitation": finding.exploitation,
        "epss": None if finding.epss is None else finding.epss.epss,
        "summary": finding.summary,
        "references": list(finding.references),
        "sources": list(finding.sources),
        "priority": finding.priority,
        "note": finding.note,
    }


def exploited(finding: Finding) -> bool:
    """Known exploited: in CISA KEV or exploitation reported active."""
    return finding.kev is not None or finding.exploitation == "active"


@dataclass(frozen=True, slots=True)
class StoredFinding:
    """One finding of one platform image, as read back."""

    platform_digest: str
    package: Package
    vulnerability_id: str
    severity: str
    status: str  # ACTIVE | CLOSED
    fixable: bool
    exploited: bool
    first_observed_at: float
    last_observed_at: float
    updated_at: float
    closed_at: float | None
    record: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """The machine-readable form (``seawall findings --output json``)."""
        return {
            "vulnerabilityId": self.vulnerability_id,
            "status": self.status,
            "severity": self.severity,
            "fixable": self.fixable,
            "exploited": self.exploited,
            "package": {
                "name": self.package.name,
                "version": self.package.version,
                "ecosystem": self.package.ecosystem,
                "purl": self.package.purl,
            },
            "platformDigest": self.platform_digest,
            "firstObservedAt": self.first_observed_at,
            "lastObservedAt": self.last_observed_at,
            "closedAt": self.closed_at,
            **{k: v for k, v in self.record.items() if k not in ("id", "severity")},
        }
