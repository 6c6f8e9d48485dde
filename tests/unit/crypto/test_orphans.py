"""Sealed objects a crash left unnamed go after a grace period; nothing else."""

from __future__ import annotations

import os
from pathlib import Path

from seawall.crypto.blobstore import EncryptedBlobStore
from seawall.crypto.orphans import OrphanSweeper
from seawall.oci.digest import Digest
from seawall.storage.drivers.filesystem import FilesystemBlobStore
from tests.unit.crypto.conftest import Clock

GRACE = 3600.0


def _put(store: EncryptedBlobStore, data: bytes) -> Digest:
    writer = store.writer()
    writer.write(data)
    return writer.commit(Digest.of(data))


def _sweeper(store: EncryptedBlobStore, clock: Clock) -> OrphanSweeper:
    return OrphanSweeper(
        store.objects,
        lambda domain: FilesystemBlobStore(store.inner.root, domain),  # type: ignore[attr-defined]
        always=("default",),
        grace=GRACE,
        interval=0,
        clock=clock,
    )


def _sealed(store: EncryptedBlobStore, digest: Digest) -> Digest:
    obj = store.objects.get(store.domain, digest)
    assert obj is not None
    return obj.sealed_digest


def test_an_unnamed_sealed_object_goes_after_two_sightings_a_grace_apart(
    store: EncryptedBlobStore, clock: Clock
) -> None:
    kept = _put(store, os.urandom(9000))
    lost = _put(store, os.urandom(9000))
    orphan = _sealed(store, lost)
    store.objects.remove(store.domain, lost)  # the row, as a crash would leave it
    sweeper = _sweeper(store, clock)

    assert sweeper.sweep() == 0  # first seen: it may be a commit in flight
    clock.now += GRACE - 1
    assert sweeper.sweep() == 0
    assert store.inner.stat(orphan) is not None
    clock.now += 1

    assert sweeper.sweep() == 1
    assert store.inner.stat(orphan) is None
    assert b"".join(store.read(kept))  # named objects stay readable
    assert sweeper.sweep() == 0


def test_an_object_named_between_sightings_stays(
    store: EncryptedBlobStore, clock: Clock
) -> None:
    digest = _put(store, os.urandom(5000))
    obj = store.objects.remove(store.domain, digest)
    assert obj is not None
    sweeper = _sweeper(store, clock)
    sweeper.sweep()

    store.objects.put(obj)  # its commit finished: the row is written
    clock.now += 2 * GRACE
    assert sweeper.sweep() == 0
    clock.now += 2 * GRACE
    assert sweeper.sweep() == 0
    assert b"".join(store.read(digest))


def test_files_that_are_not_sealed_objects_are_never_removed(
    store: EncryptedBlobStore, clock: Clock, storage_root: Path
) -> None:
    # A blob stored while encryption was off shares the default domain's
    # directory; a file can also carry a sealed header under another name.
    plain_store = FilesystemBlobStore(storage_root, "default")
    plain = b"stored while encryption was off" * 100
    writer = plain_store.writer()
    writer.write(plain)
    writer.commit(Digest.of(plain))
    sealed = _put(store, os.urandom(3000))
    path = store.inner.path(_sealed(store, sealed))  # type: ignore[attr-defined]
    renamed = Digest.of(b"another name")
    plain_store.path(renamed).parent.mkdir(parents=True, exist_ok=True)
    plain_store.path(renamed).write_bytes(path.read_bytes())
    sweeper = _sweeper(store, clock)

    sweeper.sweep()
    clock.now += 2 * GRACE
    assert sweeper.sweep() == 0
    assert plain_store.stat(Digest.of(plain)) == len(plain)
    assert plain_store.stat(renamed) is not None


def test_passes_run_at_most_once_an_interval(
    store: EncryptedBlobStore, clock: Clock
) -> None:
    lost = _put(store, os.urandom(2000))
    store.objects.remove(store.domain, lost)
    sweeper = OrphanSweeper(
        store.objects,
        lambda domain: FilesystemBlobStore(store.inner.root, domain),  # type: ignore[attr-defined]
        always=("default",),
        grace=GRACE,
        interval=GRACE / 4,
        clock=clock,
    )

    sweeper.sweep()  # first sighting
    clock.now += GRACE
    assert sweeper.sweep() == 1
    lost = _put(store, os.urandom(2000))
    store.objects.remove(store.domain, lost)
    clock.now += GRACE / 4 - 1
    assert sweeper.sweep() == 0  # too soon: not even a sighting
    clock.now += 1
    assert sweeper.sweep() == 0  # first sighting
    clock.now += GRACE
    assert sweeper.sweep() == 1
