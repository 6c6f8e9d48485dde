"""The version-scheme role shared by every ecosystem's comparator.

A scheme turns a version string into a *key*: a plain, hashable Python value
(tuples of ints and strings) whose natural ordering is the ecosystem's own
ordering. Two versions the ecosystem calls equal (``1.0`` and ``1.0.0`` in
Maven, ``1.0-0`` and ``1.0`` in dpkg) get equal keys, so keys can be sorted,
compared, stored in sets and used as dictionary keys by the matcher.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from functools import lru_cache
from typing import Any, Protocol, runtime_checkable

from seawall.errors import InvalidInput

_CACHE_SIZE = 65536


@runtime_checkable
class VersionScheme(Protocol):
    """How one ecosystem orders its versions."""

    name: str

    def parse(self, version: str) -> Any:
        """A comparable, hashable key; raises InvalidInput for garbage."""
        ...

    def compare(self, a: str, b: str) -> int:
        """-1, 0 or 1 as ``a`` is older than, equal to or newer than ``b``."""
        ...

    def is_valid(self, version: str) -> bool:
        """Whether ``version`` parses under this scheme."""
        ...


class KeyedScheme(ABC):
    """A scheme defined by one key function; parsing is cached per instance.

    Subclasses implement :meth:`_key`, raising ``ValueError`` with a short
    reason for a string that is not a version of their scheme.
    """

    name: str

    def __init__(self) -> None:
        self._cached = lru_cache(maxsize=_CACHE_SIZE)(self._checked_key)

    @abstractmethod
    def _key(self, version: str) -> Any:
        """The ordering key of ``version``; ValueError when invalid."""

    def _checked_key(self, version: str) -> Any:
        try:
            return self._key(version)
        except (ValueError, IndexError, KeyError) as exc:
            raise invalid(self.name, version, str(exc)) from exc

    def parse(self, version: str) -> Any:
        """The ordering key of ``version``; raises InvalidInput when invalid."""
        if not isinstance(version, str):
            raise invalid(self.name, repr(version), "not a string")
        return self._cached(version)

    def compare(self, a: str, b: str) -> int:
        """-1, 0 or 1; raises InvalidInput when either side is invalid."""
        key_a, key_b = self.parse(a), self.parse(b)
        return cmp(key_a, key_b)

    def is_valid(self, version: str) -> bool:
        """Whether ``version`` is a version of this scheme."""
        try:
            self.parse(version)
        except InvalidInput:
            return False
        return True

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


def invalid(scheme: str, version: str, reason: str) -> InvalidInput:
    """The error every scheme raises for a string it cannot parse."""
    return InvalidInput(
        f"invalid {scheme} version {version!r}: {reason}",
        detail={"scheme": scheme, "version": version},
    )


def cmp(a: Any, b: Any) -> int:
    """-1, 0 or 1 for two keys of one scheme."""
    return int(a > b) - int(a < b)


def constraint_error(kind: str, constraint: str, reason: str) -> InvalidInput:
    """The error every constraint parser raises for a malformed constraint."""
    return InvalidInput(
        f"invalid {kind} constraint {constraint!r}: {reason}",
        detail={"constraint": constraint},
    )


def holds(order: int, op: str) -> bool:
    """Whether ``compare(version, bound) == order`` satisfies ``op``."""
    return {
        "<": order < 0,
        "<=": order <= 0,
        ">": order > 0,
        ">=": order >= 0,
        "=": order == 0,
        "==": order == 0,
        "!=": order != 0,
        "<>": order != 0,
    }[op]
