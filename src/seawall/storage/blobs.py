"""RegistryStore, part two: blobs linked into repositories, and upload sessions."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from sqlalchemy import delete, select, update

from seawall.errors import BlobUnknown, RangeInvalid, UploadUnknown
from seawall.oci.digest import Digest
from seawall.storage.interfaces import READ_CHUNK
from seawall.storage.metadata import schema as t
from seawall.storage.metadata.sql import insert_ignore
from seawall.storage.records import Repository, UploadSession
from seawall.storage.repositories import RepositoryPart


class BlobPart(RepositoryPart):
    """Blobs and upload sessions of the registry store (see RegistryStore)."""

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
        self,
        name: str,
        digest: Digest,
        offset: int = 0,
        length: int | None = None,
        *,
        piece: int = READ_CHUNK,
    ) -> tuple[int, Iterator[bytes]]:
        """(total size, stream of the requested range) of a linked blob.

        ``piece`` is the size of read the caller would like (see
        :meth:`~seawall.storage.interfaces.BlobProvider.read`).
        """
        size = self.stat_blob(name, digest)
        if offset > size or (offset == size and size > 0):
            raise RangeInvalid(f"invalid range: offset {offset} beyond size {size}")
        _, store = self._store_for(self.get_repository(name))
        return size, store.read(digest, offset, length, piece=piece)

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
