"""Match stored packages and turn the findings into stored records.

Findings depend only on a package and the advisory data (they are built per
package), so a package held by many images is matched once and its records
shared by every image holding it.
"""

from __future__ import annotations

from typing import Any

from seawall.scan.advisories.store import AdvisoryStore, PackageKey
from seawall.scan.findings import Enrichment, build_findings, vulnerability_ids
from seawall.scan.inventory import Package
from seawall.scan.matchers import match_packages
from seawall.scanning.records import finding_record

Records = dict[int, dict[str, dict[str, Any]]]


def match_records(
    advisories: AdvisoryStore,
    packages: dict[int, Package],
    only: frozenset[PackageKey] | None,
) -> Records:
    """package id -> vulnerability id -> record, for packages with findings."""
    ids = {package: pid for pid, package in packages.items()}
    result = match_packages(advisories, list(ids), only)
    cves: set[str] = set()
    for match in result.matches:
        advisory = match.candidate.advisory
        cves.update(vulnerability_ids(advisory))
        cves.update(advisory.aliases)
    findings = build_findings(result.matches, Enrichment.load(advisories, cves))
    out: Records = {}
    for finding in findings:
        pid = ids[finding.package]
        out.setdefault(pid, {})[finding.id] = finding_record(finding)
    return out
