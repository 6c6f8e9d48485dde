"""Secure by default: the first start creates one administrator.

The administrator is the user ``admin`` with ``AdministratorAccess``. Its
access key comes from ``SEAWALL_ADMIN_ACCESS_KEY_ID`` and
``SEAWALL_ADMIN_SECRET_ACCESS_KEY`` when set at first start; otherwise one is
generated, printed once on the terminal and saved, readable by the owner
only (0600), as an AWS-style credentials file ``admin-credentials`` in the
data directory. A marker row in the database makes this happen once per
registry, even with several processes starting together, and keeps a
deleted administrator deleted.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, select

from seawall.auth import schema
from seawall.auth.identities import IdentityStore
from seawall.auth.keys import AccessKeyStore
from seawall.auth.policystore import PolicyStore
from seawall.auth.principals import PrincipalKind
from seawall.errors import Conflict
from seawall.logging import get_logger
from seawall.storage.metadata.sql import insert_ignore

log = get_logger(__name__)

ADMIN_USER = "admin"
ADMIN_POLICY = "AdministratorAccess"
CREDENTIALS_FILE = "admin-credentials"
_MARKER_ID = 2  # auth_generation row meaning "the first administrator was made"


def bootstrap(
    engine: Engine,
    identities: IdentityStore,
    keys: AccessKeyStore,
    policies: PolicyStore,
    data_dir: Path,
    *,
    admin_key: tuple[str, str] | None = None,
    announce: Callable[[str], None] = print,
) -> bool:
    """Install built-in policies and, on first start, the administrator.

    Returns True when this call created the administrator.
    """
    policies.install_builtins()
    if _bootstrapped(engine):
        if admin_key is not None and not _key_exists(engine, admin_key[0]):
            log.warning(
                "admin credentials from the environment ignored: the "
                "registry already has its first administrator",
                access_key_id=admin_key[0],
            )
        return False
    created = _create_admin(
        identities, keys, policies, data_dir, admin_key=admin_key, announce=announce
    )
    with engine.begin() as conn:
        insert_ignore(conn, schema.generation, {"id": _MARKER_ID, "value": 1}, ["id"])
    return created


def _create_admin(
    identities: IdentityStore,
    keys: AccessKeyStore,
    policies: PolicyStore,
    data_dir: Path,
    *,
    admin_key: tuple[str, str] | None,
    announce: Callable[[str], None],
) -> bool:
    try:
        admin = identities.create_principal(ADMIN_USER, PrincipalKind.USER)
    except Conflict:
        return False  # another process is making it
    policies.attach(ADMIN_POLICY, "principal", admin.principal_id)
    key_id, secret = admin_key or ("", "")
    new = keys.create(ADMIN_USER, access_key_id=key_id, secret=secret)
    log.info(
        "created the first administrator",
        user=ADMIN_USER,
        access_key_id=new.access_key_id,
    )
    if admin_key is None:
        path = write_credentials(data_dir, new.access_key_id, new.secret_access_key)
        announce(
            "Seawall created the administrator 'admin'. Save these credentials; "
            "the secret is not shown again.\n"
            f"  access key id:     {new.access_key_id}\n"
            f"  secret access key: {new.secret_access_key}\n"
            f"  (also saved, mode 0600, in {path})"
        )
    return True


def write_credentials(data_dir: Path, key_id: str, secret: str) -> Path:
    """Write an AWS-style credentials file readable by the owner only."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / CREDENTIALS_FILE
    text = (
        f"[seawall-admin]\naws_access_key_id = {key_id}\n"
        f"aws_secret_access_key = {secret}\n"
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(text)
    os.chmod(path, 0o600)
    return path


def _bootstrapped(engine: Engine) -> bool:
    with engine.connect() as conn:
        return (
            conn.execute(
                select(schema.generation.c.id).where(
                    schema.generation.c.id == _MARKER_ID
                )
            ).first()
            is not None
        )


def _key_exists(engine: Engine, key_id: str) -> bool:
    with engine.connect() as conn:
        return (
            conn.execute(
                select(schema.access_keys.c.id).where(schema.access_keys.c.id == key_id)
            ).first()
            is not None
        )
