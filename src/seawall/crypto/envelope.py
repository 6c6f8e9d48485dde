"""The sealed object format: a header, then AES-256-GCM chunks.

::

    offset  size  field
    0       4     magic  b"SWBE" (Seawall blob envelope)
    4       1     format version (1)
    5       1     algorithm (1 = AES-256-GCM, 96-bit nonces, 128-bit tags)
    6       2     reserved, zero
    8       4     chunk size C (plaintext bytes per full chunk, big-endian)
    12      16    object id (random; names the data key's object)
    28      4     reserved, zero
    32      ...   chunk records: nonce (12) | ciphertext | tag (16)

Chunks ``0..n-1`` hold exactly C plaintext bytes; the final chunk ``n`` is
always present and holds ``0 <= r < C`` bytes, so a plaintext of
``P = n*C + r`` bytes seals to ``32 + n*(C+28) + r + 28`` bytes and either
size gives the other. Every chunk is sealed under the object's own data key
with a fresh random nonce and associated data ``header | index | last``
(see :func:`chunk_aad`), so moving, repeating, dropping or editing a chunk,
or cutting the object short at a chunk boundary, fails to open. The header
carries the object id, and the data key is unique to the object; the
object's identity (key domain and plaintext digest) is bound where the data
key is wrapped (see ``blobstore.data_key_context``), because the digest is
known only once the last byte has been sealed.
"""

from __future__ import annotations

import hashlib
import os
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from seawall.errors import IntegrityError
from seawall.oci.digest import Digest
from seawall.storage.buffers import CHUNKS

MAGIC = b"SWBE"
VERSION = 1
ALGORITHM_AES256_GCM = 1
HEADER_SIZE = 32
NONCE_SIZE = 12
TAG_SIZE = 16
OVERHEAD = NONCE_SIZE + TAG_SIZE
DATA_KEY_SIZE = 32
_HEADER = struct.Struct(">4sBBHI16sI")
_POSITION = struct.Struct(">QB")


@dataclass(frozen=True, slots=True)
class Header:
    """The fixed header of one sealed object."""

    chunk_size: int
    object_id: bytes

    def pack(self) -> bytes:
        return _HEADER.pack(
            MAGIC, VERSION, ALGORITHM_AES256_GCM, 0, self.chunk_size, self.object_id, 0
        )

    @classmethod
    def unpack(cls, data: bytes) -> Header:
        """Parse a header; IntegrityError when it is not one Seawall wrote."""
        if len(data) != HEADER_SIZE:
            raise IntegrityError("failed to open sealed object: header is truncated")
        magic, version, algorithm, _, chunk_size, object_id, _ = _HEADER.unpack(data)
        if magic != MAGIC or version != VERSION or algorithm != ALGORITHM_AES256_GCM:
            raise IntegrityError("failed to open sealed object: unknown header")
        return cls(chunk_size, object_id)

    @classmethod
    def new(cls, chunk_size: int) -> Header:
        return cls(chunk_size, os.urandom(16))


def sealed_name(header: Header) -> Digest:
    """The name a sealed object is stored under in the inner store.

    The SHA-256 of its header, which carries the random object id: unique
    per object, known before the first chunk is sealed, and never a hash of
    the sealed bytes (every chunk authenticates itself, so hashing them all
    again would buy nothing and cost a full SHA-256 pass per push).
    """
    return Digest("sha256", hashlib.sha256(header.pack()).hexdigest())


def sealed_size(plain_size: int, chunk_size: int) -> int:
    """The stored size of a ``plain_size``-byte plaintext."""
    full = plain_size // chunk_size
    return (
        HEADER_SIZE
        + full * (chunk_size + OVERHEAD)
        + plain_size % chunk_size
        + (OVERHEAD)
    )


def plain_size(stored_size: int, chunk_size: int) -> int:
    """The plaintext size of a sealed object; IntegrityError if impossible."""
    body = stored_size - HEADER_SIZE - OVERHEAD
    if body < 0:
        raise IntegrityError("failed to open sealed object: it is truncated")
    full, rest = divmod(body, chunk_size + OVERHEAD)
    if rest >= chunk_size:
        raise IntegrityError("failed to open sealed object: its size is impossible")
    return full * chunk_size + rest


def chunk_aad(prefix: bytes, index: int, last: bool) -> bytes:
    """Associated data of chunk ``index``: the object prefix, index, last flag."""
    return prefix + _POSITION.pack(index, 1 if last else 0)


