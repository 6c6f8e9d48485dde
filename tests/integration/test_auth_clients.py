"""Access control with real clients: skopeo login, ``docker login -u AWS``
style tokens, anonymous pulls granted by a repository policy, catalog
filtering, the admin CLI and a real audit trail that verifies (and a tampered
copy that does not)."""

from __future__ import annotations

import base64
import json
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers import require_tool
from tests.integration.auth_support import (
    READ_ONLY,
    access_claim,
    admin_auth,
    auth_services,
    create_user,
    inspect,
    push,
    seawall,
    skopeo,
)
from tests.integration.conftest import start_server
from tests.live import LiveServer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = start_server(tmp_path_factory.mktemp("authcli") / "data")
    yield live
    live.stop()


@pytest.fixture(scope="module")
def pushed(server: LiveServer, image_layout: Path) -> str:
    push(image_layout, server, "team-a/web:v1", admin_auth(server))
    push(image_layout, server, "team-b/api:v1", admin_auth(server))
    push(image_layout, server, "team-c/db:v1", admin_auth(server))
    return "team-a/web"


def test_skopeo_login_then_pull_with_the_saved_credentials(
    server: LiveServer, pushed: str, tmp_path: Path
) -> None:
    authfile = tmp_path / "auth.json"
    key_id, secret = admin_auth(server)
    skopeo(
        "login",
        "--tls-verify=false",
        "--authfile",
        str(authfile),
        "-u",
        key_id,
        "-p",
        secret,
        server.host,
    )
    out = skopeo(
        "inspect",
        "--raw",
        "--tls-verify=false",
        "--authfile",
        str(authfile),
        f"docker://{server.host}/{pushed}:v1",
    ).stdout
    assert json.loads(out)["schemaVersion"] == 2
    bad = skopeo(
        "login",
        "--tls-verify=false",
        "--authfile",
        str(authfile),
        "-u",
        key_id,
        "-p",
        "not-the-secret",
        server.host,
        check=False,
    )
    assert bad.returncode != 0


def test_ecr_style_login_token_works_as_aws_password(
    server: LiveServer, pushed: str
) -> None:
    puller = create_user(server, "token-puller", READ_ONLY)
    response = httpx.get(f"{server.url}/auth/authorization-token", auth=puller)
    assert response.status_code == 200
    data = response.json()["authorizationData"][0]
    user, password = base64.b64decode(data["authorizationToken"]).decode().split(":")
    assert user == "AWS"  # and exactly one colon, as aws-cli requires
    assert 11.9 * 3600 < data["expiresAt"] - _now() <= 12 * 3600
    assert data["proxyEndpoint"] == server.url
    assert inspect(server, f"{pushed}:v1", ("AWS", password)).returncode == 0
    raw = httpx.get(
        f"{server.url}/v2/{pushed}/tags/list",
        headers={"Authorization": f"Basic {data['authorizationToken']}"},
    )
    assert raw.status_code == 200
    refused = httpx.post(
        f"{server.url}/v2/{pushed}/blobs/uploads/", auth=("AWS", password)
    )
    assert refused.status_code == 403
    # Disabling the key the token came from revokes the token.
    seawall(server, "admin", "key", "disable", puller[0])
    import time

    time.sleep(1.1)
    gone = httpx.get(f"{server.url}/v2/{pushed}/tags/list", auth=("AWS", password))
    assert gone.status_code == 401


def _now() -> float:
    import time

    return time.time()


def test_anonymous_pull_only_where_a_policy_grants_star(
    server: LiveServer, pushed: str, tmp_path: Path
) -> None:
    assert inspect(server, "team-b/api:v1", None, check=False).returncode != 0
    document = tmp_path / "public.json"
    document.write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "PublicPull",
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                    }
                ],
            }
        )
    )
    seawall(server, "admin", "repo-policy", "set", "team-b/api", str(document))
    import time

    time.sleep(1.1)
    assert inspect(server, "team-b/api:v1", None).returncode == 0
    assert httpx.get(f"{server.url}/v2/team-b/api/manifests/v1").status_code == 200
    # Still no anonymous push there, and nothing anonymous elsewhere.
    assert httpx.post(f"{server.url}/v2/team-b/api/blobs/uploads/").status_code == 401
    assert httpx.get(f"{server.url}/v2/{pushed}/manifests/v1").status_code == 401


def test_catalog_lists_only_what_the_caller_may_see(
    server: LiveServer, pushed: str, tmp_path: Path
) -> None:
    document = tmp_path / "team-a.json"
    document.write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "ecr:BatchGetImage",
                        "Resource": "arn:aws:ecr:us-east-1:000000000000:repository/team-a/*",
                    }
                ],
            }
        )
    )
    auth_services(server).policies.put_policy("team-a-pull", document.read_text())
    member = create_user(server, "team-a-dev", "team-a-pull")
    seen = httpx.get(f"{server.url}/v2/_catalog", auth=member).json()
    # team-b/api is listed only when public (the anonymous test grants "*").
    public = httpx.get(f"{server.url}/v2/team-b/api/manifests/v1").status_code == 200
    assert seen["repositories"] == ["team-a/web"] + (["team-b/api"] if public else [])
    everything = httpx.get(f"{server.url}/v2/_catalog", auth=admin_auth(server))
    assert everything.json()["repositories"] == [
        "team-a/web",
        "team-b/api",
        "team-c/db",
    ]


