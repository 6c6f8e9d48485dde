"""ReadAhead: blob pieces read in a storage thread, a bounded way ahead."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from seawall.errors import IntegrityError
from seawall.registry.streaming import PULL_BATCH, ReadAhead

MIB = 1024 * 1024


class Source:
    """An iterator of ``count`` pieces that records how far it was read."""

    def __init__(self, count: int, size: int = MIB, fail_at: int | None = None) -> None:
        self.count, self.size, self.fail_at = count, size, fail_at
        self.produced = 0
        self.closed = threading.Event()
        self.threads: set[str] = set()
        self.gate: threading.Event | None = None

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        self.threads.add(threading.current_thread().name)
        if self.gate is not None:
            self.gate.wait(5)
        if self.produced == self.fail_at:
            raise IntegrityError(
                "failed to open chunk 3: content does not authenticate"
            )
        if self.produced >= self.count:
            raise StopIteration
        self.produced += 1
        return bytes([self.produced % 256]) * self.size

    def close(self) -> None:
        self.closed.set()


async def _drain(ahead: ReadAhead) -> list[bytes]:
    pieces = []
    while (batch := await ahead.next()) is not None:
        pieces.extend(batch)
    return pieces


def test_every_piece_arrives_in_order_and_the_source_is_closed() -> None:
    source = Source(9)

    async def run() -> list[bytes]:
        ahead = ReadAhead(source, asyncio.get_running_loop())
        try:
            return await _drain(ahead)
        finally:
            ahead.close()

    pieces = asyncio.run(run())
    assert [p[0] for p in pieces] == list(range(1, 10))
    assert source.closed.wait(5)
    assert all(name.startswith("seawall-pull") for name in source.threads)


def test_the_reader_stays_at_most_depth_batches_ahead() -> None:
    source = Source(40)
    per_batch = PULL_BATCH // MIB

    async def run() -> tuple[int, int]:
        ahead = ReadAhead(source, asyncio.get_running_loop(), depth=2)
        try:
            first = await ahead.next()
            assert first is not None
            await asyncio.sleep(0.3)  # a slow client: the reader waits too
            before = source.produced
            await ahead.next()
            await asyncio.sleep(0.3)
            return before, source.produced
        finally:
            ahead.close()

    before, after = asyncio.run(run())
    # One batch taken, two waiting (and no more), then one more taken.
    assert before == 3 * per_batch
    assert after == 4 * per_batch
    assert source.closed.wait(5)


def test_a_failure_comes_after_the_pieces_before_it() -> None:
    source = Source(10, fail_at=5)

    async def run() -> tuple[list[bytes], BaseException | None]:
        ahead = ReadAhead(source, asyncio.get_running_loop())
        got: list[bytes] = []
        try:
            while (batch := await ahead.next()) is not None:
                got.extend(batch)
        except IntegrityError as exc:
            return got, exc
        finally:
            ahead.close()
        return got, None

    got, error = asyncio.run(run())
    assert isinstance(error, IntegrityError)
    assert [p[0] for p in got] == [1, 2, 3, 4]  # the batch with the failure is lost
    assert source.closed.wait(5)


def test_closing_mid_read_closes_the_source_when_the_read_returns() -> None:
    source = Source(10)
    source.gate = threading.Event()

    async def run() -> bool:
        ahead = ReadAhead(source, asyncio.get_running_loop())
        await asyncio.sleep(0.1)  # the thread is inside the source now
        ahead.close()  # as when the client goes away
        closed_early = source.closed.is_set()
        source.gate.set()
        return closed_early

    closed_early = asyncio.run(run())
    assert not closed_early  # never closed while another thread runs it
    assert source.closed.wait(5)


def test_a_cancelled_pull_releases_its_reader() -> None:
    source = Source(100)

    async def run() -> None:
        ahead = ReadAhead(source, asyncio.get_running_loop())

        async def pull() -> None:
            try:
                await ahead.next()
                await asyncio.sleep(10)
            finally:
                ahead.close()

        task = asyncio.create_task(pull())
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(run())
    assert source.closed.wait(5)
    assert source.produced < 100


def test_many_pulls_share_a_small_pool() -> None:
    # Readers give their thread back when they are ahead: twelve pulls
    # progress on two threads.
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="seawall-pull-test")
    sources = [Source(6, size=1024) for _ in range(12)]

    async def one(source: Source) -> list[bytes]:
        ahead = ReadAhead(source, asyncio.get_running_loop(), executor=pool)
        try:
            return await _drain(ahead)
        finally:
            ahead.close()

    async def run() -> list[list[bytes]]:
        return await asyncio.gather(*(one(s) for s in sources))

    try:
        results = asyncio.run(asyncio.wait_for(run(), 20))
    finally:
        pool.shutdown()
    assert all([p[0] for p in r] == [1, 2, 3, 4, 5, 6] for r in results)
