"""The advisory database: import records, answer the matcher's lookups.

An :class:`AdvisoryStore` wraps one SQLAlchemy engine: a SQLite file by
default (copyable to an air-gapped host), or PostgreSQL with the same schema.

Imports are feed snapshots or top-ups. Each advisory row carries a digest of
its content, so re-importing unchanged data writes nothing, and every import
reports the (ecosystem, normalized name) pairs whose advisories were added,
changed, withdrawn or removed; continuous scanning re-matches only images
holding those packages. For distribution data the name is the source package.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, delete, event, func, insert, select
from sqlalchemy.engine import Connection

from seawall.errors import InvalidInput, SeawallError, Unavailable
from seawall.logging import get_logger
from seawall.scan.advisories import schema
from seawall.scan.advisories.model import (
    Advisory,
    Affected,
    EolCycle,
    EpssScore,
    Exploitation,
    KevEntry,
    Record,
    SeverityScore,
)
from seawall.scan.advisories.writer import (
    BATCH,
    FeedWriter,
    ImportResult,
    PackageKey,
    chunks,
    dumps,
)

log = get_logger(__name__)

Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class FeedStatus:
    """One feed as ``seawall db status`` shows it."""

    name: str
    format: str
    source: str
    last_import: str
    records: int
    withdrawn: int
    changed: int


@dataclass(frozen=True, slots=True)
class Candidate:
    """One affected entry of one advisory, found for a package key."""

    advisory: Advisory
    affected: Affected
    feed: str


def _now() -> datetime:
    return datetime.now(UTC)


def database_url(target: str | Path) -> str:
    """A SQLAlchemy URL for a path (SQLite) or an URL passed through."""
    value = str(target)
    if "://" in value:
        if value.startswith(("postgresql://", "postgres://")):
            return "postgresql+psycopg://" + value.split("://", 1)[1]
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def open_store(target: str | Path, clock: Clock = _now) -> AdvisoryStore:
    """Open (creating if needed) the advisory database at ``target``.

    Raises InvalidInput when the database has another schema version.
    """
    url = database_url(target)
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    store = AdvisoryStore(engine, clock)
    store.initialize()
    return store


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class AdvisoryStore:
    """Advisories, enrichment and feed bookkeeping in one database."""

    def __init__(self, engine: Engine, clock: Clock = _now) -> None:
        self.engine = engine
        self._clock = clock

    # -- lifecycle -------------------------------------------------------

    def initialize(self) -> None:
        """Create the schema if absent; check the version if present."""
        schema.metadata.create_all(self.engine)
        with self.engine.begin() as conn:
            row = conn.execute(
                select(schema.meta.c.value).where(schema.meta.c.key == "schema_version")
            ).first()
            if row is None:
                conn.execute(
                    insert(schema.meta),
                    [
                        {"key": "schema_version", "value": str(schema.SCHEMA_VERSION)},
                        {"key": "created_at", "value": self._clock().isoformat()},
                    ],
                )
            elif row[0] != str(schema.SCHEMA_VERSION):
                raise InvalidInput(
                    f"unsupported advisory database schema version {row[0]}; "
                    f"this Seawall reads version {schema.SCHEMA_VERSION}"
                )

    def close(self) -> None:
        """Release the engine's connections."""
        self.engine.dispose()

    @property
    def schema_version(self) -> int:
        """The schema version this database was written with."""
        return schema.SCHEMA_VERSION

    # -- import ----------------------------------------------------------

    def import_records(
        self,
        feed: str,
        fmt: str,
        records: Iterable[Record],
        *,
        source: str = "",
        replace: bool = False,
    ) -> ImportResult:
        """Write ``records`` into ``feed`` in one transaction.

        With ``replace``, the records are the whole feed: advisories of the
        feed that are not among them are removed. Returns the counts and the
        changed (ecosystem, name) pairs, also kept on the feed's row.
        """
        with self.engine.begin() as conn:
            writer = FeedWriter(conn, feed)
            for record in records:
                writer.add(record)
            if replace:
                writer.remove_unseen()
            result = writer.result()
            self._record_feed(conn, fmt, source, result)
        log.info(
            "advisory import",
            feed=feed,
            records=result.records,
            added=result.added,
            updated=result.updated,
            removed=result.removed,
            changed=len(result.changed),
        )
        return result

    def _record_feed(
        self, conn: Connection, fmt: str, source: str, result: ImportResult
    ) -> None:
        total = conn.execute(
            select(func.count())
            .select_from(schema.advisories)
            .where(schema.advisories.c.feed == result.feed)
        ).scalar_one()
        withdrawn = conn.execute(
            select(func.count())
            .select_from(schema.advisories)
            .where(schema.advisories.c.feed == result.feed)
            .where(schema.advisories.c.withdrawn != "")
        ).scalar_one()
        row = {
            "name": result.feed,
            "format": fmt,
            "source": source,
            "last_import": self._clock().isoformat(timespec="seconds"),
            "records": total + result.enrichment,
            "withdrawn": withdrawn,
            "added": result.added,
            "updated": result.updated,
            "removed": result.removed,
            "changed": dumps(sorted(result.changed)),
        }
        conn.execute(delete(schema.feeds).where(schema.feeds.c.name == result.feed))
        conn.execute(insert(schema.feeds), [row])

    # -- status ----------------------------------------------------------

    def feeds(self) -> list[FeedStatus]:
        """Every feed imported so far, by name."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(schema.feeds).order_by(schema.feeds.c.name))
            return [
                FeedStatus(
                    name=r.name,
                    format=r.format,
                    source=r.source,
                    last_import=r.last_import,
                    records=r.records,
                    withdrawn=r.withdrawn,
                    changed=len(json.loads(r.changed)),
                )
                for r in rows
            ]

    def changed_since_last_import(self, feed: str) -> frozenset[PackageKey]:
        """The (ecosystem, name) pairs the last import of ``feed`` changed."""
        with self.engine.connect() as conn:
            value = conn.execute(
                select(schema.feeds.c.changed).where(schema.feeds.c.name == feed)
            ).scalar_one_or_none()
        if value is None:
            return frozenset()
        return frozenset((eco, name) for eco, name in json.loads(value))

    def counts(self) -> dict[str, int]:
        """Row counts of the main tables."""
        tables = {
            "advisories": schema.advisories,
            "affected": schema.affected,
            "kev": schema.kev,
            "epss": schema.epss,
            "exploitation": schema.exploitation,
            "eol": schema.eol,
        }
        with self.engine.connect() as conn:
            return {
                name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for name, t in tables.items()
            }

    # -- lookups ---------------------------------------------------------

    def candidates(
        self,
        keys: Iterable[PackageKey],
        releases: dict[str, set[str]] | None = None,
    ) -> dict[PackageKey, list[Candidate]]:
        """Affected entries of advisories in force, per (ecosystem, name).

        ``releases`` limits an ecosystem's entries to those releases (the
        distribution releases an inventory holds).
        """
        wanted = sorted(set(keys))
        found: dict[PackageKey, list[Candidate]] = {}
        cache: dict[int, Advisory] = {}
        with self.engine.connect() as conn:
            for ecosystem, names in _group_by_ecosystem(wanted):
                for chunk in chunks(names, BATCH):
                    wanted_releases = (releases or {}).get(ecosystem)
                    query = _candidate_query(ecosystem, chunk, wanted_releases)
                    for row in conn.execute(query):
                        candidate = _candidate(row, cache)
                        found.setdefault((ecosystem, row.name), []).append(candidate)
        return found

    def has_release(self, ecosystem: str, release: str) -> bool:
        """Whether any advisory covers ``ecosystem`` ``release``."""
        f = schema.affected
        with self.engine.connect() as conn:
            row = conn.execute(
                select(f.c.pk)
                .where(f.c.ecosystem == ecosystem, f.c.release == release)
                .limit(1)
            ).first()
        return row is not None

    def kev(self, cves: Iterable[str]) -> dict[str, KevEntry]:
        """KEV entries for the CVE ids that have one."""
        rows = self._by_cve(schema.kev, cves)
        return {
            r.cve: KevEntry(r.cve, r.date_added, r.due_date, bool(r.ransomware), r.name)
            for r in rows
        }

    def epss(self, cves: Iterable[str]) -> dict[str, EpssScore]:
        """EPSS scores for the CVE ids that have one."""
        rows = self._by_cve(schema.epss, cves)
        return {
            r.cve: EpssScore(r.cve, r.epss, r.percentile, r.score_date) for r in rows
        }

    def exploitation(self, cves: Iterable[str]) -> dict[str, Exploitation]:
        """Vulnrichment facts for the CVE ids that have them."""
        rows = self._by_cve(schema.exploitation, cves)
        return {
            r.cve: Exploitation(
                r.cve,
                r.exploitation,
                r.automatable,
                r.technical_impact,
                tuple(json.loads(r.cvss)),
            )
            for r in rows
        }

    def eol_cycles(self, product: str) -> list[EolCycle]:
        """Every known release cycle of ``product``."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(schema.eol).where(schema.eol.c.product == product)
            )
            return [
                EolCycle(
                    r.product,
                    r.cycle,
                    r.eol,
                    r.eoes,
                    r.release_date,
                    r.latest,
                    r.codename,
                )
                for r in rows
            ]

    def _by_cve(self, table: Any, cves: Iterable[str]) -> list[Any]:
        ids = sorted({c for c in cves if c.startswith("CVE-")})
        rows: list[Any] = []
        with self.engine.connect() as conn:
            for chunk in chunks(ids, BATCH):
                rows.extend(conn.execute(select(table).where(table.c.cve.in_(chunk))))
        return rows

    # -- export ----------------------------------------------------------

    def export_sqlite(self, path: Path) -> Path:
        """Copy the whole database into a new SQLite file at ``path``.

        Raises InvalidInput when ``path`` exists (never overwrites).
        """
        if path.exists():
            raise InvalidInput(f"failed to export: {path} already exists")
        target = open_store(path, self._clock)
        try:
            with self.engine.connect() as src, target.engine.begin() as dst:
                dst.execute(delete(schema.meta))
                for table in schema.metadata.sorted_tables:
                    for chunk in chunks(list(src.execute(select(table))), 2000):
                        dst.execute(insert(table), [dict(r._mapping) for r in chunk])
        except SeawallError:
            raise
        except Exception as exc:
            path.unlink(missing_ok=True)
            raise Unavailable(f"failed to export the advisory database: {exc}") from exc
        finally:
            target.close()
        return path


