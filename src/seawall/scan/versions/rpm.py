"""RPM version ordering (Red Hat, AlmaLinux, Rocky Linux): ``[epoch:]version-release``.

Follows rpmvercmp(): a string is cut into runs of digits and runs of ASCII
letters; any other character only separates runs. Runs compare pairwise:
numbers as numbers, letters as bytes, and a number is newer than letters.
``~`` sorts before anything, even the end of the string (pre-releases);
``^`` sorts after the end but before any further run (post-release
snapshots). The epoch compares as a number and defaults to 0.
"""

from __future__ import annotations

import re
from typing import Any

from seawall.scan.versions.interface import KeyedScheme

_TOKENS = re.compile(r"[0-9]+|[A-Za-z]+|~|\^")

# Classes in rpmvercmp order; the end of the string sits between ~ and ^.
_TILDE, _END, _CARET, _ALPHA, _NUMBER = range(5)


def segment_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """The rpmvercmp ordering key of one version or release string."""
    key: list[tuple[int, int | str]] = []
    for run in _TOKENS.findall(text):
        if run == "~":
            key.append((_TILDE, 0))
        elif run == "^":
            key.append((_CARET, 0))
        elif run.isdigit():
            key.append((_NUMBER, int(run)))
        else:
            key.append((_ALPHA, run))
    key.append((_END, 0))
    return tuple(key)


def split(evr: str) -> tuple[int, str, str | None]:
    """(epoch, version, release) as rpm's parseEVR cuts an EVR string.

    The epoch is the leading digits when a ``:`` follows them (0 otherwise),
    the release follows the last ``-`` after them (None when there is none).
    """
    if not evr or not evr.isprintable() or any(c.isspace() for c in evr):
        raise ValueError("empty, or contains blanks or control characters")
    digits = len(evr) - len(evr.lstrip("0123456789"))
    dash = evr.rfind("-", digits)
    end = dash if dash >= 0 else len(evr)
    if digits < len(evr) and evr[digits] == ":":
        epoch, start = int(evr[:digits] or "0"), digits + 1
    else:
        epoch, start = 0, 0
    return epoch, evr[start:end], evr[dash + 1 :] if dash >= 0 else None


class RpmScheme(KeyedScheme):
    """RPM EVR strings as ``rpm.vercmp`` orders them.

    Like rpm, any non-blank string is a version: characters other than
    letters, digits, ``~`` and ``^`` only separate runs.

    A missing release sorts before every release (``1.0 < 1.0-1``), as
    ``rpm.vercmp`` orders them. rpm's dependency matching is looser (a
    requirement on ``1.0`` accepts any release of 1.0); that is a range
    question for the matcher, not an order.
    """

    name = "rpm"

    def _key(self, version: str) -> Any:
        epoch, upstream, release = split(version)
        release_key = () if release is None else segment_key(release)
        return (epoch, segment_key(upstream), release_key)
