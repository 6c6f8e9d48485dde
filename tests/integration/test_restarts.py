"""Restarts and kill -9: sessions survive, half-written blobs never appear."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.conftest import ADMIN_KEY_ID, ADMIN_SECRET, start_server

pytestmark = pytest.mark.integration
AUTH = (ADMIN_KEY_ID, ADMIN_SECRET)


def test_upload_session_survives_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    server = start_server(data_dir)
    first, second = os.urandom(300_000), os.urandom(200_000)
    location = httpx.post(
        f"{server.url}/v2/restart/app/blobs/uploads/", auth=AUTH
    ).headers["Location"]
    httpx.patch(
        f"{server.url}{location}",
        content=first,
        auth=AUTH,
        headers={"Content-Range": f"0-{len(first) - 1}"},
    )
    server.stop()

    server = start_server(data_dir)
    try:
        status = httpx.get(f"{server.url}{location}", auth=AUTH)
        assert status.status_code == 204
        assert status.headers["Range"] == f"0-{len(first) - 1}"
        httpx.patch(f"{server.url}{location}", content=second, auth=AUTH)
        digest = "sha256:" + hashlib.sha256(first + second).hexdigest()
        done = httpx.put(
            f"{server.url}{location}", params={"digest": digest}, auth=AUTH
        )
        assert done.status_code == 201
        assert (
            httpx.get(f"{server.url}/v2/restart/app/blobs/{digest}", auth=AUTH).content
            == first + second
        )
    finally:
        server.stop()


def _slow_body(total: int, started: threading.Event) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b"x" * 65536
        sent += 65536
        if sent > 4 << 20:
            started.set()
            time.sleep(0.01)


def test_kill_during_upload_leaves_no_half_blob(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    server = start_server(data_dir)
    total = 64 << 20
    digest = "sha256:" + hashlib.sha256(b"x" * total).hexdigest()
    started = threading.Event()

    def push() -> None:
        # The server dies under it: a transport error is expected.
        with contextlib.suppress(httpx.HTTPError):
            httpx.post(
                f"{server.url}/v2/crash/app/blobs/uploads/",
                params={"digest": digest},
                content=_slow_body(total, started),
                auth=AUTH,
                timeout=60,
            )

    pusher = threading.Thread(target=push)
    pusher.start()
    assert started.wait(30)
    server.kill()
    pusher.join(60)

    server = start_server(data_dir)
    try:
        head = httpx.head(f"{server.url}/v2/crash/app/blobs/{digest}", auth=AUTH)
        assert head.status_code == 404
        blobs = list((data_dir / "storage" / "blobs").rglob("*"))
        assert not [p for p in blobs if p.is_file()]
        # The registry works normally after the crash.
        ok = httpx.post(
            f"{server.url}/v2/crash/app/blobs/uploads/",
            params={"digest": "sha256:" + hashlib.sha256(b"fine").hexdigest()},
            content=b"fine",
            auth=AUTH,
        )
        assert ok.status_code == 201
    finally:
        server.stop()


def _half_request(server_url: str, method: str, target: str, total: int) -> None:
    """Send headers announcing ``total`` bytes, a third of them, then hang up."""
    host, port = server_url.removeprefix("http://").split(":")
    token = base64.b64encode(f"{ADMIN_KEY_ID}:{ADMIN_SECRET}".encode()).decode()
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(
            f"{method} {target} HTTP/1.1\r\nHost: {host}\r\n"
            f"Authorization: Basic {token}\r\n"
            "Content-Type: application/octet-stream\r\n"
            f"Content-Length: {total}\r\n\r\n".encode()
        )
        sock.sendall(b"x" * (total // 3))


def test_a_client_gone_mid_body_stores_no_blob_and_the_upload_resumes(
    tmp_path: Path,
) -> None:
    server = start_server(tmp_path / "data")
    total = 8 << 20  # several body batches: the server reads ahead of storage
    body = b"x" * total
    digest = "sha256:" + hashlib.sha256(body).hexdigest()
    path = "/v2/gone/app/blobs"
    try:
        _half_request(server.url, "POST", f"{path}/uploads/?digest={digest}", total)
        assert httpx.head(f"{server.url}{path}/{digest}", auth=AUTH).status_code == 404
        session = httpx.post(f"{server.url}{path}/uploads/", auth=AUTH)
        location = session.headers["location"]
        _half_request(server.url, "PATCH", location, total)

        # The session keeps what the cut-off PATCH stored (resumable, as the
        # spec has it), never more than was sent: a client resumes from the
        # Range a 416 reports and the blob comes out whole.
        offset, patch = 0, None
        for _ in range(100):
            patch = httpx.patch(
                f"{server.url}{location}",
                content=body[offset:],
                headers={"Content-Range": f"{offset}-{total - 1}"},
                auth=AUTH,
            )
            if patch.status_code != 416:
                break
            offset = int(patch.headers["range"].split("-")[1]) + 1
        assert patch is not None
        assert patch.status_code == 202, patch.text
        assert offset <= total // 3
        done = httpx.put(
            f"{server.url}{patch.headers['location']}",
            params={"digest": digest},
            auth=AUTH,
        )
        assert done.status_code == 201, done.text
        assert httpx.get(f"{server.url}{path}/{digest}", auth=AUTH).content == body
        assert "Traceback" not in server.logs()
        assert server.logs().count("client gone before the request body ended") == 2
    finally:
        server.stop()


def test_kill_during_a_patch_leaves_a_session_that_resumes(tmp_path: Path) -> None:
    # Encrypted (the default): the driver may hold sealed chunks the session
    # row never took in when the process dies; they were never acknowledged.
    data_dir = tmp_path / "data"
    server = start_server(data_dir)
    first = os.urandom(3 << 20)
    location = httpx.post(
        f"{server.url}/v2/crash/patch/blobs/uploads/", auth=AUTH
    ).headers["Location"]
    ok = httpx.patch(f"{server.url}{location}", content=first, auth=AUTH)
    assert ok.status_code == 202
    started = threading.Event()

    def patch() -> None:
        with contextlib.suppress(httpx.HTTPError):
            httpx.patch(
                f"{server.url}{location}",
                content=_slow_body(64 << 20, started),
                auth=AUTH,
                timeout=60,
            )

    patcher = threading.Thread(target=patch)
    patcher.start()
    assert started.wait(30)
    # Kill once the driver holds more than the acknowledged PATCH: the
    # header and three sealed 1 MiB chunks.
    stored = data_dir / "storage" / "uploads" / location.rsplit("/", 1)[1]
    acknowledged = 32 + 3 * ((1 << 20) + 28)
    deadline = time.monotonic() + 30
    while stored.stat().st_size <= acknowledged and time.monotonic() < deadline:
        time.sleep(0.01)
    assert stored.stat().st_size > acknowledged
    server.kill()
    patcher.join(60)

    server = start_server(data_dir)
    try:
        status = httpx.get(f"{server.url}{location}", auth=AUTH)
        assert status.status_code == 204
        offset = int(status.headers["Range"].split("-")[1]) + 1
        assert offset == len(first)  # the cut-off PATCH was never acknowledged
        rest = os.urandom(1 << 20)
        resumed = httpx.patch(
            f"{server.url}{location}",
            content=rest,
            auth=AUTH,
            headers={"Content-Range": f"{offset}-{offset + len(rest) - 1}"},
        )
        assert resumed.status_code == 202, resumed.text
        digest = "sha256:" + hashlib.sha256(first + rest).hexdigest()
        done = httpx.put(
            f"{server.url}{location}", params={"digest": digest}, auth=AUTH
        )
        assert done.status_code == 201, done.text
        pulled = httpx.get(f"{server.url}/v2/crash/patch/blobs/{digest}", auth=AUTH)
        assert pulled.content == first + rest
        assert "cut an upload back to its last recorded append" in server.logs()
    finally:
        server.stop()
