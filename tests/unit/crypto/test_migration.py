"""crypto_0002 on a database that already holds keys and sealed blobs."""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from seawall.crypto.keys import KeyManager
from seawall.oci.digest import Digest
from seawall.storage.metadata import db
from tests.unit.crypto.conftest import CHUNK, Clock, make_keys, make_store


def _alembic(engine: Engine, action: str, target: str) -> None:
    config = Config()
    config.set_main_option("path_separator", "os")
    config.set_main_option("script_location", str(db._MIGRATIONS))
    config.set_main_option("version_locations", str(db._MIGRATIONS / "versions"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, action)(config, target)


def test_adding_rotation_keeps_every_key_and_what_it_sealed(
    engine: Engine, keys: KeyManager, storage_root: Path, clock: Clock
) -> None:
    key = keys.create_key("before the upgrade")
    keys.rotate_key(key.key_id)
    store = make_store(keys, engine, storage_root, key.key_id, "before")
    data = os.urandom(3 * CHUNK)
    writer = store.writer()
    writer.write(data)
    digest = writer.commit(Digest.of(data))
    _alembic(engine, "downgrade", "crypto_0001")  # as an older Seawall left it

    _alembic(engine, "upgrade", "heads")

    again = make_keys(engine, clock)  # a new process: nothing cached
    assert again.describe_key(key.key_id).current_version == 2
    assert [r.version for r in again.list_key_rotations(key.key_id)] == [1, 2]
    reopened = make_store(again, engine, storage_root, key.key_id, "before")
    assert b"".join(reopened.read(digest)) == data
    assert again.key_rotation_status(key.key_id).enabled is False
