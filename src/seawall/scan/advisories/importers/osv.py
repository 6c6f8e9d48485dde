"""OSV records (https://ossf.github.io/osv-schema/): JSON or YAML, one record
per file, a list of records, or ``{"vulns": [...]}`` as the osv.dev API
returns them. Distribution records (Ubuntu, AlmaLinux, Debian, Alpine) use
OSV ecosystems with a release (``"AlmaLinux:9"``) and are keyed by it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from seawall.errors import InvalidInput
from seawall.scan.advisories.importers._common import (
    load_json,
    load_yaml,
    require_mapping,
    strings,
    time_or_empty,
)
from seawall.scan.advisories.model import (
    Advisory,
    Affected,
    Severity,
    SeverityScore,
    Status,
)
from seawall.scan.matchers.names import normalize_name, split_ecosystem

_RANGE_TYPES = ("ECOSYSTEM", "SEMVER")
_DISTROS = frozenset(
    {
        "Debian",
        "Ubuntu",
        "Alpine",
        "AlmaLinux",
        "Rocky Linux",
        "Red Hat",
        "Wolfi",
        "Chainguard",
    }
)
_SUMMARY_SEVERITY = re.compile(r"^(Critical|Important|Moderate|Low):", re.I)


class OsvImporter:
    """OSV JSON and YAML."""

    format = "osv"

    def detect(self, name: str, head: bytes) -> bool:
        lowered = name.lower()
        if lowered.endswith(".json"):
            return b'"id"' in head or b'"vulns"' in head
        if lowered.endswith((".yaml", ".yml")):
            return head.lstrip().startswith(b"id:") or b"\naffected:" in head
        return False

    def parse(self, name: str, data: bytes) -> Iterator[Advisory]:
        is_yaml = name.lower().endswith((".yaml", ".yml"))
        doc = load_yaml(name, data) if is_yaml else load_json(name, data)
        for record in _records(name, doc):
            yield parse_record(name, record)


def _records(name: str, doc: Any) -> list[dict[str, Any]]:
    if isinstance(doc, list):
        return [require_mapping(name, r) for r in doc]
    doc = require_mapping(name, doc)
    if "vulns" in doc and "id" not in doc:
        return [require_mapping(name, r) for r in doc["vulns"] or ()]
    return [doc]


def parse_record(source: str, record: dict[str, Any]) -> Advisory:
    """One OSV record as an Advisory; InvalidInput when it has no id."""
    vuln_id = record.get("id")
    if not isinstance(vuln_id, str) or not vuln_id:
        raise InvalidInput(f"invalid OSV record in {source}: missing 'id'")
    severity = _severity(record)
    related = strings(record.get("related")) + _upstream(record)
    return Advisory(
        id=vuln_id,
        affected=tuple(_affected(record)),
        aliases=strings(record.get("aliases")),
        related=related,
        summary=str(record.get("summary") or _first_line(record.get("details"))),
        published=time_or_empty(record.get("published")),
        modified=time_or_empty(record.get("modified")),
        withdrawn=time_or_empty(record.get("withdrawn")),
        severity=severity,
        references=tuple(
            str(r["url"]) for r in record.get("references") or () if r.get("url")
        ),
        source=source,
    )


def _first_line(details: Any) -> str:
    text = str(details or "").strip()
    return text.splitlines()[0][:300] if text else ""


def _upstream(record: dict[str, Any]) -> tuple[str, ...]:
    # Ubuntu's USN records name UBUNTU-CVE-* upstreams; the CVE is the id.
    out = []
    for item in strings(record.get("upstream")):
        out.append(item.removeprefix("UBUNTU-"))
    return tuple(out)


def _severity(record: dict[str, Any]) -> tuple[SeverityScore, ...]:
    scores = [
        SeverityScore(str(s.get("type", "")), str(s.get("score", "")))
        for s in record.get("severity") or ()
        if s.get("score")
    ]
    specific = record.get("database_specific") or {}
    if isinstance(specific, dict) and isinstance(specific.get("severity"), str):
        scores.append(SeverityScore("GHSA", specific["severity"]))
    return tuple(scores)


def _affected(record: dict[str, Any]) -> Iterator[Affected]:
    distro_severity = _summary_severity(record)
    for entry in record.get("affected") or ():
        package = entry.get("package") or {}
        if not package.get("name") or not package.get("ecosystem"):
            continue
        base, release = split_ecosystem(str(package["ecosystem"]))
        ranges = tuple(
            {"type": r["type"], "events": list(r.get("events") or ())}
            for r in entry.get("ranges") or ()
            if r.get("type") in _RANGE_TYPES
        )
        versions = strings(entry.get("versions"))
        if not ranges and not versions:
            continue
        yield Affected(
            ecosystem=base,
            name=normalize_name(base, str(package["name"])),
            kind="osv",
            release=release,
            ranges=ranges,
            versions=versions,
            status=_status(ranges),
            fixed=_last_fixed(ranges),
            severity=_entry_severity(entry, base, distro_severity),
        )


def _status(ranges: tuple[dict[str, Any], ...]) -> str:
    has_fix = any("fixed" in e for r in ranges for e in r["events"])
    return Status.FIXED if has_fix else Status.AFFECTED


def _last_fixed(ranges: tuple[dict[str, Any], ...]) -> str:
    fixes = [str(e["fixed"]) for r in ranges for e in r["events"] if "fixed" in e]
    return fixes[-1] if fixes else ""


def _summary_severity(record: dict[str, Any]) -> str:
    match = _SUMMARY_SEVERITY.match(str(record.get("summary") or ""))
    return Severity.normalize(match.group(1)) if match else ""


def _entry_severity(entry: dict[str, Any], base: str, fallback: str) -> str:
    if base not in _DISTROS:
        return ""
    specific = entry.get("ecosystem_specific") or {}
    if isinstance(specific, dict) and specific.get("ubuntu_priority"):
        return Severity.normalize(str(specific["ubuntu_priority"]))
    cves = ((entry.get("database_specific") or {}).get("cves_map") or {}).get("cves")
    words = [
        s.get("score")
        for cve in cves or ()
        for s in cve.get("severity") or ()
        if s.get("type") == "Ubuntu"
    ]
    if words:
        return min((Severity.normalize(w) for w in words), key=Severity.rank)
    return fallback
