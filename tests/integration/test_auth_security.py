"""Security tests of access control: each sends the attack to a live server
(plain HTTP with httpx, and skopeo) and asserts the refusal."""

from __future__ import annotations

import base64
import http.client
import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from seawall.auth.principals import Principal, PrincipalKind
from seawall.auth.tokens import TokenSigner
from seawall.crypto.rootkey import load_or_create_root_key
from tests.integration.auth_support import (
    READ_ONLY,
    access_claim,
    admin_auth,
    auth_services,
    create_user,
    inspect,
    push,
    token,
)
from tests.integration.conftest import start_server
from tests.live import LiveServer

pytestmark = pytest.mark.integration

DIGEST = "sha256:" + "0" * 64
# Every /v2/ endpoint (method, path) a client can reach.
ENDPOINTS = [
    ("GET", "/v2/"),
    ("GET", "/v2/_catalog"),
    ("GET", "/v2/sec/app/tags/list"),
    ("GET", "/v2/sec/app/manifests/v1"),
    ("HEAD", "/v2/sec/app/manifests/v1"),
    ("PUT", "/v2/sec/app/manifests/v2"),
    ("DELETE", f"/v2/sec/app/manifests/{DIGEST}"),
    ("GET", f"/v2/sec/app/referrers/{DIGEST}"),
    ("GET", f"/v2/sec/app/blobs/{DIGEST}"),
    ("HEAD", f"/v2/sec/app/blobs/{DIGEST}"),
    ("DELETE", f"/v2/sec/app/blobs/{DIGEST}"),
    ("POST", "/v2/sec/app/blobs/uploads/"),
    ("GET", "/v2/sec/app/blobs/uploads/abc"),
    ("PATCH", "/v2/sec/app/blobs/uploads/abc"),
    ("PUT", f"/v2/sec/app/blobs/uploads/abc?digest={DIGEST}"),
    ("DELETE", "/v2/sec/app/blobs/uploads/abc"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = start_server(tmp_path_factory.mktemp("authsec") / "data")
    yield live
    live.stop()


@pytest.fixture(scope="module")
def pushed(server: LiveServer, image_layout: Path) -> str:
    push(image_layout, server, "sec/app:v1", admin_auth(server))
    return "sec/app"


@pytest.fixture(scope="module")
def puller(server: LiveServer, pushed: str) -> tuple[str, str]:
    return create_user(server, "puller", READ_ONLY)


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_every_endpoint_without_credentials_is_401_with_a_challenge(
    server: LiveServer, pushed: str, method: str, path: str
) -> None:
    response = httpx.request(method, server.url + path, content=b"")
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith(f'Bearer realm="{server.url}/auth/token"')
    assert 'service="seawall"' in challenge
    if "/sec/app/" in path:
        assert 'scope="repository:sec/app:' in challenge
    if method != "HEAD":
        assert response.json()["errors"][0]["code"] == "UNAUTHORIZED"


@pytest.mark.parametrize("path", ["/auth/authorization-token", "/auth/audit/events"])
def test_auth_endpoints_without_credentials_are_401(
    server: LiveServer, path: str
) -> None:
    response = httpx.get(server.url + path)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic ")


def test_wrong_secret_is_refused(server: LiveServer, pushed: str) -> None:
    key_id, secret = admin_auth(server)
    wrong = (key_id, secret[:-1] + ("x" if secret[-1] != "x" else "y"))
    response = httpx.get(f"{server.url}/v2/{pushed}/manifests/v1", auth=wrong)
    assert response.status_code == 401
    response = httpx.get(
        f"{server.url}/auth/token",
        auth=wrong,
        params={"scope": f"repository:{pushed}:pull"},
    )
    assert response.status_code == 401
    assert inspect(server, f"{pushed}:v1", wrong, check=False).returncode != 0


def test_expired_token_is_refused(server: LiveServer, pushed: str) -> None:
    # Sign with the server's own key but an hour in the past.
    root = load_or_create_root_key(server.data_dir)
    signer = TokenSigner(root, lambda: time.time() - 3600)
    admin = Principal(
        arn="arn:aws:iam::000000000000:user/admin",
        name="admin",
        kind=PrincipalKind.USER,
        account="000000000000",
        principal_id=_admin_id(server),
    )
    from seawall.auth.scope import ResourceScope

    old, _, _ = signer.issue_registry_token(
        admin, "seawall", [ResourceScope("repository", pushed, ("pull",))]
    )
    response = httpx.get(
        f"{server.url}/v2/{pushed}/manifests/v1",
        headers={"Authorization": f"Bearer {old}"},
    )
    assert response.status_code == 401
    assert "expired" in response.json()["errors"][0]["message"]
    # The same token freshly signed works, so only the expiry refused it.
    fresh = TokenSigner(root, time.time).issue_registry_token(
        admin, "seawall", [ResourceScope("repository", pushed, ("pull",))]
    )[0]
    response = httpx.get(
        f"{server.url}/v2/{pushed}/manifests/v1",
        headers={"Authorization": f"Bearer {fresh}"},
    )
    assert response.status_code == 200


def _admin_id(server: LiveServer) -> str:
    with sqlite3.connect(server.data_dir / "seawall.db") as conn:
        row = conn.execute(
            "SELECT id FROM auth_principals WHERE name = 'admin'"
        ).fetchone()
    return str(row[0])


def test_token_for_repo_a_is_refused_on_repo_b(
    server: LiveServer, image_layout: Path, pushed: str
) -> None:
    push(image_layout, server, "sec/other:v1", admin_auth(server))
    value = token(server, admin_auth(server), f"repository:{pushed}:pull")
    bearer = {"Authorization": f"Bearer {value}"}
    ok = httpx.get(f"{server.url}/v2/{pushed}/manifests/v1", headers=bearer)
    assert ok.status_code == 200
    other = httpx.get(f"{server.url}/v2/sec/other/manifests/v1", headers=bearer)
    assert other.status_code == 401
    assert 'error="insufficient_scope"' in other.headers["www-authenticate"]
    assert 'scope="repository:sec/other:pull"' in other.headers["www-authenticate"]


def test_pull_only_principal_cannot_push_or_delete(
    server: LiveServer, image_layout: Path, pushed: str, puller: tuple[str, str]
) -> None:
    assert inspect(server, f"{pushed}:v1", puller).returncode == 0
    refused = push(image_layout, server, "sec/app:evil", puller, check=False)
    assert refused.returncode != 0
    assert (
        "denied" in refused.stderr.lower() or "unauthorized" in refused.stderr.lower()
    )
    manifest = httpx.get(
        f"{server.url}/v2/{pushed}/manifests/v1",
        auth=puller,
        headers={"Accept": "application/vnd.oci.image.manifest.v1+json"},
    )
    digest = manifest.headers["docker-content-digest"]
    for method, path in (
        ("DELETE", f"/v2/{pushed}/manifests/{digest}"),
        ("POST", f"/v2/{pushed}/blobs/uploads/"),
        ("PUT", f"/v2/{pushed}/manifests/evil"),
    ):
        response = httpx.request(
            method, server.url + path, auth=puller, content=manifest.content
        )
        assert response.status_code == 403, (method, path)
        assert response.json()["errors"][0]["code"] == "DENIED"
    # Nothing changed: the tag list is what the admin pushed.
    tags = httpx.get(f"{server.url}/v2/{pushed}/tags/list", auth=puller).json()
    assert tags["tags"] == ["v1"]


def test_scope_escalation_through_the_token_endpoint_is_refused(
    server: LiveServer, pushed: str, puller: tuple[str, str], image_layout: Path
) -> None:
    value = token(
        server,
        puller,
        f"repository:{pushed}:pull,push,delete,*",
        "repository:sec/new:push",
        "registry:catalog:*",
    )
    claim = {(e["type"], e["name"]): e["actions"] for e in access_claim(value)}
    assert claim[("repository", pushed)] == ["pull"]
    assert ("repository", "sec/new") not in claim
    bearer = {"Authorization": f"Bearer {value}"}
    response = httpx.post(f"{server.url}/v2/{pushed}/blobs/uploads/", headers=bearer)
    assert response.status_code == 401
    # Editing the claim breaks the signature.
    header, payload, signature = value.split(".")
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    forged_payload = (
        base64.urlsafe_b64encode(raw.replace(b'["pull"]', b'["pull","push"]'))
        .rstrip(b"=")
        .decode()
    )
    forged = f"{header}.{forged_payload}.{signature}"
    response = httpx.post(
        f"{server.url}/v2/{pushed}/blobs/uploads/",
        headers={"Authorization": f"Bearer {forged}"},
    )
    assert response.status_code == 401
    # A malformed scope is a clean 400, not a token.
    response = httpx.get(
        f"{server.url}/auth/token", auth=puller, params={"scope": "repository:nonsense"}
    )
    assert response.status_code == 400


PATH_TRICKS = [
    "/v2/sec/app/../other/manifests/v1",
    "/v2/sec/app/%2e%2e/other/manifests/v1",
    "/v2/sec%2Fapp%2F..%2Fother/manifests/v1",
    "/v2/sec/app%2F..%2F..%2Fsec/other/manifests/v1",
    "/v2/sec/app/..%2fother/manifests/v1",
    "/v2/./sec/other/manifests/v1",
    "/v2/sec//other/manifests/v1",
    "/v2/sec/app%00/manifests/v1",
    "/v2/sec/app/../../v2/sec/other/manifests/v1",
]


@pytest.fixture(scope="module")
def app_only(
    server: LiveServer,
    tmp_path_factory: pytest.TempPathFactory,
    pushed: str,
    image_layout: Path,
) -> tuple[str, str]:
    """A principal allowed to pull sec/app and nothing else."""
    push(image_layout, server, "sec/other:v1", admin_auth(server))
    document = tmp_path_factory.mktemp("policy") / "app-only.json"
    document.write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                        "Resource": "arn:aws:ecr:us-east-1:000000000000:repository/sec/app",
                    }
                ],
            }
        )
    )
    auth_services(server).policies.put_policy("sec-app-only", document.read_text())
    return create_user(server, "app-only", "sec-app-only")


