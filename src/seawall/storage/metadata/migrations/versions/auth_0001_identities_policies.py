"""Access control: principals, groups, tags, access keys, policies.

Revision ID: auth_0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "auth_0001"
down_revision = None
branch_labels = ("auth",)
depends_on = "core_0001"


def _fk(target: str) -> sa.ForeignKey:
    return sa.ForeignKey(target, ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "auth_principals",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("arn", sa.String(2048), nullable=False),
        sa.Column("password_hash", sa.Text, nullable=True),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "auth_principal_tags",
        sa.Column(
            "principal_id", sa.String(32), _fk("auth_principals.id"), primary_key=True
        ),
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("value", sa.String(256), nullable=False),
    )
    op.create_table(
        "auth_groups",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(128), nullable=False, unique=True),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "auth_group_members",
        sa.Column("group_id", sa.String(32), _fk("auth_groups.id"), primary_key=True),
        sa.Column(
            "principal_id", sa.String(32), _fk("auth_principals.id"), primary_key=True
        ),
    )
    _keys_and_policies()


def _keys_and_policies() -> None:
    op.create_table(
        "auth_access_keys",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "principal_id", sa.String(32), _fk("auth_principals.id"), nullable=False
        ),
        sa.Column("secret_sealed", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("last_used_at", sa.Float, nullable=True),
    )
    op.create_index(
        "ix_auth_access_keys_principal", "auth_access_keys", ["principal_id"]
    )
    op.create_table(
        "auth_policies",
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("builtin", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_table(
        "auth_policy_attachments",
        sa.Column(
            "policy_name", sa.String(128), _fk("auth_policies.name"), primary_key=True
        ),
        sa.Column("target_type", sa.String(16), primary_key=True),
        sa.Column("target_id", sa.String(32), primary_key=True),
    )
    op.create_index(
        "ix_auth_policy_attachments_target",
        "auth_policy_attachments",
        ["target_type", "target_id"],
    )
    op.create_table(
        "auth_resource_policies",
        sa.Column("resource", sa.String(300), primary_key=True),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_table(
        "auth_generation",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("value", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "auth_generation",
        "auth_resource_policies",
        "auth_policy_attachments",
        "auth_policies",
        "auth_access_keys",
        "auth_group_members",
        "auth_groups",
        "auth_principal_tags",
        "auth_principals",
    ):
        op.drop_table(table)
