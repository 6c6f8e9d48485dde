"""The chunk format: sizes, and every way of moving chunks around is caught."""

from __future__ import annotations

import os

import pytest

from seawall.crypto.envelope import (
    HEADER_SIZE,
    OVERHEAD,
    ChunkOpener,
    ChunkSealer,
    Header,
    plain_size,
    records,
    sealed_size,
)
from seawall.errors import IntegrityError
from seawall.storage.buffers import CHUNKS

C = 1024


def _seal(data: bytes) -> tuple[bytes, Header, list[bytes]]:
    key = os.urandom(32)
    header = Header.new(C)
    sealer = ChunkSealer(key, header)
    chunks = sealer.feed(data[:100]) + sealer.feed(data[100:])
    chunks.append(sealer.finish())
    return key, header, chunks


@pytest.mark.parametrize("size", [0, 1, C - 1, C, C + 1, 5 * C, 5 * C + 7])
def test_sizes_round_trip(size: int) -> None:
    _, _, chunks = _seal(os.urandom(size))

    stored = HEADER_SIZE + sum(len(c) for c in chunks)
    assert stored == sealed_size(size, C)
    assert plain_size(stored, C) == size
    assert len(chunks) == size // C + 1
    assert len(chunks[-1]) == size % C + OVERHEAD


def test_chunks_open_in_place_only() -> None:
    data = os.urandom(3 * C + 10)
    key, header, chunks = _seal(data)
    opener = ChunkOpener(key, header)
    last = len(chunks) - 1

    opened = b"".join(opener.open(c, i, i == last) for i, c in enumerate(chunks))
    assert opened == data

    with pytest.raises(IntegrityError, match="chunk 1"):
        opener.open(chunks[0], 1, False)  # reordered / duplicated
    with pytest.raises(IntegrityError):
        opener.open(chunks[2], 2, True)  # truncated after chunk 2
    with pytest.raises(IntegrityError):
        opener.open(chunks[last], last, False)  # extended past the end
    other = ChunkOpener(key, Header.new(C))
    with pytest.raises(IntegrityError):
        other.open(chunks[0], 0, False)  # moved to another object


