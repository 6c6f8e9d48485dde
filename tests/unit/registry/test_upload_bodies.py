"""Request bodies reach storage whole, however the client slices them."""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from seawall.app import create_app
from seawall.registry.routes import BODY_BATCH
from seawall.settings import Settings

# Piece sizes around the batch size: tiny, odd, exactly one batch, several.
PIECES = (1, 7, 4096, 65_537, BODY_BATCH - 1, 1, BODY_BATCH, 3 * BODY_BATCH + 5, 2)


def _payload() -> tuple[list[bytes], str]:
    pieces = [os.urandom(size) for size in PIECES]
    digest = "sha256:" + hashlib.sha256(b"".join(pieces)).hexdigest()
    return pieces, digest


async def _stream(pieces: list[bytes]) -> AsyncIterator[bytes]:
    for piece in pieces:
        yield piece


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=[False, True], ids=["plain", "encrypted"])
def client(request: pytest.FixtureRequest, tmp_path: Path) -> httpx.AsyncClient:
    settings = Settings(data_dir=tmp_path, auth_enabled=False, encryption=request.param)
    transport = httpx.ASGITransport(app=create_app(settings))
    return httpx.AsyncClient(transport=transport, base_url="http://registry")


async def _blob(client: httpx.AsyncClient, repo: str, digest: str) -> bytes:
    response = await client.get(f"/v2/{repo}/blobs/{digest}")
    assert response.status_code == 200
    return response.content


@pytest.mark.anyio
async def test_monolithic_post_in_uneven_pieces(client: httpx.AsyncClient) -> None:
    pieces, digest = _payload()
    response = await client.post(
        "/v2/bodies/mono/blobs/uploads/",
        params={"digest": digest},
        content=_stream(pieces),
        headers={"Content-Length": str(sum(PIECES))},
    )
    assert response.status_code == 201, response.text
    assert await _blob(client, "bodies/mono", digest) == b"".join(pieces)


@pytest.mark.anyio
async def test_patch_then_put_in_uneven_pieces(client: httpx.AsyncClient) -> None:
    pieces, digest = _payload()
    half = len(pieces) // 2
    started = await client.post("/v2/bodies/chunked/blobs/uploads/")
    location = started.headers["location"]
    first = sum(PIECES[:half])
    patched = await client.patch(
        location,
        content=_stream(pieces[:half]),
        headers={"Content-Range": f"0-{first - 1}"},
    )
    assert patched.status_code == 202, patched.text
    assert patched.headers["range"] == f"0-{first - 1}"
    done = await client.put(
        patched.headers["location"],
        params={"digest": digest},
        content=_stream(pieces[half:]),
    )
    assert done.status_code == 201, done.text
    assert await _blob(client, "bodies/chunked", digest) == b"".join(pieces)


@pytest.mark.anyio
async def test_a_body_shorter_than_declared_stores_nothing(
    client: httpx.AsyncClient,
) -> None:
    pieces, digest = _payload()
    response = await client.post(
        "/v2/bodies/short/blobs/uploads/",
        params={"digest": digest},
        content=_stream(pieces[:-1]),
        headers={"Content-Length": str(sum(PIECES))},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] in ("DIGEST_INVALID", "SIZE_INVALID")
    missing = await client.head(f"/v2/bodies/short/blobs/{digest}")
    assert missing.status_code == 404


@pytest.mark.anyio
async def test_a_cancelled_body_reader_never_leaves_storage_waiting() -> None:
    # The loop-side reader of a body is a task of its own; if it is cancelled
    # (the server shutting down), the storage thread must not wait forever.
    import asyncio

    from starlette.requests import Request

    from seawall.registry.routes import _BodyBridge

    first = asyncio.Event()

    async def receive() -> dict[str, object]:
        if not first.is_set():
            first.set()
            return {"type": "http.request", "body": b"x" * 10, "more_body": True}
        await asyncio.Event().wait()  # the rest of the body never comes
        raise AssertionError("unreachable")

    request = Request({"type": "http", "method": "PUT", "headers": []}, receive)
    bridge = _BodyBridge(request)
    consumed: list[bytes] = []

    def consume(chunks: object) -> int:
        for chunk in chunks:  # type: ignore[attr-defined]
            consumed.append(chunk)
        return len(consumed)

    feeding = asyncio.ensure_future(bridge.feed(consume))
    await first.wait()
    await asyncio.sleep(0.05)
    readers = [
        t
        for t in asyncio.all_tasks()
        if t is not feeding and "_produce" in repr(t.get_coro())
    ]
    assert len(readers) == 1
    readers[0].cancel()

    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(feeding, timeout=10)
    assert consumed == []  # the first batch was still being gathered
