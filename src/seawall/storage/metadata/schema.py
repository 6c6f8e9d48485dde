"""Tables of the registry core, on the one shared :data:`metadata`.

Timestamps are UTC epoch seconds (floats): portable across SQLite and
PostgreSQL and what the ECR API returns anyway.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()


def repository_id_column(*, primary_key: bool = True) -> Column[int]:
    """A ``repository_id`` column whose rows go when their repository does."""
    return Column(
        "repository_id",
        Integer,
        ForeignKey("repositories.id", ondelete="CASCADE"),
        primary_key=primary_key,
        nullable=False,
    )


repositories = Table(
    "repositories",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(255), nullable=False, unique=True),
    Column("created_at", Float, nullable=False),
    # MUTABLE or IMMUTABLE, with tag filters exempt from immutability (JSON list).
    Column("tag_mutability", String(32), nullable=False, server_default="MUTABLE"),
    Column("immutability_exclusions", Text, nullable=False, server_default="[]"),
    # AES256 (the registry key) or KMS with kms_key naming a managed key.
    Column("encryption_type", String(16), nullable=False, server_default="AES256"),
    Column("kms_key", String(2048), nullable=True),
)

blobs = Table(
    "blobs",
    metadata,
    # The key domain the stored copy is sealed under ("default" when plain).
    Column("domain", String(200), primary_key=True),
    Column("digest", String(200), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("created_at", Float, nullable=False),
)

repository_blobs = Table(
    "repository_blobs",
    metadata,
    repository_id_column(),
    Column("digest", String(200), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("created_at", Float, nullable=False),
)
Index("ix_repository_blobs_digest", repository_blobs.c.digest)

manifests = Table(
    "manifests",
    metadata,
    repository_id_column(),
    Column("digest", String(200), primary_key=True),
    Column("media_type", String(255), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("artifact_type", String(255), nullable=True),
    Column("subject_digest", String(200), nullable=True),
    Column("config_digest", String(200), nullable=True),
    Column("annotations", Text, nullable=False, server_default="{}"),
    Column("created_at", Float, nullable=False),
    Column("last_pulled_at", Float, nullable=True),
)
Index("ix_manifests_subject", manifests.c.repository_id, manifests.c.subject_digest)

manifest_references = Table(
    "manifest_references",
    metadata,
    repository_id_column(),
    Column("parent_digest", String(200), primary_key=True),
    Column("child_digest", String(200), primary_key=True),
    # blob or manifest
    Column("kind", String(16), nullable=False),
)
Index(
    "ix_manifest_references_child",
    manifest_references.c.repository_id,
    manifest_references.c.child_digest,
)

tags = Table(
    "tags",
    metadata,
    repository_id_column(),
    Column("name", String(128), primary_key=True),
    Column("digest", String(200), nullable=False),
    Column("updated_at", Float, nullable=False),
)
Index("ix_tags_digest", tags.c.repository_id, tags.c.digest)

uploads = Table(
    "uploads",
    metadata,
    Column("id", String(64), primary_key=True),
    repository_id_column(primary_key=False),
    Column("size", BigInteger, nullable=False, server_default="0"),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)
Index("ix_uploads_updated", uploads.c.updated_at)