class ChunkSealer:
    """Seals a plaintext stream into chunk records, C bytes at a time.

    ``seal`` and ``feed`` return the records of every chunk completed so far
    (never the final one); ``finish`` seals the remainder as the final chunk.
    Plaintext short of a chunk waits in one buffer of C bytes, filled in
    place; that buffer and the records' come from the process's pool
    (:data:`~seawall.storage.buffers.CHUNKS`) and are reused once nobody
    refers to them, so the same few MiB stay warm across pushes.
    """

    def __init__(self, key: bytes, header: Header, index: int = 0) -> None:
        self._aead = AESGCM(key)
        self._size = header.chunk_size
        self._prefix = header.pack()
        self._pending = CHUNKS.take(self._size)  # maybe reused: see _filled
        self._filled = 0
        self.index = index

    @property
    def pending(self) -> bytes:
        """Plaintext not yet sealed (less than one chunk)."""
        return bytes(self._pending[: self._filled])

    def feed(self, data: bytes | memoryview) -> list[bytes]:
        """The records of the chunks ``data`` completes, one by one."""
        sealed = self.seal(data)
        size = self._size + OVERHEAD
        return [bytes(sealed[i : i + size]) for i in range(0, len(sealed), size)]

    def seal(self, data: bytes | bytearray | memoryview) -> bytearray:
        """The records of the chunks ``data`` completes, back to back.

        The buffer is the caller's to hand on or drop; it is filled again
        only once nothing refers to it.
        """
        filled, size = self._filled, len(data)
        if filled + size < self._size:  # most pieces of a body: just keep them
            self._pending[filled : filled + size] = data
            self._filled = filled + size
            return bytearray()
        view = memoryview(data)
        count = (self._filled + len(view)) // self._size
        out = CHUNKS.take(count * (self._size + OVERHEAD))
        target = memoryview(out)
        if self._filled and count:
            take = self._size - self._filled
            self._pending[self._filled :] = view[:take]
            view = view[take:]
            self._seal_into(self._pending, target)
            target = target[self._size + OVERHEAD :]
            self._filled = 0
        while len(view) >= self._size:
            self._seal_into(view[: self._size], target)
            target = target[self._size + OVERHEAD :]
            view = view[self._size :]
        if view:
            self._pending[self._filled : self._filled + len(view)] = view
            self._filled += len(view)
        return out

    def _seal_into(
        self, plain: bytes | bytearray | memoryview, out: memoryview
    ) -> None:
        nonce = os.urandom(NONCE_SIZE)
        out[:NONCE_SIZE] = nonce
        end = NONCE_SIZE + len(plain) + TAG_SIZE
        self._aead.encrypt_into(
            nonce,
            plain,
            chunk_aad(self._prefix, self.index, False),
            out[NONCE_SIZE:end],
        )
        self.index += 1

    def finish(self) -> bytes:
        """The final chunk's record (the pending plaintext, maybe none)."""
        nonce = os.urandom(NONCE_SIZE)
        plain = memoryview(self._pending)[: self._filled]
        sealed = self._aead.encrypt(
            nonce, plain, chunk_aad(self._prefix, self.index, True)
        )
        return nonce + sealed


class ChunkOpener:
    """Opens chunk records of one object; IntegrityError on any mismatch."""

    def __init__(self, key: bytes, header: Header) -> None:
        self._aead = AESGCM(key)
        self._prefix = header.pack()
        self.chunk_size = header.chunk_size

    def open(self, record: bytes | memoryview, index: int, last: bool) -> bytes:
        if len(record) < OVERHEAD:
            raise IntegrityError(f"failed to open chunk {index}: it is truncated")
        nonce = bytes(record[:NONCE_SIZE])
        try:
            return self._aead.decrypt(
                nonce, record[NONCE_SIZE:], chunk_aad(self._prefix, index, last)
            )
        except InvalidTag as exc:
            raise IntegrityError(
                f"failed to open chunk {index}: content does not authenticate"
            ) from exc

    def open_into(
        self, record: bytes | memoryview, index: int, last: bool, out: memoryview
    ) -> int:
        """Open a record into ``out``; the number of plaintext bytes written."""
        length = len(record) - OVERHEAD
        if length < 0:
            raise IntegrityError(f"failed to open chunk {index}: it is truncated")
        self._decrypt(record, index, last, out[:length])
        return length

    def open_in_place(self, record: memoryview, index: int, last: bool) -> memoryview:
        """Open a writable record over its own ciphertext; the plaintext's view.

        The plaintext takes the place of the ciphertext (``record[12:-16]``),
        so opening touches only memory the read just brought into the cache.
        On failure the record holds garbage: it must not be used again.
        """
        length = len(record) - OVERHEAD
        if length < 0:
            raise IntegrityError(f"failed to open chunk {index}: it is truncated")
        plain = record[NONCE_SIZE : NONCE_SIZE + length]
        self._decrypt(record, index, last, plain)
        return plain

    def _decrypt(
        self, record: bytes | memoryview, index: int, last: bool, out: memoryview
    ) -> None:
        nonce = bytes(record[:NONCE_SIZE])
        aad = chunk_aad(self._prefix, index, last)
        try:
            self._aead.decrypt_into(nonce, record[NONCE_SIZE:], aad, out)
        except InvalidTag as exc:
            raise IntegrityError(
                f"failed to open chunk {index}: content does not authenticate"
            ) from exc


def records(
    pieces: Iterable[bytes], record_size: int, count: int
) -> Iterator[bytes | memoryview]:
    """Regroup a byte stream into ``count`` records of ``record_size`` bytes.

    The last record may be shorter (a final chunk). A record that lies inside
    one piece is a view of it (writable when the piece is), not a copy; only
    records straddling two pieces are joined into ``bytes``. IntegrityError
    when the stream ends early or runs on past the expected records.
    """
    carry = bytearray()
    tail: memoryview | None = None  # the final record, if inside one piece
    produced = 0
    for piece in pieces:
        view = memoryview(piece)
        if tail is not None:  # the final record goes on into this piece
            carry += tail
            tail = None
        if carry and produced < count - 1:
            take = min(record_size - len(carry), len(view))
            carry += view[:take]
            view = view[take:]
            if len(carry) < record_size:
                continue
            yield bytes(carry)
            carry = bytearray()
            produced += 1
        while len(view) >= record_size and produced < count - 1:
            yield view[:record_size]
            view = view[record_size:]
            produced += 1
        if carry or produced < count - 1:
            carry += view
        elif view:
            tail = view
    final = tail if tail is not None else carry
    if produced != count - 1 or not final or len(final) > record_size:
        raise IntegrityError(
            "failed to open sealed object: it is truncated or has extra bytes"
        )
    yield tail if tail is not None else bytes(carry)
