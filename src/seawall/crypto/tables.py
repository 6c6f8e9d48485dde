"""Tables of the crypto domain, on the shared metadata object.

Key material and data keys are only ever stored wrapped: key versions under
the root key, data keys under a key version. Timestamps are epoch seconds.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

from seawall.storage.metadata.schema import metadata

# One row per managed key (the KMS "key" resource).
crypto_keys = Table(
    "crypto_keys",
    metadata,
    Column("key_id", String(36), primary_key=True),
    Column("description", Text, nullable=False, server_default=""),
    # CUSTOMER (created by a user) or AWS (the registry's own managed keys).
    Column("key_manager", String(16), nullable=False),
    # Enabled, Disabled, PendingDeletion, Deleted.
    Column("state", String(32), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("deletion_date", Float, nullable=True),
    Column("pending_window_days", Integer, nullable=True),
    Column("current_version", Integer, nullable=False),
    # Automatic rotation: both NULL while it is off (crypto_0002).
    Column("rotation_period_days", Integer, nullable=True),
    Column("next_rotation", Float, nullable=True),
)

# Key material, one row per version; rotation adds a version.
crypto_key_versions = Table(
    "crypto_key_versions",
    metadata,
    Column(
        "key_id",
        String(36),
        ForeignKey("crypto_keys.key_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("version", Integer, primary_key=True),
    # nonce | AES-256-GCM(root-derived key, material); NULL once destroyed.
    Column("wrapped_material", LargeBinary, nullable=True),
    Column("created_at", Float, nullable=False),
    # ON_DEMAND, AUTOMATIC, or CREATED for the first version.
    Column("rotation_type", String(16), nullable=False),
)

crypto_aliases = Table(
    "crypto_aliases",
    metadata,
    Column("alias_name", String(256), primary_key=True),
    Column(
        "key_id",
        String(36),
        ForeignKey("crypto_keys.key_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("created_at", Float, nullable=False),
)

# Sealed objects: plaintext identity (domain, digest) -> stored object and key.
crypto_objects = Table(
    "crypto_objects",
    metadata,
    Column("domain", String(64), primary_key=True),
    Column("digest", String(200), primary_key=True),
    Column("sealed_digest", String(200), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("chunk_size", Integer, nullable=False),
    Column("object_id", LargeBinary, nullable=False),
    Column("key_id", String(36), nullable=False),
    Column("key_version", Integer, nullable=False),
    Column("wrapped_key", LargeBinary, nullable=False),
    Column("created_at", Float, nullable=False),
)
Index("ix_crypto_objects_key", crypto_objects.c.key_id, crypto_objects.c.key_version)

# Upload sessions in progress: their data key and the sealed partial tail.
crypto_uploads = Table(
    "crypto_uploads",
    metadata,
    Column("session_id", String(128), primary_key=True),
    Column("object_id", LargeBinary, nullable=False),
    Column("chunk_size", Integer, nullable=False),
    Column("key_id", String(36), nullable=False),
    Column("key_version", Integer, nullable=False),
    Column("wrapped_key", LargeBinary, nullable=False),
    # The final chunk as it stands: sealed, never plaintext.
    Column("tail", LargeBinary, nullable=False),
    Column("tail_index", BigInteger, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("created_at", Float, nullable=False),
)

# Small facts about the crypto domain (the root key check value).
crypto_meta = Table(
    "crypto_meta",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", LargeBinary, nullable=False),
)
