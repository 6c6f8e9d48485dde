"""Blob bodies: pieces from storage, read ahead of the event loop.

Both the /v2/ blob GET and the ECR download URL answer with
:class:`BlobResponse`. Storage pieces may be ``bytes`` or ``bytearray``
(the encrypted store hands out the buffers it opened chunks into), which
Starlette's StreamingResponse would refuse; this response passes them to
the server as they are.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor

from starlette.responses import StreamingResponse
from starlette.types import Send

from seawall.errors import SeawallError
from seawall.logging import get_logger
from seawall.storage.interfaces import READ_CHUNK

log = get_logger(__name__)

# Blob pieces cross from the storage thread to the event loop in batches of
# this size, and the reader stays up to PULL_DEPTH batches ahead of the
# sender. Measured on loopback (1 GiB encrypted and plain pulls, six paired
# runs each): 2 MiB batches two deep did best; 1 MiB batches cost encrypted
# pulls about a third of their speed, 3-4 MiB batches or one batch deep
# about a tenth. A pull holds at most (PULL_DEPTH + 1) * PULL_BATCH.
PULL_BATCH = 2 * READ_CHUNK
PULL_DEPTH = 2

# Readers hold a thread only while they read: a reader that is PULL_DEPTH
# batches ahead gives its thread back, so slow clients hold none.
_READERS = ThreadPoolExecutor(max_workers=32, thread_name_prefix="seawall-pull")


# TODO(seawall): blob GETs copy every byte through user space (read, then
# transport.write), about 0.3 ms of CPU per MiB here; distribution
# sendfile()s. (Seawall pulls faster all the same, see the Registry section
# of docs/benchmarks.md, but the copy is CPU a busy node could use.) Zero-copy
# for unencrypted blobs needs the ASGI "http.response.pathsend" extension
# (Starlette's FileResponse uses it) from a server that offers it; uvicorn
# does not.
class BlobResponse(StreamingResponse):
    """Streams blob pieces while a storage thread reads (and opens) the next.

    The event loop only sends; see :class:`ReadAhead` for the reading.
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
        ahead = ReadAhead(self._chunks, asyncio.get_running_loop())
        try:
            while (batch := await ahead.next()) is not None:
                for data in batch:
                    body = {"type": "http.response.body", "body": data}
                    await send(body | {"more_body": True})
        except SeawallError as exc:
            # Stored bytes failed (a damaged chunk, a key disabled mid-pull)
            # after the headers went out: the status cannot change, so the
            # response is cut short. Returning without its end makes the
            # server close the connection, and the client sees a truncated
            # body, never wrong bytes.
            log.error(
                "blob stream cut short", error=type(exc).__name__, reason=str(exc)
            )
            return
        finally:
            ahead.close()  # the client went away, or the stream ended
        await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _nothing() -> AsyncIterator[bytes]:
    return
    yield b""  # an async generator that yields nothing


class ReadAhead:
    """Runs a blob's piece iterator in a storage thread, batches ahead of the loop.

    The thread gathers PULL_BATCH bytes at a time and keeps going until
    ``depth`` batches wait; then it returns to the pool, and taking a batch
    sets it to work again. Reading (and, for an encrypted repository,
    opening chunks, which releases the GIL) thus overlaps with the event
    loop's sending instead of taking turns with it, and a pull holds at most
    ``depth`` batches beside the one being sent. The iterator runs in one
    thread at a time and is closed (releasing its file) by whichever side
    sees it idle last.
    """

    def __init__(
        self,
        chunks: Iterator[bytes],
        loop: asyncio.AbstractEventLoop,
        *,
        depth: int = PULL_DEPTH,
        executor: Executor = _READERS,
    ) -> None:
        self._chunks = chunks
        self._loop = loop
        self._depth = depth
        self._executor = executor
        self._lock = threading.Lock()
        self._ready: deque[list[bytes]] = deque()
        self._wake = asyncio.Event()
        self._waiting = False  # the loop waits for a batch: wake it
        self._running = False  # a thread is gathering
        self._ended = False  # the iterator is exhausted, or failed
        self._error: BaseException | None = None
        self._closed = False
        with self._lock:
            self._start()

    async def next(self) -> list[bytes] | None:
        """The next batch; None at the end; the iterator's error as itself."""
        while True:
            with self._lock:
                if self._ready:
                    batch = self._ready.popleft()
                    if not self._running and not self._ended:
                        self._start()
                    return batch
                if self._ended:
                    if self._error is not None:
                        raise self._error
                    return None
                self._waiting = True
                self._wake.clear()
            await self._wake.wait()

    def close(self) -> None:
        """Stop reading and release the iterator (now, or when its thread stops)."""
        with self._lock:
            self._closed = True
            self._ready.clear()
            if self._running:
                return  # the thread closes it when its batch is done
        _close(self._chunks)

    def _start(self) -> None:  # with the lock held
        self._running = True
        self._executor.submit(self._run)

    def _run(self) -> None:
        while True:
            error: BaseException | None = None
            try:
                batch = _gather(self._chunks)
            except BaseException as exc:  # handed to the loop, raised there
                batch, error = [], exc
            with self._lock:
                if not batch:
                    self._ended, self._error = True, error
                elif not self._closed:
                    self._ready.append(batch)
                stop = self._closed or self._ended or len(self._ready) >= self._depth
                if stop:
                    self._running = False
                closed = self._closed
                wake, self._waiting = self._waiting, False
            if wake and not self._wake_loop():
                stop = closed = True  # the loop is gone: nobody reads on
            if stop:
                if closed:
                    _close(self._chunks)
                return

    def _wake_loop(self) -> bool:
        try:
            self._loop.call_soon_threadsafe(self._wake.set)
        except RuntimeError:  # the event loop is closed
            with self._lock:
                self._closed, self._running = True, False
            return False
        return True


def _close(chunks: Iterator[bytes]) -> None:
    close = getattr(chunks, "close", None)
    if close is not None:
        close()


def _gather(chunks: Iterator[bytes]) -> list[bytes]:
    """The next pieces of a stream, about PULL_BATCH bytes."""
    batch: list[bytes] = []
    size = 0
    for data in chunks:
        if data:
            batch.append(data)
            size += len(data)
        if size >= PULL_BATCH:
            break
    return batch
