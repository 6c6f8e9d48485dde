"""Handlers of the OCI Distribution v1.1 API.

Each handler validates its path parameters, asks the guard for the actions
it needs, runs the storage call in a worker thread and shapes the answer
with the headers clients rely on (Location, Docker-Content-Digest, Range,
Docker-Upload-UUID, OCI-Subject, Link).
"""

from __future__ import annotations

import asyncio
import functools
import json
import queue
import re
from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import urlencode

import anyio
import anyio.to_thread
import structlog
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from seawall.errors import (
    ManifestUnknown,
    NameInvalid,
    RangeInvalid,
    SizeInvalid,
    UploadInvalid,
)
from seawall.events import RegistryEvent
from seawall.logging import get_logger
from seawall.oci import mediatypes as mt
from seawall.oci.digest import Digest
from seawall.oci.reference import is_digest_reference, validate_name
from seawall.registry import guard as actions
from seawall.registry.context import RegistryContext
from seawall.registry.streaming import PULL_BATCH, BlobResponse
from seawall.storage.registry import RegistryStore, StoredManifest

log = get_logger(__name__)
T = TypeVar("T")

# Request bodies are handed to storage in batches of this size.
BODY_BATCH = 1024 * 1024
BODY_DEPTH = 2


async def _run(func: Callable[..., T], *args: Any) -> T:
    return await anyio.to_thread.run_sync(func, *args)


def _ctx(request: Request) -> RegistryContext:
    ctx: RegistryContext = request.app.state.registry
    return ctx


def _name(request: Request) -> str:
    raw_path: bytes = request.scope.get("raw_path") or b""
    if b"%2f" in raw_path.lower() or b"%2e" in raw_path.lower():
        # An encoded slash or dot would let a name differ from its path.
        raise NameInvalid("invalid repository name: encoded '/' or '.' in the path")
    name = validate_name(request.path_params["name"])
    structlog.contextvars.bind_contextvars(repository=name)
    return name


def _digest(request: Request, key: str = "digest") -> Digest:
    digest = Digest.parse(request.path_params[key])
    structlog.contextvars.bind_contextvars(digest=str(digest))
    return digest


async def _authorize(
    request: Request, name: str | None, needed: tuple[str, ...]
) -> Any:
    caller = await _ctx(request).guard.check(request, name, needed)
    request.state.caller = caller
    return caller


def _emit(request: Request, event_name: str, name: str, **params: Any) -> None:
    caller = getattr(request.state, "caller", None)
    _ctx(request).events.emit(
        RegistryEvent(
            name=event_name,
            repository=name,
            principal=getattr(caller, "principal", None),
            source_ip=request.client.host if request.client else None,
            parameters=params,
            request_id=getattr(request.state, "request_id", None),
        )
    )


# -- base, catalog, tags -------------------------------------------------


async def base(request: Request) -> Response:
    await _authorize(request, None, ())
    return Response(b"{}", media_type="application/json")


def _pagination(request: Request, limit: int) -> tuple[str | None, int | None]:
    raw_n = request.query_params.get("n")
    last = request.query_params.get("last") or None
    if raw_n is None or raw_n == "":
        return last, None
    if not raw_n.isdigit():
        raise UploadInvalid(f"invalid pagination: n={raw_n!r} is not a number")
    return last, min(int(raw_n), limit)


def _link(path: str, last: str, n: int) -> dict[str, str]:
    return {"Link": f'<{path}?{urlencode({"n": n, "last": last})}>; rel="next"'}


async def catalog(request: Request) -> Response:
    caller = await _authorize(request, None, ())
    ctx = _ctx(request)
    last, n = _pagination(request, ctx.catalog_max_entries)
    limit = ctx.catalog_max_entries if n is None else n
    names: list[str] = []
    cursor = last
    # The guard may hide repositories, so page until the page is full.
    while len(names) < limit:
        batch = await _run(ctx.store.list_repositories, cursor, limit)
        if not batch:
            break
        cursor = batch[-1]
        names += await ctx.guard.visible(request, caller, batch)
        if len(batch) < limit:
            break
    names = names[:limit]
    headers = _link("/v2/_catalog", names[-1], limit) if n and len(names) == n else {}
    return _json({"repositories": names}, headers=headers)


