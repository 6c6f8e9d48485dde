"""Persistence of the ECR-only repository attributes (see :mod:`.tables`).

Each method is one transaction. Missing rows read as defaults (scan on push
off, no tags, no lifecycle policy), so a repository created over /v2/ (which
never writes here) looks exactly like one created with default settings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy import Engine, delete, func, select

from seawall.ecr.errors import EcrError
from seawall.ecr.tables import (
    ecr_lifecycle_policies,
    ecr_repository_settings,
    ecr_repository_tags,
)
from seawall.storage.metadata.sql import upsert

MAX_TAGS = 50


@dataclass(frozen=True, slots=True)
class LifecyclePolicyRecord:
    text: str
    updated_at: float
    last_evaluated_at: float | None


class EcrStore:
    """Resource tags, scan-on-push and lifecycle policies by repository id."""

    def __init__(self, engine: Engine, clock: Callable[[], float]) -> None:
        self.engine = engine
        self.clock = clock

    # -- scanning configuration ---------------------------------------------

    def scan_on_push(self, repository_id: int) -> bool:
        with self.engine.connect() as conn:
            value = conn.execute(
                select(ecr_repository_settings.c.scan_on_push).where(
                    ecr_repository_settings.c.repository_id == repository_id
                )
            ).scalar()
        return bool(value)

    def scan_on_push_many(self, repository_ids: list[int]) -> set[int]:
        """Those of ``repository_ids`` with scan on push enabled (one query)."""
        table = ecr_repository_settings
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(table.c.repository_id).where(
                    table.c.repository_id.in_(repository_ids),
                    table.c.scan_on_push.is_(True),
                )
            ).scalars()
            return {int(row) for row in rows}

    def set_scan_on_push(self, repository_id: int, enabled: bool) -> None:
        with self.engine.begin() as conn:
            upsert(
                conn,
                ecr_repository_settings,
                {"repository_id": repository_id, "scan_on_push": enabled},
                ["repository_id"],
                ["scan_on_push"],
            )

    # -- resource tags ------------------------------------------------------

    def tags(self, repository_id: int) -> dict[str, str]:
        """The repository's tags, by key in lexical order."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(ecr_repository_tags.c.key, ecr_repository_tags.c.value)
                .where(ecr_repository_tags.c.repository_id == repository_id)
                .order_by(ecr_repository_tags.c.key)
            )
            return {str(row.key): str(row.value) for row in rows}

    def tag(self, repository_id: int, tags: Mapping[str, str]) -> None:
        """Add or overwrite ``tags``; TooManyTagsException past 50 in all."""
        table = ecr_repository_tags
        with self.engine.begin() as conn:
            for key, value in tags.items():
                upsert(
                    conn,
                    table,
                    {"repository_id": repository_id, "key": key, "value": value},
                    ["repository_id", "key"],
                    ["value"],
                )
            count = conn.execute(
                select(func.count())
                .select_from(table)
                .where(table.c.repository_id == repository_id)
            ).scalar_one()
            if count > MAX_TAGS:
                # Raising inside the transaction rolls the new tags back.
                raise EcrError(
                    "TooManyTagsException",
                    f"invalid tags: a repository can have at most {MAX_TAGS} "
                    f"tags, this request would leave {count}",
                )

    def untag(self, repository_id: int, keys: list[str]) -> None:
        table = ecr_repository_tags
        with self.engine.begin() as conn:
            conn.execute(
                delete(table).where(
                    table.c.repository_id == repository_id, table.c.key.in_(keys)
                )
            )

    # -- lifecycle policies -------------------------------------------------

    def lifecycle_policy(self, repository_id: int) -> LifecyclePolicyRecord | None:
        table = ecr_lifecycle_policies
        with self.engine.connect() as conn:
            row = conn.execute(
                select(table).where(table.c.repository_id == repository_id)
            ).first()
        if row is None:
            return None
        return LifecyclePolicyRecord(
            row.policy_text, row.updated_at, row.last_evaluated_at
        )

    def put_lifecycle_policy(self, repository_id: int, text: str) -> None:
        with self.engine.begin() as conn:
            upsert(
                conn,
                ecr_lifecycle_policies,
                {
                    "repository_id": repository_id,
                    "policy_text": text,
                    "updated_at": self.clock(),
                },
                ["repository_id"],
                ["policy_text", "updated_at"],
            )

    def delete_lifecycle_policy(
        self, repository_id: int
    ) -> LifecyclePolicyRecord | None:
        """Remove the policy; returns what was stored (None when there was none)."""
        table = ecr_lifecycle_policies
        with self.engine.begin() as conn:
            row = conn.execute(
                select(table).where(table.c.repository_id == repository_id)
            ).first()
            if row is None:
                return None
            conn.execute(delete(table).where(table.c.repository_id == repository_id))
        return LifecyclePolicyRecord(
            row.policy_text, row.updated_at, row.last_evaluated_at
        )


def tags_by_repository_name(engine: Engine) -> Callable[[str], dict[str, str]]:
    """A lookup of a repository's tags by name (access control's ResourceTags)."""
    from seawall.storage.metadata.schema import repositories

    def lookup(name: str) -> dict[str, str]:
        table = ecr_repository_tags
        with engine.connect() as conn:
            rows = conn.execute(
                select(table.c.key, table.c.value)
                .join(repositories, repositories.c.id == table.c.repository_id)
                .where(repositories.c.name == name)
            )
            return {str(row.key): str(row.value) for row in rows}

    return lookup
