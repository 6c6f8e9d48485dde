"""Crypto: managed keys, key versions, aliases, sealed objects, uploads.

Revision ID: crypto_0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "crypto_0001"
down_revision = None
branch_labels = ("crypto",)
depends_on = "core_0001"


def _key_fk() -> sa.ForeignKey:
    return sa.ForeignKey("crypto_keys.key_id", ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "crypto_keys",
        sa.Column("key_id", sa.String(36), primary_key=True),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("key_manager", sa.String(16), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("deletion_date", sa.Float, nullable=True),
        sa.Column("pending_window_days", sa.Integer, nullable=True),
        sa.Column("current_version", sa.Integer, nullable=False),
    )
    op.create_table(
        "crypto_key_versions",
        sa.Column("key_id", sa.String(36), _key_fk(), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("wrapped_material", sa.LargeBinary, nullable=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("rotation_type", sa.String(16), nullable=False),
    )
    op.create_table(
        "crypto_aliases",
        sa.Column("alias_name", sa.String(256), primary_key=True),
        sa.Column("key_id", sa.String(36), _key_fk(), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    _sealed_tables()


def _sealed_tables() -> None:
    op.create_table(
        "crypto_objects",
        sa.Column("domain", sa.String(64), primary_key=True),
        sa.Column("digest", sa.String(200), primary_key=True),
        sa.Column("sealed_digest", sa.String(200), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("chunk_size", sa.Integer, nullable=False),
        sa.Column("object_id", sa.LargeBinary, nullable=False),
        sa.Column("key_id", sa.String(36), nullable=False),
        sa.Column("key_version", sa.Integer, nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index(
        "ix_crypto_objects_key", "crypto_objects", ["key_id", "key_version"]
    )
    op.create_table(
        "crypto_uploads",
        sa.Column("session_id", sa.String(128), primary_key=True),
        sa.Column("object_id", sa.LargeBinary, nullable=False),
        sa.Column("chunk_size", sa.Integer, nullable=False),
        sa.Column("key_id", sa.String(36), nullable=False),
        sa.Column("key_version", sa.Integer, nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary, nullable=False),
        sa.Column("tail", sa.LargeBinary, nullable=False),
        sa.Column("tail_index", sa.BigInteger, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "crypto_meta",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "crypto_meta",
        "crypto_uploads",
        "crypto_objects",
        "crypto_aliases",
        "crypto_key_versions",
        "crypto_keys",
    ):
        op.drop_table(table)
