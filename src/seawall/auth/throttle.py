"""Brute-force throttling per source address.

Each failed authentication from a source counts in a sliding window; past
``limit`` failures the source is refused (TooManyRequests with Retry-After)
until the window has room again. Other sources are never affected, and a
success does not reset the count (so a known-good key cannot be used to
launder guesses).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict, deque
from collections.abc import Callable

from seawall.errors import TooManyRequests

MAX_SOURCES = 100_000


class FailureThrottle:
    """In-process failure counts per source (bounded; oldest evicted).

    TODO(seawall): counts are per process; behind a load balancer with N
    nodes an attacker gets N times the budget. A shared counter in the
    database would close that at the cost of a write per failure.
    """

    def __init__(
        self, clock: Callable[[], float], *, limit: int = 10, window: float = 60.0
    ) -> None:
        self._clock = clock
        self._limit = limit
        self._window = window
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, source: str) -> None:
        """Raise TooManyRequests when ``source`` is over its failure budget."""
        with self._lock:
            times = self._recent(source)
            if times is None or len(times) < self._limit:
                return
            retry = max(1, math.ceil(times[0] + self._window - self._clock()))
        raise TooManyRequests(
            "failed to authenticate: too many failed attempts from this address",
            detail={"retry_after": retry},
        )

    def fail(self, source: str) -> None:
        """Count one failed attempt from ``source``."""
        with self._lock:
            times = self._recent(source)
            if times is None:
                times = self._failures[source] = deque(maxlen=self._limit * 2)
            times.append(self._clock())
            self._failures.move_to_end(source)
            while len(self._failures) > MAX_SOURCES:
                self._failures.popitem(last=False)

    def _recent(self, source: str) -> deque[float] | None:
        times = self._failures.get(source)
        if times is None:
            return None
        cutoff = self._clock() - self._window
        while times and times[0] <= cutoff:
            times.popleft()
        return times
