"""Blob bodies: pieces from storage, read ahead of the event loop.

Both the /v2/ blob GET and the ECR download URL answer with
:class:`BlobResponse`. Storage pieces may be ``bytes`` or ``bytearray``
(the encrypted store hands out the buffers it opened chunks into), which
Starlette's StreamingResponse would refuse; this response passes them to
the server as they are.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import anyio
import anyio.to_thread
from anyio.streams.memory import MemoryObjectSendStream
from starlette.responses import StreamingResponse
from starlette.types import Send

from seawall.errors import SeawallError
from seawall.logging import get_logger
from seawall.storage.interfaces import READ_CHUNK

log = get_logger(__name__)

# Blob pieces cross from the storage thread to the event loop in batches of
# this size, one thread hop each. Measured on loopback (bench/encryption.py):
# 1 MiB batches pulled ~1.3 GB/s, 2 MiB ~1.7 GB/s, 3-4 MiB ~1.1 GB/s (a
# batch larger than the socket's send buffer stalls the event loop).
PULL_BATCH = 2 * READ_CHUNK


# TODO(seawall): blob GETs copy every byte through user space (read, then
# transport.write) and reach 0.7-0.8x distribution's pull, which sendfile()s.
# Zero-copy needs the ASGI "http.response.pathsend" extension (Starlette's
# FileResponse uses it) from a server that offers it; uvicorn does not.
class BlobResponse(StreamingResponse):
    """Streams blob pieces, reading the next batch while this one is sent.

    A worker thread gathers about PULL_BATCH bytes at a time (one thread hop
    per batch) and stays one batch ahead of the event loop, so reading (and,
    for an encrypted repository, opening chunks) overlaps with sending.
    """

    def __init__(
        self,
        chunks: Iterator[bytes],
        status_code: int,
        media_type: str,
        headers: dict[str, str],
    ) -> None:
        super().__init__(_nothing(), status_code, headers, media_type)
        self._chunks = chunks

    async def stream_response(self, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": self.status_code,
                "headers": self.raw_headers,
            }
        )
        # Capacity 0: the reader holds the next batch until this one is
        # sent, so at most two batches of a pull are in memory.
        sender, receiver = anyio.create_memory_object_stream[list[bytes]](0)
        try:
            async with anyio.create_task_group() as group:
                group.start_soon(_read_ahead, self._chunks, sender)
                async with receiver:
                    async for batch in receiver:
                        for data in batch:
                            body = {"type": "http.response.body", "body": data}
                            await send(body | {"more_body": True})
        except BaseExceptionGroup as failed:
            [*others] = failed.exceptions
            if len(others) != 1:
                raise
            if isinstance(others[0], SeawallError):
                # Stored bytes failed (a damaged chunk, a key disabled
                # mid-pull) after the headers went out: the status cannot
                # change, so the response is cut short. Returning without its
                # end makes the server close the connection, and the client
                # sees a truncated body, never wrong bytes.
                log.error(
                    "blob stream cut short",
                    error=type(others[0]).__name__,
                    reason=str(others[0]),
                )
                return
            raise others[0] from None  # the client went away: as itself
        await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _nothing() -> AsyncIterator[bytes]:
    return
    yield b""  # an async generator that yields nothing


async def _read_ahead(
    chunks: Iterator[bytes], sender: MemoryObjectSendStream[list[bytes]]
) -> None:
    try:
        async with sender:
            while batch := await anyio.to_thread.run_sync(_gather, chunks):
                await sender.send(batch)
    finally:
        # The thread is never abandoned mid-batch, so nothing runs the
        # iterator any more: closing it releases its file.
        close = getattr(chunks, "close", None)
        if close is not None:
            close()


def _gather(chunks: Iterator[bytes]) -> list[bytes]:
    """The next pieces of a stream, about PULL_BATCH bytes: one thread hop each."""
    batch: list[bytes] = []
    size = 0
    for data in chunks:
        if data:
            batch.append(data)
            size += len(data)
        if size >= PULL_BATCH:
            break
    return batch
