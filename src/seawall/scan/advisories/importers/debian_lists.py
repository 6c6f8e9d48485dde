"""The Debian security tracker's advisory lists, ``data/DSA/list`` and
``data/DLA/list``: one entry per DSA or DLA, naming the CVEs it fixes and,
per release, the source package and fixed version::

    [29 Mar 2023] DSA-5380-1 xorg-server - security update
        {CVE-2023-1393}
        [bullseye] - xorg-server 2:1.20.11-1+deb11u6

Each entry is a bundle advisory (findings split it into its CVEs); a release
line may instead say ``<not-affected>``, ``<end-of-life>`` or ``<unfixed>``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from seawall.scan.advisories.importers.debian_tracker import CODENAMES
from seawall.scan.advisories.model import Advisory, Affected, Status

_HEAD = re.compile(r"^\[(\d{2} \w{3} \d{4})\] ((?:DSA|DLA)-[\d-]+) (\S+)(?: - (.*))?$")
_RELEASE = re.compile(r"^\s+\[(\w+)\] - (\S+)(?: (\S+))?(?: \((.*)\))?\s*$")
_CVES = re.compile(r"^\s+\{(.*)\}\s*$")
_VERDICTS = {
    "<not-affected>": Status.NOT_AFFECTED,
    "<end-of-life>": Status.END_OF_LIFE,
    "<unfixed>": Status.AFFECTED,
    "<no-dsa>": Status.NO_DSA,
    "<postponed>": Status.DEFERRED,
    "<ignored>": Status.WONT_FIX,
}


@dataclass(slots=True)
class _Entry:
    """One list entry while it is being read."""

    id: str
    date: str
    summary: str
    cves: list[str] = field(default_factory=list)
    affected: list[Affected] = field(default_factory=list)

    def advisory(self, source: str) -> Advisory:
        return Advisory(
            id=self.id,
            affected=tuple(self.affected),
            related=tuple(self.cves),
            summary=self.summary,
            published=self.date,
            source=source,
        )


class DebianListImporter:
    """Debian tracker ``DSA/list`` and ``DLA/list``."""

    format = "debian-dsa-list"

    def detect(self, name: str, head: bytes) -> bool:
        return bool(re.match(rb"^\[\d{2} \w{3} \d{4}\] D[SL]A-\d", head))

    def parse(self, name: str, data: bytes) -> Iterator[Advisory]:
        entry: _Entry | None = None
        for line in data.decode("utf-8", "replace").splitlines():
            if line.startswith("["):
                # A new entry; announcements without packages close the last.
                if entry is not None:
                    yield entry.advisory(name)
                head = _HEAD.match(line)
                entry = (
                    _Entry(
                        head.group(2),
                        head.group(1),
                        f"{head.group(3)} - {head.group(4) or ''}".strip(" -"),
                    )
                    if head
                    else None
                )
            elif entry is not None:
                _add_line(entry, line)
        if entry is not None:
            yield entry.advisory(name)


def _add_line(entry: _Entry, line: str) -> None:
    cves = _CVES.match(line)
    if cves:
        entry.cves = [c for c in cves.group(1).split() if c.startswith("CVE-")]
        return
    release = _RELEASE.match(line)
    if release is None or release.group(1) not in CODENAMES:
        return
    version = release.group(3) or ""
    status = _VERDICTS.get(version, Status.FIXED)
    entry.affected.append(
        Affected(
            ecosystem="Debian",
            name=release.group(2).lower(),
            kind="distro",
            release=CODENAMES[release.group(1)],
            status=status,
            fixed=version if status == Status.FIXED else "",
            note=release.group(4) or "",
        )
    )
