"""Audit trail: the hash-chained event table and its head row.

Revision ID: auth_0002
Revises: auth_0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "auth_0002"
down_revision = "auth_0001"
branch_labels = None
depends_on = None

_SEQ = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("seq", _SEQ, primary_key=True, autoincrement=False),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("event_time", sa.Float, nullable=False),
        sa.Column("event_name", sa.String(128), nullable=False),
        sa.Column("principal", sa.String(2048), nullable=True),
        sa.Column("repository", sa.String(255), nullable=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_events_time", "audit_events", ["event_time"])
    op.create_index("ix_audit_events_principal", "audit_events", ["principal", "seq"])
    op.create_index("ix_audit_events_repository", "audit_events", ["repository", "seq"])
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("seq", _SEQ, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("audit_head")
    op.drop_table("audit_events")
