"""Encryption at rest through a live server: real clients, real data directory.

Customer keys are managed with ``seawall kms`` against the server's data
directory while it runs, repositories are created with boto3's ECR client,
and images move with skopeo and plain /v2/ requests.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import httpx
import pytest

from tests.images import build_image
from tests.integration.conftest import (
    ADMIN_CREDS,
    ADMIN_KEY_ID,
    ADMIN_SECRET,
    start_server,
)
from tests.integration.test_skopeo import blob_files, layout_manifest, push, skopeo
from tests.live import LiveServer

pytestmark = pytest.mark.integration

MARKER = b"SEAWALL-AT-REST-MARKER-5d1e0c"
CHUNK = 1024 * 1024  # the default encryption_chunk_size


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = start_server(tmp_path_factory.mktemp("enc") / "data")
    yield live
    live.stop()


@pytest.fixture
def client(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=server.url, auth=(ADMIN_KEY_ID, ADMIN_SECRET), timeout=60
    ) as http:
        yield http


def kms(server: LiveServer, *args: str) -> dict[str, object]:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "seawall.cli.main",
            "kms",
            *args,
            "--data-dir",
            str(server.data_dir),
            "--output",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SEAWALL_DATA_DIR": str(server.data_dir)},
    )
    assert result.returncode == 0, result.stderr
    parsed: dict[str, object] = json.loads(result.stdout)
    return parsed


def ecr(server: LiveServer) -> object:
    return boto3.client(
        "ecr",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id=ADMIN_KEY_ID,
        aws_secret_access_key=ADMIN_SECRET,
    )


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def every_file(root: Path) -> Iterator[Path]:
    return (p for p in root.rglob("*") if p.is_file())


def assert_no_marker(root: Path) -> int:
    checked = 0
    for path in every_file(root):
        assert MARKER not in path.read_bytes(), f"plaintext found in {path}"
        checked += 1
    return checked


def test_no_plaintext_anywhere_under_data_dir(
    server: LiveServer, client: httpx.Client
) -> None:
    layer = (MARKER + os.urandom(200)) * 5000  # ~1.1 MiB, several chunks
    config = json.dumps(
        {"os": "linux", "architecture": "amd64", "note": MARKER.decode()}
    ).encode()
    repo = "enc/marker"

    # An upload left in progress, with a partial chunk, is sealed too.
    start = client.post(f"/v2/{repo}/blobs/uploads/")
    assert start.status_code == 202
    location = start.headers["Location"]
    patched = client.patch(
        location,
        content=layer[: 3 * CHUNK + 100],
        headers={"Content-Type": "application/octet-stream"},
    )
    assert patched.status_code == 202, patched.text
    assert assert_no_marker(server.data_dir) > 0

    done = client.put(
        location, params={"digest": sha(layer)}, content=layer[3 * CHUNK + 100 :]
    )
    assert done.status_code == 201, done.text
    posted = client.post(
        f"/v2/{repo}/blobs/uploads/", params={"digest": sha(config)}, content=config
    )
    assert posted.status_code == 201
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": sha(config),
                "size": len(config),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar",
                    "digest": sha(layer),
                    "size": len(layer),
                }
            ],
        }
    ).encode()
    put = client.put(
        f"/v2/{repo}/manifests/v1",
        content=manifest,
        headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"},
    )
    assert put.status_code == 201, put.text

    assert client.get(f"/v2/{repo}/blobs/{sha(layer)}").content == layer
    ranged = client.get(
        f"/v2/{repo}/blobs/{sha(layer)}",
        headers={"Range": f"bytes={CHUNK - 5}-{2 * CHUNK + 5}"},
    )
    assert ranged.status_code == 206
    assert ranged.content == layer[CHUNK - 5 : 2 * CHUNK + 6]
    assert assert_no_marker(server.data_dir) > 3


def test_customer_key_round_trip_disable_and_enable(
    server: LiveServer, image_layout: Path, tmp_path: Path
) -> None:
    key = kms(server, "create-key", "--description", "team", "--alias", "alias/team")
    arn = str(key["Arn"])
    created = ecr(server).create_repository(  # type: ignore[attr-defined]
        repositoryName="enc/team",
        encryptionConfiguration={"encryptionType": "KMS", "kmsKey": "alias/team"},
    )
    assert created["repository"]["encryptionConfiguration"]["kmsKey"] == arn

    push(image_layout, "v1", server, "enc/team:v1")
    out = tmp_path / "out"
    pull = (
        "copy",
        "--src-tls-verify=false",
        "--src-creds",
        ADMIN_CREDS,
        f"docker://{server.host}/enc/team:v1",
    )
    skopeo(*pull, f"oci:{out}:v1")
    assert blob_files(out) == blob_files(image_layout)
    domain = server.data_dir / "storage" / "blobs" / f"kms-{key['KeyId']}"
    assert len(list(every_file(domain))) == len(blob_files(image_layout))

    kms(server, "disable-key", "alias/team")
    failed = subprocess.run(
        ["skopeo", "--insecure-policy", *pull, f"oci:{tmp_path / 'again'}:v1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert failed.returncode != 0
    # skopeo shows only the status of a failed blob fetch; the body names the key.
    assert "503" in failed.stderr
    manifest_url = f"{server.url}/v2/enc/team/manifests/v1"
    deadline = time.monotonic() + 10  # cached manifests recheck keys each second
    manifest = httpx.get(manifest_url, auth=(ADMIN_KEY_ID, ADMIN_SECRET))
    while manifest.status_code == 200 and time.monotonic() < deadline:
        time.sleep(0.2)
        manifest = httpx.get(manifest_url, auth=(ADMIN_KEY_ID, ADMIN_SECRET))
    assert manifest.status_code == 503
    assert f"key {arn} is Disabled" in manifest.json()["errors"][0]["message"]
    layer = json.loads(layout_manifest(image_layout))["layers"][0]["digest"]
    response = httpx.get(
        f"{server.url}/v2/enc/team/blobs/{layer}",
        auth=(ADMIN_KEY_ID, ADMIN_SECRET),
    )
    assert response.status_code == 503
    assert response.json()["errors"][0]["code"] == "UNAVAILABLE"
    assert arn in response.json()["errors"][0]["message"]
    fresh = build_image(tmp_path / "fresh", "v2", salt="fresh")
    refused = subprocess.run(
        [
            "skopeo",
            "--insecure-policy",
            "copy",
            "--dest-tls-verify=false",
            "--dest-creds",
            ADMIN_CREDS,
            f"oci:{fresh}:v2",
            f"docker://{server.host}/enc/team:v2",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode != 0
    assert "503" in refused.stderr
    started = httpx.post(
        f"{server.url}/v2/enc/team/blobs/uploads/", auth=(ADMIN_KEY_ID, ADMIN_SECRET)
    )
    assert started.status_code == 503
    assert f"key {arn} is Disabled" in started.json()["errors"][0]["message"]

    kms(server, "enable-key", arn)
    skopeo(*pull, f"oci:{tmp_path / 'restored'}:v1")
    assert blob_files(tmp_path / "restored") == blob_files(image_layout)


def test_cross_domain_mount_reseals(server: LiveServer, client: httpx.Client) -> None:
    kms(server, "create-key", "--alias", "alias/other")
    ecr(server).create_repository(  # type: ignore[attr-defined]
        repositoryName="enc/other",
        encryptionConfiguration={"encryptionType": "KMS", "kmsKey": "alias/other"},
    )
    data = os.urandom(3 * CHUNK)
    posted = client.post(
        "/v2/enc/plain/blobs/uploads/", params={"digest": sha(data)}, content=data
    )
    assert posted.status_code == 201

    mounted = client.post(
        "/v2/enc/other/blobs/uploads/", params={"mount": sha(data), "from": "enc/plain"}
    )

    assert mounted.status_code == 201
    assert client.get(f"/v2/enc/other/blobs/{sha(data)}").content == data
    stored = [
        p
        for p in every_file(server.data_dir / "storage" / "blobs")
        if p.stat().st_size == 32 + 3 * (CHUNK + 28) + 28
    ]
    assert len(stored) == 2
    assert stored[0].read_bytes() != stored[1].read_bytes()


def test_tampered_blob_is_an_integrity_error(
    server: LiveServer, client: httpx.Client
) -> None:
    config = b'{"architecture":"amd64","os":"linux","tamper":true}'
    posted = client.post(
        "/v2/enc/tamper/blobs/uploads/", params={"digest": sha(config)}, content=config
    )
    assert posted.status_code == 201
    size = 32 + len(config) + 28
    [path] = [
        p
        for p in every_file(server.data_dir / "storage" / "blobs" / "default")
        if p.stat().st_size == size
    ]
    damaged = bytearray(path.read_bytes())
    damaged[40] ^= 0x01
    path.write_bytes(bytes(damaged))

    response = client.get(f"/v2/enc/tamper/blobs/{sha(config)}")

    assert response.status_code == 500
    assert response.json()["errors"][0]["code"] == "INTEGRITY"
    assert config not in response.content


def _stale(data_dir: Path, key_id: str, version: int) -> int:
    with contextlib.closing(sqlite3.connect(data_dir / "seawall.db")) as db:
        row = db.execute(
            "SELECT count(*) FROM crypto_objects WHERE key_id = ? AND key_version < ?",
            (key_id, version),
        ).fetchone()
    return int(row[0])


def _wait_rewrapped(data_dir: Path, key_id: str, version: int) -> None:
    deadline = time.monotonic() + 60
    while _stale(data_dir, key_id, version) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _stale(data_dir, key_id, version) == 0


def _sealed_files(data_dir: Path) -> dict[Path, bytes]:
    blobs = data_dir / "storage" / "blobs"
    return {p: hashlib.sha256(p.read_bytes()).digest() for p in every_file(blobs)}


def test_rotation_with_restarts_in_between(tmp_path: Path, image_layout: Path) -> None:
    data_dir = tmp_path / "data"
    env = {"SEAWALL_KEY_ROTATION_INTERVAL_SECONDS": "1"}
    live = start_server(data_dir, **env)
    try:
        key = kms(live, "create-key", "--alias", "alias/rotating")
        ecr(live).create_repository(  # type: ignore[attr-defined]
            repositoryName="enc/rotating",
            encryptionConfiguration={"encryptionType": "KMS", "kmsKey": key["Arn"]},
        )
        push(image_layout, "v1", live, "enc/rotating:v1")
        sealed = _sealed_files(data_dir)

        # Rotate while stopped; the restarted server re-wraps in the background.
        live.stop()
        assert kms(live, "rotate-key", "alias/rotating")["Version"] == 2
        live.start()
        _wait_rewrapped(data_dir, str(key["KeyId"]), 2)

        # Rotate while running, then kill -9 and restart before checking.
        kms(live, "rotate-key", "alias/rotating")
        live.kill()
        live.start()
        _wait_rewrapped(data_dir, str(key["KeyId"]), 3)

        out = tmp_path / "out"
        skopeo(
            "copy",
            "--src-tls-verify=false",
            "--src-creds",
            ADMIN_CREDS,
            f"docker://{live.host}/enc/rotating:v1",
            f"oci:{out}:v1",
        )
        assert blob_files(out) == blob_files(image_layout)
        assert _sealed_files(data_dir) == sealed  # content never re-encrypted
        rotations = kms(live, "list-key-rotations", "alias/rotating")
        assert [r["Version"] for r in rotations] == [1, 2, 3]  # type: ignore[union-attr]
    finally:
        live.stop()


def test_damage_mid_blob_cuts_the_pull_short_never_serves_wrong_bytes(
    server: LiveServer, client: httpx.Client
) -> None:
    data = os.urandom(24 * CHUNK + 1000)
    posted = client.post(
        "/v2/enc/midway/blobs/uploads/", params={"digest": sha(data)}, content=data
    )
    assert posted.status_code == 201
    size = 32 + 24 * (CHUNK + 28) + 1000 + 28
    [path] = [
        p
        for p in every_file(server.data_dir / "storage" / "blobs" / "default")
        if p.stat().st_size == size
    ]
    damaged = bytearray(path.read_bytes())
    damaged[32 + 20 * (CHUNK + 28) + 100] ^= 0x01  # inside chunk 20
    path.write_bytes(bytes(damaged))
    logged = len(server.logs())

    received = bytearray()
    with client.stream("GET", f"/v2/enc/midway/blobs/{sha(data)}") as response:
        assert response.status_code == 200  # the first chunks were sound
        with pytest.raises(httpx.RemoteProtocolError):
            _read_into(response, received)

    assert len(received) <= 20 * CHUNK
    assert received == data[: len(received)]
    assert client.get("/v2/").status_code == 200  # the server goes on
    logs = server.logs()[logged:]
    assert "blob stream cut short" in logs
    assert "chunk 20" in logs
    assert "Traceback" not in logs


def _read_into(response: httpx.Response, received: bytearray) -> None:
    for piece in response.iter_bytes():
        received += piece


def test_a_pull_abandoned_midway_leaves_the_server_serving(
    server: LiveServer, client: httpx.Client
) -> None:
    data = os.urandom(40 * CHUNK)
    posted = client.post(
        "/v2/enc/abandon/blobs/uploads/", params={"digest": sha(data)}, content=data
    )
    assert posted.status_code == 201
    logged = len(server.logs())
    for _ in range(5):
        with client.stream("GET", f"/v2/enc/abandon/blobs/{sha(data)}") as response:
            first = next(response.iter_bytes())
            assert data.startswith(first)
        # leaving the block closes the connection with most of the blob unsent
    assert client.get(f"/v2/enc/abandon/blobs/{sha(data)}").content == data
    assert "Traceback" not in server.logs()[logged:]
