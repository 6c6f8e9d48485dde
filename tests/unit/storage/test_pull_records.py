"""Manifest lookups and pull times: correct, and cheap on the GET path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from seawall.errors import ManifestUnknown, NameUnknown
from seawall.oci.digest import Digest
from seawall.storage.drivers.filesystem import (
    FilesystemBlobStore,
    FilesystemUploadStore,
)
from seawall.storage.registry import (
    PULL_RECORD_INTERVAL,
    RegistryStore,
    SingleDomain,
)
from tests.helpers import Clock

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(engine: Engine, tmp_path: Path, clock: Clock) -> RegistryStore:
    root = tmp_path / "storage"
    blobs, uploads = FilesystemBlobStore(root), FilesystemUploadStore(root)
    return RegistryStore(engine, SingleDomain(blobs), uploads, clock=clock)


def push_image(store: RegistryStore, repo: str, tag: str, os_name: str) -> Digest:
    config = f'{{"os":"{os_name}"}}'.encode()
    config_digest = Digest.of(config)
    store.put_blob(repo, iter([config]), config_digest)
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": str(config_digest),
            "size": len(config),
        },
        "layers": [],
    }
    raw = json.dumps(manifest).encode()
    return store.put_manifest(repo, tag, raw, OCI_MANIFEST).digest


def last_pulled(store: RegistryStore, repo: str, digest: Digest) -> float | None:
    return store.get_manifest(repo, str(digest))[0].last_pulled_at


def test_lookups_by_tag_and_digest_find_the_right_manifest(
    store: RegistryStore,
) -> None:
    linux = push_image(store, "team/app", "linux", "linux")
    windows = push_image(store, "team/app", "windows", "windows")
    other = push_image(store, "team/other", "linux", "plan9")

    assert store.get_manifest("team/app", "linux")[0].digest == linux
    assert store.get_manifest("team/app", "windows")[0].digest == windows
    assert store.get_manifest("team/other", "linux")[0].digest == other
    stored, raw = store.get_manifest("team/app", str(windows))
    assert (stored.repository, Digest.of(raw)) == ("team/app", windows)


def test_lookups_never_cross_repositories(store: RegistryStore) -> None:
    other = push_image(store, "team/other", "v1", "plan9")
    push_image(store, "team/app", "v2", "linux")
    with pytest.raises(ManifestUnknown):
        store.get_manifest("team/app", "v1")
    with pytest.raises(ManifestUnknown):
        store.get_manifest("team/app", str(other))
    with pytest.raises(NameUnknown):
        store.get_manifest("team/none", "v1")


def test_first_pull_is_recorded_at_once(store: RegistryStore, clock: Clock) -> None:
    digest = push_image(store, "team/app", "v1", "linux")
    assert last_pulled(store, "team/app", digest) is None
    store.record_pull("team/app", digest)
    assert last_pulled(store, "team/app", digest) == clock.now


def test_repeated_pulls_write_at_most_once_per_interval(
    store: RegistryStore, clock: Clock
) -> None:
    digest = push_image(store, "team/app", "v1", "linux")
    first = clock.now
    store.record_pull("team/app", digest)

    clock.now += PULL_RECORD_INTERVAL / 2
    store.record_pull("team/app", digest)
    assert last_pulled(store, "team/app", digest) == first

    clock.now += PULL_RECORD_INTERVAL
    store.record_pull("team/app", digest)
    assert last_pulled(store, "team/app", digest) == clock.now


def test_pulls_are_tracked_per_repository_and_digest(
    store: RegistryStore, clock: Clock
) -> None:
    one = push_image(store, "team/app", "v1", "linux")
    two = push_image(store, "team/app", "v2", "windows")
    same_in_other = push_image(store, "team/other", "v1", "linux")
    assert same_in_other == one

    store.record_pull("team/app", one)
    clock.now += 1
    store.record_pull("team/app", two)
    store.record_pull("team/other", one)
    assert last_pulled(store, "team/app", one) == clock.now - 1
    assert last_pulled(store, "team/app", two) == clock.now
    assert last_pulled(store, "team/other", one) == clock.now


def test_a_clock_stepping_back_records_again(
    store: RegistryStore, clock: Clock
) -> None:
    digest = push_image(store, "team/app", "v1", "linux")
    store.record_pull("team/app", digest)
    clock.now -= 3600
    store.record_pull("team/app", digest)
    assert last_pulled(store, "team/app", digest) == clock.now
