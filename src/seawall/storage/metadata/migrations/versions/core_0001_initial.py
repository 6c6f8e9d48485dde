"""Registry core: repositories, blobs, manifests, tags, uploads.

Revision ID: core_0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "core_0001"
down_revision = None
branch_labels = ("core",)
depends_on = None


def _repo_fk() -> sa.ForeignKey:
    return sa.ForeignKey("repositories.id", ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "repositories",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(255), nullable=False, unique=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column(
            "tag_mutability", sa.String(32), nullable=False, server_default="MUTABLE"
        ),
        sa.Column(
            "immutability_exclusions", sa.Text, nullable=False, server_default="[]"
        ),
        sa.Column(
            "encryption_type", sa.String(16), nullable=False, server_default="AES256"
        ),
        sa.Column("kms_key", sa.String(2048), nullable=True),
    )
    op.create_table(
        "blobs",
        sa.Column("domain", sa.String(200), primary_key=True),
        sa.Column("digest", sa.String(200), primary_key=True),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "repository_blobs",
        sa.Column("repository_id", sa.Integer, _repo_fk(), primary_key=True),
        sa.Column("digest", sa.String(200), primary_key=True),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index("ix_repository_blobs_digest", "repository_blobs", ["digest"])
    op.create_table(
        "manifests",
        sa.Column("repository_id", sa.Integer, _repo_fk(), primary_key=True),
        sa.Column("digest", sa.String(200), primary_key=True),
        sa.Column("media_type", sa.String(255), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("artifact_type", sa.String(255), nullable=True),
        sa.Column("subject_digest", sa.String(200), nullable=True),
        sa.Column("config_digest", sa.String(200), nullable=True),
        sa.Column("annotations", sa.Text, nullable=False, server_default="{}"),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("last_pulled_at", sa.Float, nullable=True),
    )
    op.create_index(
        "ix_manifests_subject", "manifests", ["repository_id", "subject_digest"]
    )
    op.create_table(
        "manifest_references",
        sa.Column("repository_id", sa.Integer, _repo_fk(), primary_key=True),
        sa.Column("parent_digest", sa.String(200), primary_key=True),
        sa.Column("child_digest", sa.String(200), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
    )
    op.create_index(
        "ix_manifest_references_child",
        "manifest_references",
        ["repository_id", "child_digest"],
    )
    op.create_table(
        "tags",
        sa.Column("repository_id", sa.Integer, _repo_fk(), primary_key=True),
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("digest", sa.String(200), nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_index("ix_tags_digest", "tags", ["repository_id", "digest"])
    op.create_table(
        "uploads",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("repository_id", sa.Integer, _repo_fk(), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_index("ix_uploads_updated", "uploads", ["updated_at"])


def downgrade() -> None:
    for table in (
        "uploads",
        "tags",
        "manifest_references",
        "manifests",
        "repository_blobs",
        "blobs",
        "repositories",
    ):
        op.drop_table(table)