def _group_by_ecosystem(keys: Sequence[PackageKey]) -> Iterator[tuple[str, list[str]]]:
    groups: dict[str, list[str]] = {}
    for ecosystem, name in keys:
        groups.setdefault(ecosystem, []).append(name)
    yield from groups.items()


def _candidate_query(
    ecosystem: str, names: Sequence[str], releases: set[str] | None = None
) -> Any:
    a, f = schema.advisories, schema.affected
    query = (
        select(
            f,
            a.c.feed,
            a.c.id.label("advisory_id"),
            a.c.pk.label("apk"),
            a.c.aliases,
            a.c.related,
            a.c.summary,
            a.c.published,
            a.c.modified,
            a.c.severity.label("adv_severity"),
            a.c.refs,
            a.c.source,
        )
        .join(a, a.c.pk == f.c.advisory_pk)
        .where(f.c.ecosystem == ecosystem, f.c.name.in_(names), a.c.withdrawn == "")
    )
    if releases is not None:
        query = query.where(f.c.release.in_(sorted(releases)))
    return query


def _tuple(text: str) -> tuple[Any, ...]:
    # Most list columns are empty; skip the JSON decoder for them.
    return () if text == "[]" else tuple(json.loads(text))


def _candidate(row: Any, cache: dict[int, Advisory]) -> Candidate:
    advisory = cache.get(row.apk)
    if advisory is None:
        advisory = Advisory(
            id=row.advisory_id,
            affected=(),
            aliases=_tuple(row.aliases),
            related=_tuple(row.related),
            summary=row.summary,
            published=row.published,
            modified=row.modified,
            severity=tuple(SeverityScore(*s) for s in _tuple(row.adv_severity)),
            references=_tuple(row.refs),
            source=row.source,
        )
        cache[row.apk] = advisory
    affected = Affected(
        ecosystem=row.ecosystem,
        name=row.name,
        kind=row.kind,
        release=row.release,
        ranges=_tuple(row.ranges),
        versions=_tuple(row.versions),
        status=row.status,
        fixed=row.fixed,
        severity=row.severity,
        note=row.note,
    )
    return Candidate(advisory, affected, row.feed)


__all__ = [
    "AdvisoryStore",
    "Candidate",
    "FeedStatus",
    "ImportResult",
    "PackageKey",
    "database_url",
    "open_store",
]