def test_a_flipped_bit_anywhere_fails() -> None:
    key, header, chunks = _seal(os.urandom(C + 5))
    opener = ChunkOpener(key, header)

    for position in (0, 11, 12, C // 2, len(chunks[0]) - 1):
        damaged = bytearray(chunks[0])
        damaged[position] ^= 0x01
        with pytest.raises(IntegrityError):
            opener.open(bytes(damaged), 0, False)


def test_impossible_sizes_and_headers() -> None:
    with pytest.raises(IntegrityError):
        plain_size(HEADER_SIZE + 10, C)
    with pytest.raises(IntegrityError):
        plain_size(HEADER_SIZE + OVERHEAD + C, C)
    with pytest.raises(IntegrityError, match="unknown header"):
        Header.unpack(b"XXXX" + Header.new(C).pack()[4:])
    assert Header.unpack(Header(C, b"x" * 16).pack()) == Header(C, b"x" * 16)


def test_records_regroup_and_detect_short_streams() -> None:
    stream = [b"a" * 5, b"a" * 3 + b"b" * 2, b"b" * 6, b"c"]

    assert list(records(iter(stream), 8, 3)) == [b"a" * 8, b"b" * 8, b"c"]
    with pytest.raises(IntegrityError):
        list(records(iter(stream[:2]), 8, 3))
    with pytest.raises(IntegrityError):
        list(records(iter([*stream, b"d" * 9]), 8, 3))


def _open_all(key: bytes, header: Header, sealed: bytes, final: bytes) -> bytes:
    opener = ChunkOpener(key, header)
    size = C + OVERHEAD
    full = [sealed[i : i + size] for i in range(0, len(sealed), size)]
    opened = [opener.open(r, i, False) for i, r in enumerate(full)]
    return b"".join(opened) + opener.open(final, len(full), True)


@pytest.mark.parametrize(
    "pieces", [[1] * 3000, [C - 1, 2, C], [100, 5 * C, 7, 3 * C + 1]]
)
def test_sealing_in_any_pieces_opens_to_the_same_plaintext(pieces: list[int]) -> None:
    data = os.urandom(sum(pieces))
    key, header = os.urandom(32), Header.new(C)
    sealer = ChunkSealer(key, header)
    sealed, at = b"", 0
    for size in pieces:
        sealed += sealer.seal(data[at : at + size])
        at += size

    assert len(sealed) == len(data) // C * (C + OVERHEAD)
    assert sealer.pending == data[len(data) // C * C :]
    assert _open_all(key, header, sealed, sealer.finish()) == data


def test_records_a_caller_still_holds_are_never_overwritten() -> None:
    # Record buffers are reused once released; one kept (or viewed) by the
    # caller, as a driver or a transport may, must keep its bytes.
    data = os.urandom(40 * C)
    key, header = os.urandom(32), Header.new(C)
    sealer = ChunkSealer(key, header)
    kept: list[bytearray] = []
    views: list[memoryview] = []
    copies: list[bytes] = []
    for index in range(0, len(data), C):
        out = sealer.seal(data[index : index + C])
        copies.append(bytes(out))
        if index % (3 * C) == 0:
            kept.append(out)
        elif index % (3 * C) == C:
            views.append(memoryview(out)[5:])
        del out

    kept_copies = [copies[i] for i in range(0, 40, 3)]
    assert [bytes(b) for b in kept] == kept_copies
    assert [bytes(v) for v in views] == [copies[i][5:] for i in range(1, 40, 3)]
    sealed = b"".join(copies)
    assert _open_all(key, header, sealed, sealer.finish()) == data


def test_released_record_buffers_are_reused() -> None:
    chunk = 256 * 1024  # pooled sizes (small buffers are always fresh)
    key, header = os.urandom(32), Header.new(chunk)
    sealer = ChunkSealer(key, header)
    first = sealer.seal(os.urandom(chunk))
    [slot] = [i for i, kept in enumerate(CHUNKS._ring) if kept is first]
    del first
    second = sealer.seal(os.urandom(chunk))
    assert CHUNKS._ring[slot] is second  # the same buffer, filled again


def test_records_inside_a_piece_are_views_writable_as_the_piece_is() -> None:
    # Three records of 8 and a final one of 3, in pieces aligned to records
    # except that the final record straddles the last two pieces.
    stream = [bytearray(b"a" * 8 + b"b" * 8), bytearray(b"c" * 8 + b"d"), b"dd"]

    got = list(records(iter(stream), 8, 4))

    assert [bytes(r) for r in got] == [b"a" * 8, b"b" * 8, b"c" * 8, b"ddd"]
    assert all(isinstance(r, memoryview) and not r.readonly for r in got[:3])
    assert isinstance(got[3], bytes)  # joined from two pieces
    whole = list(records(iter([bytearray(b"a" * 8 + b"dd")]), 8, 2))
    assert isinstance(whole[1], memoryview)
    assert bytes(whole[1]) == b"dd"
    read_only = list(records(iter([b"a" * 8 + b"dd"]), 8, 2))
    assert all(isinstance(r, memoryview) and r.readonly for r in read_only)


def test_opening_in_place_gives_the_plaintext_over_the_ciphertext() -> None:
    data = os.urandom(2 * C + 9)
    key, header, chunks = _seal(data)
    opener = ChunkOpener(key, header)
    buffer = bytearray(b"".join(chunks))
    view, size = memoryview(buffer), C + OVERHEAD

    opened = [
        opener.open_in_place(view[i * size : (i + 1) * size], i, i == 2)
        for i in range(3)
    ]

    assert b"".join(opened) == data
    assert opened[1].obj is buffer  # no copy: a view of the read buffer
    damaged = bytearray(chunks[1])
    damaged[20] ^= 0x01
    with pytest.raises(IntegrityError, match="chunk 1"):
        opener.open_in_place(memoryview(damaged), 1, False)
    with pytest.raises(IntegrityError, match="chunk 0"):
        opener.open_in_place(memoryview(bytearray(chunks[0])), 0, True)  # final?