def _raw_get(server: LiveServer, path: str, pair: tuple[str, str]) -> int:
    """GET ``path`` byte for byte (httpx would normalize dot segments)."""
    connection = http.client.HTTPConnection(server.host, timeout=30)
    basic = base64.b64encode(f"{pair[0]}:{pair[1]}".encode()).decode()
    connection.putrequest("GET", path, skip_accept_encoding=True)
    connection.putheader("Authorization", f"Basic {basic}")
    connection.endheaders()
    status = connection.getresponse().status
    connection.close()
    return status


def test_path_tricks_do_not_reach_another_repository(
    server: LiveServer, app_only: tuple[str, str]
) -> None:
    assert _raw_get(server, "/v2/sec/app/manifests/v1", app_only) == 200
    assert _raw_get(server, "/v2/sec/other/manifests/v1", app_only) == 403
    for path in PATH_TRICKS:
        status = _raw_get(server, path, app_only)
        assert status == 400, (path, status)  # NAME_INVALID before any lookup


def test_brute_force_is_throttled_per_source_without_locking_out_others(
    server: LiveServer, pushed: str
) -> None:
    key_id, _ = admin_auth(server)
    attacker = httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.7"))
    statuses = []
    with attacker:
        for attempt in range(14):
            response = attacker.get(
                f"{server.url}/v2/{pushed}/manifests/v1",
                auth=(key_id, f"guess-{attempt:04d}-" * 4),
            )
            statuses.append(response.status_code)
        throttled = attacker.get(
            f"{server.url}/v2/{pushed}/manifests/v1", auth=admin_auth(server)
        )
    assert statuses[:10] == [401] * 10
    assert set(statuses[10:]) == {429}
    assert throttled.status_code == 429
    assert int(throttled.headers["retry-after"]) >= 1
    # The legitimate owner, from another address, still gets in.
    ok = httpx.get(f"{server.url}/v2/{pushed}/manifests/v1", auth=admin_auth(server))
    assert ok.status_code == 200


def test_no_secret_or_token_in_logs_or_trail(
    server: LiveServer, pushed: str, puller: tuple[str, str]
) -> None:
    value = token(server, puller, f"repository:{pushed}:pull")
    httpx.get(
        f"{server.url}/v2/{pushed}/manifests/v1",
        headers={"Authorization": f"Bearer {value}"},
    )
    ecr = httpx.get(f"{server.url}/auth/authorization-token", auth=puller).json()
    login = ecr["authorizationData"][0]["authorizationToken"]
    password = base64.b64decode(login).decode().split(":", 1)[1]
    httpx.get(f"{server.url}/v2/{pushed}/tags/list", auth=("AWS", password))
    httpx.get(f"{server.url}/v2/{pushed}/tags/list", auth=(puller[0], "wrong-secret"))
    trail = httpx.get(
        f"{server.url}/auth/audit/events",
        auth=admin_auth(server),
        params={"limit": 1000},
    ).text
    logs = server.logs()
    secrets = [admin_auth(server)[1], puller[1], value, password, login, "wrong-secret"]
    for secret in secrets:
        assert secret not in logs
        assert secret not in trail
    assert "AccessDenied" in trail or "InvalidCredentials" in trail
