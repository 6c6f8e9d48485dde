"""The blob-store contract: every driver and decorator must pass this suite.

Add an implementation by adding a parameter to the ``blob_store`` fixture.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from seawall.errors import BlobUnknown, DigestInvalid, RangeInvalid
from seawall.oci.digest import Digest
from seawall.storage.drivers.filesystem import (
    FilesystemBlobStore,
    FilesystemUploadStore,
)
from seawall.storage.interfaces import BlobStore, UploadStore

StoreFactory = Callable[[Path], tuple[BlobStore, UploadStore]]


def _filesystem(root: Path) -> tuple[BlobStore, UploadStore]:
    return FilesystemBlobStore(root), FilesystemUploadStore(root)


def _encrypted(root: Path) -> tuple[BlobStore, UploadStore]:
    """The encryption decorators over the filesystem driver (crypto/)."""
    from seawall.crypto.blobstore import EncryptedBlobStore
    from seawall.crypto.keys import KeyManager
    from seawall.crypto.objects import SealedObjects
    from seawall.crypto.rootkey import load_or_create_root_key
    from seawall.crypto.uploads import EncryptedUploadStore
    from seawall.storage.metadata.db import make_engine, migrate

    root.mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{root / 'seawall.db'}")
    migrate(engine)
    root_key = load_or_create_root_key(root)
    keys = KeyManager(engine, root_key, region="us-east-1", account_id="0" * 12)
    key_id = keys.managed_key().key_id
    blobs = EncryptedBlobStore(
        FilesystemBlobStore(root),
        keys,
        SealedObjects(engine),
        domain="default",
        key_id=key_id,
        chunk_size=16 * 1024,
    )
    uploads = EncryptedUploadStore(
        FilesystemUploadStore(root),
        keys,
        engine,
        key_id=key_id,
        chunk_size=16 * 1024,
    )
    return blobs, uploads


FACTORIES: dict[str, StoreFactory] = {
    "filesystem": _filesystem,
    "encrypted": _encrypted,
}


@pytest.fixture(params=sorted(FACTORIES))
def stores(
    request: pytest.FixtureRequest, tmp_path: Path
) -> tuple[BlobStore, UploadStore]:
    return FACTORIES[request.param](tmp_path / "storage")


@pytest.fixture
def blob_store(stores: tuple[BlobStore, UploadStore]) -> BlobStore:
    return stores[0]


@pytest.fixture
def upload_store(stores: tuple[BlobStore, UploadStore]) -> UploadStore:
    return stores[1]


def put(store: BlobStore, data: bytes) -> Digest:
    writer = store.writer()
    writer.write(data)
    return writer.commit(Digest.of(data))


def test_round_trip(blob_store: BlobStore) -> None:
    data = os.urandom(300_000)
    digest = put(blob_store, data)
    assert blob_store.stat(digest) == len(data)
    assert b"".join(blob_store.read(digest)) == data


def test_invisible_until_commit(blob_store: BlobStore) -> None:
    data = b"pending content"
    writer = blob_store.writer()
    writer.write(data)
    assert blob_store.stat(Digest.of(data)) is None
    writer.commit(Digest.of(data))
    assert blob_store.stat(Digest.of(data)) == len(data)


def test_wrong_digest_is_refused_and_leaves_nothing(blob_store: BlobStore) -> None:
    writer = blob_store.writer()
    writer.write(b"actual")
    claimed = Digest.of(b"claimed")
    with pytest.raises(DigestInvalid):
        writer.commit(claimed)
    assert blob_store.stat(claimed) is None
    assert blob_store.stat(Digest.of(b"actual")) is None
    assert list(blob_store.digests()) == []


def test_cancel(blob_store: BlobStore) -> None:
    writer = blob_store.writer()
    writer.write(b"cancelled")
    writer.cancel()
    assert blob_store.stat(Digest.of(b"cancelled")) is None


@pytest.mark.parametrize(
    ("offset", "length"),
    [
        (0, None),
        (0, 1),
        (1, 10),
        (65_535, 2),
        (65_536, 65_536),
        (199_999, None),
        (100, 0),
    ],
)
def test_range_reads(blob_store: BlobStore, offset: int, length: int | None) -> None:
    data = os.urandom(200_000)
    digest = put(blob_store, data)
    end = None if length is None else offset + length
    assert b"".join(blob_store.read(digest, offset, length)) == data[offset:end]


def test_range_beyond_end(blob_store: BlobStore) -> None:
    digest = put(blob_store, b"short")
    with pytest.raises(RangeInvalid):
        b"".join(blob_store.read(digest, 6))


def test_unknown_and_delete(blob_store: BlobStore) -> None:
    digest = put(blob_store, b"to delete")
    assert blob_store.delete(digest) is True
    assert blob_store.delete(digest) is False
    with pytest.raises(BlobUnknown):
        b"".join(blob_store.read(digest))


def test_enumerates_digests(blob_store: BlobStore) -> None:
    digests = {put(blob_store, f"blob {i}".encode()) for i in range(5)}
    assert set(blob_store.digests()) == digests


def test_streaming_large_blob(blob_store: BlobStore) -> None:
    hasher = hashlib.sha256()
    writer = blob_store.writer()
    chunk = os.urandom(1 << 20)
    for i in range(24):
        piece = chunk[i:] + chunk[:i]
        writer.write(piece)
        hasher.update(piece)
    digest = writer.commit(Digest("sha256", hasher.hexdigest()))
    check = hashlib.sha256()
    for data in blob_store.read(digest):
        assert len(data) <= 4 << 20
        check.update(data)
    assert check.hexdigest() == digest.encoded


def test_concurrent_writers_of_one_blob(blob_store: BlobStore) -> None:
    data = os.urandom(2 << 20)
    errors: list[BaseException] = []

    def write() -> None:
        try:
            put(blob_store, data)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert b"".join(blob_store.read(Digest.of(data))) == data


def test_sha512(blob_store: BlobStore) -> None:
    data = b"sha512 blob"
    digest = Digest.of(data, "sha512")
    writer = blob_store.writer()
    writer.write(data)
    writer.commit(digest)
    assert b"".join(blob_store.read(digest)) == data


def test_upload_session_commit(
    blob_store: BlobStore, upload_store: UploadStore
) -> None:
    upload_store.create("session-1")
    assert upload_store.size("session-1") == 0
    parts = [os.urandom(100_000) for _ in range(3)]
    assert upload_store.append("session-1", iter(parts[:2])) == 200_000
    assert upload_store.append("session-1", iter(parts[2:])) == 300_000
    data = b"".join(parts)
    assert b"".join(upload_store.read("session-1")) == data
    digest = upload_store.commit("session-1", Digest.of(data), blob_store)
    assert b"".join(blob_store.read(digest)) == data
    assert upload_store.size("session-1") is None


def test_upload_session_mismatch_removes_it(
    blob_store: BlobStore, upload_store: UploadStore
) -> None:
    upload_store.create("session-2")
    upload_store.append("session-2", iter([b"payload"]))
    with pytest.raises(DigestInvalid):
        upload_store.commit("session-2", Digest.of(b"other"), blob_store)
    assert upload_store.size("session-2") is None
    assert blob_store.stat(Digest.of(b"payload")) is None


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_upload_survives_restart(tmp_path: Path, name: str) -> None:
    factory = FACTORIES[name]
    blobs, uploads = factory(tmp_path / "storage")
    uploads.create("session-3")
    uploads.append("session-3", iter([b"first half, "]))
    # A new process: fresh objects over the same storage.
    blobs, uploads = factory(tmp_path / "storage")
    uploads.append("session-3", iter([b"second half"]))
    data = b"first half, second half"
    uploads.commit("session-3", Digest.of(data), blobs)
    assert b"".join(blobs.read(Digest.of(data))) == data


def test_writer_reports_running_digest(blob_store: BlobStore) -> None:
    writer = blob_store.writer()
    writer.write(b"first ")
    assert writer.digest() == Digest.of(b"first ")
    writer.write(b"second")
    assert writer.digest() == Digest.of(b"first second")
    writer.commit(Digest.of(b"first second"))
    assert b"".join(blob_store.read(Digest.of(b"first second"))) == b"first second"


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_upload_reports_running_digest_only_when_it_saw_every_append(
    tmp_path: Path, name: str
) -> None:
    factory = FACTORIES[name]
    _, uploads = factory(tmp_path / "storage")
    uploads.create("session-4")
    uploads.append("session-4", iter([b"one, "]))
    assert uploads.digest("session-4") == Digest.of(b"one, ")
    uploads.append("session-4", iter([b"two"]))
    assert uploads.digest("session-4") == Digest.of(b"one, two")
    # Another process appended: this one no longer knows the running hash.
    _, other = factory(tmp_path / "storage")
    other.append("session-4", iter([b", three"]))
    assert uploads.digest("session-4") is None
    assert other.digest("session-4") is None
    assert uploads.digest("no-such-session") is None


@pytest.mark.parametrize("piece", [1, 1000, 4096, 1 << 20])
def test_read_in_pieces_of_the_size_asked(blob_store: BlobStore, piece: int) -> None:
    data = os.urandom(50_000)
    digest = put(blob_store, data)
    pieces = list(blob_store.read(digest, 10, 45_000, piece=piece))
    assert b"".join(pieces) == data[10:45_010]
    if isinstance(blob_store, FilesystemBlobStore):
        assert all(len(p) == piece for p in pieces[:-1])


def test_running_digest_of_a_large_write(blob_store: BlobStore) -> None:
    """Past the first MiB a decorator may hash elsewhere; digest() still agrees."""
    pieces = [os.urandom(700_000) for _ in range(4)]
    writer = blob_store.writer()
    writer.expect_algorithm("sha512")
    for count, piece in enumerate(pieces, 1):
        writer.write(piece)
        assert writer.digest() == Digest.of(b"".join(pieces[:count]))
    data = b"".join(pieces)
    writer.commit(Digest.of(data, "sha512"))
    assert b"".join(blob_store.read(Digest.of(data, "sha512"))) == data


def test_driver_stores_unverified_bytes_under_the_name_given(tmp_path: Path) -> None:
    """What a decorator vouches for (sealed objects) is neither hashed nor checked."""
    blobs, uploads = _filesystem(tmp_path / "storage")
    name = Digest.of(b"a name, not the content's digest")
    writer = blobs.writer(verify=False)
    writer.write(b"sealed bytes")
    with pytest.raises(RuntimeError):
        writer.digest()
    writer.commit(name)
    assert b"".join(blobs.read(name)) == b"sealed bytes"

    other = Digest.of(b"another name")
    uploads.create("session-5", hashed=False)
    uploads.append("session-5", iter([b"more ", b"sealed bytes"]))
    assert uploads.digest("session-5") is None
    uploads.commit("session-5", other, blobs, verify=False)
    assert b"".join(blobs.read(other)) == b"more sealed bytes"


def test_decorators_refuse_to_store_unverified(tmp_path: Path) -> None:
    blobs, uploads = _encrypted(tmp_path / "storage")
    with pytest.raises(ValueError, match="always verifies"):
        blobs.writer(verify=False)
    uploads.create("session-6")
    with pytest.raises(ValueError, match="always verified"):
        uploads.commit("session-6", Digest.of(b""), blobs, verify=False)
