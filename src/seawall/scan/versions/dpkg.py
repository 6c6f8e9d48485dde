"""dpkg version ordering (Debian, Ubuntu): ``[epoch:]upstream[-revision]``.

Follows deb-version(7): the epoch compares as a number; upstream version and
revision compare by alternating runs of non-digits and digits. Non-digits
compare character by character where ``~`` sorts before the end of the
string, the end before letters, and letters before other characters; digit
runs compare as numbers. An absent revision equals revision ``0``.
"""

from __future__ import annotations

import re
from typing import Any

from seawall.scan.versions.interface import KeyedScheme

_UPSTREAM = re.compile(r"[0-9][A-Za-z0-9.+~:-]*")
_REVISION = re.compile(r"[A-Za-z0-9.+~]+")
_RUNS = re.compile(r"([^0-9]*)([0-9]*)")

# The state after the last run: no characters left and a zero number.
_END: tuple[tuple[int, ...], int] = ((0,), 0)


def _char_weight(char: str) -> int:
    if char == "~":
        return -1
    if char.isalpha():
        return ord(char)
    return ord(char) + 256


def _part_key(part: str) -> tuple[tuple[tuple[int, ...], int, int], ...]:
    """Runs of (non-digit weights ending in the end-of-string 0, number, 0).

    dpkg compares as if both strings went on with empty runs forever. Tuples
    compare a shorter key as smaller instead, so trailing empty runs are
    dropped and the key ends in a marker that compares with every run as an
    empty run would. Only a leading zero run (``0~1``, ``00.1``) can equal
    an empty run; its third field says whether the next run sorts above or
    below one, which is what decides such a comparison in dpkg.
    """
    runs = []
    for match in _RUNS.finditer(part):
        letters, digits = match.groups()
        if letters or digits:
            weights = (*(_char_weight(c) for c in letters), 0)
            runs.append((weights, int(digits or "0")))
    while runs and runs[-1] == _END:
        runs.pop()
    key = [(weights, number, 0) for weights, number in runs]
    if len(runs) > 1 and runs[0] == _END:
        key[0] = (*_END, 1 if runs[1] > _END else -1)
    key.append((*_END, 0))
    return tuple(key)


def split(version: str) -> tuple[int, str, str]:
    """(epoch, upstream, revision); raises ValueError when malformed."""
    epoch_text, colon, rest = version.strip().partition(":")
    if not colon:
        epoch_text, rest = "0", epoch_text
    if not epoch_text.isdigit() or not epoch_text.isascii():
        raise ValueError("epoch is not a number")
    upstream, dash, revision = rest.rpartition("-")
    if not dash:
        upstream, revision = revision, ""
    if not _UPSTREAM.fullmatch(upstream):
        raise ValueError(
            "upstream version must start with a digit and use "
            "only letters, digits and . + ~ - :"
        )
    if dash and not _REVISION.fullmatch(revision):
        raise ValueError("revision may use only letters, digits and . + ~")
    return int(epoch_text), upstream, revision


class DpkgScheme(KeyedScheme):
    """Debian package versions as ``dpkg --compare-versions`` orders them."""

    name = "dpkg"

    def _key(self, version: str) -> Any:
        epoch, upstream, revision = split(version)
        return (epoch, _part_key(upstream), _part_key(revision))
