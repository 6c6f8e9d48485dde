"""GET and HEAD of manifests: Accept negotiation and pull records."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from seawall.app import create_app
from seawall.oci.digest import Digest
from seawall.settings import Settings

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def app(tmp_path: Path) -> Starlette:
    settings = Settings(data_dir=tmp_path, auth_enabled=False, encryption=False)
    return create_app(settings)


async def _push(client: httpx.AsyncClient) -> str:
    config = b'{"os":"linux"}'
    digest = "sha256:" + hashlib.sha256(config).hexdigest()
    posted = await client.post(
        "/v2/get/app/blobs/uploads/", params={"digest": digest}, content=config
    )
    assert posted.status_code == 201
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": digest,
            "size": len(config),
        },
        "layers": [],
    }
    put = await client.put(
        "/v2/get/app/manifests/v1",
        content=json.dumps(manifest).encode(),
        headers={"Content-Type": OCI_MANIFEST},
    )
    assert put.status_code == 201
    return str(put.headers["docker-content-digest"])


def _last_pulled(app: Starlette, digest: str) -> float | None:
    store = app.state.registry.store
    return store.get_manifest("get/app", digest)[0].last_pulled_at


@pytest.mark.anyio
async def test_head_and_refused_gets_record_no_pull(app: Starlette) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://r") as client:
        digest = await _push(client)
        head = await client.head(
            "/v2/get/app/manifests/v1", headers={"Accept": OCI_MANIFEST}
        )
        refused = await client.get(
            "/v2/get/app/manifests/v1", headers={"Accept": DOCKER_MANIFEST}
        )
    assert head.status_code == 200
    assert head.headers["docker-content-digest"] == digest
    assert refused.status_code == 404
    assert refused.json()["errors"][0]["code"] == "MANIFEST_UNKNOWN"
    assert _last_pulled(app, digest) is None


@pytest.mark.anyio
async def test_get_serves_the_bytes_and_records_the_pull(app: Starlette) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://r") as client:
        digest = await _push(client)
        got = await client.get(
            "/v2/get/app/manifests/v1", headers={"Accept": OCI_MANIFEST}
        )
    assert got.status_code == 200
    assert got.headers["content-type"] == OCI_MANIFEST
    assert str(Digest.of(got.content)) == digest
    assert _last_pulled(app, digest) is not None
