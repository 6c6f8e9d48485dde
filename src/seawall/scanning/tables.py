"""Tables of in-registry scanning (migration branch ``scanning``).

::

    scan_configuration   one row: the registry's scan type and rules (JSON)
    scan_images          one row per (repository, image digest) scanned or
                         queued: status, reason, scan type, times
    scan_image_platforms (repository, image digest) -> platform image digest;
                         an index has one row per platform, an image one
    scan_inventories     one row per platform image digest: the stored
                         inventory (JSON), written once
    scan_packages        distinct packages (locations aside) across every
                         stored inventory
    scan_package_keys    (ecosystem, name) keys each package is matched by;
                         continuous scanning finds affected images through it
    scan_inventory_packages  which packages an inventory holds, with where
    scan_package_findings  what the advisory data says of one package: one
                         row per (package, vulnerability), current or not,
                         with the finding record; shared by every holder
    scan_findings        one row per (platform image, package, vulnerability):
                         ACTIVE or CLOSED, when first observed and closed

Timestamps are epoch seconds. Inventories and findings are keyed by the
platform image digest, so an image pushed to two repositories is catalogued
and matched once.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

from seawall.storage.metadata.schema import metadata, repository_id_column

scan_configuration = Table(
    "scan_configuration",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("scan_type", String(16), nullable=False),
    Column("rules", Text, nullable=False),
    Column("updated_at", Float, nullable=False),
)

scan_images = Table(
    "scan_images",
    metadata,
    repository_id_column(),
    Column("digest", String(200), primary_key=True),
    Column("status", String(32), nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("scan_type", String(16), nullable=False),
    Column("requested_at", Float, nullable=False),
    Column("completed_at", Float, nullable=True),
    Column("source_updated_at", Float, nullable=True),
    Column("last_manual_at", Float, nullable=True),
)

scan_image_platforms = Table(
    "scan_image_platforms",
    metadata,
    repository_id_column(),
    Column("digest", String(200), primary_key=True),
    Column("platform_digest", String(200), primary_key=True),
    Column("platform", String(64), nullable=False, server_default=""),
)
Index("ix_scan_image_platforms_platform", scan_image_platforms.c.platform_digest)

scan_inventories = Table(
    "scan_inventories",
    metadata,
    Column("platform_digest", String(200), primary_key=True),
    Column("platform", String(64), nullable=False),
    Column("distro", String(128), nullable=False, server_default=""),
    Column("inventory", LargeBinary, nullable=False),  # zlib-compressed JSON
    Column("created_at", Float, nullable=False),
)

scan_packages = Table(
    "scan_packages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # sha256 of the package's identity (everything but its locations)
    Column("identity", String(64), nullable=False, unique=True),
    Column("package", Text, nullable=False),
)

scan_package_keys = Table(
    "scan_package_keys",
    metadata,
    Column("package_id", Integer, primary_key=True),
    Column("ecosystem", String(64), primary_key=True),
    Column("name", String(255), primary_key=True),
)
Index(
    "ix_scan_package_keys_key", scan_package_keys.c.ecosystem, scan_package_keys.c.name
)

scan_inventory_packages = Table(
    "scan_inventory_packages",
    metadata,
    Column("platform_digest", String(200), primary_key=True),
    Column("package_id", Integer, primary_key=True),
    Column("locations", Text, nullable=False, server_default="[]"),
)
Index("ix_scan_inventory_packages_package", scan_inventory_packages.c.package_id)

scan_package_findings = Table(
    "scan_package_findings",
    metadata,
    Column("package_id", Integer, primary_key=True),
    Column("vulnerability_id", String(128), primary_key=True),
    # 1 while the advisory data says the package is affected, else 0
    Column("current", Integer, nullable=False),
    Column("severity", String(16), nullable=False),
    Column("fixable", Integer, nullable=False, server_default="0"),
    Column("exploited", Integer, nullable=False, server_default="0"),
    Column("priority", Float, nullable=False, server_default="0"),
    Column("evaluated_at", Float, nullable=False),
    Column("record", Text, nullable=False),
)

scan_findings = Table(
    "scan_findings",
    metadata,
    Column("platform_digest", String(200), primary_key=True),
    Column("package_id", Integer, primary_key=True),
    Column("vulnerability_id", String(128), primary_key=True),
    Column("status", String(16), nullable=False),  # ACTIVE | CLOSED
    Column("first_observed_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("closed_at", Float, nullable=True),
)
Index("ix_scan_findings_package", scan_findings.c.package_id, scan_findings.c.status)
