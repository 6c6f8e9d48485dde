"""Findings at two levels: per package, and per image.

What the advisory data says about a package (its vulnerabilities, each with
the finding record) is stored once per package in
``scan_package_findings``; images only hold their state for each
(package, vulnerability): ACTIVE or CLOSED, when first observed and when
closed. A re-match therefore writes one row per package and touches image
rows only where something opened or closed: refreshing 40,000 unchanged
findings costs nothing per image.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, and_, bindparam, func, select, update

from seawall.scan.inventory import Package
from seawall.scanning import tables as st
from seawall.scanning.records import StoredFinding

Records = dict[int, dict[str, dict[str, Any]]]  # package -> vulnerability -> record
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Delta:
    """How one package's vulnerabilities changed."""

    opened: frozenset[str]
    closed: frozenset[str]


@dataclass(frozen=True, slots=True)
class FindingChange:
    """What changed for one platform image."""

    platform_digest: str
    new: tuple[tuple[str, str, str], ...]  # (vulnerability, package, version)
    resolved: tuple[tuple[str, str, str], ...]


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class FindingStore:
    """Package-level results and image-level finding states."""

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self._clock = clock

    # -- package level ------------------------------------------------------

    def update_packages(
        self, package_ids: Iterable[int], records: Records
    ) -> dict[int, Delta]:
        """Store ``records`` as the current results of ``package_ids``.

        Returns, for packages whose vulnerability set changed, what opened
        and what closed.
        """
        ids = sorted(set(package_ids))
        now = self._clock()
        pf = st.scan_package_findings
        with self.engine.begin() as conn:
            old = _current_sets(conn, ids)
            rows, closes, deltas = [], [], {}
            for pid in ids:
                wanted = records.get(pid, {})
                before = old.get(pid, set())
                rows += [
                    _package_row(pid, vid, rec, now) for vid, rec in wanted.items()
                ]
                gone = before - set(wanted)
                closes += [{"p": pid, "v": vid} for vid in gone]
                if gone or set(wanted) - before:
                    deltas[pid] = Delta(
                        frozenset(set(wanted) - before), frozenset(gone)
                    )
            _upsert_package_rows(conn, rows)
            if closes:
                conn.execute(
                    update(pf)
                    .where(
                        pf.c.package_id == bindparam("p"),
                        pf.c.vulnerability_id == bindparam("v"),
                    )
                    .values(current=0, evaluated_at=now),
                    closes,
                )
        return deltas

    # -- image level ----------------------------------------------------------

    def apply_deltas(
        self,
        deltas: dict[int, Delta],
        holders: dict[str, list[int]],
        packages: dict[int, Package],
    ) -> list[FindingChange]:
        """Open and close image findings of ``holders`` (digest -> packages)
        as ``deltas`` say; returns what changed per image."""
        now = self._clock()
        opens: list[dict[str, Any]] = []
        closes: list[dict[str, Any]] = []
        changes = []
        for digest, pids in holders.items():
            new, resolved = [], []
            for pid in pids:
                delta = deltas.get(pid)
                if delta is None:
                    continue
                for vid in sorted(delta.opened):
                    opens.append({"d": digest, "p": pid, "v": vid})
                    new.append(_label(pid, vid, packages))
                for vid in sorted(delta.closed):
                    closes.append({"d": digest, "p": pid, "v": vid})
                    resolved.append(_label(pid, vid, packages))
            if new or resolved:
                changes.append(FindingChange(digest, tuple(new), tuple(resolved)))
        with self.engine.begin() as conn:
            _open(conn, opens, now)
            _close(conn, closes, now)
        return changes

    def reconcile_image(
        self,
        digest: str,
        package_ids: Iterable[int],
        records: Records,
        packages: dict[int, Package],
    ) -> FindingChange:
        """Make one image's findings exactly ``records`` over ``package_ids``.

        The package-level results must be stored first (``update_packages``):
        reads join them.
        """
        f = st.scan_findings
        now = self._clock()
        with self.engine.begin() as conn:
            rows = conn.execute(
                select(f.c.package_id, f.c.vulnerability_id, f.c.status).where(
                    f.c.platform_digest == digest
                )
            ).all()
            current = {(r[0], r[1]): r[2] for r in rows}
            held = set(package_ids)
            wanted = {(p, v) for p, recs in records.items() if p in held for v in recs}
            opened = [k for k in wanted if current.get(k) != "ACTIVE"]
            closed = [
                k
                for k, s in current.items()
                if k[0] in held and k not in wanted and s == "ACTIVE"
            ]
            _open(conn, [{"d": digest, "p": p, "v": v} for p, v in opened], now)
            _close(conn, [{"d": digest, "p": p, "v": v} for p, v in closed], now)
        return FindingChange(
            digest,
            tuple(_label(p, v, packages) for p, v in sorted(opened)),
            tuple(_label(p, v, packages) for p, v in sorted(closed)),
        )

    # -- reads ------------------------------------------------------------------

    def findings(
        self, platform_digests: Sequence[str], *, include_closed: bool = False
    ) -> list[StoredFinding]:
        """The findings of these platform images, highest priority first."""
        f, pf = st.scan_findings, st.scan_package_findings
        ip, pk = st.scan_inventory_packages, st.scan_packages
        query = (
            select(
                f,
                pf.c.severity,
                pf.c.fixable,
                pf.c.exploited,
                pf.c.priority,
                pf.c.evaluated_at,
                pf.c.record,
                pk.c.package,
                ip.c.locations,
            )
            .join(
                pf,
                and_(
                    pf.c.package_id == f.c.package_id,
                    pf.c.vulnerability_id == f.c.vulnerability_id,
                ),
            )
            .join(pk, pk.c.id == f.c.package_id)
            .join(
                ip,
                and_(
                    ip.c.platform_digest == f.c.platform_digest,
                    ip.c.package_id == f.c.package_id,
                ),
            )
            .where(f.c.platform_digest.in_(list(platform_digests)))
            .order_by(
                f.c.status, pf.c.priority.desc(), f.c.vulnerability_id, f.c.package_id
            )
        )
        if not include_closed:
            query = query.where(f.c.status == "ACTIVE")
        with self.engine.connect() as conn:
            return [_stored_finding(row) for row in conn.execute(query)]

    def severity_counts(self, platform_digests: Sequence[str]) -> dict[str, int]:
        f, pf = st.scan_findings, st.scan_package_findings
        query = (
            select(pf.c.severity, func.count())
            .join(
                pf,
                and_(
                    pf.c.package_id == f.c.package_id,
                    pf.c.vulnerability_id == f.c.vulnerability_id,
                ),
            )
            .where(
                f.c.platform_digest.in_(list(platform_digests)), f.c.status == "ACTIVE"
            )
            .group_by(pf.c.severity)
        )
        with self.engine.connect() as conn:
            return {sev: int(n) for sev, n in conn.execute(query)}


