"""A key manager modelled on AWS KMS: keys, aliases, rotation, deletion.

Keys are symmetric (``SYMMETRIC_DEFAULT``) and only ever wrap and unwrap data
keys; their material is 32 random bytes per version, stored wrapped under a
key derived from the root key. Rotation adds a version and makes it current;
data keys wrapped under older versions are re-wrapped in the background
(``crypto/rewrap.py``), content is never re-encrypted.

A key is referenced by id (a UUID), key ARN
(``arn:aws:kms:<region>:<account>:key/<id>``), alias name (``alias/...``) or
alias ARN. States: ``Enabled``, ``Disabled``, ``PendingDeletion`` (a waiting
period of 7 to 30 days, cancellable) and Seawall's tombstone ``Deleted``
(material destroyed: what it sealed is gone for good).

Rotation is on demand (``rotate_key``) or automatic: a customer key with
rotation enabled gets new material every ``rotation_period_days`` (90 to
2560, 365 by default, as KMS allows), from the maintenance pass.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Engine
from sqlalchemy.engine import Connection, Row

from seawall.crypto.errors import (
    AliasExists,
    KeyNotFound,
    KeyStateConflict,
    KeyUnavailable,
)
from seawall.crypto.rootkey import derive_key
from seawall.crypto.tables import (
    crypto_aliases,
    crypto_key_versions,
    crypto_keys,
    crypto_meta,
)
from seawall.errors import IntegrityError, InvalidInput, Unavailable

# Every read and write of a sealed object asks for its key's state: the
# statement is built once, with a bound parameter.
_KEY_STATE = sa.select(crypto_keys.c.state, crypto_keys.c.current_version).where(
    crypto_keys.c.key_id == sa.bindparam("key_id")
)

ENABLED, DISABLED = "Enabled", "Disabled"
PENDING_DELETION, DELETED = "PendingDeletion", "Deleted"
# The registry's own keys: AES256 repositories, and KMS without a named key.
DEFAULT_ALIAS = "alias/aws/seawall"
ECR_MANAGED_ALIAS = "alias/aws/ecr"
_ALIAS = re.compile(r"^alias/[a-zA-Z0-9/_-]{1,250}$")
_NONCE = 12
_CHECK = b"seawall root key check v1"


@dataclass(frozen=True, slots=True)
class KeyMetadata:
    """What DescribeKey answers about one key."""

    key_id: str
    arn: str
    description: str
    state: str
    key_manager: str
    created_at: float
    deletion_date: float | None
    pending_window_days: int | None
    current_version: int
    aliases: tuple[str, ...]
    key_usage: str = "ENCRYPT_DECRYPT"
    key_spec: str = "SYMMETRIC_DEFAULT"
    origin: str = "AWS_KMS"

    @property
    def enabled(self) -> bool:
        return self.state == ENABLED


@dataclass(frozen=True, slots=True)
class KeyRotation:
    """One version of a key's material (ListKeyRotations)."""

    key_id: str
    version: int
    created_at: float
    rotation_type: str


@dataclass(frozen=True, slots=True)
class RotationStatus:
    """GetKeyRotationStatus: whether automatic rotation is on, and when next."""

    key_id: str
    enabled: bool
    period_days: int | None
    next_rotation: float | None


@dataclass(frozen=True, slots=True)
class Alias:
    alias_name: str
    alias_arn: str
    key_id: str
    created_at: float


@dataclass(frozen=True, slots=True)
class WrappedKey:
    """A data key sealed under one version of a managed key."""

    key_id: str
    version: int
    blob: bytes


