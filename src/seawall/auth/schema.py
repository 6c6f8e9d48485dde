"""Tables of the access-control domain, on the shared metadata.

Repository policies are keyed by repository name rather than the core's row
id so that the auth branch of migrations stands on its own; the registry
drops a repository's policy when it deletes the repository.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from seawall.storage.metadata.schema import metadata

principals = Table(
    "auth_principals",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),  # user or service
    Column("arn", String(2048), nullable=False),
    # argon2id hash (PHC string); NULL for service identities and key-only users
    Column("password_hash", Text, nullable=True),
    Column("created_at", Float, nullable=False),
)

principal_tags = Table(
    "auth_principal_tags",
    metadata,
    Column(
        "principal_id",
        String(32),
        ForeignKey("auth_principals.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("key", String(128), primary_key=True),
    Column("value", String(256), nullable=False),
)

groups = Table(
    "auth_groups",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(128), nullable=False, unique=True),
    Column("created_at", Float, nullable=False),
)

group_members = Table(
    "auth_group_members",
    metadata,
    Column(
        "group_id",
        String(32),
        ForeignKey("auth_groups.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "principal_id",
        String(32),
        ForeignKey("auth_principals.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)

access_keys = Table(
    "auth_access_keys",
    metadata,
    Column("id", String(32), primary_key=True),  # the public access key id
    Column(
        "principal_id",
        String(32),
        ForeignKey("auth_principals.id", ondelete="CASCADE"),
        nullable=False,
    ),
    # AES-256-GCM: nonce || ciphertext || tag, base64; key derived from the root key
    Column("secret_sealed", Text, nullable=False),
    Column("status", String(16), nullable=False),  # Active or Inactive
    Column("created_at", Float, nullable=False),
    Column("last_used_at", Float, nullable=True),
)
Index("ix_auth_access_keys_principal", access_keys.c.principal_id)

policies = Table(
    "auth_policies",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("document", Text, nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("builtin", Boolean, nullable=False, server_default="0"),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)

policy_attachments = Table(
    "auth_policy_attachments",
    metadata,
    Column(
        "policy_name",
        String(128),
        ForeignKey("auth_policies.name", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("target_type", String(16), primary_key=True),  # principal or group
    Column("target_id", String(32), primary_key=True),
)
Index(
    "ix_auth_policy_attachments_target",
    policy_attachments.c.target_type,
    policy_attachments.c.target_id,
)

resource_policies = Table(
    "auth_resource_policies",
    metadata,
    # "repository/<name>" for a repository policy, "registry" for the registry's
    Column("resource", String(300), primary_key=True),
    Column("document", Text, nullable=False),
    Column("updated_at", Float, nullable=False),
)

# One row (id=1): bumped by every change that can alter a decision, so every
# process drops its cached decisions within a second of a change elsewhere.
generation = Table(
    "auth_generation",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("value", Integer, nullable=False),
)
