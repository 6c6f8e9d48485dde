"""Restarts and kill -9: sessions survive, half-written blobs never appear."""

from __future__ import annotations

import contextlib
import hashlib
import os
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
