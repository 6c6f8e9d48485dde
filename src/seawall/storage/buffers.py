"""Buffers that are filled again once nobody else refers to them.

Blob streams move a MiB at a time. A fresh ``bytearray`` of that size costs
zero-filling and page faults on every MiB, and far more where freed memory
goes back to a virtual machine's host (every page faults at the host when it
is touched again): on the encrypted pull path fresh buffers cost about a
third of what opening the chunks costs, and on a chunked push, whose every
PATCH starts a new sealer, about a tenth of its speed (perf and
bench/encryption.py, see docs/benchmarks.md).

A :class:`Recycler` keeps the last few buffers it handed out and hands one
out again only when it holds the sole reference to it, so a caller, a queue,
a transport or a hash thread that still holds the buffer (or a
``memoryview`` of it, which refers to it too) keeps it from being reused.
Handing a buffer on is therefore always safe, and nothing gives buffers
back. This relies on CPython's reference counts (``sys.getrefcount``) under
the GIL, which is what Seawall runs on.
"""

from __future__ import annotations

import sys
import threading


class Recycler:
    """Hands out ``bytearray`` buffers, reusing those nobody else holds any more."""

    def __init__(self, keep: int = 8, smallest: int = 64 * 1024) -> None:
        self._keep = keep
        self._smallest = smallest  # smaller buffers are cheap: always fresh
        self._lock = threading.Lock()
        self._ring: list[bytearray] = [bytearray()]
        self._next = 0
        self._unshared = self._references(0)  # the count of a buffer only we hold
        self._ring.clear()

    def take(self, size: int) -> bytearray:
        """A ``size``-byte buffer: a free kept one, else a fresh (zeroed) one.

        A reused buffer holds whatever it held before: fill it.
        """
        if size < self._smallest:
            return bytearray(size)
        with self._lock:
            for index in range(len(self._ring)):
                if (
                    len(self._ring[index]) == size
                    and self._references(index) == self._unshared
                ):
                    return self._ring[index]  # our reference is taken here
            fresh = bytearray(size)
            if len(self._ring) < self._keep:
                self._ring.append(fresh)
            else:  # every kept buffer is held elsewhere: forget the oldest
                self._ring[self._next] = fresh
                self._next = (self._next + 1) % self._keep
            return fresh

    def _references(self, index: int) -> int:
        # The same expression for the calibration and every check, so that
        # the temporaries it holds cancel out.
        return sys.getrefcount(self._ring[index])


# Chunk-sized buffers for every stream of the process: a stream as short as
# one 16 MiB PATCH still finds warm buffers. 32 MiB at most stay kept.
CHUNKS = Recycler(keep=32)
