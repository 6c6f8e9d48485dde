"""EncryptedUploadStore: upload sessions whose bytes are sealed as they arrive.

A session is sealed exactly as a blob will be (envelope.py), under its own
data key wrapped by the registry's default key. The inner session holds the
header and every full chunk; the partial tail is sealed as the object's
final chunk and kept in the ``crypto_uploads`` row, re-sealed (fresh nonce)
on each append that changes it. No plaintext is ever written anywhere.

At commit into an EncryptedBlobStore the sealed bytes become the blob as
they are: the tail is appended, the inner session is committed into the
domain's inner store, and only the data key is re-wrapped under the domain's
key. Content is never decrypted and sealed again.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine

from seawall import logging as seawall_logging
from seawall.crypto.blobstore import EncryptedBlobStore
from seawall.crypto.envelope import (
    DATA_KEY_SIZE,
    HEADER_SIZE,
    OVERHEAD,
    ChunkOpener,
    ChunkSealer,
    Header,
    records,
    sealed_name,
)
from seawall.crypto.keys import KeyManager, WrappedKey
from seawall.crypto.objects import SealedObject
from seawall.crypto.tables import crypto_uploads
from seawall.errors import DigestInvalid, UploadInvalid, UploadUnknown
from seawall.oci.digest import Digest, new_hasher
from seawall.storage.hashing import HashPipe
from seawall.storage.interfaces import READ_CHUNK, BlobStore, Buffer, UploadDriver

log = seawall_logging.get_logger(__name__)

# Every append reads and then updates its session's row: built once.
_SESSION = sa.select(crypto_uploads).where(
    crypto_uploads.c.session_id == sa.bindparam("session_id")
)
_SAVE = (
    crypto_uploads.update()
    .where(crypto_uploads.c.session_id == sa.bindparam("sid"))
    .values(
        tail=sa.bindparam("tail"),
        tail_index=sa.bindparam("tail_index"),
        size=sa.bindparam("size"),
    )
)


@dataclass(frozen=True, slots=True)
class _Session:
    session_id: str
    header: Header
    wrapped: WrappedKey
    tail: bytes
    tail_index: int
    size: int


@dataclass(slots=True)
class _Hashes:
    """The running plaintext hash, valid while this process saw every append.

    ``plain`` covers all ``size`` plaintext bytes received, of which
    ``full_chunks`` chunks are sealed in the inner session. The sealed bytes
    are never hashed: the object is named by its header (``sealed_name``).
    """

    size: int
    full_chunks: int
    plain: Any


class EncryptedUploadStore:
    """Seals upload sessions into an inner upload driver."""

    def __init__(
        self,
        inner: UploadDriver,
        keys: KeyManager,
        engine: Engine,
        *,
        key_id: str,
        chunk_size: int = 1024 * 1024,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.inner = inner
        self._keys = keys
        self._engine = engine
        self._key_id = key_id
        self._chunk_size = chunk_size
        self._clock = clock
        self._hashes: dict[str, _Hashes] = {}
        self._lock = threading.Lock()

    def create(self, session_id: str, *, hashed: bool = True) -> None:
        """Start a sealed session (its plaintext is always hashed: ``hashed``
        is accepted for the role's sake)."""
        header = Header.new(self._chunk_size)
        data_key = os.urandom(DATA_KEY_SIZE)
        wrapped = self._keys.wrap(
            self._key_id, data_key, _context(session_id, header), "start blob upload"
        )
        tail = ChunkSealer(data_key, header).finish()
        self.inner.create(session_id, hashed=False)
        self.inner.append(session_id, iter([header.pack()]))
        with self._engine.begin() as conn:
            conn.execute(
                crypto_uploads.insert().values(
                    session_id=session_id,
                    object_id=header.object_id,
                    chunk_size=header.chunk_size,
                    key_id=wrapped.key_id,
                    key_version=wrapped.version,
                    wrapped_key=wrapped.blob,
                    tail=tail,
                    tail_index=0,
                    size=0,
                    created_at=self._clock(),
                )
            )
        with self._lock:
            self._hashes[session_id] = _Hashes(0, 0, new_hasher("sha256"))

    def size(self, session_id: str) -> int | None:
        session = self._load(session_id)
        return None if session is None else session.size

    def append(self, session_id: str, chunks: Iterator[Buffer]) -> int:
        """Seal ``chunks`` onto the session; progress survives a broken stream."""
        session = self._require(session_id)
        data_key = self._data_key(session, "write blob upload")
        self._check_inner(session)
        opener = ChunkOpener(data_key, session.header)
        sealer = ChunkSealer(data_key, session.header, index=session.tail_index)
        sealer.feed(opener.open(session.tail[:], session.tail_index, True))
        hashes = self._take_hashes(session)
        received = [session.size]
        record = session.header.chunk_size + OVERHEAD
        # Past the first MiB of an append the plaintext is hashed in a helper
        # thread while this one seals and writes (a small append, such as a
        # manifest-sized chunk, starts no thread).
        pipes: list[HashPipe] = []

        def sealed_records() -> Iterator[Buffer]:
            for data in chunks:
                received[0] += len(data)
                sealed = sealer.seal(data)  # handed on, not copied
                if hashes is not None:
                    if not pipes and received[0] - session.size > READ_CHUNK:
                        pipes.append(HashPipe(hashes.plain))
                    _track(pipes[0] if pipes else None, hashes, data)
                    hashes.full_chunks += len(sealed) // record
                if sealed:
                    yield sealed

        try:
            self.inner.append(session_id, sealed_records())
        finally:
            for pipe in pipes:
                pipe.close()
            self._save(session, sealer, received[0], hashes)
        return received[0]

    def read(self, session_id: str) -> Iterator[bytes]:
        session = self._require(session_id)
        data_key = self._data_key(session, "read blob upload")
        return self._plaintext(session, ChunkOpener(data_key, session.header))

    def digest(self, session_id: str) -> Digest | None:
        """The plaintext sha256 digest so far, when this process saw every append."""
        session = self._load(session_id)
        with self._lock:
            hashes = self._hashes.get(session_id)
        if session is None or hashes is None or not _current(hashes, session):
            return None
        return Digest("sha256", hashes.plain.hexdigest())

    def commit(
        self,
        session_id: str,
        expected: Digest,
        blobs: BlobStore,
        *,
        verify: bool = True,
    ) -> Digest:
        """Verify and move the session into ``blobs``; DigestInvalid on mismatch."""
        if not verify:
            raise ValueError("sealed upload sessions are always verified")
        session = self._require(session_id)
        data_key = self._data_key(session, "write blob")
        self._check_inner(session)
        if not isinstance(blobs, EncryptedBlobStore):
            return self._copy_into(session, expected, blobs)
        plain = self._plain_digest(session, data_key, expected.algorithm)
        if plain != expected:
            self.delete(session_id)
            raise DigestInvalid(
                f"invalid digest: content is {plain}, expected {expected}"
            )
        if blobs.stat(expected) is not None:
            self.delete(session_id)
            return expected
        # Checked before the tail joins the inner session: a refusal must leave
        # the session as it was, so the commit can be retried once re-enabled.
        blobs.keys.require_enabled(blobs.key_id, "write blob")
        self.inner.append(session_id, iter([session.tail]))
        sealed = sealed_name(session.header)
        obj = _blob_object(blobs, session, expected, sealed, data_key)
        # The sealed bytes are stored as they are, unhashed: each chunk
        # authenticates itself when it is opened.
        self.inner.commit(session_id, sealed, blobs.inner, verify=False)
        self._forget(session_id)
        blobs.record(obj)
        return expected

    def delete(self, session_id: str) -> None:
        self.inner.delete(session_id)
        self._forget(session_id)

    def sessions(self) -> Iterator[str]:
        return self.inner.sessions()

    # -- internals --------------------------------------------------------

    def _load(self, session_id: str) -> _Session | None:
        with self._engine.connect() as conn:
            row = conn.execute(_SESSION, {"session_id": session_id}).first()
        if row is None:
            return None
        m = row._mapping
        return _Session(
            session_id,
            Header(int(m["chunk_size"]), bytes(m["object_id"])),
            WrappedKey(m["key_id"], int(m["key_version"]), bytes(m["wrapped_key"])),
            bytes(m["tail"]),
            int(m["tail_index"]),
            int(m["size"]),
        )

    def _require(self, session_id: str) -> _Session:
        session = self._load(session_id)
        if session is None:
            raise UploadUnknown(f"blob upload unknown: {session_id}")
        return session

    def _data_key(self, session: _Session, action: str) -> bytes:
        context = _context(session.session_id, session.header)
        return self._keys.unwrap(session.wrapped, context, action)

    def _check_inner(self, session: _Session) -> None:
        record = session.header.chunk_size + OVERHEAD
        expected = HEADER_SIZE + session.tail_index * record
        stored = self.inner.size(session.session_id)
        if stored is not None and stored > expected:
            # An append a crash cut short wrote sealed records its row never
            # took in: they were never acknowledged, and the client resumes
            # from the recorded size, so they go.
            log.warning(
                "cut an upload back to its last recorded append",
                upload=session.session_id,
                dropped=stored - expected,
            )
            self.inner.truncate(session.session_id, expected)
            return
        if stored != expected:
            raise UploadInvalid(
                f"failed to append to upload {session.session_id}: its stored "
                "bytes do not match its record; start the upload again"
            )

    def _save(
        self, session: _Session, sealer: ChunkSealer, size: int, hashes: _Hashes | None
    ) -> None:
        values = {"tail": sealer.finish(), "tail_index": sealer.index, "size": size}
        with self._engine.begin() as conn:
            conn.execute(_SAVE, {"sid": session.session_id, **values})
        if hashes is not None:
            with self._lock:
                self._hashes[session.session_id] = hashes

    def _take_hashes(self, session: _Session) -> _Hashes | None:
        with self._lock:
            hashes = self._hashes.pop(session.session_id, None)
        return hashes if hashes is not None and _current(hashes, session) else None

    def _forget(self, session_id: str) -> None:
        with self._lock:
            self._hashes.pop(session_id, None)
        with self._engine.begin() as conn:
            conn.execute(
                crypto_uploads.delete().where(crypto_uploads.c.session_id == session_id)
            )

    def _plain_digest(
        self, session: _Session, data_key: bytes, algorithm: str
    ) -> Digest:
        """The plaintext digest of the session: running, or by opening it again."""
        with self._lock:
            hashes = self._hashes.get(session.session_id)
        if hashes is not None and _current(hashes, session) and algorithm == "sha256":
            return Digest(algorithm, hashes.plain.hexdigest())
        hasher = new_hasher(algorithm)
        for piece in self._plaintext(session, ChunkOpener(data_key, session.header)):
            hasher.update(piece)
        return Digest(algorithm, hasher.hexdigest())

    def _full_records(self, session: _Session) -> Iterator[bytes | memoryview]:
        if session.tail_index == 0:
            return iter(())
        header, rest = _split(self.inner.read(session.session_id), HEADER_SIZE)
        if header != session.header.pack():
            raise UploadInvalid(f"failed to read upload {session.session_id}: altered")
        size = session.header.chunk_size + OVERHEAD
        return records(rest, size, session.tail_index)

    def _plaintext(self, session: _Session, opener: ChunkOpener) -> Iterator[bytes]:
        for index, record in enumerate(self._full_records(session)):
            yield opener.open(record, index, False)
        yield opener.open(session.tail, session.tail_index, True)

    def _copy_into(
        self, session: _Session, expected: Digest, blobs: BlobStore
    ) -> Digest:
        writer = blobs.writer()
        try:
            for data in self.read(session.session_id):
                writer.write(data)
            writer.commit(expected)
        except DigestInvalid:
            self.delete(session.session_id)
            raise
        except BaseException:
            writer.cancel()
            raise
        self.delete(session.session_id)
        return expected


def _context(session_id: str, header: Header) -> bytes:
    return f"seawall/upload-key/v1|{session_id}|{header.object_id.hex()}".encode()


def _current(hashes: _Hashes, session: _Session) -> bool:
    """Whether the running hash covers exactly what the session's row records."""
    return (hashes.full_chunks, hashes.size) == (session.tail_index, session.size)


def _track(pipe: HashPipe | None, hashes: _Hashes, data: Buffer) -> None:
    """Fold received plaintext into the running hash (through ``pipe`` if any)."""
    if pipe is None:
        hashes.plain.update(data)
    else:
        pipe.feed(0, data)
    hashes.size += len(data)


def _blob_object(
    blobs: EncryptedBlobStore,
    session: _Session,
    digest: Digest,
    sealed: Digest,
    data_key: bytes,
) -> SealedObject:
    draft = SealedObject(
        blobs.domain,
        digest,
        sealed,
        session.size,
        session.header.chunk_size,
        session.header.object_id,
        WrappedKey(blobs.key_id, 0, b""),
    )
    wrapped = blobs.keys.wrap(blobs.key_id, data_key, draft.context, "write blob")
    return SealedObject(
        draft.domain,
        digest,
        sealed,
        draft.size,
        draft.chunk_size,
        draft.object_id,
        wrapped,
    )


def _split(stream: Iterator[bytes], count: int) -> tuple[bytes, Iterator[bytes]]:
    """The first ``count`` bytes of a stream, and the stream after them."""
    head = b""
    for piece in stream:
        head += piece
        if len(head) >= count:
            break
    return head[:count], _chain(head[count:], stream)


def _chain(first: bytes, stream: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    yield from stream
