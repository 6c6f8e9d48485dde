"""HashPipe: the same digests as hashing inline, failures reported at close."""

from __future__ import annotations

import hashlib
import os
from typing import Any

import pytest

from seawall.storage.hashing import HashPipe


def test_digests_match_inline_hashing() -> None:
    pieces = [os.urandom(n) for n in (0, 1, 4096, 700_000, 1 << 20, 3)]
    pipe = HashPipe(hashlib.sha256(), hashlib.sha512(), batch=100_000)

    for piece in pieces:
        pipe.feed(0, piece)
        pipe.feed(1, piece[::-1])
    pipe.close()

    assert pipe.hashers[0].digest() == hashlib.sha256(b"".join(pieces)).digest()
    reversed_pieces = b"".join(p[::-1] for p in pieces)
    assert pipe.hashers[1].digest() == hashlib.sha512(reversed_pieces).digest()


class _Broken:
    def update(self, data: Any) -> None:
        raise ValueError("broken hasher")


def test_a_failing_hasher_is_reported_at_close() -> None:
    pipe = HashPipe(_Broken(), batch=1)
    for _ in range(20):  # more than the queue holds: the helper keeps draining
        pipe.feed(0, b"data")

    with pytest.raises(ValueError, match="broken hasher"):
        pipe.close()


def test_sync_gives_the_digest_so_far_and_the_pipe_goes_on() -> None:
    pipe = HashPipe(hashlib.sha256(), batch=1 << 30)  # nothing handed over yet
    pipe.feed(0, b"first ")
    pipe.sync()
    assert pipe.hashers[0].digest() == hashlib.sha256(b"first ").digest()
    pipe.feed(0, b"second")
    pipe.close()
    assert pipe.hashers[0].digest() == hashlib.sha256(b"first second").digest()
