"""Real parts for the crypto tests: a migrated SQLite database and the
filesystem driver, with an injected clock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from seawall.crypto.blobstore import EncryptedBlobStore
from seawall.crypto.keys import DEFAULT_ALIAS, KeyManager
from seawall.crypto.objects import SealedObjects
from seawall.crypto.uploads import EncryptedUploadStore
from seawall.storage.drivers.filesystem import (
    FilesystemBlobStore,
    FilesystemUploadStore,
)
from seawall.storage.metadata.db import make_engine, migrate

ROOT_KEY = bytes(range(32))
CHUNK = 4096


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'seawall.db'}")
    migrate(engine)
    yield engine
    engine.dispose()


def make_keys(engine: Engine, clock: Clock, root: bytes = ROOT_KEY) -> KeyManager:
    return KeyManager(
        engine, root, region="eu-west-1", account_id="123456789012", clock=clock
    )


@pytest.fixture
def keys(engine: Engine, clock: Clock) -> KeyManager:
    return make_keys(engine, clock)


@pytest.fixture
def storage_root(tmp_path: Path) -> Path:
    return tmp_path / "storage"


def make_store(
    keys: KeyManager, engine: Engine, root: Path, key_id: str, domain: str
) -> EncryptedBlobStore:
    return EncryptedBlobStore(
        FilesystemBlobStore(root, domain),
        keys,
        SealedObjects(engine),
        domain=domain,
        key_id=key_id,
        chunk_size=CHUNK,
    )


@pytest.fixture
def store(keys: KeyManager, engine: Engine, storage_root: Path) -> EncryptedBlobStore:
    key = keys.managed_key(DEFAULT_ALIAS)
    return make_store(keys, engine, storage_root, key.key_id, "default")


@pytest.fixture
def uploads(
    keys: KeyManager, engine: Engine, storage_root: Path
) -> EncryptedUploadStore:
    key = keys.managed_key(DEFAULT_ALIAS)
    return EncryptedUploadStore(
        FilesystemUploadStore(storage_root),
        keys,
        engine,
        key_id=key.key_id,
        chunk_size=CHUNK,
    )
