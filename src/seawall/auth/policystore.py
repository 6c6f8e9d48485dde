"""Stored policies: named identity policies with attachments, repository
policies and the registry policy. Every write validates the document first
(PolicyInvalid names the statement) and bumps the decision generation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, delete, func, select, update

from seawall.auth import schema
from seawall.auth.builtin import BUILTIN_POLICIES
from seawall.auth.errors import PrincipalNotFound
from seawall.auth.evaluate import AttachedPolicy
from seawall.auth.policy import Policy, PolicyKind, parse_policy
from seawall.auth.principals import Principal
from seawall.errors import Conflict, InvalidInput, NotFound
from seawall.storage.metadata.sql import insert_ignore, upsert

_POLICY_NAME = re.compile(r"^[\w+=,.@-]{1,128}$")
REGISTRY = "registry"


@dataclass(frozen=True)
class PolicyInfo:
    name: str
    description: str
    builtin: bool
    attached_to: tuple[str, ...]  # "user/alice", "group/devs"


def _repo_key(repository: str) -> str:
    return f"repository/{repository}"


class PolicyStore:
    """Reads and writes every kind of stored policy."""

    def __init__(
        self, engine: Engine, clock: Callable[[], float], on_change: Callable[[], None]
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._changed = on_change

    def install_builtins(self) -> None:
        """Create the built-in policies that are missing (idempotent)."""
        now = self._clock()
        with self._engine.begin() as conn:
            for name, (description, document) in BUILTIN_POLICIES.items():
                insert_ignore(
                    conn,
                    schema.policies,
                    {
                        "name": name,
                        "document": document,
                        "description": description,
                        "builtin": True,
                        "created_at": now,
                        "updated_at": now,
                    },
                    ["name"],
                )

    # -- named identity policies -----------------------------------------

    def put_policy(self, name: str, document: str, description: str = "") -> Policy:
        """Create or replace a named identity policy; PolicyInvalid when bad."""
        if not _POLICY_NAME.match(name):
            raise InvalidInput(f"invalid policy name {name!r}")
        if name in BUILTIN_POLICIES:
            raise Conflict(f"failed to change policy {name}: it is built in")
        policy = parse_policy(document, PolicyKind.IDENTITY)
        now = self._clock()
        with self._engine.begin() as conn:
            upsert(
                conn,
                schema.policies,
                {
                    "name": name,
                    "document": document,
                    "description": description,
                    "builtin": False,
                    "created_at": now,
                    "updated_at": now,
                },
                ["name"],
                ["document", "description", "updated_at"],
            )
        self._changed()
        return policy

    def get_policy(self, name: str) -> str:
        with self._engine.connect() as conn:
            document = conn.execute(
                select(schema.policies.c.document).where(schema.policies.c.name == name)
            ).scalar()
        if document is None:
            raise NotFound(f"failed to find policy {name!r}")
        return str(document)

    def delete_policy(self, name: str) -> None:
        """Delete an unattached, non-built-in policy."""
        if name in BUILTIN_POLICIES:
            raise Conflict(f"failed to delete policy {name}: it is built in")
        with self._engine.begin() as conn:
            attached = conn.execute(
                select(func.count())
                .select_from(schema.policy_attachments)
                .where(schema.policy_attachments.c.policy_name == name)
            ).scalar()
            if attached:
                raise Conflict(f"failed to delete policy {name}: detach it first")
            done = conn.execute(
                delete(schema.policies).where(schema.policies.c.name == name)
            )
        if not done.rowcount:
            raise NotFound(f"failed to find policy {name!r}")

    def list_policies(self) -> list[PolicyInfo]:
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(schema.policies).order_by(schema.policies.c.name)
            ).all()
            targets = self._attachment_labels(conn)
        return [
            PolicyInfo(
                r.name,
                r.description,
                bool(r.builtin),
                tuple(sorted(targets.get(r.name, []))),
            )
            for r in rows
        ]

    def attach(self, policy_name: str, target_type: str, target_id: str) -> None:
        """Attach to a ``principal`` or ``group`` (by id); idempotent."""
        self.get_policy(policy_name)
        with self._engine.begin() as conn:
            insert_ignore(
                conn,
                schema.policy_attachments,
                {
                    "policy_name": policy_name,
                    "target_type": target_type,
                    "target_id": target_id,
                },
                ["policy_name", "target_type", "target_id"],
            )
        self._changed()

    def detach(self, policy_name: str, target_type: str, target_id: str) -> None:
        with self._engine.begin() as conn:
            done = conn.execute(
                delete(schema.policy_attachments).where(
                    schema.policy_attachments.c.policy_name == policy_name,
                    schema.policy_attachments.c.target_type == target_type,
                    schema.policy_attachments.c.target_id == target_id,
                )
            )
        if not done.rowcount:
            raise NotFound(f"failed to detach {policy_name}: it is not attached")
        self._changed()

    def identity_policies(self, principal: Principal) -> tuple[AttachedPolicy, ...]:
        """The principal's own and its groups' policies, parsed."""
        if principal.is_anonymous:
            return ()
        if not principal.principal_id:
            raise PrincipalNotFound(f"failed to find principal {principal.name!r}")
        att, groups = schema.policy_attachments, schema.groups
        with self._engine.connect() as conn:
            group_rows = conn.execute(
                select(groups.c.id, groups.c.name).where(
                    groups.c.name.in_(principal.groups)
                )
            ).all()
            labels = {("principal", principal.principal_id): f"user/{principal.name}"}
            labels.update({("group", gid): f"group/{name}" for gid, name in group_rows})
            rows = conn.execute(
                select(
                    att.c.policy_name,
                    att.c.target_type,
                    att.c.target_id,
                    schema.policies.c.document,
                )
                .join(schema.policies, schema.policies.c.name == att.c.policy_name)
                .where(att.c.target_id.in_([tid for _, tid in labels]))
                .order_by(att.c.target_type.desc(), att.c.policy_name)
            ).all()
        return tuple(
            AttachedPolicy(
                f"{labels[(t, tid)]}:{name}",
                PolicyKind.IDENTITY,
                parse_policy(doc, PolicyKind.IDENTITY),
            )
            for name, t, tid, doc in rows
            if (t, tid) in labels
        )

    # -- resource policies -----------------------------------------------

    def set_repository_policy(self, repository: str, document: str) -> Policy:
        return self._set_resource(
            _repo_key(repository), document, PolicyKind.REPOSITORY
        )

    def get_repository_policy(self, repository: str) -> str | None:
        return self._get_resource(_repo_key(repository))

    def delete_repository_policy(self, repository: str) -> bool:
        return self._delete_resource(_repo_key(repository))

    def set_registry_policy(self, document: str) -> Policy:
        return self._set_resource(REGISTRY, document, PolicyKind.REGISTRY)

    def get_registry_policy(self) -> str | None:
        return self._get_resource(REGISTRY)

    def delete_registry_policy(self) -> bool:
        return self._delete_resource(REGISTRY)

    def resource_policies(self, repository: str | None) -> tuple[AttachedPolicy, ...]:
        """The repository's policy (when any) and the registry policy, parsed."""
        keys = [REGISTRY] + ([_repo_key(repository)] if repository else [])
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(schema.resource_policies).where(
                    schema.resource_policies.c.resource.in_(keys)
                )
            ).all()
        out = []
        for row in sorted(rows, key=lambda r: r.resource == REGISTRY):
            kind = (
                PolicyKind.REGISTRY
                if row.resource == REGISTRY
                else PolicyKind.REPOSITORY
            )
            source = (
                "registry policy"
                if kind is PolicyKind.REGISTRY
                else "repository policy"
            )
            out.append(AttachedPolicy(source, kind, parse_policy(row.document, kind)))
        return tuple(out)

    def _set_resource(self, key: str, document: str, kind: PolicyKind) -> Policy:
        policy = parse_policy(document, kind)
        with self._engine.begin() as conn:
            upsert(
                conn,
                schema.resource_policies,
                {
                    "resource": key,
                    "document": document,
                    "updated_at": self._clock(),
                },
                ["resource"],
                ["document", "updated_at"],
            )
        self._changed()
        return policy

    def _get_resource(self, key: str) -> str | None:
        with self._engine.connect() as conn:
            document = conn.execute(
                select(schema.resource_policies.c.document).where(
                    schema.resource_policies.c.resource == key
                )
            ).scalar()
        return None if document is None else str(document)

    def _delete_resource(self, key: str) -> bool:
        with self._engine.begin() as conn:
            done = conn.execute(
                delete(schema.resource_policies).where(
                    schema.resource_policies.c.resource == key
                )
            )
        self._changed()
        return bool(done.rowcount)

    def _attachment_labels(self, conn: Connection) -> dict[str, list[str]]:
        att = schema.policy_attachments
        out: dict[str, list[str]] = {}
        for table, kind, prefix in (
            (schema.principals, "principal", "user"),
            (schema.groups, "group", "group"),
        ):
            rows = conn.execute(
                select(att.c.policy_name, table.c.name)
                .join(table, table.c.id == att.c.target_id)
                .where(att.c.target_type == kind)
            ).all()
            for policy_name, name in rows:
                out.setdefault(policy_name, []).append(f"{prefix}/{name}")
        return out


class Generation:
    """The shared counter that tells every process its cache is stale."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def bump(self) -> None:
        with self._engine.begin() as conn:
            if not conn.execute(
                update(schema.generation)
                .where(schema.generation.c.id == 1)
                .values(value=schema.generation.c.value + 1)
            ).rowcount:
                insert_ignore(conn, schema.generation, {"id": 1, "value": 1}, ["id"])

    def read(self) -> int:
        with self._engine.connect() as conn:
            value = conn.execute(
                select(schema.generation.c.value).where(schema.generation.c.id == 1)
            ).scalar()
        return int(value or 0)
