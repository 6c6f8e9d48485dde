"""The audit trail's table, on the shared metadata.

Each row keeps the full event as canonical JSON (``body``) and the chain
fields: ``prev_hash`` (the ``hash`` of the row before) and ``hash``, an
HMAC-SHA256 over both under a key derived from the root key. Indexed copies
of time, name, principal and repository serve queries; ``verify`` checks
they agree with the body.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, Index, Integer, String, Table, Text

from seawall.storage.metadata.schema import metadata

audit_events = Table(
    "audit_events",
    metadata,
    Column(
        "seq",
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("event_time", Float, nullable=False),
    Column("event_name", String(128), nullable=False),
    Column("principal", String(2048), nullable=True),
    Column("repository", String(255), nullable=True),
    Column("body", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)
Index("ix_audit_events_time", audit_events.c.event_time)
Index("ix_audit_events_principal", audit_events.c.principal, audit_events.c.seq)
Index("ix_audit_events_repository", audit_events.c.repository, audit_events.c.seq)

# One row (id=1): the newest seq and hash; appends lock it first.
audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
    Column("hash", String(64), nullable=False),
)
