"""PEP 440 version ordering (PyPI), delegated to ``packaging``.

``packaging`` is the PyPA's reference implementation that pip itself uses,
so Seawall orders Python versions exactly as installers do: epochs,
pre/post/dev releases, local versions and implicit zero padding.

Versions that are not PEP 440 (``0.3m1``, ``2.0.0-final``, dates) still
exist on PyPI and in old images. ``packaging`` dropped its LegacyVersion in
release 22, so their setuptools-era ordering is kept here: a legacy version
sorts before every PEP 440 version, and legacy versions compare by their
numeric and alphabetic parts, ``pre``/``preview``/``rc`` counting as ``c``
and ``dev`` as a pre-release below ``a``.
"""

from __future__ import annotations

import re
from typing import Any

from packaging.version import InvalidVersion, Version

from seawall.scan.versions.interface import KeyedScheme

_LEGACY_PART = re.compile(r"(\d+|[a-z]+|\.|-)")
_LEGACY_ALIASES = {"pre": "c", "preview": "c", "-": "final-", "rc": "c", "dev": "@"}
_MAX_LENGTH = 256


def _legacy_parts(version: str) -> list[str]:
    """Numbers zero-padded to sort as text; words marked with a ``*``."""
    parts = []
    for raw in _LEGACY_PART.split(version.lower()):
        part = _LEGACY_ALIASES.get(raw, raw)
        if part and part != ".":
            parts.append(part.zfill(8) if part[0].isdigit() else f"*{part}")
    parts.append("*final")
    return parts


def legacy_key(version: str) -> tuple[str, ...]:
    """The setuptools-era ordering key of a non-PEP 440 version."""
    key: list[str] = []
    for part in _legacy_parts(version):
        if part.startswith("*"):
            # A pre-release word drops the "-" before it; a word ends a
            # series of numbers, whose trailing zeros do not count.
            while part < "*final" and key and key[-1] == "*final-":
                key.pop()
            while key and key[-1] == "00000000":
                key.pop()
        key.append(part)
    return tuple(key)


class Pep440Scheme(KeyedScheme):
    """Python package versions.

    The key is ``(1, packaging Version)`` for PEP 440 versions and
    ``(0, legacy key)`` for the rest; empty strings, blanks inside a version,
    control characters and strings over 256 characters are invalid.
    """

    name = "PEP 440"

    def _key(self, version: str) -> Any:
        try:
            return (1, Version(version))
        except InvalidVersion:
            pass
        text = version.strip()
        if not text or len(text) > _MAX_LENGTH or not text.isprintable():
            raise ValueError("not a PEP 440 version")
        if any(c.isspace() for c in text):
            raise ValueError("not a PEP 440 version")
        return (0, legacy_key(text))

    @staticmethod
    def is_pep440(version: str) -> bool:
        """Whether ``version`` is a PEP 440 version (not a legacy one)."""
        try:
            Version(version)
        except InvalidVersion:
            return False
        return True
