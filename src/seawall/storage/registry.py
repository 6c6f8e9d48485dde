"""The registry's storage service: repositories, blobs, uploads, manifests, tags.

:class:`RegistryStore` is what the edges (``registry/`` for /v2/, ``ecr/``
for the ECR API) call. It is synchronous; async callers run it in a worker
thread. It keeps the invariants of DESIGN.md: a blob is linked into a
repository only after its bytes were verified, a manifest is stored only when
everything it references exists in the repository, and every change is one
database transaction (so a failure leaves the old state).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any, NoReturn, Protocol

from sqlalchemy import Engine, and_, bindparam, delete, func, select, update

from seawall.errors import (
    BlobUnknown,
    DigestInvalid,
    ManifestBlobUnknown,
    ManifestInvalid,
    ManifestUnknown,
    NameUnknown,
    RangeInvalid,
    SizeInvalid,
    TagImmutable,
    UploadUnknown,
)
from seawall.oci.digest import Digest
from seawall.oci.manifest import Manifest, parse_manifest
from seawall.oci.reference import is_digest_reference, validate_name, validate_tag
from seawall.storage.interfaces import BlobStore, UploadStore
from seawall.storage.metadata import schema as t
from seawall.storage.metadata.sql import insert_ignore, upsert

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


class BlobStores(Protocol):
    """Chooses the blob store of a repository's key domain.

    The plain registry has one domain; encryption gives each key its own,
    so content is shared (de-duplicated) only under the same key.
    """

    def domain(self, repository: Repository) -> str: ...

    def store(self, domain: str) -> BlobStore: ...

    def check(self, domain: str) -> None:
        """Raise (Unavailable) when the domain's content may not be served now.

        Called before serving cached content, which skips the store's own
        checks: a disabled key must fail cached manifests too.
        """


class SingleDomain:
    """Every repository shares one blob store."""

    def __init__(self, store: BlobStore) -> None:
        self._store = store

    def domain(self, repository: Repository) -> str:
        return "default"

    def store(self, domain: str) -> BlobStore:
        return self._store

    def check(self, domain: str) -> None:
        return None


class _ManifestCache:
    """Manifest bytes by (domain, digest): content never changes, so no expiry."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024) -> None:
        self._items: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._bytes = 0
        self._max = max_bytes
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> bytes | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: tuple[str, str], value: bytes) -> None:
        with self._lock:
            if key in self._items:
                return
            self._items[key] = value
            self._bytes += len(value)
            while self._bytes > self._max and self._items:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped)


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


def _repository_from_row(row: Any) -> Repository:
    return Repository(
        id=row.id,
        name=row.name,
        created_at=row.created_at,
        tag_mutability=row.tag_mutability,
        immutability_exclusions=tuple(json.loads(row.immutability_exclusions)),
        encryption_type=row.encryption_type,
        kms_key=row.kms_key,
    )


