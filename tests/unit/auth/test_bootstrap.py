"""First start: one administrator, from the environment or generated."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

from sqlalchemy import Engine

from seawall.auth.bootstrap import CREDENTIALS_FILE, bootstrap
from seawall.auth.credentials import parse_authorization
from seawall.auth.factory import AuthServices
from seawall.auth.service import RequestInfo

INFO = RequestInfo(source_ip="127.0.0.1")


def _run(
    auth: AuthServices,
    engine: Engine,
    data_dir: Path,
    admin_key: tuple[str, str] | None,
    out: list[str],
) -> bool:
    return bootstrap(
        engine,
        auth.identities,
        auth.keys,
        auth.policies,
        data_dir,
        admin_key=admin_key,
        announce=out.append,
    )


def _login(auth: AuthServices, key_id: str, secret: str) -> str:
    raw = base64.b64encode(f"{key_id}:{secret}".encode()).decode()
    return auth.access.authenticate(parse_authorization(f"Basic {raw}"), INFO).name


def test_admin_from_environment_is_used_and_nothing_printed(
    auth: AuthServices, engine: Engine, tmp_path: Path
) -> None:
    out: list[str] = []
    key = ("AKIASEAWALLTESTADMIN", "seawall-test-admin-secret-0123456789")
    assert _run(auth, engine, tmp_path, key, out)
    assert out == []
    assert not (tmp_path / CREDENTIALS_FILE).exists()
    assert _login(auth, *key) == "admin"
    admin = auth.identities.get_principal("admin")
    assert auth.access.decide(admin, "ecr:DeleteRepository", "x", INFO).allowed


def test_generated_admin_is_printed_once_and_saved_0600(
    auth: AuthServices, engine: Engine, tmp_path: Path
) -> None:
    out: list[str] = []
    assert _run(auth, engine, tmp_path, None, out)
    path = tmp_path / CREDENTIALS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    fields = dict(
        line.split(" = ") for line in path.read_text().splitlines() if " = " in line
    )
    key_id, secret = fields["aws_access_key_id"], fields["aws_secret_access_key"]
    assert len(out) == 1
    assert secret in out[0]
    assert _login(auth, key_id, secret) == "admin"

    # A second start creates nothing and prints nothing.
    assert not _run(auth, engine, tmp_path, None, out)
    assert len(out) == 1


def test_deleted_admin_stays_deleted(
    auth: AuthServices, engine: Engine, tmp_path: Path
) -> None:
    _run(auth, engine, tmp_path, None, [])
    auth.identities.delete_principal("admin")
    assert not _run(auth, engine, tmp_path, None, [])
    assert [p.name for p in auth.identities.list_principals()] == []