async def tags_list(request: Request) -> Response:
    name = _name(request)
    await _authorize(request, name, actions.LIST_IMAGES)
    ctx = _ctx(request)
    last, n = _pagination(request, ctx.catalog_max_entries)
    tags = await _run(ctx.store.list_tags, name, last, n)
    headers = (
        _link(f"/v2/{name}/tags/list", tags[-1], n) if n and len(tags) == n else {}
    )
    return _json({"name": name, "tags": tags}, headers=headers)


def _json(
    body: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        json.dumps(body).encode(),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


# -- manifests -----------------------------------------------------------


def _accepts(accept: str, media_type: str) -> bool:
    """Whether the client's Accept header (joined) admits ``media_type``.

    Docker types are always served (clients that predate OCI ask for them);
    OCI types only when accepted or when the client states no preference.
    """
    if not accept or media_type not in (mt.OCI_MANIFEST, mt.OCI_INDEX):
        return True
    offered = {part.split(";")[0].strip() for part in accept.split(",")}
    return media_type in offered or "*/*" in offered or "application/*" in offered


def _fetch_manifest(
    store: RegistryStore, name: str, reference: str, accept: str, head: bool
) -> tuple[StoredManifest, bytes]:
    """The manifest if ``accept`` admits it, its pull recorded: one thread hop."""
    stored, raw = store.get_manifest(name, reference)
    if not _accepts(accept, stored.media_type):
        raise ManifestUnknown(
            f"manifest unknown: {stored.media_type} is not in the Accept header"
        )
    if not head:
        store.record_pull(name, stored.digest)
    return stored, raw


async def get_manifest(request: Request) -> Response:
    name = _name(request)
    reference = request.path_params["reference"]
    head = request.method == "HEAD"
    await _authorize(request, name, actions.PULL)
    accept = ",".join(request.headers.getlist("accept"))
    store = _ctx(request).store
    stored, raw = await _run(_fetch_manifest, store, name, reference, accept, head)
    headers = {
        "Docker-Content-Digest": str(stored.digest),
        "Content-Length": str(len(raw)),
    }
    headers["ETag"] = f'"{stored.digest}"'
    return Response(b"" if head else raw, media_type=stored.media_type, headers=headers)


async def put_manifest(request: Request) -> Response:
    name = _name(request)
    reference = request.path_params["reference"]
    await _authorize(request, name, actions.PUSH_IMAGE)
    ctx = _ctx(request)
    raw = await _read_limited(request, ctx.store.max_manifest_bytes)
    manifest = await _run(
        ctx.store.put_manifest,
        name,
        reference,
        raw,
        request.headers.get("content-type"),
    )
    headers = {
        "Location": f"/v2/{name}/manifests/{manifest.digest}",
        "Docker-Content-Digest": str(manifest.digest),
    }
    if manifest.subject is not None:
        headers["OCI-Subject"] = str(manifest.subject.digest)
    tag = None if is_digest_reference(reference) else reference
    _emit(
        request,
        "PutImage",
        name,
        imageDigest=str(manifest.digest),
        imageTag=tag,
        mediaType=manifest.media_type,
    )
    return Response(b"", status_code=201, headers=headers)


async def _read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_large(int(declared), limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _too_large(len(body), limit)
    return bytes(body)


def _too_large(size: int, limit: int) -> SizeInvalid:
    error = SizeInvalid(f"invalid manifest: {size} bytes exceed the limit of {limit}")
    error.http_status = 413  # type: ignore[attr-defined]
    return error


async def delete_manifest(request: Request) -> Response:
    name = _name(request)
    reference = request.path_params["reference"]
    await _authorize(request, name, actions.DELETE_IMAGE)
    removed = await _run(_ctx(request).store.delete_manifest, name, reference)
    _emit(request, "BatchDeleteImage", name, reference=reference, tagsRemoved=removed)
    return Response(b"", status_code=202)


# -- referrers -----------------------------------------------------------


async def referrers(request: Request) -> Response:
    name = _name(request)
    subject = _digest(request)
    await _authorize(request, name, actions.PULL)
    artifact_type = request.query_params.get("artifactType") or None
    found = await _run(_ctx(request).store.list_referrers, name, subject, artifact_type)
    descriptors = []
    for item in found:
        descriptor: dict[str, Any] = {
            "mediaType": item.media_type,
            "digest": str(item.digest),
            "size": item.size,
        }
        if item.artifact_type:
            descriptor["artifactType"] = item.artifact_type
        if item.annotations:
            descriptor["annotations"] = item.annotations
        descriptors.append(descriptor)
    index = {"schemaVersion": 2, "mediaType": mt.OCI_INDEX, "manifests": descriptors}
    headers = {"OCI-Filters-Applied": "artifactType"} if artifact_type else {}
    return Response(
        json.dumps(index).encode(), media_type=mt.OCI_INDEX, headers=headers
    )


# -- blobs ---------------------------------------------------------------

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(start, end inclusive) of a Range header, None for the whole blob."""
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if not match or (not match[1] and not match[2]):
        raise RangeInvalid(f"invalid range {header!r}", detail={"size": size})
    if not match[1]:
        suffix = int(match[2])
        return max(size - suffix, 0), size - 1
    start = int(match[1])
    end = int(match[2]) if match[2] else size - 1
    if start >= size or end < start:
        raise RangeInvalid(
            f"invalid range {header!r} for size {size}", detail={"size": size}
        )
    return start, min(end, size - 1)


async def get_blob(request: Request) -> Response:
    name = _name(request)
    digest = _digest(request)
    head = request.method == "HEAD"
    await _authorize(request, name, actions.CHECK_LAYER if head else actions.PULL_LAYER)
    ctx = _ctx(request)
    size = await _run(ctx.store.stat_blob, name, digest)
    headers = {
        "Docker-Content-Digest": str(digest),
        "Accept-Ranges": "bytes",
        "ETag": f'"{digest}"',
    }
    byte_range = _byte_range(request.headers.get("range"), size)
    if head:
        headers["Content-Length"] = str(size)
        return Response(b"", media_type="application/octet-stream", headers=headers)
    status = 200
    offset, length = 0, size
    if byte_range is not None:
        offset, end = byte_range
        length = end - offset + 1
        status = 206
        headers["Content-Range"] = f"bytes {offset}-{end}/{size}"
    _, chunks = await _run(
        functools.partial(ctx.store.read_blob, piece=PULL_BATCH),
        name,
        digest,
        offset,
        length,
    )
    headers["Content-Length"] = str(length)
    return BlobResponse(
        chunks,
        status_code=status,
        media_type="application/octet-stream",
        headers=headers,
    )


async def delete_blob(request: Request) -> Response:
    name = _name(request)
    digest = _digest(request)
    await _authorize(request, name, actions.DELETE_IMAGE)
    await _run(_ctx(request).store.delete_blob, name, digest)
    _emit(request, "DeleteLayer", name, layerDigest=str(digest))
    return Response(
        b"", status_code=202, headers={"Docker-Content-Digest": str(digest)}
    )


# -- uploads -------------------------------------------------------------


class _BodyBridge:
    """Feeds an async request body to synchronous storage code in a thread.

    The event loop gathers chunks into batches of at least
    :data:`BODY_BATCH` bytes and stays up to :data:`BODY_DEPTH` batches
    ahead of the storage thread, so that receiving the next MiB overlaps
    with hashing, sealing and writing this one (one thread hop per batch).
    At most ``BODY_DEPTH + 1`` batches are in memory whatever the blob's
    size. The chunks are the ones received, never copied.
    """

    def __init__(self, request: Request, depth: int = BODY_DEPTH) -> None:
        self._stream = request.stream().__aiter__()
        self._ready: queue.SimpleQueue[list[bytes] | BaseException | None] = (
            queue.SimpleQueue()
        )
        self._room = asyncio.Semaphore(depth)
        self._loop = asyncio.get_running_loop()
        self.received = 0

    async def feed(self, consume: Callable[[Iterator[bytes]], T]) -> T:
        """``consume(chunks)`` in a worker thread while the body is received."""
        producer = asyncio.ensure_future(self._produce())
        try:
            return await _run(consume, self._chunks())
        finally:
            producer.cancel()  # a consumer that stopped early leaves it waiting

    async def _produce(self) -> None:
        try:
            while True:
                await self._room.acquire()
                batch = await self._next_batch()
                self._ready.put(batch or None)
                if not batch:
                    return
        except BaseException as exc:
            # A client gone mid-body, or this task cancelled (the server
            # shutting down): the storage thread raises it instead of
            # waiting for a batch that will never come.
            self._ready.put(exc)
            if not isinstance(exc, Exception):
                raise

    async def _next_batch(self) -> list[bytes]:
        batch: list[bytes] = []
        size = 0
        async for chunk in self._stream:
            batch.append(chunk)
            size += len(chunk)
            if size >= BODY_BATCH:
                break
        self.received += size
        return batch

    def _chunks(self) -> Iterator[bytes]:
        """A blocking iterator; call only from a worker thread."""
        while True:
            item = self._ready.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            self._loop.call_soon_threadsafe(self._room.release)
            yield from item


def _upload_headers(name: str, session_id: str, size: int) -> dict[str, str]:
    return {
        "Location": f"/v2/{name}/blobs/uploads/{session_id}",
        "Docker-Upload-UUID": session_id,
        "Range": f"0-{max(size - 1, 0)}",
        "OCI-Chunk-Min-Length": "0",
    }


def _check_length(request: Request, received: int) -> None:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) != received:
        raise SizeInvalid(
            f"invalid size: Content-Length {declared} but {received} bytes received"
        )


async def start_upload(request: Request) -> Response:
    name = _name(request)
    await _authorize(request, name, actions.PUSH_LAYER)
    ctx = _ctx(request)
    mount = request.query_params.get("mount")
    if mount:
        response = await _try_mount(request, name, Digest.parse(mount))
        if response is not None:
            return response
    digest_param = request.query_params.get("digest")
    if digest_param:
        digest = Digest.parse(digest_param)
        bridge = _BodyBridge(request)
        await bridge.feed(lambda chunks: ctx.store.put_blob(name, chunks, digest))
        _check_length(request, bridge.received)
        _emit(request, "CompleteLayerUpload", name, layerDigest=str(digest))
        return _created(name, digest)
    session = await _run(ctx.store.start_upload, name)
    _emit(request, "InitiateLayerUpload", name, uploadId=session.id)
    return Response(b"", status_code=202, headers=_upload_headers(name, session.id, 0))


async def _try_mount(request: Request, name: str, digest: Digest) -> Response | None:
    source = request.query_params.get("from")
    if not source:
        return None
    validate_name(source)
    ctx = _ctx(request)
    try:
        # The caller must be able to read the source to mount from it.
        await ctx.guard.check(request, source, actions.PULL_LAYER)
    except Exception:
        return None
    if not await _run(ctx.store.mount_blob, name, source, digest):
        return None
    _emit(request, "MountLayer", name, layerDigest=str(digest), fromRepository=source)
    return _created(name, digest)


def _created(name: str, digest: Digest) -> Response:
    return Response(
        b"",
        status_code=201,
        headers={
            "Location": f"/v2/{name}/blobs/{digest}",
            "Docker-Content-Digest": str(digest),
        },
    )


_CONTENT_RANGE = re.compile(r"^(?:bytes )?(\d+)-(\d+)(?:/(?:\d+|\*))?$")


def _content_range_start(request: Request) -> int | None:
    header = request.headers.get("content-range")
    if not header:
        return None
    match = _CONTENT_RANGE.match(header.strip())
    if not match or int(match[2]) < int(match[1]):
        raise RangeInvalid(f"invalid Content-Range {header!r}")
    return int(match[1])


async def upload_status(request: Request) -> Response:
    name = _name(request)
    await _authorize(request, name, actions.PUSH_LAYER)
    session_id = request.path_params["session_id"]
    session = await _run(_ctx(request).store.get_upload, name, session_id)
    return Response(
        b"", status_code=204, headers=_upload_headers(name, session_id, session.size)
    )


async def patch_upload(request: Request) -> Response:
    name = _name(request)
    await _authorize(request, name, actions.PUSH_LAYER)
    session_id = request.path_params["session_id"]
    ctx = _ctx(request)
    start = _content_range_start(request)
    bridge = _BodyBridge(request)
    try:
        size = await bridge.feed(
            lambda chunks: ctx.store.append_upload(name, session_id, chunks, start)
        )
    except RangeInvalid as exc:
        current = (exc.detail or {}).get("size", 0)
        headers = _upload_headers(name, session_id, current)
        from seawall.registry.errors import error_response

        return error_response("RANGE_INVALID", exc.message, status=416, headers=headers)
    _emit(request, "UploadLayerPart", name, uploadId=session_id, size=size)
    return Response(
        b"", status_code=202, headers=_upload_headers(name, session_id, size)
    )


async def put_upload(request: Request) -> Response:
    name = _name(request)
    await _authorize(request, name, actions.PUSH_LAYER)
    session_id = request.path_params["session_id"]
    raw_digest = request.query_params.get("digest")
    if not raw_digest:
        from seawall.errors import DigestInvalid

        raise DigestInvalid("invalid digest: the digest query parameter is required")
    digest = Digest.parse(raw_digest)
    ctx = _ctx(request)
    start = _content_range_start(request)
    bridge = _BodyBridge(request)
    await bridge.feed(
        lambda chunks: ctx.store.append_upload(name, session_id, chunks, start)
    )
    await _run(ctx.store.commit_upload, name, session_id, digest)
    _emit(
        request,
        "CompleteLayerUpload",
        name,
        uploadId=session_id,
        layerDigest=str(digest),
    )
    return _created(name, digest)


async def cancel_upload(request: Request) -> Response:
    name = _name(request)
    await _authorize(request, name, actions.PUSH_LAYER)
    await _run(
        _ctx(request).store.cancel_upload, name, request.path_params["session_id"]
    )
    return Response(b"", status_code=204)


def routes() -> list[Route]:
    """The /v2/ routes, most specific first."""
    name = "/v2/{name:path}"
    return [
        Route("/v2/", base, methods=["GET", "HEAD"]),
        Route("/v2/_catalog", catalog, methods=["GET"]),
        Route(f"{name}/tags/list", tags_list, methods=["GET"]),
        Route(f"{name}/manifests/{{reference}}", get_manifest, methods=["GET", "HEAD"]),
        Route(f"{name}/manifests/{{reference}}", put_manifest, methods=["PUT"]),
        Route(f"{name}/manifests/{{reference}}", delete_manifest, methods=["DELETE"]),
        Route(f"{name}/referrers/{{digest}}", referrers, methods=["GET"]),
        Route(f"{name}/blobs/uploads/", start_upload, methods=["POST"]),
        Route(f"{name}/blobs/uploads/{{session_id}}", upload_status, methods=["GET"]),
        Route(f"{name}/blobs/uploads/{{session_id}}", patch_upload, methods=["PATCH"]),
        Route(f"{name}/blobs/uploads/{{session_id}}", put_upload, methods=["PUT"]),
        Route(
            f"{name}/blobs/uploads/{{session_id}}", cancel_upload, methods=["DELETE"]
        ),
        Route(f"{name}/blobs/{{digest}}", get_blob, methods=["GET", "HEAD"]),
        Route(f"{name}/blobs/{{digest}}", delete_blob, methods=["DELETE"]),
    ]
