"""The maintenance pass: scheduled rotation, re-wrapping, orphan removal."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine

from seawall.crypto.domains import KeyDomains
from seawall.crypto.keys import KeyManager
from seawall.crypto.objects import SealedObjects
from seawall.crypto.service import Encryption
from seawall.crypto.uploads import EncryptedUploadStore
from seawall.oci.digest import Digest
from seawall.storage.drivers.filesystem import FilesystemBlobStore
from tests.unit.crypto.conftest import CHUNK, Clock, make_store


def test_a_pass_rotates_a_due_key_and_rewraps_its_blobs(
    keys: KeyManager,
    engine: Engine,
    storage_root: Path,
    uploads: EncryptedUploadStore,
    clock: Clock,
) -> None:
    key = keys.create_key("scheduled")
    store = make_store(keys, engine, storage_root, key.key_id, f"kms-{key.key_id}")
    data = os.urandom(2 * CHUNK + 1)
    writer = store.writer()
    writer.write(data)
    digest = writer.commit(Digest.of(data))
    objects = SealedObjects(engine)
    domains = KeyDomains(
        keys,
        objects,
        lambda domain: FilesystemBlobStore(storage_root, domain),
        chunk_size=CHUNK,
    )
    encryption = Encryption(keys, objects, domains, uploads, 60.0)
    keys.enable_key_rotation(key.key_id, 365)

    encryption.maintain()
    assert keys.describe_key(key.key_id).current_version == 1
    clock.now += 365 * 86400
    encryption.maintain()

    assert keys.describe_key(key.key_id).current_version == 2
    obj = objects.get(store.domain, digest)
    assert obj is not None
    assert obj.wrapped.version == 2  # re-wrapped in the same pass
    assert b"".join(store.read(digest)) == data
