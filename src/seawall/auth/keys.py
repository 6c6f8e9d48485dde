"""Access keys: a public id and a secret shown once, sealed at rest.

Ids look like AWS's (``AKIA`` + 16 base32 characters); secrets are 40
characters of letters and digits, so ``--creds id:secret`` and HTTP Basic
never meet a colon. The secret is sealed with :class:`SecretBox` and opened
only to check a presented secret or, through :meth:`get_secret`, to verify a
SigV4 signature.
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError as DBIntegrityError

from seawall.auth import schema
from seawall.auth.errors import AccessKeyNotFound, PrincipalNotFound
from seawall.auth.secretbox import SecretBox
from seawall.errors import Conflict, InvalidInput

ACTIVE = "Active"
INACTIVE = "Inactive"
MAX_KEYS_PER_PRINCIPAL = 2  # as IAM: enough to rotate without a gap
_ID = re.compile(r"^[A-Z0-9]{16,32}$")
_SECRET_ALPHABET = string.ascii_letters + string.digits
_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


@dataclass(frozen=True)
class NewAccessKey:
    """A freshly created key: the only time the secret is returned."""

    access_key_id: str
    secret_access_key: str = ""

    def __repr__(self) -> str:
        return f"NewAccessKey(access_key_id={self.access_key_id!r}, secret=<hidden>)"


@dataclass(frozen=True)
class AccessKeyInfo:
    """What may be listed about a key: never the secret."""

    access_key_id: str
    principal_name: str
    status: str
    created_at: float
    last_used_at: float | None


def check_access_key_id(value: str) -> None:
    if not _ID.match(value):
        raise InvalidInput(
            f"invalid access key id {value!r}: 16-32 capital letters or digits"
        )


def check_secret(value: str) -> None:
    if not 16 <= len(value) <= 128 or ":" in value or not value.isprintable():
        raise InvalidInput(
            "invalid secret access key: 16-128 printable characters without a colon"
        )


class AccessKeyStore:
    """Create, list, disable and delete access keys; open secrets on demand."""

    def __init__(
        self,
        engine: Engine,
        box: SecretBox,
        clock: Callable[[], float],
        on_change: Callable[[], None],
    ) -> None:
        self._engine = engine
        self._box = box
        self._clock = clock
        self._changed = on_change

    def create(
        self, principal_name: str, *, access_key_id: str = "", secret: str = ""
    ) -> NewAccessKey:
        """A new Active key for the principal; given id/secret are checked.

        Raises PrincipalNotFound, Conflict (id taken, or two keys already).
        """
        key_id = access_key_id or "AKIA" + "".join(
            secrets.choice(_ID_ALPHABET) for _ in range(16)
        )
        secret = secret or "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(40))
        check_access_key_id(key_id)
        check_secret(secret)
        try:
            with self._engine.begin() as conn:
                principal_id = self._principal_id(conn, principal_name)
                self._check_quota(conn, principal_id, principal_name)
                conn.execute(
                    insert(schema.access_keys).values(
                        id=key_id,
                        principal_id=principal_id,
                        secret_sealed=self._box.seal(secret, key_id),
                        status=ACTIVE,
                        created_at=self._clock(),
                        last_used_at=None,
                    )
                )
        except DBIntegrityError as exc:
            raise Conflict(f"failed to create access key {key_id}: it exists") from exc
        return NewAccessKey(key_id, secret)

    def get_secret(self, access_key_id: str) -> str | None:
        """The secret of an Active key, or None (unknown or Inactive key)."""
        row = self._lookup(access_key_id)
        if row is None or row.status != ACTIVE:
            return None
        return self._box.open(row.secret_sealed, access_key_id)

    def owner(self, access_key_id: str) -> str | None:
        """The principal id behind an Active key, or None."""
        row = self._lookup(access_key_id)
        return row.principal_id if row is not None and row.status == ACTIVE else None

    def set_status(self, access_key_id: str, status: str) -> None:
        if status not in (ACTIVE, INACTIVE):
            raise InvalidInput(f"invalid key status {status!r}: Active or Inactive")
        with self._engine.begin() as conn:
            done = conn.execute(
                update(schema.access_keys)
                .where(schema.access_keys.c.id == access_key_id)
                .values(status=status)
            )
        if not done.rowcount:
            raise AccessKeyNotFound(f"failed to find access key {access_key_id}")
        self._changed()

    def delete(self, access_key_id: str) -> None:
        with self._engine.begin() as conn:
            done = conn.execute(
                delete(schema.access_keys).where(
                    schema.access_keys.c.id == access_key_id
                )
            )
        if not done.rowcount:
            raise AccessKeyNotFound(f"failed to find access key {access_key_id}")
        self._changed()

    def list(self, principal_name: str | None = None) -> list[AccessKeyInfo]:
        keys, principals = schema.access_keys, schema.principals
        query = (
            select(
                keys.c.id,
                principals.c.name,
                keys.c.status,
                keys.c.created_at,
                keys.c.last_used_at,
            )
            .join(principals, principals.c.id == keys.c.principal_id)
            .order_by(principals.c.name, keys.c.created_at)
        )
        if principal_name is not None:
            query = query.where(principals.c.name == principal_name)
        with self._engine.connect() as conn:
            return [AccessKeyInfo(*row) for row in conn.execute(query).all()]

    def touch(self, access_key_id: str) -> None:
        """Record a use (best effort; callers rate-limit it)."""
        with self._engine.begin() as conn:
            conn.execute(
                update(schema.access_keys)
                .where(schema.access_keys.c.id == access_key_id)
                .values(last_used_at=self._clock())
            )

    def _lookup(self, access_key_id: str) -> Any:
        with self._engine.connect() as conn:
            return conn.execute(
                select(schema.access_keys).where(
                    schema.access_keys.c.id == access_key_id
                )
            ).first()

    @staticmethod
    def _principal_id(conn: Connection, name: str) -> str:
        principal_id = conn.execute(
            select(schema.principals.c.id).where(schema.principals.c.name == name)
        ).scalar()
        if principal_id is None:
            raise PrincipalNotFound(f"failed to find principal {name!r}")
        return str(principal_id)

    @staticmethod
    def _check_quota(conn: Connection, principal_id: str, name: str) -> None:
        count = conn.execute(
            select(func.count())
            .select_from(schema.access_keys)
            .where(schema.access_keys.c.principal_id == principal_id)
        ).scalar_one()
        if count >= MAX_KEYS_PER_PRINCIPAL:
            raise Conflict(
                f"failed to create an access key for {name}: it already "
                f"has {MAX_KEYS_PER_PRINCIPAL}; delete one first"
            )
