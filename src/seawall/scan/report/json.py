"""The JSON report: Seawall's stable, documented scan output.

``schemaVersion`` is bumped on any incompatible change; fields are only
added within a version. Keys are camelCase, lists keep the findings' priority
order, and no value depends on the clock except ``database.updatedAt``.
The shape is described in docs/vulnerability-db.md.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict
from typing import Any

from seawall.scan.advisories.model import Severity, Status
from seawall.scan.findings import Finding, ScanResult

SCHEMA_VERSION = 1


class JsonReport:
    """``--format json``."""

    name = "json"

    def render(self, result: ScanResult) -> str:
        return json.dumps(to_document(result), indent=2, sort_keys=False) + "\n"


def to_document(result: ScanResult) -> dict[str, Any]:
    """The report as plain data."""
    return {
        "schemaVersion": SCHEMA_VERSION,
        "image": result.image,
        "manifestDigest": result.manifest_digest,
        "platform": result.platform,
        "distro": result.distro,
        "database": dict(result.database),
        "summary": summary(result),
        "endOfLife": [
            {
                "subject": e.subject,
                "product": e.product,
                "cycle": e.cycle,
                "version": e.version,
                "eol": e.eol,
                "ended": e.ended,
                "latest": e.latest,
            }
            for e in result.eol
        ],
        "warnings": list(result.warnings),
        "unsupportedEcosystems": list(result.unsupported),
        "findings": [finding_document(f) for f in result.findings],
    }


def summary(result: ScanResult) -> dict[str, Any]:
    """Counts by severity, fixable and known-exploited findings."""
    counts = Counter(f.severity for f in result.findings)
    return {
        "packages": result.packages,
        "findings": len(result.findings),
        "bySeverity": {s: counts.get(s, 0) for s in Severity.ORDER},
        "fixable": sum(1 for f in result.findings if f.fix_state == Status.FIXED),
        "knownExploited": sum(1 for f in result.findings if f.kev is not None),
    }


def finding_document(f: Finding) -> dict[str, Any]:
    """One finding as plain data."""
    p = f.package
    return {
        "id": f.id,
        "aliases": list(f.aliases),
        "advisories": list(f.advisories),
        "package": {
            "name": p.name,
            "version": p.version,
            "ecosystem": p.ecosystem,
            "purl": p.purl,
            "type": p.type,
            "sourceName": p.source_name,
            "sourceVersion": p.source_version,
            "distro": p.distro,
            "locations": [
                {"layerDigest": loc.layer_digest, "path": loc.path}
                for loc in p.locations
            ],
        },
        "installedVersion": f.installed_version,
        "fixState": f.fix_state,
        "fixedVersions": list(f.fixed_versions),
        "severity": f.severity,
        "severitySource": f.severity_source,
        "cvss": [
            {
                "version": c.version,
                "vector": c.vector,
                "baseScore": c.base_score,
                "severity": c.severity,
            }
            for c in f.cvss
        ],
        "knownExploited": _kev(f),
        "exploitation": f.exploitation or None,
        "epss": (
            {
                "score": f.epss.epss,
                "percentile": f.epss.percentile,
                "date": f.epss.score_date,
            }
            if f.epss
            else None
        ),
        "priority": f.priority,
        "summary": f.summary,
        "note": f.note,
        "references": list(f.references),
        "sources": list(f.sources),
    }


def _kev(f: Finding) -> dict[str, Any] | None:
    if f.kev is None:
        return None
    data = asdict(f.kev)
    return {
        "dateAdded": data["date_added"],
        "dueDate": data["due_date"],
        "ransomware": data["ransomware"],
        "name": data["name"],
    }
