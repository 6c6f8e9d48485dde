"""The Debian security tracker's JSON export
(https://security-tracker.debian.org/tracker/data/json):
``{source package: {CVE: {"releases": {codename: {...}}}}}``.

Each release entry becomes a ``distro`` affected entry for the source package
in that release (codenames are mapped to release numbers, ``bookworm`` ->
``12``), with Debian's verdict kept: resolved with a version (fixed),
resolved with version ``0`` (never affected), open, no-DSA (postponed or
ignored), end-of-life, unimportant urgency (negligible).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from seawall.scan.advisories.importers._common import is_cve, load_json
from seawall.scan.advisories.model import Advisory, Affected, Severity, Status

CODENAMES = {
    "buzz": "1.1",
    "rex": "1.2",
    "bo": "1.3",
    "hamm": "2.0",
    "slink": "2.1",
    "potato": "2.2",
    "woody": "3.0",
    "sarge": "3.1",
    "etch": "4",
    "lenny": "5",
    "squeeze": "6",
    "wheezy": "7",
    "jessie": "8",
    "stretch": "9",
    "buster": "10",
    "bullseye": "11",
    "bookworm": "12",
    "trixie": "13",
    "forky": "14",
    "duke": "15",
    "sid": "sid",
}


class DebianTrackerImporter:
    """Debian security tracker JSON."""

    format = "debian-tracker"

    def detect(self, name: str, head: bytes) -> bool:
        return (
            name.lower().endswith(".json")
            and b'"releases"' in head
            and (b'"CVE-' in head or b'"TEMP-' in head)
        )

    def parse(self, name: str, data: bytes) -> Iterator[Advisory]:
        # TODO(seawall): the full tracker JSON is about 80 MB and is parsed in
        # one piece; a streaming parser would bound memory on small hosts.
        doc = load_json(name, data)
        by_cve: dict[str, list[Affected]] = {}
        summaries: dict[str, str] = {}
        for package, cves in (doc or {}).items():
            if not isinstance(cves, dict):
                continue
            for cve, entry in cves.items():
                entries = list(_affected(package, entry))
                by_cve.setdefault(cve, []).extend(entries)
                summaries.setdefault(cve, str(entry.get("description") or "")[:300])
        for cve, affected in sorted(by_cve.items()):
            if affected and (is_cve(cve) or cve.startswith("TEMP-")):
                yield Advisory(
                    id=cve,
                    affected=tuple(affected),
                    summary=summaries[cve],
                    source=name,
                )


def _affected(package: str, entry: dict[str, Any]) -> Iterator[Affected]:
    for codename, state in (entry.get("releases") or {}).items():
        release = CODENAMES.get(codename)
        if release is None or not isinstance(state, dict):
            continue
        status, fixed = _status(state)
        urgency = str(state.get("urgency") or "")
        yield Affected(
            ecosystem="Debian",
            name=package.lower(),
            kind="distro",
            release=release,
            status=status,
            fixed=fixed,
            severity=Severity.normalize(urgency) if "assigned" not in urgency else "",
            note=_note(state),
        )


def _status(state: dict[str, Any]) -> tuple[str, str]:  # noqa: PLR0911 - a verdict table
    fixed = str(state.get("fixed_version") or "")
    verdict = state.get("status")
    if verdict == "resolved":
        if fixed == "0":
            return Status.NOT_AFFECTED, ""
        return Status.FIXED, fixed
    if state.get("urgency") == "end-of-life":
        return Status.END_OF_LIFE, ""
    if state.get("nodsa") is not None or state.get("nodsa_reason"):
        reason = str(state.get("nodsa_reason") or "")
        if reason == "postponed":
            return Status.DEFERRED, ""
        if reason == "ignored":
            return Status.WONT_FIX, ""
        return Status.NO_DSA, ""
    if verdict == "undetermined":
        return Status.UNDETERMINED, ""
    return Status.AFFECTED, ""


def _note(state: dict[str, Any]) -> str:
    parts = [str(state.get(k)) for k in ("nodsa", "nodsa_reason") if state.get(k)]
    urgency = str(state.get("urgency") or "")
    if urgency in ("unimportant", "end-of-life"):
        parts.append(urgency)
    return "; ".join(parts)
