"""Composer version ordering (Packagist).

Composer first normalizes a version the way ``VersionParser::normalize``
does: an optional ``v``, one to four numbers padded to four (``1.2`` ->
``1.2.0.0``), then an optional stability (``alpha``/``a``, ``beta``/``b``,
``RC``, ``patch``/``pl``/``p``, ``stable``) with an optional number, and an
optional ``-dev``; date versions (``2010.01.02``) keep all their numbers.
The normalized strings are then ordered by PHP's ``version_compare``: parts
split at ``.`` and at digit/letter changes, numbers as numbers, and
``dev < alpha < beta < RC < (number) < patch``, a missing part sorting
below a number and between ``RC`` and ``patch``.

Build metadata (``+bedrock-1.17``) is dropped, as Composer drops it.
Branch versions (``dev-main``) have no order and are invalid here.

Composer's solver compares normalized versions, and so does Seawall; PHP's
``version_compare`` on raw strings differs (it ranks ``ALPHA`` and
``stable`` as unknown words and ``1.0.0`` above ``1.0``).
"""

from __future__ import annotations

import re
from typing import Any

from seawall.scan.versions.interface import KeyedScheme

_MODIFIER = (
    r"[._-]?(?:(?P<stability>stable|beta|b|RC|alpha|a|patch|pl|p)"
    r"(?P<number>(?:[.-]?\d+)*+)?)?(?P<dev>[.-]?dev)?"
)
_CLASSICAL = re.compile(
    r"v?(?P<n1>\d{1,5})(?P<n2>\.\d++)?(?P<n3>\.\d++)?(?P<n4>\.\d++)?" + _MODIFIER,
    re.IGNORECASE,
)
_DATE = re.compile(
    r"v?(?P<date>\d{4}(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3}){0,2})" + _MODIFIER,
    re.IGNORECASE,
)
_STABILITY = {"a": "alpha", "b": "beta", "p": "patch", "pl": "patch", "rc": "RC"}
_SPECIAL = (
    ("dev", 0),
    ("alpha", 1),
    ("a", 1),
    ("beta", 2),
    ("b", 2),
    ("RC", 3),
    ("rc", 3),
    ("#", 4),
    ("pl", 5),
    ("p", 5),
)
_NUMBER_ORDER = 4
# The end of a version sorts below any number and between RC and patch.
_END = (_NUMBER_ORDER, -1)


def _modifier(match: re.Match[str]) -> str:
    suffix = ""
    stability = (match["stability"] or "").lower()
    if stability and stability != "stable":
        number = (match["number"] or "").lstrip(".-")
        suffix = f"-{_STABILITY.get(stability, stability)}{number}"
    if match["dev"]:
        suffix += "-dev"
    return suffix


def normalize(version: str) -> str:
    """Composer's normalized form; ValueError for branches and garbage."""
    text = re.sub(r"\s+as\s+.*$", "", version.strip(), flags=re.IGNORECASE)
    text = re.sub(r"@(?:stable|RC|beta|alpha|dev)$", "", text, flags=re.IGNORECASE)
    text = re.sub(r"^([^,\s+]+)\+\S+$", r"\1", text)  # build metadata
    if text.lower().startswith("dev-") or text.lower() in ("master", "trunk"):
        raise ValueError("branch versions have no order")
    match = _CLASSICAL.fullmatch(text)
    if match is not None:
        numbers = [match["n1"]] + [(match[g] or ".0")[1:] for g in ("n2", "n3", "n4")]
        return ".".join(numbers) + _modifier(match)
    match = _DATE.fullmatch(text)
    if match is not None:
        return re.sub(r"\D", ".", match["date"]) + _modifier(match)
    raise ValueError("not a Composer version")


def _canonical(version: str) -> list[str]:
    """PHP's canonical version parts: split at . - _ + and digit changes."""
    return re.findall(r"[0-9]+|[^0-9.\-_+]+", version)


def _special_order(form: str) -> int:
    """version_compare's rank of a non-numeric part (-1 when unknown)."""
    for name, order in _SPECIAL:
        if form.startswith(name):
            return order
    return -1


def php_key(version: str) -> tuple[tuple[int, int], ...]:
    """A tuple key ordering like PHP's version_compare()."""
    key = []
    for part in _canonical(version):
        if part.isdigit():
            key.append((_NUMBER_ORDER, int(part)))
        else:
            key.append((_special_order(part), 0))
    key.append(_END)
    return tuple(key)


class ComposerScheme(KeyedScheme):
    """PHP package versions as Composer compares them."""

    name = "Composer"

    def _key(self, version: str) -> Any:
        return php_key(normalize(version))
