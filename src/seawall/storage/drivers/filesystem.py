"""The filesystem driver: blobs and upload sessions in a local directory.

Layout under the storage root::

    <root>/
      blobs/<domain>/<algorithm>/<first two hex>/<hex>   one file per blob
      uploads/<session id>                               bytes received so far
      tmp/<random>                                       blobs being written

A blob is written to ``tmp/`` while its digest is computed, then renamed
into place: a reader sees the whole verified blob or nothing, and a crash
(even ``kill -9``) leaves at most a stray file in ``tmp/`` that
:meth:`FilesystemBlobStore.sweep_tmp` removes.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from seawall.errors import BlobUnknown, DigestInvalid, RangeInvalid, UploadUnknown
from seawall.oci.digest import Digest, new_hasher
from seawall.storage.buffers import CHUNKS
from seawall.storage.hashing import HashPipe
from seawall.storage.interfaces import READ_CHUNK, BlobStore, BlobWriter, Buffer


def _digest_path(base: Path, digest: Digest) -> Path:
    return base / digest.algorithm / digest.encoded[:2] / digest.encoded


class FilesystemBlobStore:
    """A content-addressed blob store for one key domain."""

    def __init__(self, root: Path, domain: str = "default") -> None:
        self.root = root
        self.domain = domain
        self._base = root / "blobs" / domain
        self._tmp = root / "tmp"
        self._base.mkdir(parents=True, exist_ok=True)
        self._tmp.mkdir(parents=True, exist_ok=True)

    def path(self, digest: Digest) -> Path:
        return _digest_path(self._base, digest)

    def stat(self, digest: Digest) -> int | None:
        try:
            return self.path(digest).stat().st_size
        except FileNotFoundError:
            return None

    def read(
        self,
        digest: Digest,
        offset: int = 0,
        length: int | None = None,
        *,
        piece: int = READ_CHUNK,
    ) -> Iterator[bytes]:
        size = self.stat(digest)
        if size is None:
            raise BlobUnknown(f"blob unknown: {digest}")
        if offset < 0 or (offset > size or (offset == size and size > 0)):
            raise RangeInvalid(f"invalid range: offset {offset} beyond size {size}")
        remaining = size - offset if length is None else min(length, size - offset)
        return _stream(self.path(digest), offset, remaining, piece)

    def writer(self, *, verify: bool = True) -> FilesystemBlobWriter:
        return FilesystemBlobWriter(self, self._tmp / uuid.uuid4().hex, verify)

    def adopt(self, source: Path, digest: Digest) -> None:
        """Move an already verified file into place as ``digest``."""
        target = self.path(digest)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)

    def delete(self, digest: Digest) -> bool:
        try:
            self.path(digest).unlink()
        except FileNotFoundError:
            return False
        return True

    def digests(self) -> Iterator[Digest]:
        for algorithm_dir in sorted(self._base.iterdir()):
            for path in algorithm_dir.glob("*/*"):
                yield Digest(algorithm_dir.name, path.name)

    def sweep_tmp(self, older_than: float) -> int:
        """Remove temporary files older than ``older_than`` seconds."""
        cutoff = time.time() - older_than
        removed = 0
        for path in self._tmp.iterdir():
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed


def _stream(
    path: Path, offset: int, remaining: int, piece: int = READ_CHUNK
) -> Iterator[bytes]:
    """Read lazily: the file is opened on the first ``next`` and always closed.

    Every piece but the last is ``piece`` bytes (a short read is completed).
    Full pieces are read into buffers from the process's pool
    (:data:`~seawall.storage.buffers.CHUNKS`), which fills a buffer again only
    once nothing refers to it: a fresh MiB costs page faults and zeroing on
    every read, about as much as the read itself. The shorter last piece gets
    a buffer of its own, so that odd sizes never take the pool's places.
    """
    try:
        fh = path.open("rb", buffering=0)
    except FileNotFoundError as exc:
        raise BlobUnknown(f"blob unknown: {path.name}") from exc
    with fh:
        fh.seek(offset)
        while remaining > 0:
            want = min(piece, remaining)
            data = CHUNKS.take(want) if want == piece else bytearray(want)
            with memoryview(data) as view:
                got = 0
                while got < want and (count := fh.readinto(view[got:])):
                    got += count
            if got == 0:
                return
            if got < want:
                del data[got:]
            remaining -= got
            yield data  # type: ignore[misc]  # a bytearray: bytes-like


class FilesystemBlobWriter:
    """Writes to a temporary file, hashing as it goes."""

    def __init__(
        self, store: FilesystemBlobStore, tmp_path: Path, verify: bool = True
    ) -> None:
        self._store = store
        self._path = tmp_path
        self._verify = verify
        self._fh: BinaryIO | None = tmp_path.open("wb")
        self._hashers: dict[str, Any] = {}
        self._pipe: HashPipe | None = None
        self._size = 0

    @property
    def size(self) -> int:
        return self._size

    def write(self, data: Buffer) -> None:
        assert self._fh is not None, "write after commit or cancel"
        self._fh.write(data)
        self._size += len(data)
        if not self._verify:
            return
        hashers = self._ensure_hashers()
        # Past the first MiB (a layer, not a config) a helper thread hashes
        # while this one goes on receiving and writing.
        if self._pipe is None and self._size > READ_CHUNK:
            self._pipe = HashPipe(*hashers)
        if self._pipe is None:
            for hasher in hashers:
                hasher.update(data)
        else:
            for index in range(len(self._hashers)):
                self._pipe.feed(index, data)

    def digest(self) -> Digest:
        if not self._verify:
            raise RuntimeError("an unverified writer keeps no digest")
        if self._pipe is not None:
            self._pipe.sync()
        hasher = next(iter(self._ensure_hashers()))
        return Digest("sha256", hasher.hexdigest())

    def _ensure_hashers(self) -> Any:
        if not self._hashers:
            self._hashers["sha256"] = new_hasher("sha256")
        return self._hashers.values()

    def expect_algorithm(self, algorithm: str) -> None:
        """Hash with ``algorithm`` too (call before the first write)."""
        if self._size == 0:
            self._ensure_hashers()
            self._hashers.setdefault(algorithm, new_hasher(algorithm))

    def commit(self, expected: Digest) -> Digest:
        self._close()
        if not self._verify:  # the caller vouches for the bytes and the name
            self._store.adopt(self._path, expected)
            return expected
        hasher = self._hashers.get(expected.algorithm)
        if hasher is None:
            hasher = _hash_file(self._path, expected.algorithm)
        actual = Digest(expected.algorithm, hasher.hexdigest())
        if actual != expected:
            self._path.unlink(missing_ok=True)
            raise DigestInvalid(
                f"invalid digest: content is {actual}, expected {expected}"
            )
        self._store.adopt(self._path, expected)
        return expected

    def cancel(self) -> None:
        self._close()
        self._path.unlink(missing_ok=True)

    def _close(self) -> None:
        try:
            pipe, self._pipe = self._pipe, None
            if pipe is not None:
                pipe.close()
        finally:
            if self._fh is not None:
                self._fh.close()
                self._fh = None


def _hash_file(path: Path, algorithm: str) -> Any:
    hasher = new_hasher(algorithm)
    with path.open("rb", buffering=0) as fh:
        while data := fh.read(READ_CHUNK):
            hasher.update(data)
    return hasher


class FilesystemUploadStore:
    """Upload session bytes as files; any node on the same volume continues them.

    The running SHA-256 of each session is kept in memory while this process
    sees every append; after a restart (or when another node appended) the
    bytes are hashed again at commit, so the result is the same either way.
    """

    def __init__(self, root: Path) -> None:
        self._dir = root / "uploads"
        self._dir.mkdir(parents=True, exist_ok=True)
        self._states: dict[str, tuple[int, Any]] = {}
        self._lock = threading.Lock()

    def _path(self, session_id: str) -> Path:
        if not session_id or "/" in session_id or session_id.startswith("."):
            raise UploadUnknown(f"blob upload unknown: {session_id!r}")
        return self._dir / session_id

    def create(self, session_id: str, *, hashed: bool = True) -> None:
        self._path(session_id).touch(exist_ok=False)
        if hashed:
            with self._lock:
                self._states[session_id] = (0, new_hasher("sha256"))

    def size(self, session_id: str) -> int | None:
        try:
            return self._path(session_id).stat().st_size
        except FileNotFoundError:
            return None

    def append(self, session_id: str, chunks: Iterator[Buffer]) -> int:
        path = self._path(session_id)
        if not path.exists():
            raise UploadUnknown(f"blob upload unknown: {session_id}")
        with path.open("ab", buffering=0) as fh:
            start = fh.tell()
            with self._lock:
                state = self._states.get(session_id)
            hasher = state[1] if state and state[0] == start else None
            size = start
            pipe = None
            try:
                for data in chunks:
                    fh.write(data)
                    size += len(data)
                    if hasher is None:
                        continue
                    # As the blob writer does: past a MiB, hash in a helper.
                    if pipe is None and size - start > READ_CHUNK:
                        pipe = HashPipe(hasher)
                    if pipe is None:
                        hasher.update(data)
                    else:
                        pipe.feed(0, data)
            finally:
                if pipe is not None:
                    pipe.close()
        with self._lock:
            if hasher is not None:
                self._states[session_id] = (size, hasher)
            else:
                self._states.pop(session_id, None)
        return size

    def truncate(self, session_id: str, size: int) -> None:
        try:
            os.truncate(self._path(session_id), size)
        except FileNotFoundError as exc:
            raise UploadUnknown(f"blob upload unknown: {session_id}") from exc
        with self._lock:
            self._states.pop(session_id, None)  # the running hash is past it

    def read(self, session_id: str) -> Iterator[bytes]:
        size = self.size(session_id)
        if size is None:
            raise UploadUnknown(f"blob upload unknown: {session_id}")
        return _stream(self._path(session_id), 0, size)

    def digest(self, session_id: str) -> Digest | None:
        size = self.size(session_id)
        with self._lock:
            state = self._states.get(session_id)
        if size is None or state is None or state[0] != size:
            return None
        return Digest("sha256", state[1].hexdigest())

    def commit(
        self,
        session_id: str,
        expected: Digest,
        blobs: BlobStore,
        *,
        verify: bool = True,
    ) -> Digest:
        path = self._path(session_id)
        running = self.digest(session_id)
        if running is None and self.size(session_id) is None:
            raise UploadUnknown(f"blob upload unknown: {session_id}")
        with self._lock:
            self._states.pop(session_id, None)
        if not verify:
            actual = expected
        elif running is not None and expected.algorithm == "sha256":
            actual = running
        else:
            rehashed = _hash_file(path, expected.algorithm)
            actual = Digest(expected.algorithm, rehashed.hexdigest())
        if actual != expected:
            self.delete(session_id)
            raise DigestInvalid(
                f"invalid digest: content is {actual}, expected {expected}"
            )
        if isinstance(blobs, FilesystemBlobStore) and blobs.root == self._dir.parent:
            blobs.adopt(path, expected)
            return expected
        return _copy_into(
            self.read(session_id),
            blobs.writer(verify=verify),
            expected,
            self,
            session_id,
        )

    def delete(self, session_id: str) -> None:
        with self._lock:
            self._states.pop(session_id, None)
        self._path(session_id).unlink(missing_ok=True)

    def sessions(self) -> Iterator[str]:
        for path in self._dir.iterdir():
            yield path.name


def _copy_into(
    chunks: Iterator[bytes],
    writer: BlobWriter,
    expected: Digest,
    uploads: FilesystemUploadStore,
    session_id: str,
) -> Digest:
    try:
        for data in chunks:
            writer.write(data)
        writer.commit(expected)
    except BaseException:
        writer.cancel()
        raise
    uploads.delete(session_id)
    return expected
