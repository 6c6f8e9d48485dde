"""The small role interfaces of blob storage.

A :class:`BlobStore` is content-addressed: a blob is named by its digest and
is visible only after its bytes were verified against that digest. Every
driver and every decorator (encryption, pull-through cache) implements these
roles; ``tests/conformance/test_blobstore_contract.py`` is the suite each must
pass.

Storage is synchronous and streaming: callers run it in a worker thread (the
registry does, through anyio) and never hold a whole blob in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, TypeAlias, runtime_checkable

from seawall.oci.digest import Digest

# Chunk size for streaming reads: big enough for throughput, small enough
# that a few hundred concurrent pulls stay well under the memory target.
READ_CHUNK = 1024 * 1024

# What writers and appends take: the received or sealed bytes as they are.
Buffer: TypeAlias = bytes | bytearray | memoryview


@runtime_checkable
class BlobStatter(Protocol):
    def stat(self, digest: Digest) -> int | None:
        """The size of the blob in bytes, or None when it is absent."""


@runtime_checkable
class BlobProvider(Protocol):
    def read(
        self,
        digest: Digest,
        offset: int = 0,
        length: int | None = None,
        *,
        piece: int = READ_CHUNK,
    ) -> Iterator[bytes]:
        """Stream ``length`` bytes (to the end when None) starting at ``offset``.

        ``piece`` is the size of pieces the caller would like: a driver that
        can makes every piece but the last exactly that size (the encrypted
        store reads whole sealed records this way, with no regrouping copy);
        a decorator may answer in pieces of its own. A piece is bytes-like
        (``bytes``, ``bytearray`` or ``memoryview``) and the caller's once it
        is handed out: nothing changes it while the caller holds it. The
        filesystem driver reads into reusable buffers that it fills again only
        once nothing refers to them, and the encrypted store opens chunks in
        place and hands out views of those buffers.

        Raises BlobUnknown when absent, RangeInvalid for an offset beyond the
        end, IntegrityError when stored bytes fail verification.
        """


class BlobWriter(Protocol):
    """A blob being written: bytes go to a temporary object until commit."""

    @property
    def size(self) -> int: ...

    def write(self, data: Buffer) -> None: ...

    def digest(self) -> Digest:
        """The sha256 digest of the bytes written so far (no extra pass)."""

    def expect_algorithm(self, algorithm: str) -> None:
        """Hash with ``algorithm`` as well while writing (call before writing).

        Without it a digest of another algorithm than sha256 is verified by
        reading the bytes back at commit.
        """

    def commit(self, expected: Digest) -> Digest:
        """Verify the bytes against ``expected`` and make the blob visible.

        Raises DigestInvalid (and discards the bytes) on a mismatch. A blob
        that already exists is left as it is: content addressing makes the
        two identical.
        """

    def cancel(self) -> None:
        """Discard the bytes written so far."""


class BlobIngester(Protocol):
    def writer(self, *, verify: bool = True) -> BlobWriter:
        """A new writer for a blob whose digest is checked at commit.

        ``verify=False`` is for a decorator that names what it stores
        itself and vouches for it (the encrypted store's sealed objects
        carry an authentication tag per chunk): the writer then neither
        hashes nor checks, and ``commit(name)`` stores the bytes as
        ``name``. ``digest()`` is not available on such a writer.
        """


class BlobDeleter(Protocol):
    def delete(self, digest: Digest) -> bool:
        """Remove the blob; True when it existed."""


class BlobEnumerator(Protocol):
    def digests(self) -> Iterator[Digest]:
        """Every stored blob, in no particular order."""


class BlobStore(
    BlobStatter, BlobProvider, BlobIngester, BlobDeleter, BlobEnumerator, Protocol
):
    """The whole blob store role, as drivers and decorators implement it."""


class UploadStore(Protocol):
    """Byte storage for upload sessions in progress, by session id.

    The session's metadata (repository, size so far, expiry) lives in the
    metadata database; this only holds the bytes, so any node can continue a
    session another began.
    """

    def create(self, session_id: str, *, hashed: bool = True) -> None:
        """Start an empty session; ``hashed=False`` when it is committed
        unverified (see :meth:`commit`), so no running hash is kept."""

    def size(self, session_id: str) -> int | None:
        """Bytes received so far, None when there is no such session."""

    def append(self, session_id: str, chunks: Iterator[Buffer]) -> int:
        """Append ``chunks`` at the current end; returns the new size."""

    def read(self, session_id: str) -> Iterator[bytes]:
        """Stream the bytes received so far (to hash them at commit)."""

    def digest(self, session_id: str) -> Digest | None:
        """The sha256 digest of the bytes received so far, without reading them.

        None when it is not known (another process appended, or this one
        restarted): a caller that needs it then hashes :meth:`read`.
        """

    def commit(
        self,
        session_id: str,
        expected: Digest,
        blobs: BlobStore,
        *,
        verify: bool = True,
    ) -> Digest:
        """Move the session's bytes into ``blobs`` as ``expected``, verified.

        Raises DigestInvalid on a mismatch; the session is then removed.
        ``verify=False`` stores the bytes as ``expected`` unchecked, for a
        decorator that vouches for them (as ``BlobIngester.writer`` does).
        """

    def delete(self, session_id: str) -> None: ...

    def sessions(self) -> Iterator[str]: ...


class UploadDriver(UploadStore, Protocol):
    """An upload store that holds the bytes itself, as decorators need."""

    def truncate(self, session_id: str, size: int) -> None:
        """Cut the session back to its first ``size`` bytes.

        For a decorator whose own record of a session is behind its bytes:
        an append a crash interrupted wrote bytes that were never
        acknowledged, and the client resumes from the recorded size.
        """
