"""Listing scanned images and their findings for operators (``seawall
findings``), across repositories."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from seawall.scanning import config as cfg
from seawall.scanning import tables as st
from seawall.scanning.records import StoredFinding
from seawall.scanning.store import ScanStore
from seawall.storage.metadata import schema as t

OS_ECOSYSTEMS = frozenset(
    {
        "Debian",
        "Ubuntu",
        "Alpine",
        "Wolfi",
        "Chainguard",
        "AlmaLinux",
        "Rocky Linux",
        "Red Hat",
    }
)


@dataclass(frozen=True, slots=True)
class ImageFindings:
    """One scanned image and its findings."""

    repository: str
    digest: str
    tags: tuple[str, ...]
    status: str
    scan_type: str
    findings: tuple[StoredFinding, ...]


@dataclass(frozen=True, slots=True)
class Filters:
    """What ``seawall findings`` keeps."""

    repository: str | None = None
    image: str | None = None  # a tag or a digest
    severities: frozenset[str] = frozenset()
    exploited_only: bool = False
    fixable_only: bool = False
    include_closed: bool = False

    def keep(self, finding: StoredFinding) -> bool:
        if self.severities and finding.severity not in self.severities:
            return False
        if self.exploited_only and not finding.exploited:
            return False
        return not (self.fixable_only and not finding.fixable)


def image_findings(engine: Engine, filters: Filters) -> list[ImageFindings]:
    """Scanned images matching ``filters`` with their kept findings."""
    scans = ScanStore(engine)
    tags = _tags(engine, filters.repository)
    out: list[ImageFindings] = []
    for row in _images(engine, filters.repository):
        names = tuple(sorted(tags.get((row.repository_id, row.digest), ())))
        if filters.image and filters.image not in (row.digest, *names):
            continue
        platforms = scans.platforms(row.repository_id, row.digest)
        found = scans.findings(platforms, include_closed=filters.include_closed)
        if row.scan_type == cfg.BASIC:
            found = [f for f in found if f.package.ecosystem in OS_ECOSYSTEMS]
        out.append(
            ImageFindings(
                row.name,
                row.digest,
                names,
                row.status,
                row.scan_type,
                tuple(f for f in found if filters.keep(f)),
            )
        )
    return out


def _images(engine: Engine, repository: str | None) -> list[Any]:
    s, r = st.scan_images, t.repositories
    query = (
        select(s.c.repository_id, r.c.name, s.c.digest, s.c.status, s.c.scan_type)
        .join(r, r.c.id == s.c.repository_id)
        .order_by(r.c.name, s.c.digest)
    )
    if repository:
        query = query.where(r.c.name == repository)
    with engine.connect() as conn:
        return list(conn.execute(query).all())


def _tags(engine: Engine, repository: str | None) -> dict[tuple[int, str], list[str]]:
    tg, r = t.tags, t.repositories
    query = select(tg.c.repository_id, tg.c.digest, tg.c.name).join(
        r, r.c.id == tg.c.repository_id
    )
    if repository:
        query = query.where(r.c.name == repository)
    out: dict[tuple[int, str], list[str]] = {}
    with engine.connect() as conn:
        for repo_id, digest, name in conn.execute(query):
            out.setdefault((repo_id, digest), []).append(name)
    return out
