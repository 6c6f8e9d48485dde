"""RegistryStore on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from seawall.errors import (
    BlobUnknown,
    Conflict,
    DigestInvalid,
    ManifestBlobUnknown,
    ManifestInvalid,
    ManifestUnknown,
    NameUnknown,
    RangeInvalid,
    SizeInvalid,
    TagImmutable,
    UploadUnknown,
)
from seawall.oci.digest import Digest
from seawall.storage.drivers.filesystem import (
    FilesystemBlobStore,
    FilesystemUploadStore,
)
from seawall.storage.metadata import schema as t
from seawall.storage.registry import RegistryStore, SingleDomain

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


@pytest.fixture
def store(engine: Engine, tmp_path: Path) -> RegistryStore:
    root = tmp_path / "storage"
    return RegistryStore(
        engine,
        SingleDomain(FilesystemBlobStore(root)),
        FilesystemUploadStore(root),
        max_manifest_bytes=64 * 1024,
    )


def blob(store: RegistryStore, repo: str, data: bytes) -> Digest:
    digest = Digest.of(data)
    store.put_blob(repo, iter([data]), digest)
    return digest


def image(store: RegistryStore, repo: str, layer: bytes = b"layer") -> bytes:
    config = blob(store, repo, b'{"os":"linux"}')
    layer_digest = blob(store, repo, layer)
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": str(config),
                "size": 14,
            },
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar",
                    "digest": str(layer_digest),
                    "size": len(layer),
                }
            ],
        }
    ).encode()


def count(engine: Engine, table: t.Table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_push_and_pull_manifest(store: RegistryStore) -> None:
    raw = image(store, "team/app")
    manifest = store.put_manifest("team/app", "v1", raw, OCI_MANIFEST)
    stored, body = store.get_manifest("team/app", "v1")
    assert body == raw
    assert stored.digest == manifest.digest == Digest.of(raw)
    assert store.get_manifest("team/app", str(manifest.digest))[1] == raw
    assert store.list_tags("team/app") == ["v1"]
    assert store.image_size("team/app", manifest.digest) == 14 + len(b"layer")


def test_refused_manifests_leave_no_state(store: RegistryStore, engine: Engine) -> None:
    raw = image(store, "team/app")
    before = (count(engine, t.manifests), count(engine, t.tags))
    missing = json.loads(raw)
    missing["layers"][0]["digest"] = str(Digest.of(b"missing"))
    with pytest.raises(ManifestBlobUnknown):
        store.put_manifest("team/app", "v1", json.dumps(missing).encode(), OCI_MANIFEST)
    with pytest.raises(ManifestInvalid):
        store.put_manifest("team/app", "v1", b"[]", OCI_MANIFEST)
    with pytest.raises(SizeInvalid):
        store.put_manifest("team/app", "v1", b" " * (65 * 1024), OCI_MANIFEST)
    with pytest.raises(DigestInvalid):
        store.put_manifest("team/app", str(Digest.of(b"x")), raw, OCI_MANIFEST)
    assert (count(engine, t.manifests), count(engine, t.tags)) == before


def test_blob_links_are_per_repository(store: RegistryStore) -> None:
    digest = blob(store, "one", b"shared")
    with pytest.raises(BlobUnknown):
        store.stat_blob("two", digest)
    assert store.mount_blob("two", "one", digest) is True
    assert store.stat_blob("two", digest) == 6
    assert store.mount_blob("three", "absent", digest) is False
    store.delete_blob("one", digest)
    with pytest.raises(BlobUnknown):
        store.stat_blob("one", digest)
    assert store.read_blob("two", digest)[0] == 6


def test_upload_sessions(store: RegistryStore) -> None:
    session = store.start_upload("team/up")
    assert store.append_upload("team/up", session.id, iter([b"abc"]), 0) == 3
    with pytest.raises(RangeInvalid) as caught:
        store.append_upload("team/up", session.id, iter([b"zzz"]), 10)
    assert caught.value.detail == {"size": 3}
    store.append_upload("team/up", session.id, iter([b"def"]), 3)
    with pytest.raises(UploadUnknown):
        store.get_upload("team/other", session.id)
    assert store.commit_upload("team/up", session.id, Digest.of(b"abcdef")) == 6
    with pytest.raises(UploadUnknown):
        store.get_upload("team/up", session.id)


def test_expired_uploads_are_removed(store: RegistryStore, tmp_path: Path) -> None:
    now = [1000.0]
    store._clock = lambda: now[0]
    old = store.start_upload("team/exp")
    now[0] += 100
    fresh = store.start_upload("team/exp")
    now[0] += 10
    assert store.expire_uploads(older_than=50) == 1
    with pytest.raises(UploadUnknown):
        store.get_upload("team/exp", old.id)
    assert store.get_upload("team/exp", fresh.id).size == 0


def test_delete_manifest_and_tag(store: RegistryStore) -> None:
    raw = image(store, "team/del")
    digest = str(store.put_manifest("team/del", "v1", raw, OCI_MANIFEST).digest)
    store.put_manifest("team/del", "v2", raw, OCI_MANIFEST)
    assert store.delete_manifest("team/del", "v2") == ["v2"]
    assert store.delete_manifest("team/del", digest) == ["v1"]
    with pytest.raises(ManifestUnknown):
        store.get_manifest("team/del", digest)
    with pytest.raises(NameUnknown):
        store.get_manifest("never", "v1")


def test_tag_immutability(store: RegistryStore) -> None:
    store.create_repository(
        "team/immutable",
        tag_mutability="IMMUTABLE_WITH_EXCLUSION",
        immutability_exclusions=("latest", "dev-*"),
    )
    first = image(store, "team/immutable", b"one")
    second = image(store, "team/immutable", b"two")
    for tag in ("v1", "latest", "dev-1"):
        store.put_manifest("team/immutable", tag, first, OCI_MANIFEST)
    store.put_manifest("team/immutable", "v1", first, OCI_MANIFEST)  # same digest: fine
    with pytest.raises(TagImmutable):
        store.put_manifest("team/immutable", "v1", second, OCI_MANIFEST)
    store.put_manifest("team/immutable", "latest", second, OCI_MANIFEST)
    store.put_manifest("team/immutable", "dev-1", second, OCI_MANIFEST)
    assert store.get_manifest("team/immutable", "v1")[1] == first


def test_delete_repository(store: RegistryStore) -> None:
    store.put_manifest("team/gone", "v1", image(store, "team/gone"), OCI_MANIFEST)
    with pytest.raises(Conflict):
        store.delete_repository("team/gone")
    store.delete_repository("team/gone", force=True)
    assert "team/gone" not in store.list_repositories()


def test_concurrent_pushes_of_one_tag_leave_one_result(store: RegistryStore) -> None:
    manifests = [image(store, "team/race", f"layer {i}".encode()) for i in range(8)]
    errors: list[BaseException] = []

    def push(raw: bytes) -> None:
        try:
            store.put_manifest("team/race", "latest", raw, OCI_MANIFEST)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=push, args=(raw,)) for raw in manifests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    _, body = store.get_manifest("team/race", "latest")
    assert body in manifests
    assert store.list_tags("team/race") == ["latest"]
    assert len(store.list_manifests("team/race")) == 8


def test_concurrent_first_pushes_create_one_repository(store: RegistryStore) -> None:
    errors: list[BaseException] = []

    def push(i: int) -> None:
        try:
            blob(store, "team/new", f"blob {i}".encode())
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=push, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert store.list_repositories() == ["team/new"]


def test_referrers_and_pagination(store: RegistryStore) -> None:
    subject_raw = image(store, "team/ref")
    subject = store.put_manifest("team/ref", "v1", subject_raw, OCI_MANIFEST)
    empty = blob(store, "team/ref", b"{}")
    for kind in ("sig", "sbom"):
        artifact = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "artifactType": f"application/vnd.example.{kind}",
            "config": {
                "mediaType": "application/vnd.oci.empty.v1+json",
                "digest": str(empty),
                "size": 2,
            },
            "layers": [],
            "subject": {
                "mediaType": OCI_MANIFEST,
                "digest": str(subject.digest),
                "size": len(subject_raw),
            },
        }
        raw = json.dumps(artifact).encode()
        store.put_manifest("team/ref", str(Digest.of(raw)), raw, OCI_MANIFEST)
    assert len(store.list_referrers("team/ref", subject.digest)) == 2
    only = store.list_referrers(
        "team/ref", subject.digest, "application/vnd.example.sig"
    )
    assert [r.artifact_type for r in only] == ["application/vnd.example.sig"]
    for name in ("a", "b", "c"):
        store.create_repository(f"page/{name}")
    assert store.list_repositories("page/a", 1) == ["page/b"]
