"""Buffers that are filled again once nobody else refers to them.

Blob streams move a MiB at a time. A fresh ``bytearray`` of that size costs
zero-filling and, on most allocators, page faults on every MiB: on the
encrypted pull path that was about a third of what opening the chunks costs
(perf, see docs/benchmarks.md). A :class:`Recycler` keeps the last few
buffers it handed out and fills one again only when it holds the sole
reference to it, so a caller, a queue or a transport that still holds the
buffer (or a ``memoryview`` of it, which refers to it too) keeps it from
being reused. Handing a buffer on is therefore always safe; nothing needs to
give it back.
"""

from __future__ import annotations

import sys


class Recycler:
    """Hands out ``bytearray`` buffers, reusing those nobody else holds any more.

    Not thread-safe: one stream (one thread at a time) owns a recycler.
    """

    def __init__(self, keep: int = 8) -> None:
        self._keep = keep
        self._ring: list[bytearray] = [bytearray()]
        self._next = 0
        self._unshared = self._references(0)  # the count of a buffer only we hold
        self._ring.clear()

    def take(self, size: int) -> bytearray:
        """A ``size``-byte buffer: reused if one is free, else fresh (zeroed)."""
        for index in range(len(self._ring)):
            if (
                len(self._ring[index]) == size
                and self._references(index) == self._unshared
            ):
                return self._ring[index]
        fresh = bytearray(size)
        if not size:
            return fresh
        if len(self._ring) < self._keep:
            self._ring.append(fresh)
        else:  # every kept buffer is still held elsewhere: forget the oldest
            self._ring[self._next] = fresh
            self._next = (self._next + 1) % self._keep
        return fresh

    def _references(self, index: int) -> int:
        # The same expression for the calibration and every check, so that
        # the temporaries it holds cancel out.
        return sys.getrefcount(self._ring[index])
