"""EncryptedBlobStore: the BlobStore role over any driver, sealed at rest.

One instance serves one key domain (the registry default key, or one
customer key) over an inner store that holds that domain's sealed objects.
Callers see plaintext: ``stat`` answers the plaintext size, digests are
plaintext digests, ranges are plaintext ranges (only the chunks a range
touches are read and opened). A disabled key fails reads and writes with
KeyUnavailable naming the key and its state; a tampered object fails with
IntegrityError before any byte of the damaged chunk is returned.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from seawall.crypto.envelope import (
    DATA_KEY_SIZE,
    HEADER_SIZE,
    OVERHEAD,
    ChunkOpener,
    ChunkSealer,
    Header,
    records,
    sealed_name,
    sealed_size,
)
from seawall.crypto.keys import KeyManager, WrappedKey
from seawall.crypto.objects import SealedObject, SealedObjects
from seawall.errors import BlobUnknown, DigestInvalid, IntegrityError, RangeInvalid
from seawall.oci.digest import Digest, new_hasher
from seawall.storage.hashing import HashPipe
from seawall.storage.interfaces import READ_CHUNK, BlobStore, BlobWriter, Buffer


class EncryptedBlobStore:
    """Seals blobs of one key domain into ``inner``."""

    def __init__(
        self,
        inner: BlobStore,
        keys: KeyManager,
        objects: SealedObjects,
        *,
        domain: str,
        key_id: str,
        chunk_size: int = 1024 * 1024,
    ) -> None:
        self.inner = inner
        self.keys = keys
        self.objects = objects
        self.domain = domain
        self.key_id = key_id
        self.chunk_size = chunk_size

    def stat(self, digest: Digest) -> int | None:
        obj = self.objects.get(self.domain, digest)
        return None if obj is None else obj.size

    def read(
        self,
        digest: Digest,
        offset: int = 0,
        length: int | None = None,
        *,
        piece: int = READ_CHUNK,
    ) -> Iterator[bytes]:
        """Stream plaintext, one chunk a piece; every error before the first byte.

        Pieces are chunks of the object (``chunk_size`` bytes, trimmed at the
        ends of a range), as ``memoryview``s, whatever ``piece`` asks: it
        sets how much is read from ``inner`` at a time (see
        :func:`_plaintext`).
        """
        obj = self.objects.get(self.domain, digest)
        if obj is None:
            raise BlobUnknown(f"blob unknown: {digest}")
        if offset < 0 or offset > obj.size or (offset == obj.size and obj.size > 0):
            raise RangeInvalid(f"invalid range: offset {offset} beyond size {obj.size}")
        end = obj.size if length is None else min(obj.size, offset + max(length, 0))
        data_key = self.keys.unwrap(obj.wrapped, obj.context, "read blob")
        opener = ChunkOpener(data_key, self._check_header(obj))
        if end <= offset and obj.size > 0:
            return iter(())
        stream = _plaintext(self.inner, obj, opener, offset, end, piece=piece)
        # Open the first batch now: a damaged small blob (a manifest, a config)
        # fails here, before a response is started, as an integrity error.
        first = next(stream, None)
        return _prepend(first, stream)

    def writer(self, *, verify: bool = True) -> EncryptedBlobWriter:
        if not verify:
            raise ValueError("the encrypted store always verifies what it stores")
        self.keys.require_enabled(self.key_id, "write blob")
        return EncryptedBlobWriter(self, self.inner.writer(verify=False))

    def delete(self, digest: Digest) -> bool:
        obj = self.objects.remove(self.domain, digest)
        if obj is None:
            return False
        self.inner.delete(obj.sealed_digest)
        return True

    def digests(self) -> Iterator[Digest]:
        return self.objects.digests(self.domain)

    # A sealed object committed to ``inner`` whose row is never written (a
    # crash between the two steps) is removed later by ``crypto.orphans``.
    def record(self, obj: SealedObject) -> bool:
        """Register a sealed object already committed to ``inner``.

        False when the blob was already present: the new copy is then removed.
        """
        if self.objects.put(obj):
            return True
        existing = self.objects.get(self.domain, obj.digest)
        if existing is None or existing.sealed_digest != obj.sealed_digest:
            self.inner.delete(obj.sealed_digest)
        return False

    def _check_header(self, obj: SealedObject) -> Header:
        expected = Header(obj.chunk_size, obj.object_id)
        stored = self.inner.stat(obj.sealed_digest)
        if stored != sealed_size(obj.size, obj.chunk_size):
            raise IntegrityError(
                f"failed to read blob {obj.digest}: its sealed object is "
                f"{stored} bytes, expected {sealed_size(obj.size, obj.chunk_size)}"
            )
        header = b"".join(self.inner.read(obj.sealed_digest, 0, HEADER_SIZE))
        if header != expected.pack():
            raise IntegrityError(f"failed to read blob {obj.digest}: header altered")
        return expected


def _plaintext(
    inner: BlobStore,
    obj: SealedObject,
    opener: ChunkOpener,
    offset: int,
    end: int,
    *,
    piece: int = READ_CHUNK,
) -> Iterator[bytes]:
    """Open the chunks covering [offset, end), one piece per chunk.

    The inner store is asked for pieces of whole sealed records, at least
    ``piece`` bytes each: the fewer reads, the fewer times the reading thread
    must win the GIL back from the event loop that sends. A record
    inside a writable piece (the filesystem driver reads into reusable
    ``bytearray`` buffers) is opened in place and handed out as a view of
    that piece: the read's copy is the only one, and the decryption runs
    over memory the read just brought into the CPU's cache. Other records
    (a driver answering ``bytes``, or records straddling two pieces) are
    opened into a buffer of their own. Only the first and last chunk of a
    range are ever trimmed.
    """
    record, final = obj.chunk_size + OVERHEAD, obj.size // obj.chunk_size
    first = offset // obj.chunk_size
    last = final if end == obj.size else (end - 1) // obj.chunk_size
    start = HEADER_SIZE + first * record
    stop = (
        HEADER_SIZE
        + last * record
        + (obj.chunk_size if last < final else obj.size % obj.chunk_size)
        + OVERHEAD
    )
    piece = -(-piece // record) * record  # whole records, at least ``piece`` bytes
    stream = inner.read(obj.sealed_digest, start, stop - start, piece=piece)
    sealed = records(stream, record, last - first + 1)
    for index in range(first, last + 1):
        data = next(sealed)
        if isinstance(data, memoryview) and not data.readonly:
            plain = opener.open_in_place(data, index, index == final)
        else:
            plain = memoryview(bytearray(len(data) - OVERHEAD))
            opener.open_into(data, index, index == final, plain)
        base = index * obj.chunk_size
        if base + len(plain) > end:
            plain = plain[: end - base]
        if base < offset:
            plain = plain[offset - base :]
        yield plain  # type: ignore[misc]  # a memoryview: bytes-like


def _prepend(first: bytes | None, rest: Iterator[bytes]) -> Iterator[bytes]:
    if first is not None:
        yield first
    yield from rest


class EncryptedBlobWriter:
    """Seals as it goes: only whole chunks, and at commit the final one."""

    def __init__(self, store: EncryptedBlobStore, inner: BlobWriter) -> None:
        self._store = store
        self._inner = inner
        self._data_key = os.urandom(DATA_KEY_SIZE)
        self._header = Header.new(store.chunk_size)
        self._sealer = ChunkSealer(self._data_key, self._header)
        self._hashers: dict[str, Any] = {"sha256": new_hasher("sha256")}
        self._pipe: HashPipe | None = None
        self._size = 0
        self._emit(self._header.pack())

    @property
    def size(self) -> int:
        return self._size

    def digest(self) -> Digest:
        """The plaintext sha256 digest of what was written so far."""
        if self._pipe is not None:
            self._pipe.sync()
        return Digest("sha256", self._hashers["sha256"].hexdigest())

    def expect_algorithm(self, algorithm: str) -> None:
        """Hash with ``algorithm`` too (call before the first write)."""
        if self._size == 0:
            self._hashers.setdefault(algorithm, new_hasher(algorithm))

    def write(self, data: Buffer) -> None:
        # Past the first MiB (a layer, not a config) the plaintext is hashed
        # in a helper thread while this one seals and writes.
        if self._pipe is None and self._size + len(data) > READ_CHUNK:
            self._pipe = HashPipe(*self._hashers.values())
        if self._pipe is None:
            for hasher in self._hashers.values():
                hasher.update(data)
        else:
            for index in range(len(self._hashers)):
                self._pipe.feed(index, data)
        self._size += len(data)
        sealed = self._sealer.seal(data)
        if sealed:
            self._emit(sealed)  # a fresh bytearray: handed over, not copied

    def commit(self, expected: Digest) -> Digest:
        """Verify the plaintext digest, then store and record the sealed object.

        A digest algorithm that was not hashed while writing (see
        :meth:`expect_algorithm`) is checked by reading the stored object back.
        """
        try:
            self._close_pipe()
        except BaseException:
            self._inner.cancel()
            raise
        hasher = self._hashers.get(expected.algorithm)
        if hasher is not None:
            actual = Digest(expected.algorithm, hasher.hexdigest())
            if actual != expected:
                self._inner.cancel()
                raise DigestInvalid(
                    f"invalid digest: content is {actual}, expected {expected}"
                )
            if self._store.stat(expected) is not None:
                self._inner.cancel()
                return expected
        try:
            self._emit(self._sealer.finish())
            obj = self._sealed_object(expected)
        except BaseException:
            self._inner.cancel()
            raise
        self._inner.commit(obj.sealed_digest)
        if hasher is None:
            self._verify_stored(obj)
        self._store.record(obj)
        return expected

    def _verify_stored(self, obj: SealedObject) -> None:
        hasher = new_hasher(obj.digest.algorithm)
        opener = ChunkOpener(self._data_key, self._header)
        for piece in _plaintext(self._store.inner, obj, opener, 0, obj.size):
            hasher.update(piece)
        actual = Digest(obj.digest.algorithm, hasher.hexdigest())
        if actual != obj.digest:
            self._store.inner.delete(obj.sealed_digest)
            raise DigestInvalid(
                f"invalid digest: content is {actual}, expected {obj.digest}"
            )

    def cancel(self) -> None:
        try:
            self._close_pipe()
        finally:
            self._inner.cancel()

    def _close_pipe(self) -> None:
        pipe, self._pipe = self._pipe, None
        if pipe is not None:
            pipe.close()

    def _emit(self, data: Buffer) -> None:
        self._inner.write(data)

    def _sealed_object(self, digest: Digest) -> SealedObject:
        store = self._store
        sealed = sealed_name(self._header)
        draft = SealedObject(
            store.domain,
            digest,
            sealed,
            self._size,
            store.chunk_size,
            self._header.object_id,
            WrappedKey(store.key_id, 0, b""),
        )
        wrapped = store.keys.wrap(
            store.key_id, self._data_key, draft.context, "write blob"
        )
        return replace(draft, wrapped=wrapped)
