"""The key manager: KMS-style lifecycle, aliases, rotation and re-wrapping."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import Engine

from seawall.crypto.errors import (
    AliasExists,
    KeyNotFound,
    KeyStateConflict,
    KeyUnavailable,
)
from seawall.crypto.keys import DEFAULT_ALIAS, KeyManager, KeyRotation
from seawall.crypto.objects import SealedObjects
from seawall.crypto.rewrap import rewrap_all, rewrap_pending
from seawall.errors import InvalidInput, Unavailable
from seawall.oci.digest import Digest
from tests.unit.crypto.conftest import CHUNK, Clock, make_keys, make_store


def test_create_describe_and_references(keys: KeyManager) -> None:
    key = keys.create_key("payments team")
    alias = keys.create_alias("alias/payments", key.key_id)

    assert key.arn == f"arn:aws:kms:eu-west-1:123456789012:key/{key.key_id}"
    assert key.state == "Enabled"
    assert key.key_manager == "CUSTOMER"
    for ref in (key.key_id, key.arn, "alias/payments", alias.alias_arn):
        assert keys.describe_key(ref).key_id == key.key_id
    assert keys.describe_key(key.key_id).aliases == ("alias/payments",)
    assert [k.key_id for k in keys.list_keys()] == [key.key_id]


@pytest.mark.parametrize(
    "ref",
    [
        "alias/none",
        "nope",
        "arn:aws:kms:us-east-1:123456789012:key/x",
        "00000000-0000-0000-0000-000000000000",
    ],
)
def test_unknown_references(keys: KeyManager, ref: str) -> None:
    with pytest.raises(KeyNotFound):
        keys.describe_key(ref)


def test_alias_rules(keys: KeyManager) -> None:
    key = keys.create_key()
    keys.create_alias("alias/a", key.key_id)

    with pytest.raises(AliasExists):
        keys.create_alias("alias/a", key.key_id)
    with pytest.raises(InvalidInput, match="reserved"):
        keys.create_alias("alias/aws/mine", key.key_id)
    with pytest.raises(InvalidInput):
        keys.create_alias("nope", key.key_id)


def test_deletion_waiting_period_cancel_and_purge(
    keys: KeyManager, clock: Clock
) -> None:
    key = keys.create_key()
    with pytest.raises(InvalidInput):
        keys.schedule_key_deletion(key.key_id, 3)

    pending = keys.schedule_key_deletion(key.key_id, 7)
    assert pending.state == "PendingDeletion"
    assert pending.deletion_date == clock.now + 7 * 86400
    with pytest.raises(KeyStateConflict):
        keys.enable_key(key.key_id)
    assert keys.cancel_key_deletion(key.key_id).state == "Disabled"

    keys.schedule_key_deletion(key.key_id, 7)
    clock.now += 6 * 86400
    assert keys.delete_due_keys() == []
    clock.now += 2 * 86400
    assert keys.delete_due_keys() == [key.key_id]
    assert keys.list_keys() == []
    assert keys.describe_key(key.key_id).state == "Deleted"


def test_managed_keys_cannot_be_disabled(keys: KeyManager) -> None:
    managed = keys.managed_key()

    assert managed.key_manager == "AWS"
    assert keys.managed_key().key_id == managed.key_id
    with pytest.raises(KeyStateConflict):
        keys.disable_key(managed.key_id)


def test_wrong_root_key_is_refused(engine: Engine, clock: Clock) -> None:
    make_keys(engine, clock)

    with pytest.raises(Unavailable, match="root key is not the one"):
        make_keys(engine, clock, root=os.urandom(32))


def test_wrap_requires_an_enabled_key(keys: KeyManager) -> None:
    key = keys.create_key()
    wrapped = keys.wrap(key.key_id, b"k" * 32, b"ctx", "write blob")
    keys.disable_key(key.key_id)

    with pytest.raises(KeyUnavailable, match="is Disabled"):
        keys.unwrap(wrapped, b"ctx", "read blob")
    keys.enable_key(key.key_id)
    assert keys.unwrap(wrapped, b"ctx", "read blob") == b"k" * 32


def test_rotation_rewraps_across_restarts_without_touching_content(
    engine: Engine, clock: Clock, storage_root: Path
) -> None:
    keys = make_keys(engine, clock)
    key = keys.create_key()
    store = make_store(keys, engine, storage_root, key.key_id, "kms-x")
    blobs = [os.urandom(CHUNK + n) for n in range(3)]
    for data in blobs:
        writer = store.writer()
        writer.write(data)
        writer.commit(Digest.of(data))
    sealed_before = {p: p.read_bytes() for p in storage_root.rglob("*") if p.is_file()}

    # Rotate, restart, re-wrap one batch, restart, rotate again, finish.
    keys.rotate_key(key.key_id)
    keys = make_keys(engine, clock)
    objects = SealedObjects(engine)
    assert objects.count_stale(key.key_id) == 3

    assert rewrap_pending(keys, objects, batch=1) == 1
    keys = make_keys(engine, clock)
    keys.rotate_key(key.arn)
    assert rewrap_all(keys, objects) == 3
    assert objects.count_stale(key.key_id) == 0

    rotations = keys.list_key_rotations(key.key_id)
    assert [r.version for r in rotations] == [1, 2, 3]
    assert [r.rotation_type for r in rotations] == ["CREATED", "ON_DEMAND", "ON_DEMAND"]
    store = make_store(keys, engine, storage_root, key.key_id, "kms-x")
    for data in blobs:
        assert b"".join(store.read(Digest.of(data))) == data
        obj = objects.get("kms-x", Digest.of(data))
        assert obj is not None
        assert obj.wrapped.version == 3
    sealed_after = {p: p.read_bytes() for p in storage_root.rglob("*") if p.is_file()}
    assert sealed_after == sealed_before


def test_rotating_a_disabled_key_is_refused(keys: KeyManager) -> None:
    key = keys.create_key()
    keys.disable_key(key.key_id)

    with pytest.raises(KeyStateConflict, match="Disabled"):
        keys.rotate_key(key.key_id)


def test_automatic_rotation_on_schedule(keys: KeyManager, clock: Clock) -> None:
    key = keys.create_key("rotating")
    assert keys.key_rotation_status(key.key_id).enabled is False

    status = keys.enable_key_rotation(key.key_id, 90)

    assert status.enabled
    assert status.period_days == 90
    assert status.next_rotation == clock.now + 90 * 86400
    clock.now += 90 * 86400 - 1
    assert keys.rotate_due_keys() == []
    clock.now += 1
    assert keys.rotate_due_keys() == [key.key_id]
    assert keys.rotate_due_keys() == []  # the next date moved on
    rotations = keys.list_key_rotations(key.key_id)
    assert [(r.version, r.rotation_type) for r in rotations][1:] == [(2, "AUTOMATIC")]
    assert keys.key_rotation_status(key.key_id).next_rotation == clock.now + 90 * 86400


def test_a_disabled_key_waits_and_rotates_once_enabled(
    keys: KeyManager, clock: Clock
) -> None:
    key = keys.create_key("paused")
    keys.enable_key_rotation(key.key_id)
    keys.disable_key(key.key_id)
    clock.now += 400 * 86400

    assert keys.rotate_due_keys() == []
    keys.enable_key(key.key_id)
    assert keys.rotate_due_keys() == [key.key_id]
    assert keys.describe_key(key.key_id).current_version == 2


def test_rotation_settings_are_checked(keys: KeyManager, clock: Clock) -> None:
    key = keys.create_key("checked")
    with pytest.raises(InvalidInput, match="90 to 2560 days"):
        keys.enable_key_rotation(key.key_id, 30)
    with pytest.raises(KeyStateConflict, match="the registry manages it"):
        keys.enable_key_rotation(keys.managed_key(DEFAULT_ALIAS).key_id)
    keys.enable_key_rotation(key.key_id)
    off = keys.disable_key_rotation(key.key_id)
    assert (off.enabled, off.period_days, off.next_rotation) == (False, None, None)
    clock.now += 1000 * 86400
    assert keys.rotate_due_keys() == []
    keys.disable_key(key.key_id)
    with pytest.raises(KeyStateConflict, match="it is Disabled"):
        keys.enable_key_rotation(key.key_id)


def test_a_key_disabled_while_due_is_skipped_not_fatal(
    engine: Engine, clock: Clock
) -> None:
    class DisablingFirst(KeyManager):
        def rotate_key(self, ref: str, rotation_type: str = "ON_DEMAND") -> KeyRotation:
            if ref == first.key_id:
                self.disable_key(ref)  # another process got there in between
            return super().rotate_key(ref, rotation_type)

    keys = DisablingFirst(
        engine,
        bytes(range(32)),
        region="eu-west-1",
        account_id="123456789012",
        clock=clock,
    )
    first, second = keys.create_key("a"), keys.create_key("b")
    for key in (first, second):
        keys.enable_key_rotation(key.key_id, 90)
    clock.now += 90 * 86400

    assert keys.rotate_due_keys() == [second.key_id]
    assert keys.describe_key(first.key_id).current_version == 1
