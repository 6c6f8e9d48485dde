"""CycloneDX 1.5 JSON with ``components`` and ``vulnerabilities``: a BOM that
carries its own VEX. Each finding becomes a vulnerability that ``affects``
its component, with ratings (CVSS and the distribution's word), the fix as
a recommendation and an ``analysis`` (state ``in_triage``, response
``update`` when a fix exists, ``will_not_fix`` when the distribution says so).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from seawall.scan.advisories.model import Status
from seawall.scan.findings import Finding, ScanResult

_METHODS = {"2.0": "CVSSv2", "3.0": "CVSSv3", "3.1": "CVSSv31", "4.0": "CVSSv4"}
_SOURCES = {
    "CVE-": ("NVD", "https://nvd.nist.gov/vuln/detail/"),
    "GHSA-": ("GitHub", "https://github.com/advisories/"),
}


class CycloneDxReport:
    """``--format cyclonedx``."""

    name = "cyclonedx"

    def render(self, result: ScanResult) -> str:
        return json.dumps(to_cyclonedx(result), indent=2) + "\n"


def to_cyclonedx(result: ScanResult) -> dict[str, Any]:
    """The BOM of one scan. The serial number is derived from the image
    digest and findings, so the same scan renders the same document."""
    from importlib.metadata import version

    refs: dict[str, dict[str, Any]] = {}
    for f in result.findings:
        ref = _ref(f)
        refs.setdefault(ref, _component(f, ref))
    seed = result.manifest_digest + "".join(f"{_ref(f)}{f.id}" for f in result.findings)
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, seed)}",
        "version": 1,
        "metadata": {
            "tools": {
                "components": [
                    {
                        "type": "application",
                        "name": "seawall",
                        "version": version("seawall"),
                    }
                ]
            },
            "component": {
                "type": "container",
                "bom-ref": "image",
                "name": result.image,
                **(
                    {"hashes": _hash(result.manifest_digest)}
                    if result.manifest_digest
                    else {}
                ),
            },
        },
        "components": list(refs.values()),
        "vulnerabilities": [_vulnerability(f) for f in result.findings],
    }


def _hash(digest: str) -> list[dict[str, str]]:
    alg, _, value = digest.partition(":")
    if alg != "sha256" or len(value) != 64:
        return []
    return [{"alg": "SHA-256", "content": value}]


def _ref(f: Finding) -> str:
    p = f.package
    return p.purl or f"{p.ecosystem}:{p.name}@{p.version}"


def _component(f: Finding, ref: str) -> dict[str, Any]:
    component = {
        "type": "library",
        "bom-ref": ref,
        "name": f.package.name,
        "version": f.package.version,
    }
    if f.package.purl:
        component["purl"] = f.package.purl
    return component


def _source(vuln_id: str) -> dict[str, str]:
    for prefix, (name, url) in _SOURCES.items():
        if vuln_id.startswith(prefix):
            return {"name": name, "url": url + vuln_id}
    return {"name": "OSV", "url": f"https://osv.dev/vulnerability/{vuln_id}"}


def _ratings(f: Finding) -> list[dict[str, Any]]:
    ratings: list[dict[str, Any]] = [
        {
            "source": _source(f.id),
            "score": c.base_score,
            "severity": c.severity.lower(),
            "method": _METHODS.get(c.version, "other"),
            "vector": c.vector,
        }
        for c in f.cvss
    ]
    if f.severity_source == "distro" or not ratings:
        ratings.append({"severity": _word(f.severity), "method": "other"})
    return ratings


def _word(severity: str) -> str:
    return {"NEGLIGIBLE": "info", "UNKNOWN": "unknown"}.get(severity, severity.lower())


def _vulnerability(f: Finding) -> dict[str, Any]:
    vuln: dict[str, Any] = {
        "bom-ref": f"{f.id}@{_ref(f)}",
        "id": f.id,
        "source": _source(f.id),
        "references": [{"id": a, "source": _source(a)} for a in f.aliases],
        "ratings": _ratings(f),
        "description": f.summary,
        "advisories": [{"url": u} for u in f.references[:10]],
        "affects": [
            {
                "ref": _ref(f),
                "versions": [{"version": f.installed_version, "status": "affected"}],
            }
        ],
        "analysis": _analysis(f),
        "properties": [{"name": "seawall:priority", "value": str(f.priority)}],
    }
    if f.fixed_versions:
        vuln["recommendation"] = f"Upgrade to {', '.join(f.fixed_versions)}"
    if f.kev is not None:
        vuln["properties"].append(
            {"name": "seawall:kev:dateAdded", "value": f.kev.date_added}
        )
    return vuln


def _analysis(f: Finding) -> dict[str, Any]:
    if f.fix_state == Status.FIXED:
        response = ["update"]
    elif f.fix_state in (Status.WONT_FIX, Status.END_OF_LIFE):
        response = ["will_not_fix"]
    else:
        response = ["can_not_fix"]
    # A scanner match is not a triaged verdict, so the state stays in_triage.
    return {"state": "in_triage", "response": response, "detail": f.fix_state}
