"""Shared pieces of the access-control integration tests."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.helpers import admin_credentials, require_tool
from tests.live import LiveServer

READ_ONLY = "AmazonEC2ContainerRegistryReadOnly"


def seawall(
    server: LiveServer, *args: str, stdin: str = "", check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run the ``seawall`` CLI against the server's data directory."""
    env = {"SEAWALL_DATA_DIR": str(server.data_dir), "PATH": "/usr/bin:/bin"}
    env.update({k: v for k, v in server.env.items() if k.startswith("SEAWALL_")})
    if server.database_url:
        env["SEAWALL_DATABASE_URL"] = server.database_url
    result = subprocess.run(
        [sys.executable, "-m", "seawall.cli.main", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    if check:
        assert result.returncode == 0, result.stderr + result.stdout
    return result


def create_user(server: LiveServer, name: str, *policies: str) -> tuple[str, str]:
    """A new user with ``policies`` attached and one access key."""
    seawall(server, "admin", "user", "create", name)
    for policy in policies:
        seawall(server, "admin", "policy", "attach", policy, "--user", name)
    created = json.loads(
        seawall(server, "admin", "-o", "json", "key", "create", name).stdout
    )
    time.sleep(1.1)  # the server drops cached decisions within a second
    return created["AccessKeyId"], created["SecretAccessKey"]


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
