"""In-registry scanning: configuration, image scans, inventories, findings.

Revision ID: scanning_0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "scanning_0001"
down_revision = None
branch_labels = ("scanning",)
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
        "scan_configuration",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("scan_type", sa.String(16), nullable=False),
        sa.Column("rules", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_table(
        "scan_images",
        _repository_id(),
        sa.Column("digest", sa.String(200), primary_key=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("scan_type", sa.String(16), nullable=False),
        sa.Column("requested_at", sa.Float, nullable=False),
        sa.Column("completed_at", sa.Float, nullable=True),
        sa.Column("source_updated_at", sa.Float, nullable=True),
        sa.Column("last_manual_at", sa.Float, nullable=True),
    )
    op.create_table(
        "scan_image_platforms",
        _repository_id(),
        sa.Column("digest", sa.String(200), primary_key=True),
        sa.Column("platform_digest", sa.String(200), primary_key=True),
        sa.Column("platform", sa.String(64), nullable=False, server_default=""),
    )
    op.create_index(
        "ix_scan_image_platforms_platform", "scan_image_platforms", ["platform_digest"]
    )
    _inventory_tables()
    _findings_table()


def _inventory_tables() -> None:
    op.create_table(
        "scan_inventories",
        sa.Column("platform_digest", sa.String(200), primary_key=True),
        sa.Column("platform", sa.String(64), nullable=False),
        sa.Column("distro", sa.String(128), nullable=False, server_default=""),
        sa.Column("inventory", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "scan_packages",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("identity", sa.String(64), nullable=False, unique=True),
        sa.Column("package", sa.Text, nullable=False),
    )
    op.create_table(
        "scan_package_keys",
        sa.Column("package_id", sa.Integer, primary_key=True),
        sa.Column("ecosystem", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(255), primary_key=True),
    )
    op.create_index(
        "ix_scan_package_keys_key", "scan_package_keys", ["ecosystem", "name"]
    )
    op.create_table(
        "scan_inventory_packages",
        sa.Column("platform_digest", sa.String(200), primary_key=True),
        sa.Column("package_id", sa.Integer, primary_key=True),
        sa.Column("locations", sa.Text, nullable=False, server_default="[]"),
    )
    op.create_index(
        "ix_scan_inventory_packages_package", "scan_inventory_packages", ["package_id"]
    )


def _findings_table() -> None:
    op.create_table(
        "scan_package_findings",
        sa.Column("package_id", sa.Integer, primary_key=True),
        sa.Column("vulnerability_id", sa.String(128), primary_key=True),
        sa.Column("current", sa.Integer, nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("fixable", sa.Integer, nullable=False, server_default="0"),
        sa.Column("exploited", sa.Integer, nullable=False, server_default="0"),
        sa.Column("priority", sa.Float, nullable=False, server_default="0"),
        sa.Column("evaluated_at", sa.Float, nullable=False),
        sa.Column("record", sa.Text, nullable=False),
    )
    op.create_table(
        "scan_findings",
        sa.Column("platform_digest", sa.String(200), primary_key=True),
        sa.Column("package_id", sa.Integer, primary_key=True),
        sa.Column("vulnerability_id", sa.String(128), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("first_observed_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.Column("closed_at", sa.Float, nullable=True),
    )
    op.create_index(
        "ix_scan_findings_package", "scan_findings", ["package_id", "status"]
    )


def downgrade() -> None:
    for table in (
        "scan_findings",
        "scan_package_findings",
        "scan_inventory_packages",
        "scan_package_keys",
        "scan_packages",
        "scan_inventories",
        "scan_image_platforms",
        "scan_images",
        "scan_configuration",
    ):
        op.drop_table(table)