def test_malformed_policy_is_refused_naming_the_statement(
    server: LiveServer, tmp_path: Path
) -> None:
    document = tmp_path / "bad.json"
    document.write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "ecr:*", "Resource": "*"},
                    {
                        "Sid": "Broken",
                        "Effect": "Permit",
                        "Action": "ecr:*",
                        "Resource": "*",
                    },
                ],
            }
        )
    )
    result = seawall(
        server, "admin", "policy", "create", "bad", str(document), check=False
    )
    assert result.returncode != 0
    assert 'statement 2 ("Broken"): Effect must be' in result.stderr


def test_simulate_prints_the_decision_and_the_statement(
    server: LiveServer, pushed: str
) -> None:
    create_user(server, "sim-puller", READ_ONLY)
    allowed = seawall(
        server, "admin", "simulate", "sim-puller", "ecr:BatchGetImage", pushed
    )
    assert "ALLOW" in allowed.stdout
    assert f"{READ_ONLY} statement 1" in allowed.stdout
    denied = seawall(
        server, "admin", "simulate", "sim-puller", "ecr:PutImage", pushed, check=False
    )
    assert denied.returncode == 3
    assert "DENY (implicit deny)" in denied.stdout


def test_audit_trail_verifies_and_a_tampered_copy_fails(
    server: LiveServer, pushed: str, tmp_path: Path
) -> None:
    httpx.get(
        f"{server.url}/v2/{pushed}/manifests/v1",
        auth=("AKIANOSUCHKEY00000", "wrong-wrong"),
    )
    ok = seawall(server, "audit", "verify")
    assert ok.stdout.startswith("ok: ")
    events = json.loads(
        seawall(
            server,
            "audit",
            "query",
            "-o",
            "json",
            "--repository",
            pushed,
            "--limit",
            "1000",
        ).stdout
    )
    names = {e["eventName"] for e in events}
    assert "PutImage" in names
    assert all(e["repositoryName"] == pushed for e in events)
    failures = json.loads(
        seawall(
            server, "audit", "query", "-o", "json", "--event-name", "Authenticate"
        ).stdout
    )
    assert any(e.get("errorCode") == "InvalidCredentials" for e in failures)

    # A consistent copy of the data directory, then one event edited.
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copy(server.data_dir / "root.key", copy / "root.key")
    with (
        sqlite3.connect(server.data_dir / "seawall.db") as source,
        sqlite3.connect(copy / "seawall.db") as target,
    ):
        source.backup(target)
    with sqlite3.connect(copy / "seawall.db") as conn:
        conn.execute(
            "UPDATE audit_events SET body = replace(body, 'PutImage', "
            "'GetImage'), event_name = 'GetImage' WHERE seq = ("
            "SELECT min(seq) FROM audit_events WHERE event_name = "
            "'PutImage')"
        )
        bad_seq = conn.execute(
            "SELECT min(seq) FROM audit_events WHERE event_name = 'GetImage'"
        ).fetchone()[0]
    tampered = LiveServer(copy, env=server.env)
    result = seawall(tampered, "audit", "verify", check=False)
    assert result.returncode == 1
    assert f"FAILED at event {bad_seq}" in result.stderr


def test_podman_login_accepts_a_key_and_refuses_a_wrong_one(
    server: LiveServer, pushed: str, tmp_path: Path
) -> None:
    require_tool("podman")
    key_id, secret = admin_auth(server)
    authfile = str(tmp_path / "podman-auth.json")

    def login(password: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                "podman",
                "login",
                "--tls-verify=false",
                "--authfile",
                authfile,
                "-u",
                key_id,
                "-p",
                password,
                server.host,
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert login(secret).returncode == 0
    assert login("not-the-secret").returncode != 0


def test_oauth2_password_grant_issues_a_scoped_token(
    server: LiveServer, pushed: str
) -> None:
    key_id, secret = create_user(server, "oauth-puller", READ_ONLY)
    response = httpx.post(
        f"{server.url}/auth/token",
        data={
            "grant_type": "password",
            "username": key_id,
            "password": secret,
            "service": "seawall",
            "client_id": "tests",
            "scope": f"repository:{pushed}:pull,push",
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token"] == body["access_token"]
    assert body["expires_in"] >= 60
    assert access_claim(body["token"]) == [
        {"type": "repository", "name": pushed, "actions": ["pull"]}
    ]
    refresh = httpx.post(
        f"{server.url}/auth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": "x",
            "service": "seawall",
        },
    )
    assert refresh.status_code == 400