class RegistryStore:
    """Repositories, blobs, upload sessions, manifests, tags and referrers."""

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
        self._manifests = _ManifestCache()
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
            return [_repository_from_row(row) for row in conn.execute(query)]

    def _repository(self, conn: Any, name: str) -> Repository | None:
        row = conn.execute(
            select(t.repositories).where(t.repositories.c.name == name)
        ).first()
        return None if row is None else _repository_from_row(row)

    def _store_for(self, repo: Repository) -> tuple[str, BlobStore]:
        domain = self.blobs.domain(repo)
        return domain, self.blobs.store(domain)

    # -- blobs --------------------------------------------------------------

    def stat_blob(self, name: str, digest: Digest) -> int:
        """The size of ``digest`` in ``name``; raises BlobUnknown when not linked."""
        with self.engine.connect() as conn:
            size = conn.execute(
                select(t.repository_blobs.c.size)
                .join(
                    t.repositories,
                    t.repositories.c.id == t.repository_blobs.c.repository_id,
                )
                .where(
                    t.repositories.c.name == name,
                    t.repository_blobs.c.digest == str(digest),
                )
            ).scalar()
        if size is None:
            raise BlobUnknown(f"blob unknown to registry: {digest}")
        return int(size)

    def read_blob(
        self, name: str, digest: Digest, offset: int = 0, length: int | None = None
    ) -> tuple[int, Iterator[bytes]]:
        """(total size, stream of the requested range) of a linked blob."""
        size = self.stat_blob(name, digest)
        if offset > size or (offset == size and size > 0):
            raise RangeInvalid(f"invalid range: offset {offset} beyond size {size}")
        _, store = self._store_for(self.get_repository(name))
        return size, store.read(digest, offset, length)

    def put_blob(self, name: str, chunks: Iterator[bytes], digest: Digest) -> int:
        """Store a whole blob in one call (monolithic upload); returns its size."""
        repo = self._ensure_repository(name)
        domain, store = self._store_for(repo)
        writer = store.writer()
        writer.expect_algorithm(digest.algorithm)
        try:
            for data in chunks:
                writer.write(data)
            size = writer.size
            writer.commit(digest)
        except BaseException:
            writer.cancel()
            raise
        self._link_blob(repo, domain, digest, size)
        return size

    def mount_blob(self, name: str, source: str, digest: Digest) -> bool:
        """Link ``digest`` from repository ``source`` into ``name``.

        Returns False when the source does not hold the blob (the caller then
        falls back to an ordinary upload). Across key domains the content is
        copied and sealed again rather than shared.
        """
        source_repo = self.find_repository(source)
        if source_repo is None:
            return False
        try:
            size = self.stat_blob(source, digest)
        except BlobUnknown:
            return False
        repo = self._ensure_repository(name)
        source_domain, source_store = self._store_for(source_repo)
        domain, store = self._store_for(repo)
        if domain != source_domain and store.stat(digest) is None:
            writer = store.writer()
            try:
                for data in source_store.read(digest):
                    writer.write(data)
                writer.commit(digest)
            except BaseException:
                writer.cancel()
                raise
        self._link_blob(repo, domain, digest, size)
        return True

    def delete_blob(self, name: str, digest: Digest) -> None:
        """Unlink ``digest`` from ``name``; the bytes go at the next GC."""
        repo = self.get_repository(name)
        with self.engine.begin() as conn:
            result = conn.execute(
                delete(t.repository_blobs).where(
                    t.repository_blobs.c.repository_id == repo.id,
                    t.repository_blobs.c.digest == str(digest),
                )
            )
        if not result.rowcount:
            raise BlobUnknown(f"blob unknown to registry: {digest}")

    def _link_blob(
        self, repo: Repository, domain: str, digest: Digest, size: int
    ) -> None:
        now = self._clock()
        with self.engine.begin() as conn:
            insert_ignore(
                conn,
                t.blobs,
                {
                    "domain": domain,
                    "digest": str(digest),
                    "size": size,
                    "created_at": now,
                },
                ["domain", "digest"],
            )
            insert_ignore(
                conn,
                t.repository_blobs,
                {
                    "repository_id": repo.id,
                    "digest": str(digest),
                    "size": size,
                    "created_at": now,
                },
                ["repository_id", "digest"],
            )

    def _ensure_repository(self, name: str) -> Repository:
        repo = self.find_repository(name)
        if repo is not None:
            return repo
        return self.create_repository(name)[0]

    # -- upload sessions ----------------------------------------------------

    def start_upload(self, name: str) -> UploadSession:
        repo = self._ensure_repository(name)
        # A push into a repository whose key is disabled fails at its start.
        self.blobs.check(self.blobs.domain(repo))
        session_id = str(uuid.uuid4())
        now = self._clock()
        with self.engine.begin() as conn:
            conn.execute(
                t.uploads.insert().values(
                    id=session_id,
                    repository_id=repo.id,
                    size=0,
                    created_at=now,
                    updated_at=now,
                )
            )
        self.uploads.create(session_id)
        return UploadSession(session_id, name, 0, now, now)

    def get_upload(self, name: str, session_id: str) -> UploadSession:
        """The session ``session_id`` of repository ``name``, else UploadUnknown."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.uploads)
                .join(t.repositories, t.repositories.c.id == t.uploads.c.repository_id)
                .where(t.uploads.c.id == session_id, t.repositories.c.name == name)
            ).first()
        size = self.uploads.size(session_id) if row is not None else None
        if row is None or size is None:
            raise UploadUnknown(f"blob upload unknown to registry: {session_id}")
        return UploadSession(row.id, name, size, row.created_at, row.updated_at)

    def append_upload(
        self,
        name: str,
        session_id: str,
        chunks: Iterator[bytes],
        start: int | None = None,
    ) -> int:
        """Append to a session; ``start`` (from Content-Range) must equal its size.

        Raises RangeInvalid when the chunk does not continue where the session
        ends (the caller answers 416 with the current range).
        """
        session = self.get_upload(name, session_id)
        if start is not None and start != session.size:
            raise RangeInvalid(
                f"invalid content range: chunk starts at {start}, "
                f"upload has {session.size} bytes",
                detail={"size": session.size},
            )
        size = self.uploads.append(session_id, chunks)
        with self.engine.begin() as conn:
            conn.execute(
                update(t.uploads)
                .where(t.uploads.c.id == session_id)
                .values(size=size, updated_at=self._clock())
            )
        return size

    def commit_upload(self, name: str, session_id: str, digest: Digest) -> int:
        """Verify the session's bytes as ``digest`` and link the blob; returns size.

        On a digest mismatch the session is removed and DigestInvalid raised.
        """
        session = self.get_upload(name, session_id)
        repo = self.get_repository(name)
        domain, store = self._store_for(repo)
        try:
            self.uploads.commit(session_id, digest, store)
        finally:
            with self.engine.begin() as conn:
                conn.execute(delete(t.uploads).where(t.uploads.c.id == session_id))
        self._link_blob(repo, domain, digest, session.size)
        return session.size

    def cancel_upload(self, name: str, session_id: str) -> None:
        self.get_upload(name, session_id)
        with self.engine.begin() as conn:
            conn.execute(delete(t.uploads).where(t.uploads.c.id == session_id))
        self.uploads.delete(session_id)

    def expire_uploads(self, older_than: float) -> int:
        """Remove sessions idle for ``older_than`` seconds, and stray session files."""
        cutoff = self._clock() - older_than
        with self.engine.begin() as conn:
            expired = list(
                conn.execute(
                    select(t.uploads.c.id).where(t.uploads.c.updated_at < cutoff)
                ).scalars()
            )
            if expired:
                conn.execute(delete(t.uploads).where(t.uploads.c.id.in_(expired)))
            known = set(conn.execute(select(t.uploads.c.id)).scalars())
        for session_id in expired:
            self.uploads.delete(session_id)
        strays = [s for s in self.uploads.sessions() if s not in known]
        for session_id in strays:
            # A file with no row: its creator died before or after the row.
            self.uploads.delete(session_id)
        return len(expired) + len(strays)

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


__all__ = [
    "BlobStores",
    "ManifestInvalid",
    "RegistryStore",
    "Repository",
    "SingleDomain",
    "StoredManifest",
    "UploadSession",
]
