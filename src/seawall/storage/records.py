"""What the registry store hands out: repositories, upload sessions, manifests."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from seawall.oci.digest import Digest

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Repository:
    id: int
    name: str
    created_at: float
    tag_mutability: str = "MUTABLE"
    immutability_exclusions: tuple[str, ...] = ()
    encryption_type: str = "AES256"
    kms_key: str | None = None

    def tag_is_immutable(self, tag: str) -> bool:
        """Whether ``tag`` may not move, honouring the exclusion filters."""
        if self.tag_mutability.startswith("MUTABLE"):
            exempt = self.tag_mutability == "MUTABLE_WITH_EXCLUSION"
            return exempt and any(
                fnmatchcase(tag, f) for f in self.immutability_exclusions
            )
        return not any(fnmatchcase(tag, f) for f in self.immutability_exclusions)


@dataclass(frozen=True, slots=True)
class UploadSession:
    id: str
    repository: str
    size: int
    created_at: float
    updated_at: float


@dataclass(frozen=True, slots=True)
class StoredManifest:
    repository: str
    digest: Digest
    media_type: str
    size: int
    artifact_type: str | None
    subject_digest: str | None
    annotations: dict[str, str]
    created_at: float
    last_pulled_at: float | None = None


def repository_from_row(row: Any) -> Repository:
    return Repository(
        id=row.id,
        name=row.name,
        created_at=row.created_at,
        tag_mutability=row.tag_mutability,
        immutability_exclusions=tuple(json.loads(row.immutability_exclusions)),
        encryption_type=row.encryption_type,
        kms_key=row.kms_key,
    )
