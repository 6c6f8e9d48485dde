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

Constraints (:func:`satisfies_composer`) follow Composer's VersionParser:
``,`` or a blank joins bounds, ``||`` or ``|`` joins alternatives, and
``~1.2``, ``^1.2``, ``1.2.*`` and ``1.0 - 2.0`` expand to bounds on
``-dev`` versions, so that pre-releases fall where Composer puts them.

Build metadata (``+bedrock-1.17``) is dropped, as Composer drops it.
Branch versions (``dev-main``) have no order and are invalid here.

Composer's solver compares normalized versions, and so does Seawall; PHP's
``version_compare`` on raw strings differs (it ranks ``ALPHA`` and
``stable`` as unknown words and ``1.0.0`` above ``1.0``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from seawall.scan.versions.interface import (
    KeyedScheme,
    cmp,
    constraint_error,
    holds,
)

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


# Constraints: FriendsOfPHP bounds (>=1.0,<1.2) and Composer's sugar.

_SCHEME = ComposerScheme()
_NUMBERS = r"v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.(\d+))?"
_TILDE_CARET = re.compile(rf"(~>?|\^)\s*{_NUMBERS}(?P<modifier>[-._]?[A-Za-z].*)?")
_WILDCARD = re.compile(r"v?(\d+)(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?")
_HYPHEN_RANGE = re.compile(rf"(?P<low>\S+)\s+-\s+(?P<high>{_NUMBERS}(?P<mod>\S*))")
_OPERATOR = re.compile(r"(<>|!=|>=|<=|==|>|<|=)?\s*(\S+)")
_ANY = re.compile(r"v?[xX*](?:\.[xX*])*")

Bound = tuple[str, str]  # (operator, normalized version)


def _bump(numbers: list[int], position: int, increment: int) -> str:
    """Composer's manipulateVersionString: pad after ``position`` with 0."""
    parts = [n if i < position else 0 for i, n in enumerate(numbers)]
    parts[position - 1] += increment
    return ".".join(str(n) for n in parts)


def _numbers(groups: tuple[str | None, ...]) -> tuple[list[int], int]:
    """The four numbers (missing as 0) and how many were given."""
    given = [g for g in groups if g is not None and g not in "xX*"]
    return [int(g) for g in given] + [0] * (4 - len(given)), len(given)


def _tilde_caret(match: re.Match[str]) -> list[Bound]:
    numbers, given = _numbers(match.groups()[1:5])
    if match[1] == "^":
        nonzero = next((i + 1 for i, n in enumerate(numbers[:given]) if n), given)
        high = max(1, min(nonzero, given))
    else:
        high = max(1, given - 1)
    text = match.group()[len(match[1]) :].strip()
    low = normalize(text) if match["modifier"] else _bump(numbers, 4, 0)
    low += "" if match["modifier"] else "-dev"
    return [(">=", low), ("<", _bump(numbers, high, 1) + "-dev")]


def _wildcard(match: re.Match[str]) -> list[Bound]:
    numbers, given = _numbers(match.groups())
    low = _bump(numbers, 4, 0) + "-dev"
    high = _bump(numbers, given, 1) + "-dev"
    return [("<", high)] if low == "0.0.0.0-dev" else [(">=", low), ("<", high)]


def _hyphen(match: re.Match[str]) -> list[Bound]:
    low = normalize(match["low"])
    low += "" if "-" in low else "-dev"
    numbers, given = _numbers(match.groups()[2:6])
    if given == 4 or match["mod"]:
        return [(">=", low), ("<=", normalize(match["high"]))]
    return [(">=", low), ("<", _bump(numbers, given, 1) + "-dev")]


def _simple(text: str) -> list[Bound]:
    tilde = _TILDE_CARET.fullmatch(text)
    if tilde is not None:
        return _tilde_caret(tilde)
    wildcard = _WILDCARD.fullmatch(text)
    if wildcard is not None and any(g and g in "xX*" for g in wildcard.groups()):
        return _wildcard(wildcard)
    match = _OPERATOR.fullmatch(text)
    if match is None:
        raise ValueError(f"bad constraint {text!r}")
    op, version = match[1] or "=", normalize(match[2])
    if op in ("<", ">=") and "-" not in version:
        version += "-dev"
    return [(op, version)]


@lru_cache(maxsize=8192)
def composer_bounds(constraint: str) -> tuple[tuple[Bound, ...], ...]:
    """Alternatives (``||``) of conjunctions (``,`` or blank) of bounds,
    versions normalized; ValueError when malformed."""
    alternatives: list[tuple[Bound, ...]] = []
    for text in re.split(r"\s*\|\|?\s*", constraint.strip()):
        alternative = re.sub(r"@(?:stable|RC|beta|alpha|dev)\b", "", text)
        hyphen = _HYPHEN_RANGE.fullmatch(alternative)
        if hyphen is not None:
            alternatives.append(tuple(_hyphen(hyphen)))
            continue
        joined = re.sub(r"(<>|!=|>=|<=|==|>|<|=|~>?|\^)\s+", r"\1", alternative)
        bounds: list[Bound] = []
        for part in re.split(r"\s*,\s*|\s+", joined.strip()):
            if not _ANY.fullmatch(part):
                bounds += _simple(part)
        alternatives.append(tuple(bounds))
    return tuple(alternatives)


def satisfies_composer(version: str, constraint: str) -> bool:
    """Semver::satisfies: ``version`` against a Composer constraint string."""
    key = _SCHEME.parse(version)
    try:
        alternatives = composer_bounds(constraint)
    except ValueError as exc:
        raise constraint_error("Composer", constraint, str(exc)) from exc
    return any(
        all(holds(cmp(key, php_key(bound)), op) for op, bound in bounds)
        for bounds in alternatives
    )
