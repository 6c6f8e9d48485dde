"""The advisory database schema (SQLAlchemy Core), the same on SQLite and
PostgreSQL.

JSON-shaped columns are stored as text so both engines hold the same bytes
and an exported SQLite file is a faithful copy. Bump :data:`SCHEMA_VERSION`
on any incompatible change; :func:`seawall.scan.advisories.store.open_store`
refuses a database written with another version.

    meta         key/value: schema_version, created_at
    feeds        one row per feed: format, last import, counts, changed pairs
    advisories   one row per source record (feed, source, id) + content digest
    affected     (ecosystem, release, name) -> how versions are affected
    kev / epss / exploitation / eol   enrichment keyed by CVE or product
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

SCHEMA_VERSION = 1

metadata = MetaData()

meta = Table(
    "advisory_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

feeds = Table(
    "advisory_feeds",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("format", String(64), nullable=False),
    Column("source", Text, nullable=False, default=""),
    Column("last_import", String(40), nullable=False),
    Column("records", Integer, nullable=False, default=0),
    Column("withdrawn", Integer, nullable=False, default=0),
    Column("added", Integer, nullable=False, default=0),
    Column("updated", Integer, nullable=False, default=0),
    Column("removed", Integer, nullable=False, default=0),
    Column("changed", Text, nullable=False, default="[]"),  # [[eco, name], ...]
)

advisories = Table(
    "advisories",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("feed", String(128), nullable=False),
    Column("source", String(512), nullable=False),
    Column("id", String(128), nullable=False),
    Column("aliases", Text, nullable=False, default="[]"),
    Column("related", Text, nullable=False, default="[]"),
    Column("summary", Text, nullable=False, default=""),
    Column("published", String(40), nullable=False, default=""),
    Column("modified", String(40), nullable=False, default=""),
    Column("withdrawn", String(40), nullable=False, default=""),
    Column("severity", Text, nullable=False, default="[]"),
    Column("refs", Text, nullable=False, default="[]"),
    Column("digest", String(64), nullable=False),
    UniqueConstraint("feed", "source", "id", name="uq_advisory_record"),
)
Index("ix_advisories_id", advisories.c.id)

affected = Table(
    "advisory_affected",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column(
        "advisory_pk",
        Integer,
        ForeignKey("advisories.pk", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("ecosystem", String(64), nullable=False),
    Column("release", String(64), nullable=False, default=""),
    Column("name", String(512), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("ranges", Text, nullable=False, default="[]"),
    Column("versions", Text, nullable=False, default="[]"),
    Column("status", String(32), nullable=False),
    Column("fixed", String(256), nullable=False, default=""),
    Column("severity", String(16), nullable=False, default=""),
    Column("note", Text, nullable=False, default=""),
)
Index("ix_affected_key", affected.c.ecosystem, affected.c.name, affected.c.release)
Index("ix_affected_advisory", affected.c.advisory_pk)

kev = Table(
    "kev",
    metadata,
    Column("cve", String(32), primary_key=True),
    Column("date_added", String(16), nullable=False),
    Column("due_date", String(16), nullable=False, default=""),
    Column("ransomware", Integer, nullable=False, default=0),
    Column("name", Text, nullable=False, default=""),
)

epss = Table(
    "epss",
    metadata,
    Column("cve", String(32), primary_key=True),
    Column("epss", Float, nullable=False),
    Column("percentile", Float, nullable=False),
    Column("score_date", String(40), nullable=False, default=""),
)

exploitation = Table(
    "exploitation",
    metadata,
    Column("cve", String(32), primary_key=True),
    Column("exploitation", String(16), nullable=False, default=""),
    Column("automatable", String(16), nullable=False, default=""),
    Column("technical_impact", String(16), nullable=False, default=""),
    Column("cvss", Text, nullable=False, default="[]"),
)

eol = Table(
    "eol",
    metadata,
    Column("product", String(128), primary_key=True),
    Column("cycle", String(64), primary_key=True),
    Column("eol", String(16), nullable=False, default=""),
    Column("eoes", String(16), nullable=False, default=""),
    Column("release_date", String(16), nullable=False, default=""),
    Column("latest", String(64), nullable=False, default=""),
    Column("codename", String(64), nullable=False, default=""),
)
