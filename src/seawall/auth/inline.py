"""Deciding on the event loop when nothing needs I/O.

Most requests are decided from warm caches in tens of microseconds; sending
them to a worker thread would cost more than the decision. The guard first
tries inline under :func:`no_io`; every place that would touch the database,
hash a password or write the audit trail calls :func:`require_io` first,
before any side effect, so an inline attempt that needs I/O stops cleanly
with :class:`NeedsIO` and the guard re-runs it in a worker thread.
"""

from __future__ import annotations

from contextvars import ContextVar, Token

_NO_IO: ContextVar[bool] = ContextVar("seawall_auth_no_io", default=False)


class NeedsIO(Exception):
    """The inline attempt reached I/O; retry in a worker thread."""


def require_io() -> None:
    """Raise NeedsIO when running inline (call before any side effect)."""
    if _NO_IO.get():
        raise NeedsIO


class no_io:  # noqa: N801 (used as a context manager, reads like a function)
    """Run the block inline: I/O points raise NeedsIO instead.

    A plain class rather than a generator-based context manager: it runs on
    every request.
    """

    __slots__ = ("_token",)
    _token: Token[bool]

    def __enter__(self) -> None:
        self._token = _NO_IO.set(True)

    def __exit__(self, *_: object) -> None:
        _NO_IO.reset(self._token)
