"""KeyDomains: repository encryption settings -> key domain -> sealed store."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from seawall.crypto.domains import KeyDomains
from seawall.crypto.errors import KeyNotFound, KeyUnavailable
from seawall.crypto.keys import KeyManager
from seawall.crypto.objects import SealedObjects
from seawall.errors import InvalidInput
from seawall.storage.drivers.filesystem import FilesystemBlobStore


@dataclass(frozen=True)
class Repo:
    encryption_type: str
    kms_key: str | None = None


@pytest.fixture
def domains(keys: KeyManager, engine: Engine, storage_root: Path) -> KeyDomains:
    return KeyDomains(
        keys,
        SealedObjects(engine),
        lambda domain: FilesystemBlobStore(storage_root, domain),
        chunk_size=4096,
    )


def test_configure_pins_keys_by_arn(domains: KeyDomains, keys: KeyManager) -> None:
    key = keys.create_key()
    keys.create_alias("alias/team", key.key_id)

    assert domains.configure().kms_key is None
    assert domains.configure("KMS", "alias/team").kms_key == key.arn
    managed = domains.configure("KMS")
    assert managed.kms_key == keys.describe_key("alias/aws/ecr").arn
    with pytest.raises(InvalidInput):
        domains.configure("AES256", "alias/team")
    with pytest.raises(InvalidInput):
        domains.configure("ROT13")
    with pytest.raises(KeyNotFound):
        domains.configure("KMS", "alias/none")
    keys.disable_key(key.key_id)
    with pytest.raises(KeyUnavailable, match="create repository"):
        domains.configure("KMS", key.arn)


def test_domains_and_their_stores(domains: KeyDomains, keys: KeyManager) -> None:
    key = keys.create_key()

    assert domains.domain(Repo("AES256")) == "default"
    assert domains.domain(Repo("KMS", key.arn)) == f"kms-{key.key_id}"
    assert domains.domain(Repo("KMS_DSSE", key.arn)) == f"kms-{key.key_id}"
    store = domains.store(f"kms-{key.key_id}")
    assert store.key_id == key.key_id
    assert domains.store(f"kms-{key.key_id}") is store
    assert (
        domains.store("default").key_id == keys.describe_key("alias/aws/seawall").key_id
    )


def test_check_fails_for_a_disabled_key(domains: KeyDomains, keys: KeyManager) -> None:
    key = keys.create_key()
    domain = f"kms-{key.key_id}"
    keys.disable_key(key.key_id)

    with pytest.raises(KeyUnavailable, match="is Disabled"):
        domains.check(domain)
    keys.enable_key(key.key_id)
    domains.check(domain)
