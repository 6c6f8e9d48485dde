"""Users, service identities, groups and tags, stored in the metadata database.

Names follow IAM's rules (letters, digits and ``+=,.@_-``; users up to 64
characters, groups up to 128). Every change bumps the decision generation
through ``on_change`` so cached decisions are dropped.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError as DBIntegrityError

from seawall.auth import schema
from seawall.auth.arn import principal_arn
from seawall.auth.errors import PrincipalNotFound
from seawall.auth.passwords import hash_password, verify_password
from seawall.auth.principals import Principal, PrincipalKind
from seawall.errors import Conflict, InvalidInput, NotFound

_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
_GROUP = re.compile(r"^[\w+=,.@-]{1,128}$")
_TAG_KEY = re.compile(r"^[\w .:/=+@-]{1,128}$")
MAX_TAG_VALUE = 256

Clock = Callable[[], float]


@dataclass(frozen=True)
class GroupInfo:
    name: str
    members: tuple[str, ...]
    created_at: float


def check_name(name: str, what: str = "user") -> None:
    """InvalidInput unless ``name`` is a valid user or service name."""
    if not _NAME.match(name):
        raise InvalidInput(
            f"invalid {what} name {name!r}: 1-64 letters, digits or +=,.@_-"
        )


def _new_id(prefix: str) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    return prefix + "".join(secrets.choice(alphabet) for _ in range(17))


class IdentityStore:
    """Principals and groups; the account decides every ARN."""

    def __init__(
        self, engine: Engine, account: str, clock: Clock, on_change: Callable[[], None]
    ) -> None:
        self._engine = engine
        self._account = account
        self._clock = clock
        self._changed = on_change

    # -- principals ------------------------------------------------------

    def create_principal(
        self,
        name: str,
        kind: PrincipalKind,
        *,
        password: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> Principal:
        """Create a user or service identity; Conflict when the name is taken."""
        check_name(name, kind.value)
        if kind is PrincipalKind.ANONYMOUS:
            raise InvalidInput("invalid principal kind: anonymous cannot be created")
        if password is not None and kind is not PrincipalKind.USER:
            raise InvalidInput("invalid password: only users have passwords")
        for key, value in (tags or {}).items():
            _check_tag(key, value)
        row = {
            "id": _new_id("AIDA" if kind is PrincipalKind.USER else "AROA"),
            "name": name,
            "kind": kind.value,
            "arn": principal_arn(self._account, kind.value, name),
            "password_hash": hash_password(password) if password else None,
            "created_at": self._clock(),
        }
        try:
            with self._engine.begin() as conn:
                conn.execute(insert(schema.principals).values(**row))
                for key, value in (tags or {}).items():
                    conn.execute(
                        insert(schema.principal_tags).values(
                            principal_id=row["id"], key=key, value=value
                        )
                    )
        except DBIntegrityError as exc:
            raise Conflict(
                f"failed to create {kind.value} {name}: the name is taken"
            ) from exc
        self._changed()
        return self.get_principal(name)

    def delete_principal(self, name: str) -> None:
        """Delete a principal with its keys, tags and attachments."""
        with self._engine.begin() as conn:
            row = self._row(conn, name)
            conn.execute(
                delete(schema.policy_attachments).where(
                    schema.policy_attachments.c.target_type == "principal",
                    schema.policy_attachments.c.target_id == row.id,
                )
            )
            for table in (
                schema.access_keys,
                schema.principal_tags,
                schema.group_members,
            ):
                conn.execute(delete(table).where(table.c.principal_id == row.id))
            conn.execute(
                delete(schema.principals).where(schema.principals.c.id == row.id)
            )
        self._changed()

    def get_principal(self, name: str) -> Principal:
        """The principal called ``name``; PrincipalNotFound otherwise."""
        with self._engine.connect() as conn:
            return self._load(conn, self._row(conn, name))

    def get_principal_by_id(self, principal_id: str) -> Principal:
        with self._engine.connect() as conn:
            row = conn.execute(
                select(schema.principals).where(schema.principals.c.id == principal_id)
            ).first()
            if row is None:
                raise PrincipalNotFound(f"failed to find principal {principal_id}")
            return self._load(conn, row)

    def list_principals(self) -> list[Principal]:
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(schema.principals).order_by(schema.principals.c.name)
            ).all()
            return [self._load(conn, row) for row in rows]

    def set_password(self, name: str, password: str | None) -> None:
        """Set (or with None remove) a user's password."""
        hashed = hash_password(password) if password is not None else None
        with self._engine.begin() as conn:
            row = self._row(conn, name)
            if row.kind != PrincipalKind.USER.value and hashed is not None:
                raise InvalidInput("invalid password: only users have passwords")
            conn.execute(
                update(schema.principals)
                .where(schema.principals.c.id == row.id)
                .values(password_hash=hashed)
            )
        self._changed()

    def check_password(self, name: str, password: str) -> Principal | None:
        """The user when ``password`` is right; None otherwise (same cost)."""
        with self._engine.connect() as conn:
            row = conn.execute(
                select(schema.principals).where(schema.principals.c.name == name)
            ).first()
            stored = row.password_hash if row is not None else None
            if not verify_password(stored, password) or row is None:
                return None
            return self._load(conn, row)

    def set_tags(self, name: str, tags: Mapping[str, str]) -> None:
        """Add or overwrite tags on a principal."""
        for key, value in tags.items():
            _check_tag(key, value)
        with self._engine.begin() as conn:
            row = self._row(conn, name)
            for key, value in tags.items():
                conn.execute(
                    delete(schema.principal_tags).where(
                        schema.principal_tags.c.principal_id == row.id,
                        schema.principal_tags.c.key == key,
                    )
                )
                conn.execute(
                    insert(schema.principal_tags).values(
                        principal_id=row.id, key=key, value=value
                    )
                )
        self._changed()

    def remove_tags(self, name: str, keys: list[str]) -> None:
        with self._engine.begin() as conn:
            row = self._row(conn, name)
            conn.execute(
                delete(schema.principal_tags).where(
                    schema.principal_tags.c.principal_id == row.id,
                    schema.principal_tags.c.key.in_(keys),
                )
            )
        self._changed()

    # -- groups ----------------------------------------------------------

    def create_group(self, name: str) -> None:
        if not _GROUP.match(name):
            raise InvalidInput(
                f"invalid group name {name!r}: 1-128 letters, digits or +=,.@_-"
            )
        try:
            with self._engine.begin() as conn:
                conn.execute(
                    insert(schema.groups).values(
                        id=_new_id("AGPA"), name=name, created_at=self._clock()
                    )
                )
        except DBIntegrityError as exc:
            raise Conflict(f"failed to create group {name}: the name is taken") from exc

    def delete_group(self, name: str) -> None:
        with self._engine.begin() as conn:
            group_id = self._group_id(conn, name)
            conn.execute(
                delete(schema.policy_attachments).where(
                    schema.policy_attachments.c.target_type == "group",
                    schema.policy_attachments.c.target_id == group_id,
                )
            )
            conn.execute(
                delete(schema.group_members).where(
                    schema.group_members.c.group_id == group_id
                )
            )
            conn.execute(delete(schema.groups).where(schema.groups.c.id == group_id))
        self._changed()

    def add_member(self, group: str, principal: str) -> None:
        with self._engine.begin() as conn:
            group_id = self._group_id(conn, group)
            row = self._row(conn, principal)
            conn.execute(
                delete(schema.group_members).where(
                    schema.group_members.c.group_id == group_id,
                    schema.group_members.c.principal_id == row.id,
                )
            )
            conn.execute(
                insert(schema.group_members).values(
                    group_id=group_id, principal_id=row.id
                )
            )
        self._changed()

    def remove_member(self, group: str, principal: str) -> None:
        with self._engine.begin() as conn:
            group_id = self._group_id(conn, group)
            row = self._row(conn, principal)
            conn.execute(
                delete(schema.group_members).where(
                    schema.group_members.c.group_id == group_id,
                    schema.group_members.c.principal_id == row.id,
                )
            )
        self._changed()

    def list_groups(self) -> list[GroupInfo]:
        with self._engine.connect() as conn:
            groups = conn.execute(
                select(schema.groups).order_by(schema.groups.c.name)
            ).all()
            members = conn.execute(
                select(schema.group_members.c.group_id, schema.principals.c.name).join(
                    schema.principals,
                    schema.principals.c.id == schema.group_members.c.principal_id,
                )
            ).all()
        by_group: dict[str, list[str]] = {}
        for group_id, member in members:
            by_group.setdefault(group_id, []).append(member)
        return [
            GroupInfo(g.name, tuple(sorted(by_group.get(g.id, []))), g.created_at)
            for g in groups
        ]

    def group_id(self, name: str) -> str:
        with self._engine.connect() as conn:
            return self._group_id(conn, name)

    # -- helpers ---------------------------------------------------------

    def _row(self, conn: Connection, name: str) -> Any:
        row = conn.execute(
            select(schema.principals).where(schema.principals.c.name == name)
        ).first()
        if row is None:
            raise PrincipalNotFound(f"failed to find principal {name!r}")
        return row

    def _group_id(self, conn: Connection, name: str) -> str:
        group_id = conn.execute(
            select(schema.groups.c.id).where(schema.groups.c.name == name)
        ).scalar()
        if group_id is None:
            raise NotFound(f"failed to find group {name!r}")
        return str(group_id)

    def _load(self, conn: Connection, row: Any) -> Principal:
        principal_id = row.id
        tags = conn.execute(
            select(schema.principal_tags.c.key, schema.principal_tags.c.value)
            .where(schema.principal_tags.c.principal_id == principal_id)
            .order_by(schema.principal_tags.c.key)
        ).all()
        groups = (
            conn.execute(
                select(schema.groups.c.name)
                .join(
                    schema.group_members,
                    schema.group_members.c.group_id == schema.groups.c.id,
                )
                .where(schema.group_members.c.principal_id == principal_id)
                .order_by(schema.groups.c.name)
            )
            .scalars()
            .all()
        )
        return Principal(
            arn=row.arn,
            name=row.name,
            kind=PrincipalKind(row.kind),
            account=self._account,
            groups=tuple(groups),
            tags=tuple((k, v) for k, v in tags),
            principal_id=principal_id,
        )


def _check_tag(key: str, value: str) -> None:
    if not _TAG_KEY.match(key) or key.lower().startswith("aws:"):
        raise InvalidInput(f"invalid tag key {key!r}")
    if len(value) > MAX_TAG_VALUE:
        raise InvalidInput(f"invalid tag value for {key!r}: at most 256 characters")
