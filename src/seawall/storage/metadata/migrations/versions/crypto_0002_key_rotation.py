"""Crypto: automatic key rotation (KMS EnableKeyRotation).

Revision ID: crypto_0002
Revises: crypto_0001
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "crypto_0002"
down_revision = "crypto_0001"
branch_labels = None
depends_on = None


# Plain ALTER TABLE ... ADD COLUMN on both databases: a batch migration on
# SQLite would copy and drop crypto_keys, and the drop would cascade to
# every key version (the wrapped key material).


def upgrade() -> None:
    op.add_column(
        "crypto_keys", sa.Column("rotation_period_days", sa.Integer, nullable=True)
    )
    op.add_column("crypto_keys", sa.Column("next_rotation", sa.Float, nullable=True))


def downgrade() -> None:
    op.drop_column("crypto_keys", "next_rotation")
    op.drop_column("crypto_keys", "rotation_period_days")
