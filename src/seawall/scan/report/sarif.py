"""SARIF 2.1.0 (OASIS), as code-scanning dashboards read it: one rule per
vulnerability, one result per finding, located at the package's file inside
the image. ``security-severity`` carries the CVSS score for GitHub's
severity mapping."""

from __future__ import annotations

import json
from typing import Any

from seawall.scan.findings import Finding, ScanResult

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {"CRITICAL": "error", "HIGH": "error", "MEDIUM": "warning", "LOW": "note"}
_SCORES = {"CRITICAL": 9.5, "HIGH": 8.0, "MEDIUM": 5.5, "LOW": 2.0}


class SarifReport:
    """``--format sarif``."""

    name = "sarif"

    def render(self, result: ScanResult) -> str:
        return json.dumps(to_sarif(result), indent=2) + "\n"


def to_sarif(result: ScanResult) -> dict[str, Any]:
    """The SARIF log of one scan."""
    from importlib.metadata import version

    rules: dict[str, dict[str, Any]] = {}
    for f in result.findings:
        rules.setdefault(f.id, _rule(f))
    driver = {
        "name": "Seawall",
        "informationUri": "https://github.com/seawall/seawall",
        "version": version("seawall"),
        "rules": list(rules.values()),
    }
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "results": [
                    _result(f, list(rules).index(f.id), result) for f in result.findings
                ],
                "properties": {"image": result.image, "digest": result.manifest_digest},
            }
        ],
    }


def _score(f: Finding) -> float:
    if f.cvss:
        return max(c.base_score for c in f.cvss)
    return _SCORES.get(f.severity, 0.0)


def _rule(f: Finding) -> dict[str, Any]:
    text = f.summary or f.id
    rule: dict[str, Any] = {
        "id": f.id,
        "name": f.id.replace("-", ""),
        "shortDescription": {"text": f"{f.id} {text}"[:1000]},
        "fullDescription": {"text": text},
        "help": {"text": _help(f)},
        "properties": {
            "security-severity": f"{_score(f):.1f}",
            "tags": ["vulnerability", "security", f.severity],
        },
    }
    if f.references:
        rule["helpUri"] = f.references[0]
    return rule


def _help(f: Finding) -> str:
    if f.fixed_versions:
        return f"Upgrade {f.package.name} to {', '.join(f.fixed_versions)}."
    return f"No fixed version ({f.fix_state})."


def _fingerprint(f: Finding) -> str:
    return f"{f.package.purl or f.package.name}@{f.installed_version}:{f.id}"


def _result(f: Finding, index: int, result: ScanResult) -> dict[str, Any]:
    where = f.package.locations[0].path if f.package.locations else result.image
    message = (
        f"{f.package.name} {f.installed_version} is affected by {f.id} "
        f"({f.severity}). {_help(f)}"
    )
    return {
        "ruleId": f.id,
        "ruleIndex": index,
        "level": _LEVELS.get(f.severity, "note"),
        "message": {"text": message},
        "locations": [
            {
                "physicalLocation": {"artifactLocation": {"uri": where.lstrip("/")}},
                "logicalLocations": [
                    {"name": f.package.purl or f.package.name, "kind": "package"}
                ],
            }
        ],
        "partialFingerprints": {"seawall/v1": _fingerprint(f)},
        "properties": {"priority": f.priority, "fixState": f.fix_state},
    }
