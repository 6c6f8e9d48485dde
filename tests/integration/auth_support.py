"""Shared pieces of the access-control integration tests."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

import httpx

from seawall.auth.factory import AuthServices, from_settings
from seawall.auth.principals import PrincipalKind
from seawall.settings import Settings
from seawall.storage.metadata.db import make_engine
from tests.helpers import admin_credentials, require_tool
from tests.live import LiveServer

READ_ONLY = "AmazonEC2ContainerRegistryReadOnly"


def seawall(
    server: LiveServer, *args: str, stdin: str = "", check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run the ``seawall`` CLI against the server's data directory.

    The real command runs in this process (click's runner) with the server's
    settings in the environment, which spares a slow interpreter start.
    """
    from click.testing import CliRunner

    from seawall.cli.main import cli

    env = {k: v for k, v in server.env.items() if k.startswith("SEAWALL_")}
    env |= {
        "SEAWALL_DATA_DIR": str(server.data_dir),
        "SEAWALL_DATABASE_URL": server.database_url,
    }
    outcome = CliRunner().invoke(cli, list(args), input=stdin, env=env)
    result = subprocess.CompletedProcess(
        ["seawall", *args], outcome.exit_code, outcome.stdout, outcome.stderr
    )
    if check:
        assert result.returncode == 0, (result.stderr, result.stdout, outcome.exception)
    return result


_SERVICES: dict[Path, AuthServices] = {}


def auth_services(server: LiveServer) -> AuthServices:
    """Access control over the server's own database, in this process.

    Changes made here reach the server as they would from ``seawall admin``
    (through the database); only the CLI's own tests spawn the CLI.
    """
    if server.data_dir not in _SERVICES:
        settings = Settings(data_dir=server.data_dir, database_url=server.database_url)
        engine = make_engine(settings.effective_database_url)
        _SERVICES[server.data_dir] = from_settings(
            settings, engine, announce=lambda _: None
        )
    return _SERVICES[server.data_dir]


def create_user(server: LiveServer, name: str, *policies: str) -> tuple[str, str]:
    """A new user with ``policies`` attached and one access key.

    New principals and keys are never cached as missing, so the server
    accepts them at once.
    """
    auth = auth_services(server)
    principal = auth.identities.create_principal(name, PrincipalKind.USER)
    for policy in policies:
        auth.policies.attach(policy, "principal", principal.principal_id)
    created = auth.keys.create(name)
    return created.access_key_id, created.secret_access_key


def admin_auth(server: LiveServer) -> tuple[str, str]:
    return admin_credentials(server.data_dir)


def creds(pair: tuple[str, str]) -> str:
    return f"{pair[0]}:{pair[1]}"


def skopeo(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    require_tool("skopeo")
    result = subprocess.run(
        ["skopeo", "--insecure-policy", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def push(
    layout: Path,
    server: LiveServer,
    repo: str,
    pair: tuple[str, str],
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    return skopeo(
        "copy",
        "--dest-tls-verify=false",
        "--dest-creds",
        creds(pair),
        f"oci:{layout}:v1",
        f"docker://{server.host}/{repo}",
        check=check,
    )


def inspect(
    server: LiveServer, repo: str, pair: tuple[str, str] | None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    auth = ["--creds", creds(pair)] if pair else ["--no-creds"]
    return skopeo(
        "inspect",
        "--raw",
        "--tls-verify=false",
        *auth,
        f"docker://{server.host}/{repo}",
        check=check,
    )


def token(server: LiveServer, pair: tuple[str, str] | None, *scopes: str) -> str:
    """A bearer token from the Docker token endpoint."""
    params = [("service", "seawall"), *(("scope", s) for s in scopes)]
    response = httpx.get(f"{server.url}/auth/token", params=params, auth=pair)
    assert response.status_code == 200, response.text
    value: str = response.json()["token"]
    return value


def access_claim(jwt_token: str) -> list[dict[str, object]]:
    payload = jwt_token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    access: list[dict[str, object]] = claims["access"]
    return access
