"""RegistryStore, part three: manifests, tags and referrers."""

from __future__ import annotations

import json
from typing import Any, NoReturn

from sqlalchemy import and_, bindparam, delete, func, select, update

from seawall.errors import (
    DigestInvalid,
    ManifestBlobUnknown,
    ManifestUnknown,
    NameUnknown,
    SizeInvalid,
    TagImmutable,
)
from seawall.oci.digest import Digest
from seawall.oci.manifest import Manifest, parse_manifest
from seawall.oci.reference import is_digest_reference, validate_tag
from seawall.storage.metadata import schema as t
from seawall.storage.metadata.sql import insert_ignore, upsert
from seawall.storage.records import Repository, StoredManifest
from seawall.storage.repositories import RepositoryPart

# Pull times are written at most this often (seconds) per manifest and process.
PULL_RECORD_INTERVAL = 60.0
_PULLS_REMEMBERED = 100_000

# The manifest lookups of every GET/HEAD, built once: building and compiling
# a statement per request cost more than running it.
_MANIFEST_COLUMNS: tuple[Any, ...] = (
    t.manifests,
    t.repositories.c.encryption_type,
    t.repositories.c.kms_key,
    t.repositories.c.created_at.label("repo_created_at"),
)
_MANIFEST_BY_DIGEST = (
    select(*_MANIFEST_COLUMNS)
    .join(t.repositories, t.repositories.c.id == t.manifests.c.repository_id)
    .where(
        t.repositories.c.name == bindparam("name"),
        t.manifests.c.digest == bindparam("reference"),
    )
)
_MANIFEST_BY_TAG = (
    select(*_MANIFEST_COLUMNS)
    .join(t.repositories, t.repositories.c.id == t.manifests.c.repository_id)
    .join(
        t.tags,
        and_(
            t.tags.c.repository_id == t.manifests.c.repository_id,
            t.tags.c.digest == t.manifests.c.digest,
        ),
    )
    .where(
        t.repositories.c.name == bindparam("name"),
        t.tags.c.name == bindparam("reference"),
    )
)


