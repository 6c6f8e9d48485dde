"""RegistryStore, part one: its state, and repositories."""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import Engine, delete, func, select, update

from seawall.errors import NameUnknown
from seawall.oci.reference import validate_name
from seawall.storage.domains import BlobStores
from seawall.storage.interfaces import BlobStore, UploadStore
from seawall.storage.manifest_cache import ManifestCache
from seawall.storage.metadata import schema as t
from seawall.storage.metadata.sql import insert_ignore
from seawall.storage.records import Clock, Repository, repository_from_row


class RepositoryPart:
    """The registry store's state and its repositories (see RegistryStore)."""

    def __init__(
        self,
        engine: Engine,
        blobs: BlobStores,
        uploads: UploadStore,
        *,
        max_manifest_bytes: int = 4 * 1024 * 1024,
        clock: Clock = time.time,
    ) -> None:
        self.engine = engine
        self.blobs = blobs
        self.uploads = uploads
        self.max_manifest_bytes = max_manifest_bytes
        self._clock = clock
        self._manifests = ManifestCache()
        # (repository, digest) -> when this process last wrote its pull time.
        self._pulls_recorded: dict[tuple[str, str], float] = {}

    # -- repositories -------------------------------------------------------

    def create_repository(
        self,
        name: str,
        *,
        tag_mutability: str = "MUTABLE",
        immutability_exclusions: tuple[str, ...] = (),
        encryption_type: str = "AES256",
        kms_key: str | None = None,
    ) -> tuple[Repository, bool]:
        """Create ``name`` (or find it); returns it and whether it is new."""
        validate_name(name)
        with self.engine.begin() as conn:
            created = insert_ignore(
                conn,
                t.repositories,
                {
                    "name": name,
                    "created_at": self._clock(),
                    "tag_mutability": tag_mutability,
                    "immutability_exclusions": json.dumps(
                        list(immutability_exclusions)
                    ),
                    "encryption_type": encryption_type,
                    "kms_key": kms_key,
                },
                ["name"],
            )
            repo = self._repository(conn, name)
        assert repo is not None
        return repo, created

    def get_repository(self, name: str) -> Repository:
        """The repository ``name``; raises NameUnknown when it does not exist."""
        validate_name(name)
        with self.engine.connect() as conn:
            repo = self._repository(conn, name)
        if repo is None:
            raise NameUnknown(f"repository name not known to registry: {name}")
        return repo

    def find_repository(self, name: str) -> Repository | None:
        with self.engine.connect() as conn:
            return self._repository(conn, name)

    def update_repository(self, name: str, **fields: Any) -> Repository:
        """Change mutable settings (tag mutability and its exclusions)."""
        values = dict(fields)
        if "immutability_exclusions" in values:
            values["immutability_exclusions"] = json.dumps(
                list(values["immutability_exclusions"])
            )
        with self.engine.begin() as conn:
            result = conn.execute(
                update(t.repositories)
                .where(t.repositories.c.name == name)
                .values(**values)
            )
            if not result.rowcount:
                raise NameUnknown(f"repository name not known to registry: {name}")
            repo = self._repository(conn, name)
        assert repo is not None
        return repo

    def delete_repository(self, name: str, *, force: bool = False) -> Repository:
        """Delete ``name``; without ``force`` only when it holds no manifests.

        Raises NameUnknown, or ManifestInvalid-free Conflict semantics via
        :class:`seawall.errors.Conflict` when images remain and not forced.
        """
        from seawall.errors import Conflict

        repo = self.get_repository(name)
        with self.engine.begin() as conn:
            count = conn.execute(
                select(func.count())
                .select_from(t.manifests)
                .where(t.manifests.c.repository_id == repo.id)
            ).scalar_one()
            if count and not force:
                raise Conflict(
                    f"failed to delete repository {name}: it still holds {count} images"
                )
            for table in (
                t.tags,
                t.manifest_references,
                t.manifests,
                t.repository_blobs,
            ):
                conn.execute(delete(table).where(table.c.repository_id == repo.id))
            conn.execute(delete(t.uploads).where(t.uploads.c.repository_id == repo.id))
            conn.execute(delete(t.repositories).where(t.repositories.c.id == repo.id))
        return repo

    def list_repositories(
        self, last: str | None = None, limit: int | None = None
    ) -> list[str]:
        """Repository names in lexical order, after ``last``, at most ``limit``."""
        query = select(t.repositories.c.name).order_by(t.repositories.c.name)
        if last:
            query = query.where(t.repositories.c.name > last)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return list(conn.execute(query).scalars())

    def find_repositories(self, names: list[str]) -> list[Repository]:
        """Those of ``names`` that exist, in lexical order, in one query."""
        query = (
            select(t.repositories)
            .where(t.repositories.c.name.in_(names))
            .order_by(t.repositories.c.name)
        )
        with self.engine.connect() as conn:
            return [repository_from_row(row) for row in conn.execute(query)]

    def _repository(self, conn: Any, name: str) -> Repository | None:
        row = conn.execute(
            select(t.repositories).where(t.repositories.c.name == name)
        ).first()
        return None if row is None else repository_from_row(row)

    def _store_for(self, repo: Repository) -> tuple[str, BlobStore]:
        domain = self.blobs.domain(repo)
        return domain, self.blobs.store(domain)

    def _ensure_repository(self, name: str) -> Repository:
        repo = self.find_repository(name)
        if repo is not None:
            return repo
        return self.create_repository(name)[0]
