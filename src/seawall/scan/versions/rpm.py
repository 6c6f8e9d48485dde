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


def split(evr: str) -> tuple[int, str, str]:
    """(epoch, version, release) of an EVR; release is "" when absent."""
    text = evr.strip()
    if not text or any(c.isspace() for c in text):
        raise ValueError("empty or contains whitespace")
    epoch_text, colon, rest = text.partition(":")
    if not colon:
        epoch_text, rest = "0", text
    if not epoch_text.isascii() or not epoch_text.isdigit():
        raise ValueError("epoch is not a number")
    version, dash, release = rest.rpartition("-")
    if not dash:
        version, release = rest, ""
    if not version or (dash and not release):
        raise ValueError("empty version or release")
    if not any(c.isalnum() for c in version):
        raise ValueError("version has no digits or letters")
    return int(epoch_text), version, release


class RpmScheme(KeyedScheme):
    """RPM EVR strings as ``rpm.vercmp`` orders them.

    TODO(seawall): rpm treats a missing release as equal to any release; a
    total order cannot, so a missing release sorts before every release.
    Advisory data for RPM distributions always carries a release.
    """

    name = "rpm"

    def _key(self, version: str) -> Any:
        epoch, upstream, release = split(version)
        return (epoch, segment_key(upstream), segment_key(release))
