"""Tables of the ECR API: repository attributes only ECR knows about.

The registry core owns repositories (with tag mutability and encryption);
access control owns repository and registry policies. What is left lives
here, keyed by the core's repository id and removed with the repository
(``ON DELETE CASCADE``): resource tags, the scan-on-push flag and the
lifecycle policy. Timestamps are epoch seconds. Migration branch ``ecr``.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, String, Table, Text

from seawall.storage.metadata.schema import metadata, repository_id_column

ecr_repository_settings = Table(
    "ecr_repository_settings",
    metadata,
    repository_id_column(),
    Column("scan_on_push", Boolean, nullable=False, server_default="0"),
)

ecr_repository_tags = Table(
    "ecr_repository_tags",
    metadata,
    repository_id_column(),
    Column("key", String(128), primary_key=True),
    Column("value", String(256), nullable=False),
)

ecr_lifecycle_policies = Table(
    "ecr_lifecycle_policies",
    metadata,
    repository_id_column(),
    # The normalized policy (rules ordered by priority), as GetLifecyclePolicy
    # returns it.
    Column("policy_text", Text, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("last_evaluated_at", Float, nullable=True),
)
