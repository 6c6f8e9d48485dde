"""Recycler: a buffer is filled again only when nothing else refers to it."""

from __future__ import annotations

import sys
import threading
import time

from seawall.storage.buffers import Recycler


def test_a_released_buffer_is_reused() -> None:
    recycler = Recycler(smallest=0)
    first = recycler.take(64)
    first[:] = b"m" * 64
    del first

    again = recycler.take(64)
    assert again == b"m" * 64  # the same memory: a fresh buffer is zeroed


def test_a_held_buffer_is_never_handed_out_again() -> None:
    recycler = Recycler(smallest=0)
    held = [recycler.take(64) for _ in range(5)]
    for index, buffer in enumerate(held):
        buffer[:] = bytes([index]) * 64

    more = [recycler.take(64) for _ in range(20)]
    for buffer in more:
        buffer[:] = b"\xff" * 64

    assert len({id(b) for b in held + more}) == len(held) + len(more)
    for index, buffer in enumerate(held):
        assert buffer == bytes([index]) * 64


def test_a_view_or_a_slice_of_a_view_keeps_it_from_reuse() -> None:
    # A transport that sent part of a buffer keeps a view of the rest.
    recycler = Recycler(smallest=0)
    buffer = recycler.take(64)
    buffer[:] = b"v" * 64
    rest = memoryview(buffer).cast("b")[10:]
    del buffer

    other = recycler.take(64)
    assert other == bytes(64)
    other[:] = b"o" * 64
    assert bytes(rest) == b"v" * 54
    del other
    rest.release()
    del rest
    assert recycler.take(64) in (b"v" * 64, b"o" * 64)


def test_sizes_other_than_a_kept_one_are_fresh() -> None:
    recycler = Recycler(smallest=0)
    kept = recycler.take(64)
    kept[:] = b"k" * 64
    del kept

    short = recycler.take(10)
    assert short == bytes(10)
    assert recycler.take(0) == bytearray()
    assert recycler.take(64) == b"k" * 64


def test_memory_is_bounded_when_every_buffer_stays_held() -> None:
    recycler = Recycler(keep=4, smallest=0)
    held = [recycler.take(32) for _ in range(50)]
    for buffer in held:
        buffer[:] = b"h" * 32
    assert len(recycler._ring) == 4
    del held, buffer
    # Only what the ring kept comes back; the rest was left to the caller.
    reused = [recycler.take(32) for _ in range(6)]
    assert sum(b == b"h" * 32 for b in reused) == 4


def test_small_buffers_are_never_kept() -> None:
    recycler = Recycler(smallest=1024)
    small = recycler.take(1000)
    small[:] = b"s" * 1000
    del small
    assert recycler.take(1000) == bytes(1000)
    assert recycler._ring == []


def test_threads_taking_at_once_never_share_a_buffer() -> None:
    class Slow(Recycler):
        def _references(self, index: int) -> int:
            count = sys.getrefcount(self._ring[index])
            time.sleep(0.0005)  # another thread runs between check and hand-out
            return count

    recycler = Slow(keep=2, smallest=0)
    errors: list[str] = []
    start = threading.Barrier(4)

    def work(mark: int) -> None:
        start.wait()
        for _ in range(200):
            buffer = recycler.take(256)
            buffer[:] = bytes([mark]) * 256
            time.sleep(0.0002)  # hold it while the others take theirs
            if buffer != bytes([mark]) * 256:  # another thread wrote into it
                errors.append(f"thread {mark}")
            del buffer

    threads = [threading.Thread(target=work, args=(m,)) for m in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_driver_reads_keep_only_full_pieces_in_the_pool(tmp_path: object) -> None:
    # The last, shorter piece of a read is a buffer of its own: odd sizes
    # would otherwise take the pool's places and pin their memory.
    from pathlib import Path

    from seawall.oci.digest import Digest
    from seawall.storage.buffers import CHUNKS
    from seawall.storage.drivers.filesystem import FilesystemBlobStore

    piece, tail = 256 * 1024, 100 * 1024 + 3
    store = FilesystemBlobStore(Path(str(tmp_path)))
    data = bytes(range(256)) * ((2 * piece + tail) // 256) + b"x" * (
        (2 * piece + tail) % 256
    )
    writer = store.writer()
    writer.write(data)
    digest = writer.commit(Digest.of(data))

    pieces = list(store.read(digest, piece=piece))

    assert [len(p) for p in pieces] == [piece, piece, tail]
    assert b"".join(pieces) == data
    assert any(kept is pieces[0] for kept in CHUNKS._ring)
    assert not any(kept is pieces[-1] for kept in CHUNKS._ring)
