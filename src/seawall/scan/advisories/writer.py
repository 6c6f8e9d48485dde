"""Writing one import into one feed: digests, change tracking, batching.

:class:`FeedWriter` runs inside the store's import transaction. Every
advisory row carries a digest of its content (the source file aside), so an
unchanged record is neither rewritten nor reported, and identical copies of a
record from other files of the same import are kept once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.engine import Connection

from seawall.errors import InvalidInput
from seawall.scan.advisories import schema
from seawall.scan.advisories.model import (
    Advisory,
    Affected,
    EolCycle,
    EpssScore,
    Exploitation,
    KevEntry,
    Record,
)

PackageKey = tuple[str, str]  # (ecosystem, normalized name)

BATCH = 500


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What one import did to one feed."""

    feed: str
    records: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    duplicates: int = 0  # identical copies of a record from other files
    withdrawn: int = 0
    enrichment: int = 0
    changed: frozenset[PackageKey] = field(default_factory=frozenset)


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def advisory_rows(
    feed: str, advisory: Advisory
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The advisory row (``digest`` filled in, ``pk`` 0) and its affected rows.

    The digest covers everything stored, so an unchanged record is recognised
    without rewriting it.
    """
    row = _advisory_row(feed, 0, advisory, "")
    affected_rows = [_affected_row(0, x) for x in advisory.affected]
    body = dumps([row | {"source": ""}, affected_rows])
    row["digest"] = hashlib.sha256(body.encode()).hexdigest()
    return row, affected_rows


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class FeedWriter:
    """Applies one import's records to one feed inside a transaction."""

    def __init__(self, conn: Connection, feed: str) -> None:
        self.conn = conn
        self.feed = feed
        if conn.dialect.name == "postgresql":
            conn.execute(text("LOCK TABLE advisories IN SHARE ROW EXCLUSIVE MODE"))
        a = schema.advisories
        rows = conn.execute(
            select(a.c.source, a.c.id, a.c.pk, a.c.digest).where(a.c.feed == feed)
        )
        self.existing = {(r.source, r.id): (r.pk, r.digest) for r in rows}
        self.next_pk = (conn.execute(select(func.max(a.c.pk))).scalar() or 0) + 1
        self.seen: set[tuple[str, str]] = set()
        self.changed: set[PackageKey] = set()
        self.counts = dict.fromkeys(
            (
                "records",
                "added",
                "updated",
                "unchanged",
                "removed",
                "withdrawn",
                "duplicates",
            ),
            0,
        )
        self._copies: set[tuple[str, str]] = set()
        self.enrichment = 0
        self._pending: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
        self._enrich: dict[str, list[dict[str, Any]]] = {}

    def add(self, record: Record) -> None:
        if isinstance(record, Advisory):
            self._add_advisory(record)
        else:
            self._add_enrichment(record)

    def _add_advisory(self, advisory: Advisory) -> None:
        key = (advisory.source, advisory.id)
        self.counts["records"] += 1
        self.counts["withdrawn"] += bool(advisory.withdrawn)
        self.seen.add(key)
        row, affected_rows = advisory_rows(self.feed, advisory)
        if (advisory.id, row["digest"]) in self._copies and key not in self.existing:
            # The same record from another file of this import (a loose copy
            # beside its archive): keep one, so it is matched once.
            self.counts["duplicates"] += 1
            return
        self._copies.add((advisory.id, row["digest"]))
        old = self.existing.get(key)
        if old is not None and old[1] == row["digest"]:
            self.counts["unchanged"] += 1
            return
        if old is not None:
            self._delete([old[0]])
            self.counts["updated"] += 1
        else:
            self.counts["added"] += 1
        self.changed.update((x.ecosystem, x.name) for x in advisory.affected)
        row["pk"] = self.next_pk
        for affected_row in affected_rows:
            affected_row["advisory_pk"] = self.next_pk
        self._pending.append((row, affected_rows))
        self.existing[key] = (self.next_pk, row["digest"])
        self.next_pk += 1
        if len(self._pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        self.conn.execute(insert(schema.advisories), [row for row, _ in self._pending])
        affected_rows = [x for _, rows in self._pending for x in rows]
        if affected_rows:
            self.conn.execute(insert(schema.affected), affected_rows)
        self._pending.clear()

    def _delete(self, pks: Sequence[int]) -> None:
        self.flush()
        f = schema.affected
        for chunk in chunks(list(pks), BATCH):
            keys = self.conn.execute(
                select(f.c.ecosystem, f.c.name).where(f.c.advisory_pk.in_(chunk))
            )
            self.changed.update((r.ecosystem, r.name) for r in keys)
            self.conn.execute(delete(f).where(f.c.advisory_pk.in_(chunk)))
            self.conn.execute(
                delete(schema.advisories).where(schema.advisories.c.pk.in_(chunk))
            )

    def remove_unseen(self) -> None:
        gone = [pk for key, (pk, _) in self.existing.items() if key not in self.seen]
        self._delete(gone)
        self.counts["removed"] += len(gone)

    # TODO(seawall): --replace removes advisory records only; KEV/EPSS/EOL rows
    # are upserted and never removed, since those catalogs practically never
    # retract an entry.
    def _add_enrichment(self, record: Record) -> None:
        table, row, where = _enrichment_row(record)
        if isinstance(record, EolCycle):
            # Sources complement each other (product pages carry `latest`,
            # release-data may not): keep known fields the new row lacks.
            known = self.conn.execute(select(table).where(*where)).first()
            if known is not None:
                row = {k: v or getattr(known, k) for k, v in row.items()}
            self.conn.execute(delete(table).where(*where))
            self.conn.execute(insert(table), [row])
        else:
            self._enrich.setdefault(table.name, []).append(row)
            if len(self._enrich[table.name]) >= 5 * BATCH:
                self._flush_enrichment()
        self.enrichment += 1

    def _flush_enrichment(self) -> None:
        # Batched upsert by CVE: delete the keys, insert the new rows.
        for name, rows in self._enrich.items():
            table = schema.metadata.tables[name]
            latest = {r["cve"]: r for r in rows}
            for chunk in chunks(list(latest), BATCH):
                self.conn.execute(delete(table).where(table.c.cve.in_(chunk)))
            self.conn.execute(insert(table), list(latest.values()))
        self._enrich.clear()

    def result(self) -> ImportResult:
        self.flush()
        self._flush_enrichment()
        return ImportResult(
            feed=self.feed,
            enrichment=self.enrichment,
            changed=frozenset(self.changed),
            **self.counts,
        )


def _advisory_row(feed: str, pk: int, adv: Advisory, digest: str) -> dict[str, Any]:
    return {
        "pk": pk,
        "feed": feed,
        "source": adv.source,
        "id": adv.id,
        "aliases": dumps(list(adv.aliases)),
        "related": dumps(list(adv.related)),
        "summary": adv.summary,
        "published": adv.published,
        "modified": adv.modified,
        "withdrawn": adv.withdrawn,
        "severity": dumps([[s.type, s.score] for s in adv.severity]),
        "refs": dumps(list(adv.references)),
        "digest": digest,
    }


def _affected_row(pk: int, x: Affected) -> dict[str, Any]:
    return {
        "advisory_pk": pk,
        "ecosystem": x.ecosystem,
        "release": x.release,
        "name": x.name,
        "kind": x.kind,
        "ranges": dumps(list(x.ranges)),
        "versions": dumps(list(x.versions)),
        "status": x.status,
        "fixed": x.fixed,
        "severity": x.severity,
        "note": x.note,
    }


def _enrichment_row(record: Record) -> tuple[Any, dict[str, Any], list[Any]]:
    if isinstance(record, KevEntry):
        t = schema.kev
        row = asdict(record) | {"ransomware": int(record.ransomware)}
        return t, row, [t.c.cve == record.cve]
    if isinstance(record, EpssScore):
        t = schema.epss
        return t, asdict(record), [t.c.cve == record.cve]
    if isinstance(record, Exploitation):
        t = schema.exploitation
        row = asdict(record) | {"cvss": dumps(list(record.cvss))}
        return t, row, [t.c.cve == record.cve]
    if isinstance(record, EolCycle):
        t = schema.eol
        where = [t.c.product == record.product, t.c.cycle == record.cycle]
        return t, asdict(record), where
    raise InvalidInput(f"unsupported record type {type(record).__name__}")
