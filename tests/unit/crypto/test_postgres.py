"""The crypto tables on PostgreSQL: keys, sealed blobs, sealed uploads, rotation."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from seawall.crypto.keys import DEFAULT_ALIAS, KeyManager
from seawall.crypto.objects import SealedObjects
from seawall.crypto.rewrap import rewrap_all
from seawall.crypto.uploads import EncryptedUploadStore
from seawall.oci.digest import Digest
from seawall.storage.drivers.filesystem import FilesystemUploadStore
from seawall.storage.metadata.db import make_engine, migrate
from tests.pgserver import create_database
from tests.unit.crypto.conftest import CHUNK, Clock, make_keys, make_store

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_engine(postgres_url: str) -> Iterator[Engine]:
    url = create_database(postgres_url).replace(
        "postgresql://", "postgresql+psycopg://"
    )
    engine = make_engine(url)
    migrate(engine)
    yield engine
    engine.dispose()


def test_everything_on_postgresql(pg_engine: Engine, tmp_path: Path) -> None:
    clock = Clock()
    keys: KeyManager = make_keys(pg_engine, clock)
    key = keys.create_key("pg")
    keys.create_alias("alias/pg", key.key_id)
    store = make_store(keys, pg_engine, tmp_path, key.key_id, f"kms-{key.key_id}")
    uploads = EncryptedUploadStore(
        FilesystemUploadStore(tmp_path),
        keys,
        pg_engine,
        key_id=keys.managed_key(DEFAULT_ALIAS).key_id,
        chunk_size=CHUNK,
    )
    data = os.urandom(3 * CHUNK + 7)

    uploads.create("s1")
    uploads.append("s1", iter([data[:100]]))
    uploads.append("s1", iter([data[100:]]))
    uploads.commit("s1", Digest.of(data), store)
    keys.rotate_key("alias/pg")
    assert rewrap_all(keys, SealedObjects(pg_engine)) == 1

    keys = make_keys(pg_engine, clock)
    store = make_store(keys, pg_engine, tmp_path, key.key_id, f"kms-{key.key_id}")
    assert (
        b"".join(store.read(Digest.of(data), CHUNK - 1, CHUNK + 2))
        == (data[CHUNK - 1 : 2 * CHUNK + 1])
    )
    assert keys.disable_key(key.arn).state == "Disabled"
    assert key.key_id in {k.key_id for k in keys.list_keys()}


def test_scheduled_rotation_on_postgresql(pg_engine: Engine) -> None:
    clock = Clock()
    keys = make_keys(pg_engine, clock)
    key = keys.create_key("pg-rotating")
    keys.enable_key_rotation(key.key_id, 90)
    clock.now += 91 * 86400

    # A second process sharing the database finds nothing left to rotate.
    assert keys.rotate_due_keys() == [key.key_id]
    assert make_keys(pg_engine, clock).rotate_due_keys() == []
    assert keys.describe_key(key.key_id).current_version == 2