class KeyManager:
    """KMS-style keys in the metadata database, sealed by the root key.

    Safe to share between threads and between processes on one database.
    """

    def __init__(
        self,
        engine: Engine,
        root_key: bytes,
        *,
        region: str,
        account_id: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._engine = engine
        self._wrapper = AESGCM(derive_key(root_key, "crypto/key-material"))
        self._check = hmac.new(
            derive_key(root_key, "crypto/check"), _CHECK, hashlib.sha256
        ).digest()
        self._prefix = f"arn:aws:kms:{region}:{account_id}:"
        self._clock = clock
        self._material: dict[tuple[str, int], bytes] = {}
        self._lock = threading.Lock()
        self._verify_root_key()

    # -- references -------------------------------------------------------

    def arn(self, key_id: str) -> str:
        return f"{self._prefix}key/{key_id}"

    def resolve(self, ref: str) -> str:
        """The key id a reference names; KeyNotFound when none does."""
        with self._engine.connect() as conn:
            return self._resolve(conn, ref)

    def _resolve(self, conn: Connection, ref: str) -> str:
        is_arn = ref.startswith(self._prefix)
        name = ref.removeprefix(self._prefix)
        if name.startswith("alias/"):
            query = sa.select(crypto_aliases.c.key_id).where(
                crypto_aliases.c.alias_name == name
            )
        else:
            value = name.removeprefix("key/") if is_arn else name
            valid = _is_uuid(value) and (name.startswith("key/") or not is_arn)
            query = sa.select(crypto_keys.c.key_id).where(
                crypto_keys.c.key_id == (value if valid else "")
            )
        key_id = conn.execute(query).scalar()
        if key_id is None:
            raise KeyNotFound(f"invalid key reference {ref!r}: no such key or alias")
        return str(key_id)

    # -- key lifecycle ----------------------------------------------------

    def create_key(
        self, description: str = "", *, key_manager: str = "CUSTOMER"
    ) -> KeyMetadata:
        """A new Enabled key with fresh material (version 1)."""
        key_id = str(uuid.uuid4())
        now = self._clock()
        with self._engine.begin() as conn:
            conn.execute(
                crypto_keys.insert().values(
                    key_id=key_id,
                    description=description,
                    key_manager=key_manager,
                    state=ENABLED,
                    created_at=now,
                    current_version=1,
                )
            )
            self._add_version(conn, key_id, 1, "CREATED", now)
        return self.describe_key(key_id)

    def describe_key(self, ref: str) -> KeyMetadata:
        with self._engine.connect() as conn:
            key_id = self._resolve(conn, ref)
            row = self._row(conn, key_id)
            aliases = conn.execute(
                sa.select(crypto_aliases.c.alias_name)
                .where(crypto_aliases.c.key_id == key_id)
                .order_by(crypto_aliases.c.alias_name)
            ).scalars()
            return self._metadata(row, tuple(aliases))

    def list_keys(self) -> list[KeyMetadata]:
        """Every key not yet deleted, oldest first."""
        with self._engine.connect() as conn:
            ids = (
                conn.execute(
                    sa.select(crypto_keys.c.key_id)
                    .where(crypto_keys.c.state != DELETED)
                    .order_by(crypto_keys.c.created_at, crypto_keys.c.key_id)
                )
                .scalars()
                .all()
            )
        return [self.describe_key(key_id) for key_id in ids]

    def enable_key(self, ref: str) -> KeyMetadata:
        return self._set_state(ref, ENABLED, allowed=(ENABLED, DISABLED))

    def disable_key(self, ref: str) -> KeyMetadata:
        return self._set_state(ref, DISABLED, allowed=(ENABLED, DISABLED))

    def schedule_key_deletion(
        self, ref: str, pending_window_days: int = 30
    ) -> KeyMetadata:
        """Start the waiting period; the material is destroyed when it ends."""
        if not 7 <= pending_window_days <= 30:
            raise InvalidInput(
                f"invalid pending window {pending_window_days}: must be 7 to 30 days"
            )
        deletion = self._clock() + pending_window_days * 86400
        return self._set_state(
            ref,
            PENDING_DELETION,
            allowed=(ENABLED, DISABLED),
            deletion_date=deletion,
            pending_window_days=pending_window_days,
        )

    def cancel_key_deletion(self, ref: str) -> KeyMetadata:
        """Stop a scheduled deletion; like KMS, the key comes back Disabled."""
        return self._set_state(
            ref,
            DISABLED,
            allowed=(PENDING_DELETION,),
            deletion_date=None,
            pending_window_days=None,
        )

    def delete_due_keys(self) -> list[str]:
        """Destroy the material of keys whose waiting period has ended."""
        now = self._clock()
        with self._engine.begin() as conn:
            due = (
                conn.execute(
                    sa.select(crypto_keys.c.key_id).where(
                        crypto_keys.c.state == PENDING_DELETION,
                        crypto_keys.c.deletion_date <= now,
                    )
                )
                .scalars()
                .all()
            )
            for key_id in due:
                conn.execute(
                    crypto_keys.update()
                    .where(crypto_keys.c.key_id == key_id)
                    .values(state=DELETED)
                )
                conn.execute(
                    crypto_key_versions.update()
                    .where(crypto_key_versions.c.key_id == key_id)
                    .values(wrapped_material=None)
                )
                conn.execute(
                    crypto_aliases.delete().where(crypto_aliases.c.key_id == key_id)
                )
        with self._lock:
            for key_id in due:
                for cached in [k for k in self._material if k[0] == key_id]:
                    del self._material[cached]
        return list(due)

    def rotate_key(self, ref: str, rotation_type: str = "ON_DEMAND") -> KeyRotation:
        """Add a version and make it current; old versions stay for unwrapping."""
        now = self._clock()
        with self._engine.begin() as conn:
            key_id = self._resolve(conn, ref)
            row = self._row(conn, key_id)
            if row.state != ENABLED:
                raise KeyStateConflict(
                    f"failed to rotate key {self.arn(key_id)}: it is {row.state}"
                )
            version = row.current_version + 1
            self._add_version(conn, key_id, version, rotation_type, now)
            conn.execute(
                crypto_keys.update()
                .where(crypto_keys.c.key_id == key_id)
                .values(current_version=version)
            )
        return KeyRotation(key_id, version, now, rotation_type)

    def enable_key_rotation(self, ref: str, period_days: int = 365) -> RotationStatus:
        """Rotate the key every ``period_days`` from now on (customer keys)."""
        if not 90 <= period_days <= 2560:
            raise InvalidInput(
                f"invalid rotation period {period_days}: must be 90 to 2560 days"
            )
        key_id = self._set_rotation(
            ref, period_days, self._clock() + period_days * 86400
        )
        return self.key_rotation_status(key_id)

    def disable_key_rotation(self, ref: str) -> RotationStatus:
        """Stop automatic rotation; versions made so far stay."""
        return self.key_rotation_status(self._set_rotation(ref, None, None))

    def key_rotation_status(self, ref: str) -> RotationStatus:
        with self._engine.connect() as conn:
            key_id = self._resolve(conn, ref)
            row = self._row(conn, key_id)
        period = row.rotation_period_days
        return RotationStatus(key_id, period is not None, period, row.next_rotation)

    def rotate_due_keys(self) -> list[str]:
        """Rotate every Enabled key whose automatic rotation is due.

        A key that is Disabled or pending deletion when its date passes is
        rotated once it is enabled again (KMS pauses the schedule the same
        way). The next date is counted from this rotation.
        """
        now = self._clock()
        with self._engine.connect() as conn:
            due = conn.execute(
                sa.select(crypto_keys.c.key_id, crypto_keys.c.rotation_period_days)
                .where(
                    crypto_keys.c.state == ENABLED,
                    crypto_keys.c.next_rotation <= now,
                )
                .order_by(crypto_keys.c.key_id)
            ).all()
        rotated = []
        for key_id, period in due:
            with self._engine.begin() as conn:
                # Claimed by moving the date on: of several processes doing
                # this at once, one updates the row and rotates.
                claimed = conn.execute(
                    crypto_keys.update()
                    .where(
                        crypto_keys.c.key_id == key_id,
                        crypto_keys.c.next_rotation <= now,
                    )
                    .values(next_rotation=now + period * 86400)
                ).rowcount
            if not claimed:
                continue
            try:
                self.rotate_key(key_id, "AUTOMATIC")
            except KeyStateConflict:
                continue  # disabled since it was found due: its date moved on
            rotated.append(key_id)
        return rotated

    def _set_rotation(
        self, ref: str, period_days: int | None, next_rotation: float | None
    ) -> str:
        with self._engine.begin() as conn:
            key_id = self._resolve(conn, ref)
            row = self._row(conn, key_id)
            if row.key_manager == "AWS":
                raise KeyStateConflict(
                    f"failed to change rotation of key {self.arn(key_id)}: the "
                    "registry manages it"
                )
            if row.state != ENABLED:
                raise KeyStateConflict(
                    f"failed to change rotation of key {self.arn(key_id)}: it is "
                    f"{row.state}"
                )
            conn.execute(
                crypto_keys.update()
                .where(crypto_keys.c.key_id == key_id)
                .values(rotation_period_days=period_days, next_rotation=next_rotation)
            )
        return key_id

    def list_key_rotations(self, ref: str) -> list[KeyRotation]:
        """The key's versions, oldest first (the first is its creation)."""
        with self._engine.connect() as conn:
            key_id = self._resolve(conn, ref)
            rows = conn.execute(
                sa.select(crypto_key_versions)
                .where(crypto_key_versions.c.key_id == key_id)
                .order_by(crypto_key_versions.c.version)
            ).all()
        return [
            KeyRotation(key_id, r.version, r.created_at, r.rotation_type) for r in rows
        ]

    # -- aliases ----------------------------------------------------------

    def create_alias(
        self, alias_name: str, ref: str, *, managed: bool = False
    ) -> Alias:
        """Point a new ``alias/...`` name at a key; AliasExists if taken."""
        if not _ALIAS.match(alias_name):
            raise InvalidInput(
                f"invalid alias name {alias_name!r}: alias/[A-Za-z0-9/_-]+"
            )
        if alias_name.startswith("alias/aws/") and not managed:
            raise InvalidInput(
                f"invalid alias name {alias_name!r}: alias/aws/ is reserved"
            )
        now = self._clock()
        with self._engine.begin() as conn:
            key_id = self._resolve(conn, ref)
            taken = conn.execute(
                sa.select(crypto_aliases.c.key_id).where(
                    crypto_aliases.c.alias_name == alias_name
                )
            ).first()
            if taken is not None:
                raise AliasExists(f"failed to create alias {alias_name}: it exists")
            conn.execute(
                crypto_aliases.insert().values(
                    alias_name=alias_name, key_id=key_id, created_at=now
                )
            )
        return Alias(alias_name, self._prefix + alias_name, key_id, now)

    def delete_alias(self, alias_name: str) -> None:
        with self._engine.begin() as conn:
            gone = conn.execute(
                crypto_aliases.delete().where(crypto_aliases.c.alias_name == alias_name)
            ).rowcount
        if not gone:
            raise KeyNotFound(f"invalid alias {alias_name!r}: no such alias")

    def list_aliases(self) -> list[Alias]:
        with self._engine.connect() as conn:
            rows = conn.execute(
                sa.select(crypto_aliases).order_by(crypto_aliases.c.alias_name)
            ).all()
        return [
            Alias(r.alias_name, self._prefix + r.alias_name, r.key_id, r.created_at)
            for r in rows
        ]

    def managed_key(self, alias_name: str = DEFAULT_ALIAS) -> KeyMetadata:
        """The registry-managed key behind ``alias_name``, created on first use."""
        try:
            return self.describe_key(alias_name)
        except KeyNotFound:
            pass
        key = self.create_key(f"Seawall managed key ({alias_name})", key_manager="AWS")
        try:
            self.create_alias(alias_name, key.key_id, managed=True)
        except AliasExists:
            # Another process created it first: use theirs, retire ours.
            self._set_state(key.key_id, DISABLED, allowed=(ENABLED,), force=True)
        return self.describe_key(alias_name)

    # -- data keys --------------------------------------------------------

    def require_enabled(self, ref: str, action: str) -> KeyMetadata:
        """The key's metadata; KeyUnavailable naming it unless it is Enabled."""
        key = self.describe_key(ref)
        if key.state != ENABLED:
            raise KeyUnavailable(action, key.arn, key.state)
        return key

    def wrap(
        self, key_id: str, data_key: bytes, context: bytes, action: str
    ) -> WrappedKey:
        """Seal ``data_key`` under the key's current version, bound to ``context``."""
        version = self.usable_version(key_id, action)
        material = self._version_material(key_id, version)
        nonce = os.urandom(_NONCE)
        blob = nonce + AESGCM(material).encrypt(nonce, data_key, context)
        return WrappedKey(key_id, version, blob)

    def unwrap(self, wrapped: WrappedKey, context: bytes, action: str) -> bytes:
        """The data key; KeyUnavailable unless Enabled, IntegrityError if altered."""
        self.usable_version(wrapped.key_id, action)
        material = self._version_material(wrapped.key_id, wrapped.version)
        blob = wrapped.blob
        try:
            return AESGCM(material).decrypt(blob[:_NONCE], blob[_NONCE:], context)
        except InvalidTag as exc:
            raise IntegrityError(
                f"failed to {action}: its wrapped data key does not authenticate"
            ) from exc

    def rewrap(self, wrapped: WrappedKey, context: bytes) -> WrappedKey:
        """The same data key wrapped under the current version of its key."""
        data_key = self.unwrap(wrapped, context, "re-wrap data key")
        return self.wrap(wrapped.key_id, data_key, context, "re-wrap data key")

    # -- internals --------------------------------------------------------

    def usable_version(self, key_id: str, action: str) -> int:
        """The current version of an Enabled key, else KeyUnavailable (one query)."""
        with self._engine.connect() as conn:
            row = conn.execute(_KEY_STATE, {"key_id": key_id}).first()
        if row is None:
            raise KeyNotFound(f"invalid key reference {key_id!r}: no such key")
        if row.state != ENABLED:
            raise KeyUnavailable(action, self.arn(key_id), row.state)
        return int(row.current_version)

    def _verify_root_key(self) -> None:
        with self._engine.begin() as conn:
            stored = conn.execute(
                sa.select(crypto_meta.c.value).where(crypto_meta.c.name == "root_check")
            ).scalar()
            if stored is None:
                conn.execute(
                    crypto_meta.insert().values(name="root_check", value=self._check)
                )
                return
        if not hmac.compare_digest(bytes(stored), self._check):
            raise Unavailable(
                "failed to unlock keys: the root key is not the one these keys "
                "were sealed with; restore the original root key (docs/encryption.md)"
            )

    def _add_version(
        self,
        conn: Connection,
        key_id: str,
        version: int,
        rotation_type: str,
        now: float,
    ) -> None:
        nonce = os.urandom(_NONCE)
        sealed = self._wrapper.encrypt(
            nonce, os.urandom(32), _version_aad(key_id, version)
        )
        conn.execute(
            crypto_key_versions.insert().values(
                key_id=key_id,
                version=version,
                wrapped_material=nonce + sealed,
                created_at=now,
                rotation_type=rotation_type,
            )
        )

    def _version_material(self, key_id: str, version: int) -> bytes:
        with self._lock:
            cached = self._material.get((key_id, version))
        if cached is not None:
            return cached
        with self._engine.connect() as conn:
            blob = conn.execute(
                sa.select(crypto_key_versions.c.wrapped_material).where(
                    crypto_key_versions.c.key_id == key_id,
                    crypto_key_versions.c.version == version,
                )
            ).scalar()
        if blob is None:
            raise KeyUnavailable("use key material", self.arn(key_id), DELETED)
        try:
            material = self._wrapper.decrypt(
                blob[:_NONCE], blob[_NONCE:], _version_aad(key_id, version)
            )
        except InvalidTag as exc:
            raise IntegrityError(
                f"failed to unwrap key {self.arn(key_id)} version {version}"
            ) from exc
        with self._lock:
            self._material[(key_id, version)] = material
        return material

    def _row(self, conn: Connection, key_id: str) -> Row[tuple[object, ...]]:
        row = conn.execute(
            sa.select(crypto_keys).where(crypto_keys.c.key_id == key_id)
        ).first()
        if row is None:
            raise KeyNotFound(f"invalid key reference {key_id!r}: no such key")
        return row

    def _set_state(
        self,
        ref: str,
        state: str,
        *,
        allowed: tuple[str, ...],
        force: bool = False,
        **values: object,
    ) -> KeyMetadata:
        with self._engine.begin() as conn:
            key_id = self._resolve(conn, ref)
            row = self._row(conn, key_id)
            if row.state not in allowed:
                raise KeyStateConflict(
                    f"failed to make key {self.arn(key_id)} {state}: it is {row.state}"
                )
            if row.key_manager == "AWS" and not force:
                raise KeyStateConflict(
                    f"failed to change key {self.arn(key_id)}: the registry manages it"
                )
            conn.execute(
                crypto_keys.update()
                .where(crypto_keys.c.key_id == key_id)
                .values(state=state, **values)
            )
        return self.describe_key(key_id)

    def _metadata(
        self, row: Row[tuple[object, ...]], aliases: tuple[str, ...]
    ) -> KeyMetadata:
        m = row._mapping
        return KeyMetadata(
            key_id=str(m["key_id"]),
            arn=self.arn(str(m["key_id"])),
            description=str(m["description"]),
            state=str(m["state"]),
            key_manager=str(m["key_manager"]),
            created_at=float(m["created_at"]),
            deletion_date=m["deletion_date"],
            pending_window_days=m["pending_window_days"],
            current_version=int(m["current_version"]),
            aliases=aliases,
        )


def _version_aad(key_id: str, version: int) -> bytes:
    return f"seawall/key-material/v1|{key_id}|{version}".encode()


def _is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False
