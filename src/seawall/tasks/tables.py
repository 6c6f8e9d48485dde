"""The jobs table (migration branch ``tasks``)."""

from __future__ import annotations

from sqlalchemy import Column, Float, Index, Integer, String, Table, Text

from seawall.storage.metadata.schema import metadata

jobs = Table(
    "jobs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    # At most one queued or running job per dedupe key.
    Column("dedupe_key", String(512), nullable=True),
    # queued, running, succeeded, failed
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("max_attempts", Integer, nullable=False, server_default="5"),
    Column("run_after", Float, nullable=False),
    Column("lease_owner", String(128), nullable=True),
    Column("lease_until", Float, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)
Index("ix_jobs_ready", jobs.c.state, jobs.c.run_after)
Index("ix_jobs_dedupe", jobs.c.dedupe_key, jobs.c.state)
