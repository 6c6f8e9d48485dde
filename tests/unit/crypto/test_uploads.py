"""Sealed upload sessions: arbitrary appends, restarts, commit without re-sealing."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from seawall.crypto.blobstore import EncryptedBlobStore
from seawall.crypto.keys import DEFAULT_ALIAS, KeyManager
from seawall.crypto.uploads import EncryptedUploadStore
from seawall.errors import DigestInvalid, UploadInvalid, UploadUnknown
from seawall.oci.digest import Digest
from seawall.storage.drivers.filesystem import (
    FilesystemBlobStore,
    FilesystemUploadStore,
)
from tests.unit.crypto.conftest import CHUNK, make_store

MARKER = b"UPLOAD-MARKER-b41c"


def _pieces(data: bytes, sizes: list[int]) -> list[bytes]:
    out, start = [], 0
    for size in sizes:
        out.append(data[start : start + size])
        start += size
    out.append(data[start:])
    return out


def _no_marker(root: Path, engine_file: Path) -> None:
    for path in [*root.rglob("*"), engine_file]:
        if path.is_file():
            assert MARKER not in path.read_bytes(), path


@pytest.mark.parametrize(
    "sizes",
    [[], [1], [CHUNK - 1, 1], [CHUNK, CHUNK], [7, CHUNK * 2 + 3, 100], [CHUNK + 1] * 3],
)
def test_appends_of_any_size_commit_to_the_blob(
    uploads: EncryptedUploadStore, store: EncryptedBlobStore, sizes: list[int]
) -> None:
    data = os.urandom(sum(sizes) + 123)
    uploads.create("s1")

    for piece in _pieces(data, sizes):
        size = uploads.append("s1", iter([piece]))

    assert size == len(data) == uploads.size("s1")
    assert b"".join(uploads.read("s1")) == data
    assert uploads.commit("s1", Digest.of(data), store) == Digest.of(data)
    assert b"".join(store.read(Digest.of(data))) == data
    assert uploads.size("s1") is None
    assert list(uploads.sessions()) == []


def test_nothing_plaintext_while_in_progress(
    uploads: EncryptedUploadStore, storage_root: Path, tmp_path: Path
) -> None:
    uploads.create("s1")
    uploads.append("s1", iter([MARKER * 10]))  # a partial tail only
    _no_marker(storage_root, tmp_path / "seawall.db")
    uploads.append("s1", iter([MARKER * 1000]))
    _no_marker(storage_root, tmp_path / "seawall.db")


def test_session_survives_a_restart_and_another_node(
    keys: KeyManager, engine: Engine, storage_root: Path, store: EncryptedBlobStore
) -> None:
    key_id = keys.managed_key(DEFAULT_ALIAS).key_id
    data = os.urandom(5 * CHUNK + 11)

    def node() -> EncryptedUploadStore:
        return EncryptedUploadStore(
            FilesystemUploadStore(storage_root),
            keys,
            engine,
            key_id=key_id,
            chunk_size=CHUNK,
        )

    node().create("s1")
    node().append("s1", iter([data[:100]]))
    node().append("s1", iter([data[100 : 3 * CHUNK]]))
    last = node()
    last.append("s1", iter([data[3 * CHUNK :]]))

    assert node().commit("s1", Digest.of(data), store) == Digest.of(data)
    assert b"".join(store.read(Digest.of(data))) == data


def test_a_broken_stream_keeps_what_arrived(uploads: EncryptedUploadStore) -> None:
    data = os.urandom(3 * CHUNK)
    uploads.create("s1")

    def broken() -> Iterator[bytes]:
        yield data[: CHUNK + 10]
        raise ConnectionError("client went away")

    with pytest.raises(ConnectionError):
        uploads.append("s1", broken())

    assert uploads.size("s1") == CHUNK + 10
    uploads.append("s1", iter([data[CHUNK + 10 :]]))
    assert b"".join(uploads.read("s1")) == data


def test_wrong_digest_removes_the_session(
    uploads: EncryptedUploadStore, store: EncryptedBlobStore
) -> None:
    uploads.create("s1")
    uploads.append("s1", iter([b"content"]))

    with pytest.raises(DigestInvalid):
        uploads.commit("s1", Digest.of(b"other"), store)
    assert uploads.size("s1") is None
    with pytest.raises(UploadUnknown):
        uploads.append("s1", iter([b"x"]))


def test_commit_into_another_domain_and_into_plain_storage(
    uploads: EncryptedUploadStore,
    keys: KeyManager,
    engine: Engine,
    storage_root: Path,
    tmp_path: Path,
) -> None:
    key = keys.create_key()
    team = make_store(keys, engine, storage_root, key.key_id, f"kms-{key.key_id}")
    data = os.urandom(2 * CHUNK + 5)
    for session, target in (("a", team), ("b", FilesystemBlobStore(tmp_path / "p"))):
        uploads.create(session)
        uploads.append(session, iter([data]))
        uploads.commit(session, Digest.of(data), target)
        assert b"".join(target.read(Digest.of(data))) == data

    obj = team.objects.get(team.domain, Digest.of(data))
    assert obj is not None
    assert obj.wrapped.key_id == key.key_id


def test_disabled_domain_key_fails_commit_and_keeps_session(
    uploads: EncryptedUploadStore,
    keys: KeyManager,
    engine: Engine,
    storage_root: Path,
) -> None:
    key = keys.create_key()
    team = make_store(keys, engine, storage_root, key.key_id, f"kms-{key.key_id}")
    uploads.create("s1")
    uploads.append("s1", iter([b"layer bytes"]))
    keys.disable_key(key.key_id)

    with pytest.raises(Exception, match=f"key {key.arn} is Disabled"):
        uploads.commit("s1", Digest.of(b"layer bytes"), team)

    keys.enable_key(key.key_id)
    uploads.commit("s1", Digest.of(b"layer bytes"), team)
    assert b"".join(team.read(Digest.of(b"layer bytes"))) == b"layer bytes"


@pytest.mark.parametrize("then_append", [True, False])
def test_an_append_a_crash_cut_short_is_dropped_and_the_upload_resumes(
    uploads: EncryptedUploadStore, store: EncryptedBlobStore, then_append: bool
) -> None:
    # A crash after the driver took sealed records but before the session's
    # row did: those bytes were never acknowledged, the row is the truth.
    first, second = os.urandom(2 * CHUNK + 5), os.urandom(CHUNK + 7)
    uploads.create("s1")
    uploads.append("s1", iter([first]))
    recorded = uploads.inner.size("s1")
    assert recorded is not None
    uploads.inner.append("s1", iter([os.urandom(CHUNK + 28), b"half a record"]))

    assert uploads.size("s1") == len(first)
    data = first
    if then_append:
        uploads.append("s1", iter([second]))
        data = first + second
    digest = uploads.commit("s1", Digest.of(data), store)

    assert b"".join(store.read(digest)) == data


def test_an_upload_missing_recorded_bytes_is_refused(
    uploads: EncryptedUploadStore,
) -> None:
    uploads.create("s1")
    uploads.append("s1", iter([os.urandom(3 * CHUNK)]))
    size = uploads.inner.size("s1")
    assert size is not None
    uploads.inner.truncate("s1", size - 10)

    with pytest.raises(UploadInvalid, match="start the upload again"):
        uploads.append("s1", iter([b"more"]))
