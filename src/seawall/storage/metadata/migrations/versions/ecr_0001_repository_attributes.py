"""ECR API: repository resource tags, scan-on-push, lifecycle policies.

Revision ID: ecr_0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "ecr_0001"
down_revision = None
branch_labels = ("ecr",)
depends_on = "core_0001"


def _repository_id() -> sa.Column[int]:
    return sa.Column(
        "repository_id",
        sa.Integer,
        sa.ForeignKey("repositories.id", ondelete="CASCADE"),
        primary_key=True,
    )


def upgrade() -> None:
    op.create_table(
        "ecr_repository_settings",
        _repository_id(),
        sa.Column("scan_on_push", sa.Boolean, nullable=False, server_default="0"),
    )
    op.create_table(
        "ecr_repository_tags",
        _repository_id(),
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("value", sa.String(256), nullable=False),
    )
    op.create_table(
        "ecr_lifecycle_policies",
        _repository_id(),
        sa.Column("policy_text", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.Column("last_evaluated_at", sa.Float, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("ecr_lifecycle_policies")
    op.drop_table("ecr_repository_tags")
    op.drop_table("ecr_repository_settings")
