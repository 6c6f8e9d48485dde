"""apk version ordering (Alpine, Wolfi, Chainguard).

The grammar is apk-tools': ``digit{.digit}...{letter}{_suffix{number}}...
{~hash}{-rN}``. Versions compare token by token while both have a token of
the same kind: numbers as numbers, except that a dotted number with a
leading zero compares as a string (``1.01 < 1.1``, ``1.0 < 1.00``);
suffixes in the order ``_alpha < _beta < _pre < _rc < (none) < _cvs <
_svn < _git < _hg < _p``. When the kinds differ, a pre-release suffix
(``_alpha`` .. ``_rc``) makes its version the older one; otherwise the
version whose next token comes later in the grammar is older, so the end
of the string is older than anything but a pre-release suffix.

Digits straight after a letter (``1.9.5p2``, as sudo and openssh are
versioned in Alpine's own security data) continue the version as a number,
as apk-tools 2 reads them; apk-tools 3 refuses them.

Other strings apk-tools' validator refuses (``1.2A``, ``1.0-r``, ``0.r1``) are
invalid here rather than compared by whatever apk happens to do with them;
apk-tools' answers for them changed between releases.
"""

from __future__ import annotations

import re
from typing import Any

from seawall.scan.versions.interface import KeyedScheme

# Token kinds in apk-tools' grammar order.
(INITIAL, DIGIT, LETTER, SUFFIX, SUFFIX_NO, HASH, REVISION, END) = range(8)
_PRE_RANK = -100  # a pre-release suffix sorts before every other token kind

_SUFFIXES = {
    "alpha": -4,
    "beta": -3,
    "pre": -2,
    "rc": -1,
    "cvs": 1,
    "svn": 2,
    "git": 3,
    "hg": 4,
    "p": 5,
}
_TOKEN = re.compile(
    r"\.(?P<dot>[0-9]+)|(?P<digits>[0-9]+)|(?P<letter>[a-z])"
    r"|_(?P<suffix>[a-z]*)|~(?P<hash>[0-9a-fA-F]+)|-r(?P<rev>[0-9]+)"
)
# Which token kinds may follow each kind (apk-tools' token_next()).
_FOLLOWS = {
    DIGIT: {INITIAL, DIGIT, LETTER},
    LETTER: {INITIAL, DIGIT},
    SUFFIX: {INITIAL, DIGIT, LETTER, SUFFIX, SUFFIX_NO},
    SUFFIX_NO: {SUFFIX},
    HASH: {INITIAL, DIGIT, LETTER, SUFFIX, SUFFIX_NO},
    REVISION: {INITIAL, DIGIT, LETTER, SUFFIX, SUFFIX_NO, HASH},
}

Token = tuple[int, Any]


def _digit_value(text: str) -> tuple[Any, ...]:
    """Leading-zero runs sort as strings, below every run without one."""
    if text[0] == "0":
        return (0, text)
    return (1, len(text), text)


def _classify(match: re.Match[str], previous: int) -> tuple[int, Any]:
    """(kind, comparison value) of one token."""
    if match["dot"] is not None:
        return DIGIT, _digit_value(match["dot"])
    if match["digits"] is not None:
        kind = DIGIT if previous in (INITIAL, DIGIT, LETTER) else SUFFIX_NO
        return kind, (
            _digit_value(match["digits"]) if kind == DIGIT else int(match["digits"])
        )
    if match["letter"] is not None:
        return LETTER, match["letter"]
    if match["suffix"] is not None:
        if match["suffix"] not in _SUFFIXES:
            raise ValueError(f"unknown suffix _{match['suffix']}")
        return SUFFIX, _SUFFIXES[match["suffix"]]
    if match["hash"] is not None:
        return HASH, match["hash"]
    return REVISION, int(match["rev"])


def tokens(version: str) -> list[Token]:
    """The (rank, value) tokens of ``version``, ending in the END token."""
    head = re.match(r"[0-9]+", version)
    if head is None:
        raise ValueError("must start with a digit")
    result: list[Token] = [(-INITIAL, int(head.group()))]
    previous, pos = INITIAL, head.end()
    while pos < len(version):
        match = _TOKEN.match(version, pos)
        if match is None:
            raise ValueError(f"unexpected {version[pos]!r} at offset {pos}")
        kind, value = _classify(match, previous)
        if previous not in _FOLLOWS.get(kind, ()):
            raise ValueError(f"{match.group()!r} cannot follow what precedes it")
        pre = kind == SUFFIX and value < 0
        result.append((_PRE_RANK if pre else -kind, value))
        previous, pos = kind, match.end()
    result.append((-END, 0))
    return result


class ApkScheme(KeyedScheme):
    """Alpine package versions as apk-tools orders them."""

    name = "apk"

    def _key(self, version: str) -> Any:
        return tuple(tokens(version))
