"""Content digests: ``algorithm:encoded`` as the OCI image spec defines them."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from seawall.errors import DigestInvalid, Unsupported

_GRAMMAR = re.compile(r"^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$")
_ENCODED = {
    "sha256": re.compile(r"^[a-f0-9]{64}$"),
    "sha512": re.compile(r"^[a-f0-9]{128}$"),
}
SUPPORTED_ALGORITHMS = tuple(_ENCODED)


@dataclass(frozen=True, slots=True, order=True)
class Digest:
    """A validated digest; ``str(d)`` is its canonical form."""

    algorithm: str
    encoded: str

    @classmethod
    def parse(cls, value: str) -> Digest:
        """Parse and validate ``value``.

        Raises DigestInvalid for a malformed digest and Unsupported for a
        well-formed one with an algorithm Seawall does not implement.
        """
        if not isinstance(value, str) or not _GRAMMAR.match(value):
            raise DigestInvalid(f"invalid digest {value!r}")
        algorithm, _, encoded = value.partition(":")
        pattern = _ENCODED.get(algorithm)
        if pattern is None:
            raise Unsupported(f"unsupported digest algorithm {algorithm!r}")
        if not pattern.match(encoded):
            raise DigestInvalid(f"invalid {algorithm} digest {value!r}")
        return cls(algorithm, encoded)

    @classmethod
    def of(cls, data: bytes, algorithm: str = "sha256") -> Digest:
        return cls(algorithm, hashlib.new(algorithm, data).hexdigest())

    def hasher(self) -> Any:
        """A fresh hashlib object for this digest's algorithm."""
        return hashlib.new(self.algorithm)

    def __str__(self) -> str:
        return f"{self.algorithm}:{self.encoded}"


def new_hasher(algorithm: str = "sha256") -> Any:
    if algorithm not in _ENCODED:
        raise Unsupported(f"unsupported digest algorithm {algorithm!r}")
    return hashlib.new(algorithm)
