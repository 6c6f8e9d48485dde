"""EncryptedBlobStore over the filesystem driver: round trips, ranges, tamper."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from seawall.crypto.blobstore import EncryptedBlobStore
from seawall.crypto.envelope import HEADER_SIZE, OVERHEAD
from seawall.crypto.errors import KeyUnavailable
from seawall.crypto.keys import DEFAULT_ALIAS, KeyManager
from seawall.errors import BlobUnknown, DigestInvalid, IntegrityError, RangeInvalid
from seawall.oci.digest import Digest
from tests.unit.crypto.conftest import CHUNK, make_store

MARKER = b"SEAWALL-PLAINTEXT-MARKER-7f3a"


def _put(store: EncryptedBlobStore, data: bytes, piece: int = 1000) -> Digest:
    writer = store.writer()
    for start in range(0, len(data), piece):
        writer.write(data[start : start + piece])
    return writer.commit(Digest.of(data))


def _sealed_path(store: EncryptedBlobStore, digest: Digest) -> Path:
    obj = store.objects.get(store.domain, digest)
    assert obj is not None
    return store.inner.path(obj.sealed_digest)  # type: ignore[attr-defined]


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, 3 * CHUNK + 17])
def test_round_trip_and_plaintext_views(store: EncryptedBlobStore, size: int) -> None:
    data = os.urandom(size)

    digest = _put(store, data)

    assert store.stat(digest) == size
    assert b"".join(store.read(digest)) == data
    assert list(store.digests()) == [digest]
    assert _sealed_path(store, digest).stat().st_size > size


def test_sealed_objects_are_named_by_their_header_not_by_hashing_them(
    store: EncryptedBlobStore,
) -> None:
    data = os.urandom(2 * CHUNK)
    first = _sealed_path(store, _put(store, data))
    header = first.read_bytes()[:HEADER_SIZE]

    assert first.name == hashlib.sha256(header).hexdigest()
    assert first.name != hashlib.sha256(first.read_bytes()).hexdigest()
    store.delete(Digest.of(data))
    again = _sealed_path(store, _put(store, data))  # a new object id: a new name
    assert again.name != first.name


def test_no_plaintext_on_disk(store: EncryptedBlobStore, storage_root: Path) -> None:
    data = MARKER * 5000

    _put(store, data, piece=333)

    for path in storage_root.rglob("*"):
        if path.is_file():
            assert MARKER not in path.read_bytes(), path


@pytest.mark.parametrize(
    ("offset", "length"),
    [
        (0, 1),
        (CHUNK - 1, 2),  # straddles a boundary
        (CHUNK, CHUNK),  # exactly one chunk
        (10, 3 * CHUNK),  # to the end, clipped
        (2 * CHUNK + 5, None),  # the tail
        (5, 0),
    ],
)
def test_range_reads(
    store: EncryptedBlobStore, offset: int, length: int | None
) -> None:
    data = os.urandom(2 * CHUNK + 100)
    digest = _put(store, data)

    got = b"".join(store.read(digest, offset, length))

    end = len(data) if length is None else offset + length
    assert got == data[offset:end]


def test_range_reads_open_only_the_chunks_they_need(
    store: EncryptedBlobStore,
) -> None:
    data = os.urandom(4 * CHUNK)
    digest = _put(store, data)
    path = _sealed_path(store, digest)
    damaged = bytearray(path.read_bytes())
    damaged[HEADER_SIZE + 3 * (CHUNK + OVERHEAD) + 40] ^= 0xFF
    path.write_bytes(damaged)

    assert b"".join(store.read(digest, CHUNK, CHUNK)) == data[CHUNK : 2 * CHUNK]
    with pytest.raises(IntegrityError, match="chunk 3"):
        b"".join(store.read(digest, 3 * CHUNK, 10))


def test_bad_ranges_and_unknown_blobs(store: EncryptedBlobStore) -> None:
    digest = _put(store, b"abc")

    with pytest.raises(RangeInvalid):
        store.read(digest, 3)
    with pytest.raises(BlobUnknown):
        store.read(Digest.of(b"nope"))


def test_digest_mismatch_discards(store: EncryptedBlobStore) -> None:
    writer = store.writer()
    writer.write(b"hello")

    with pytest.raises(DigestInvalid):
        writer.commit(Digest.of(b"other"))
    assert store.stat(Digest.of(b"hello")) is None
    assert list(store.inner.digests()) == []


def _tamper(path: Path, edit: str) -> None:
    data = bytearray(path.read_bytes())
    record = CHUNK + OVERHEAD
    first = data[HEADER_SIZE : HEADER_SIZE + record]
    second = data[HEADER_SIZE + record : HEADER_SIZE + 2 * record]
    if edit == "flip":
        data[HEADER_SIZE + record + 100] ^= 0x01
    elif edit == "header":
        data[9] ^= 0x01
    elif edit == "swap":
        data[HEADER_SIZE : HEADER_SIZE + 2 * record] = second + first
    elif edit == "duplicate":
        data[HEADER_SIZE + record : HEADER_SIZE + 2 * record] = first
    elif edit == "truncate-at-boundary":
        del data[HEADER_SIZE + 2 * record :]
    elif edit == "truncate-byte":
        del data[-1:]
    elif edit == "drop-chunk":
        del data[HEADER_SIZE + record : HEADER_SIZE + 2 * record]
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "edit",
    [
        "flip",
        "header",
        "swap",
        "duplicate",
        "truncate-at-boundary",
        "truncate-byte",
        "drop-chunk",
    ],
)
def test_tampering_is_detected(store: EncryptedBlobStore, edit: str) -> None:
    data = os.urandom(3 * CHUNK + 50)
    digest = _put(store, data)
    _tamper(_sealed_path(store, digest), edit)

    with pytest.raises(IntegrityError):
        b"".join(store.read(digest))


def test_truncation_of_a_whole_chunk_at_the_end_is_detected(
    store: EncryptedBlobStore,
) -> None:
    # Exactly 2 chunks: the empty final chunk is what proves the end.
    data = os.urandom(2 * CHUNK)
    digest = _put(store, data)
    path = _sealed_path(store, digest)
    path.write_bytes(path.read_bytes()[:-OVERHEAD])

    with pytest.raises(IntegrityError):
        b"".join(store.read(digest))


def test_swapped_catalogue_rows_fail_to_unwrap(
    store: EncryptedBlobStore, engine: Engine
) -> None:
    a, b = _put(store, b"a" * 10), _put(store, b"b" * 10)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE crypto_objects SET (sealed_digest, object_id, wrapped_key) = "
            "(SELECT sealed_digest, object_id, wrapped_key FROM crypto_objects "
            "WHERE digest = ?) WHERE digest = ?",
            (str(b), str(a)),
        )

    with pytest.raises(IntegrityError):
        b"".join(store.read(a))


def test_disabled_key_fails_reads_and_writes_until_enabled(
    keys: KeyManager, engine: Engine, storage_root: Path
) -> None:
    key = keys.create_key("team key")
    store = make_store(keys, engine, storage_root, key.key_id, f"kms-{key.key_id}")
    digest = _put(store, b"secret layer")

    keys.disable_key(key.key_id)

    with pytest.raises(KeyUnavailable, match=f"read blob: key {key.arn} is Disabled"):
        store.read(digest)
    with pytest.raises(KeyUnavailable, match="write blob"):
        store.writer()
    assert store.stat(digest) == len(b"secret layer")

    keys.enable_key(key.arn)
    assert b"".join(store.read(digest)) == b"secret layer"


def test_key_domains_keep_their_own_copies(
    keys: KeyManager, engine: Engine, storage_root: Path, store: EncryptedBlobStore
) -> None:
    key = keys.create_key()
    other = make_store(keys, engine, storage_root, key.key_id, f"kms-{key.key_id}")
    data = os.urandom(CHUNK + 1)

    _put(store, data)
    _put(other, data)
    _put(other, data)  # de-duplicated inside the domain

    assert len(list(store.inner.digests())) == 1
    assert len(list(other.inner.digests())) == 1
    assert _sealed_path(store, Digest.of(data)).read_bytes() != (
        _sealed_path(other, Digest.of(data)).read_bytes()
    )
    assert other.delete(Digest.of(data))
    assert list(other.inner.digests()) == []
    assert b"".join(store.read(Digest.of(data))) == data


def test_other_digest_algorithms_are_verified_by_reading_back(
    store: EncryptedBlobStore,
) -> None:
    data = os.urandom(CHUNK + 9)

    digest = _put_as(store, data, Digest.of(data, "sha512"))
    assert b"".join(store.read(digest)) == data

    writer = store.writer()
    writer.write(data)
    with pytest.raises(DigestInvalid):
        writer.commit(Digest.of(b"else", "sha512"))
    assert len(list(store.inner.digests())) == 1


def _put_as(store: EncryptedBlobStore, data: bytes, digest: Digest) -> Digest:
    writer = store.writer()
    writer.write(data)
    return writer.commit(digest)


class _BytesPieces:
    """A driver answering read-only ``bytes`` in pieces of its own size."""

    def __init__(self, inner: object, size: int) -> None:
        self._inner = inner
        self._size = size

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)

    def read(
        self,
        digest: Digest,
        offset: int = 0,
        length: int | None = None,
        *,
        piece: int = 0,
    ) -> Iterator[bytes]:
        whole = b"".join(self._inner.read(digest, offset, length))  # type: ignore[attr-defined]
        for start in range(0, len(whole), self._size):
            yield whole[start : start + self._size]


@pytest.mark.parametrize("piece", [1000, CHUNK + OVERHEAD, 3 * CHUNK])
def test_drivers_answering_bytes_of_any_size_still_open(
    store: EncryptedBlobStore, piece: int
) -> None:
    data = os.urandom(4 * CHUNK + 5)
    digest = _put(store, data)
    store.inner = _BytesPieces(store.inner, piece)  # type: ignore[assignment]

    assert b"".join(store.read(digest)) == data
    assert (
        b"".join(store.read(digest, CHUNK - 3, CHUNK + 9))
        == data[CHUNK - 3 : 2 * CHUNK + 6]
    )


def test_pieces_held_by_the_caller_keep_their_bytes(
    keys: KeyManager, engine: Engine, storage_root: Path
) -> None:
    # Chunks of 256 KiB: read and opened in pooled buffers, which are filled
    # again only once nothing holds them. A caller keeping every piece (as a
    # slow transport may) must still see each one unchanged.
    key = keys.managed_key(DEFAULT_ALIAS)
    store = make_store(keys, engine, storage_root, key.key_id, "default")
    store.chunk_size = 256 * 1024
    data = os.urandom(80 * 256 * 1024 + 11)
    digest = _put(store, data, piece=1024 * 1024)

    for _ in range(2):  # the second read finds the first one's buffers free
        pieces = list(store.read(digest, piece=2 * 1024 * 1024))
        assert all(isinstance(p, memoryview) for p in pieces)
        assert b"".join(pieces) == data
        del pieces