# -- helpers -----------------------------------------------------------------


def _current_sets(conn: Any, ids: list[int]) -> dict[int, set[str]]:
    pf = st.scan_package_findings
    out: dict[int, set[str]] = {}
    for chunk in _chunks(ids):
        query = select(pf.c.package_id, pf.c.vulnerability_id).where(
            pf.c.package_id.in_(chunk), pf.c.current == 1
        )
        for pid, vid in conn.execute(query):
            out.setdefault(pid, set()).add(vid)
    return out


def _package_row(
    pid: int, vid: str, record: dict[str, Any], now: float
) -> dict[str, Any]:
    return {
        "package_id": pid,
        "vulnerability_id": vid,
        "current": 1,
        "severity": record["severity"],
        "fixable": int(bool(record["fixedVersions"])),
        "exploited": int(
            record["kev"] is not None or record["exploitation"] == "active"
        ),
        "priority": float(record["priority"]),
        "evaluated_at": now,
        "record": json.dumps(record, separators=(",", ":")),
    }


def _upsert_package_rows(conn: Any, rows: list[dict[str, Any]]) -> None:
    from seawall.storage.metadata.sql import _insert

    if not rows:
        return
    pf = st.scan_package_findings
    stmt = _insert(conn, pf)
    columns = (
        "current",
        "severity",
        "fixable",
        "exploited",
        "priority",
        "evaluated_at",
        "record",
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["package_id", "vulnerability_id"],
        set_={c: stmt.excluded[c] for c in columns},
    )
    for chunk in _chunks(rows, 2000):
        conn.execute(stmt, list(chunk))


# Image-level writes are the hot path of a re-match (tens of thousands of
# rows): plain executemany at the driver, same SQL on SQLite and PostgreSQL.
_OPEN_SQL = (
    "INSERT INTO scan_findings (platform_digest, package_id, vulnerability_id,"
    " status, first_observed_at, updated_at, closed_at)"
    " VALUES ({p}, {p}, {p}, 'ACTIVE', {p}, {p}, NULL)"
    " ON CONFLICT (platform_digest, package_id, vulnerability_id) DO UPDATE"
    " SET status = 'ACTIVE', closed_at = NULL, updated_at = excluded.updated_at"
    " WHERE scan_findings.status <> 'ACTIVE'"
)
_CLOSE_SQL = (
    "UPDATE scan_findings SET status = 'CLOSED', closed_at = {p}, updated_at = {p}"
    " WHERE platform_digest = {p} AND package_id = {p} AND vulnerability_id = {p}"
    " AND status = 'ACTIVE'"
)


def _sql(conn: Any, template: str) -> str:
    return template.format(p="?" if conn.dialect.name == "sqlite" else "%s")


def _open(conn: Any, rows: list[dict[str, Any]], now: float) -> None:
    """Insert ACTIVE findings, or re-open closed ones (first seen kept)."""
    if rows:
        values = [(r["d"], r["p"], r["v"], now, now) for r in rows]
        conn.exec_driver_sql(_sql(conn, _OPEN_SQL), values)


def _close(conn: Any, rows: list[dict[str, Any]], now: float) -> None:
    if rows:
        values = [(now, now, r["d"], r["p"], r["v"]) for r in rows]
        conn.exec_driver_sql(_sql(conn, _CLOSE_SQL), values)


def _label(pid: int, vid: str, packages: dict[int, Package]) -> tuple[str, str, str]:
    package = packages.get(pid)
    return (vid, package.name, package.version) if package else (vid, "", "")


def _stored_finding(row: Any) -> StoredFinding:
    doc = json.loads(row.package)
    doc["locations"] = [
        {"layer_digest": layer, "path": path}
        for layer, path in json.loads(row.locations)
    ]
    closed = row.closed_at
    return StoredFinding(
        platform_digest=row.platform_digest,
        package=Package.from_json(doc),
        vulnerability_id=row.vulnerability_id,
        severity=row.severity,
        status=row.status,
        fixable=bool(row.fixable),
        exploited=bool(row.exploited),
        first_observed_at=row.first_observed_at,
        last_observed_at=closed if closed is not None else row.evaluated_at,
        updated_at=row.updated_at,
        closed_at=closed,
        record=json.loads(row.record),
    )


__all__ = ["Delta", "FindingChange", "FindingStore", "Records"]