class ManifestPart(RepositoryPart):
    """Manifests, tags and referrers of the registry store (see RegistryStore)."""

    # -- manifests ----------------------------------------------------------

    def put_manifest(
        self, name: str, reference: str, raw: bytes, content_type: str | None
    ) -> Manifest:
        """Validate and store a manifest, tagging it when ``reference`` is a tag.

        Raises SizeInvalid, ManifestInvalid, DigestInvalid (reference digest
        mismatch), ManifestBlobUnknown (a referenced blob or child manifest is
        not in the repository), TagInvalid, TagImmutable.
        """
        if len(raw) > self.max_manifest_bytes:
            raise SizeInvalid(
                f"invalid manifest: {len(raw)} bytes exceed the limit of "
                f"{self.max_manifest_bytes}"
            )
        tag, algorithm = self._reference_parts(reference)
        manifest = parse_manifest(raw, content_type, algorithm)
        if tag is None and str(manifest.digest) != reference:
            raise DigestInvalid(
                f"invalid digest: manifest is {manifest.digest}, "
                f"reference is {reference}"
            )
        repo = self._ensure_repository(name)
        self._check_references(repo, manifest)
        domain, store = self._store_for(repo)
        if store.stat(manifest.digest) is None:
            writer = store.writer()
            writer.write(raw)
            writer.commit(manifest.digest)
        self._manifests.put((domain, str(manifest.digest)), raw)
        self._record_manifest(repo, manifest, tag)
        return manifest

    @staticmethod
    def _reference_parts(reference: str) -> tuple[str | None, str]:
        if is_digest_reference(reference):
            return None, Digest.parse(reference).algorithm
        return validate_tag(reference), "sha256"

    def _check_references(self, repo: Repository, manifest: Manifest) -> None:
        blob_digests = {str(d.digest) for d in manifest.blob_references}
        child_digests = {str(d.digest) for d in manifest.manifests}
        with self.engine.connect() as conn:
            present_blobs = set()
            if blob_digests:
                present_blobs = set(
                    conn.execute(
                        select(t.repository_blobs.c.digest).where(
                            t.repository_blobs.c.repository_id == repo.id,
                            t.repository_blobs.c.digest.in_(blob_digests),
                        )
                    ).scalars()
                )
            present_children = set()
            if child_digests:
                present_children = set(
                    conn.execute(
                        select(t.manifests.c.digest).where(
                            t.manifests.c.repository_id == repo.id,
                            t.manifests.c.digest.in_(child_digests),
                        )
                    ).scalars()
                )
        missing = sorted(blob_digests - present_blobs) + sorted(
            child_digests - present_children
        )
        if missing:
            raise ManifestBlobUnknown(
                f"manifest references unknown content: {missing[0]}",
                detail={"digest": missing[0]},
            )

    def _record_manifest(
        self, repo: Repository, manifest: Manifest, tag: str | None
    ) -> None:
        now = self._clock()
        digest = str(manifest.digest)
        with self.engine.begin() as conn:
            if tag is not None:
                self._check_tag_move(conn, repo, tag, digest)
            insert_ignore(
                conn,
                t.manifests,
                {
                    "repository_id": repo.id,
                    "digest": digest,
                    "media_type": manifest.media_type,
                    "size": len(manifest.raw),
                    "artifact_type": manifest.effective_artifact_type,
                    "subject_digest": str(manifest.subject.digest)
                    if manifest.subject
                    else None,
                    "config_digest": str(manifest.config.digest)
                    if manifest.config
                    else None,
                    "annotations": json.dumps(manifest.annotations),
                    "created_at": now,
                },
                ["repository_id", "digest"],
            )
            references = [(str(d.digest), "blob") for d in manifest.blob_references]
            references += [(str(d.digest), "manifest") for d in manifest.manifests]
            for child, kind in references:
                insert_ignore(
                    conn,
                    t.manifest_references,
                    {
                        "repository_id": repo.id,
                        "parent_digest": digest,
                        "child_digest": child,
                        "kind": kind,
                    },
                    ["repository_id", "parent_digest", "child_digest"],
                )
            if tag is not None:
                upsert(
                    conn,
                    t.tags,
                    {
                        "repository_id": repo.id,
                        "name": tag,
                        "digest": digest,
                        "updated_at": now,
                    },
                    ["repository_id", "name"],
                    ["digest", "updated_at"],
                )

    def _check_tag_move(
        self, conn: Any, repo: Repository, tag: str, digest: str
    ) -> None:
        if not repo.tag_is_immutable(tag):
            return
        current = conn.execute(
            select(t.tags.c.digest).where(
                t.tags.c.repository_id == repo.id, t.tags.c.name == tag
            )
        ).scalar()
        if current is not None and current != digest:
            raise TagImmutable(
                f"invalid tag {tag!r}: the tag is immutable in repository {repo.name}"
            )

    def get_manifest(self, name: str, reference: str) -> tuple[StoredManifest, bytes]:
        """The manifest for a tag or digest, with its bytes; raises ManifestUnknown."""
        if is_digest_reference(reference):
            Digest.parse(reference)
            query = _MANIFEST_BY_DIGEST
        else:
            validate_tag(reference)
            query = _MANIFEST_BY_TAG
        with self.engine.connect() as conn:
            row = conn.execute(query, {"name": name, "reference": reference}).first()
        if row is None:
            self._raise_unknown(name, reference)
        stored = self._stored_manifest(name, row)
        repo = Repository(
            row.repository_id,
            name,
            row.repo_created_at,
            encryption_type=row.encryption_type,
            kms_key=row.kms_key,
        )
        return stored, self._manifest_bytes(repo, stored.digest)

    def _raise_unknown(self, name: str, reference: str) -> NoReturn:
        if self.find_repository(name) is None:
            raise NameUnknown(f"repository name not known to registry: {name}")
        raise ManifestUnknown(f"manifest unknown: {name}:{reference}")

    def _manifest_bytes(self, repo: Repository, digest: Digest) -> bytes:
        domain, store = self._store_for(repo)
        key = (domain, str(digest))
        raw = self._manifests.get(key)
        if raw is None:
            raw = b"".join(store.read(digest))
            self._manifests.put(key, raw)
        else:
            self.blobs.check(domain)
        return raw

    @staticmethod
    def _stored_manifest(name: str, row: Any) -> StoredManifest:
        return StoredManifest(
            repository=name,
            digest=Digest.parse(row.digest),
            media_type=row.media_type,
            size=row.size,
            artifact_type=row.artifact_type,
            subject_digest=row.subject_digest,
            annotations=json.loads(row.annotations),
            created_at=row.created_at,
            last_pulled_at=row.last_pulled_at,
        )

    def record_pull(self, name: str, digest: Digest) -> None:
        """Remember when a manifest was last pulled (for ECR's lastRecordedPullTime).

        Written at most once per :data:`PULL_RECORD_INTERVAL` per manifest and
        process (ECR itself refreshes the time at most daily), so that a pull
        is not also a database write.
        """
        key, now = (name, str(digest)), self._clock()
        last = self._pulls_recorded.get(key)
        if last is not None and 0 <= now - last < PULL_RECORD_INTERVAL:
            return
        self._write_pull(name, digest)
        if len(self._pulls_recorded) >= _PULLS_REMEMBERED:
            self._pulls_recorded.clear()
        self._pulls_recorded[key] = now

    def _write_pull(self, name: str, digest: Digest) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(t.manifests)
                .where(
                    t.manifests.c.digest == str(digest),
                    t.manifests.c.repository_id
                    == select(t.repositories.c.id)
                    .where(t.repositories.c.name == name)
                    .scalar_subquery(),
                )
                .values(last_pulled_at=self._clock())
            )

    def delete_manifest(self, name: str, reference: str) -> list[str]:
        """Delete by digest (the manifest and its tags) or untag by tag.

        Returns the tags removed. Raises ManifestUnknown.
        """
        repo = self.get_repository(name)
        with self.engine.begin() as conn:
            if not is_digest_reference(reference):
                validate_tag(reference)
                result = conn.execute(
                    delete(t.tags).where(
                        t.tags.c.repository_id == repo.id, t.tags.c.name == reference
                    )
                )
                if not result.rowcount:
                    raise ManifestUnknown(f"manifest unknown: {name}:{reference}")
                return [reference]
            Digest.parse(reference)
            removed = list(
                conn.execute(
                    select(t.tags.c.name).where(
                        t.tags.c.repository_id == repo.id, t.tags.c.digest == reference
                    )
                ).scalars()
            )
            result = conn.execute(
                delete(t.manifests).where(
                    t.manifests.c.repository_id == repo.id,
                    t.manifests.c.digest == reference,
                )
            )
            if not result.rowcount:
                raise ManifestUnknown(f"manifest unknown: {name}@{reference}")
            conn.execute(
                delete(t.tags).where(
                    t.tags.c.repository_id == repo.id, t.tags.c.digest == reference
                )
            )
            conn.execute(
                delete(t.manifest_references).where(
                    t.manifest_references.c.repository_id == repo.id,
                    t.manifest_references.c.parent_digest == reference,
                )
            )
        return removed

    # -- tags and referrers -------------------------------------------------

    def list_tags(
        self, name: str, last: str | None = None, limit: int | None = None
    ) -> list[str]:
        repo = self.get_repository(name)
        query = (
            select(t.tags.c.name)
            .where(t.tags.c.repository_id == repo.id)
            .order_by(t.tags.c.name)
        )
        if last:
            query = query.where(t.tags.c.name > last)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return list(conn.execute(query).scalars())

    def tags_by_digest(self, name: str) -> dict[str, list[str]]:
        repo = self.get_repository(name)
        out: dict[str, list[str]] = {}
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.tags.c.digest, t.tags.c.name)
                .where(t.tags.c.repository_id == repo.id)
                .order_by(t.tags.c.name)
            )
            for digest, tag in rows:
                out.setdefault(digest, []).append(tag)
        return out

    def list_manifests(self, name: str) -> list[StoredManifest]:
        repo = self.get_repository(name)
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.manifests)
                .where(t.manifests.c.repository_id == repo.id)
                .order_by(t.manifests.c.created_at, t.manifests.c.digest)
            ).all()
        return [self._stored_manifest(name, row) for row in rows]

    def list_referrers(
        self, name: str, subject: Digest, artifact_type: str | None = None
    ) -> list[StoredManifest]:
        """Manifests in ``name`` whose subject is ``subject``, optionally filtered."""
        query = (
            select(t.manifests)
            .join(t.repositories, t.repositories.c.id == t.manifests.c.repository_id)
            .where(
                t.repositories.c.name == name,
                t.manifests.c.subject_digest == str(subject),
            )
            .order_by(t.manifests.c.created_at, t.manifests.c.digest)
        )
        if artifact_type:
            query = query.where(t.manifests.c.artifact_type == artifact_type)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [self._stored_manifest(name, row) for row in rows]

    def manifest_parents(self, name: str, digest: Digest) -> list[str]:
        """Digests of the indexes in ``name`` that list manifest ``digest``."""
        return self._references(name, digest, child=True)

    def blob_users(self, name: str, digest: Digest) -> list[str]:
        """Digests of the manifests in ``name`` that reference blob ``digest``."""
        return self._references(name, digest, child=True, kind="blob")

    def manifest_children(self, name: str, digest: Digest) -> list[Digest]:
        """Digests of the manifests an index ``digest`` in ``name`` lists."""
        return [Digest.parse(d) for d in self._references(name, digest, child=False)]

    def _references(
        self, name: str, digest: Digest, *, child: bool, kind: str = "manifest"
    ) -> list[str]:
        refs = t.manifest_references
        match, other = (
            (refs.c.child_digest, refs.c.parent_digest)
            if child
            else (refs.c.parent_digest, refs.c.child_digest)
        )
        repo = self.get_repository(name)
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(other)
                .where(
                    refs.c.repository_id == repo.id,
                    match == str(digest),
                    refs.c.kind == kind,
                )
                .order_by(other)
            ).scalars()
            return [str(row) for row in rows]

    def image_sizes(self, name: str) -> dict[str, int]:
        """Layer bytes of every manifest in ``name`` that lists blobs, by digest."""
        repo = self.get_repository(name)
        refs, linked = t.manifest_references, t.repository_blobs
        query = (
            select(refs.c.parent_digest, func.sum(linked.c.size))
            .join(
                linked,
                and_(
                    linked.c.repository_id == refs.c.repository_id,
                    linked.c.digest == refs.c.child_digest,
                ),
            )
            .where(refs.c.repository_id == repo.id, refs.c.kind == "blob")
            .group_by(refs.c.parent_digest)
        )
        with self.engine.connect() as conn:
            return {str(d): int(size) for d, size in conn.execute(query)}

    def image_size(self, name: str, digest: Digest) -> int:
        """Sum of the sizes of the blobs a manifest references (for DescribeImages)."""
        repo = self.get_repository(name)
        with self.engine.connect() as conn:
            total = conn.execute(
                select(func.coalesce(func.sum(t.repository_blobs.c.size), 0))
                .select_from(t.manifest_references)
                .join(
                    t.repository_blobs,
                    and_(
                        t.repository_blobs.c.repository_id
                        == t.manifest_references.c.repository_id,
                        t.repository_blobs.c.digest
                        == t.manifest_references.c.child_digest,
                    ),
                )
                .where(
                    t.manifest_references.c.repository_id == repo.id,
                    t.manifest_references.c.parent_digest == str(digest),
                    t.manifest_references.c.kind == "blob",
                )
            ).scalar_one()
        return int(total)
