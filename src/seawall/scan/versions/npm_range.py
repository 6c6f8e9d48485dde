"""npm version ranges, as node-semver's ``satisfies()`` reads them.

A range is comparator sets joined by ``||``; a set is comparators joined by
blanks, all of which must hold. Sugar expands to plain comparators:

* ``1.2.3 - 2.3`` (hyphen): ``>=1.2.3 <2.4.0-0``
* ``~1.2.3``: ``>=1.2.3 <1.3.0-0``; ``~1``: ``>=1.0.0 <2.0.0-0``
* ``^1.2.3``: ``>=1.2.3 <2.0.0-0``; ``^0.2.3``: ``<0.3.0-0``; ``^0.0.3``:
  ``<0.0.4-0``
* x-ranges: ``1.x``, ``1.2.*``, ``1``, ``*`` and the empty range;
  ``>1`` means ``>=2.0.0``, ``<=1.2`` means ``<1.3.0-0``

A pre-release version satisfies a set only when one of the set's
comparators has a pre-release on the same ``major.minor.patch``
(node-semver's default; ``includePrerelease`` is not offered).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from seawall.errors import InvalidInput
from seawall.scan.versions.semver import NpmScheme, semver_key, semver_match

_NR = r"0|[1-9][0-9]*"
_XR = rf"(?:{_NR}|[xX*])"
_PRE = r"(?:-(?P<pre>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
_PARTIAL = re.compile(
    rf"[v=\s]*(?P<major>{_XR})(?:\.(?P<minor>{_XR})(?:\.(?P<patch>{_XR})"
    rf"{_PRE}(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)?)?"
)
_COMPARATOR = re.compile(r"(?P<op><=|>=|<|>|=|~>|~|\^)?(?P<partial>.*)")
_HYPHEN = re.compile(r"\s*(?P<low>\S+)\s+-\s+(?P<high>\S+)\s*")
_OPERATOR_GAP = re.compile(r"(<=|>=|<|>|=|~>|~|\^)\s+")
_NPM = NpmScheme()


@dataclass(frozen=True, slots=True)
class Comparator:
    """One plain comparison: ``op`` in <, <=, >, >=, = against ``key``."""

    op: str
    key: Any

    def test(self, key: Any) -> bool:
        """Whether a version key satisfies this comparison."""
        if self.op == "<":
            return bool(key < self.key)
        if self.op == "<=":
            return bool(key <= self.key)
        if self.op == ">":
            return bool(key > self.key)
        if self.op == ">=":
            return bool(key >= self.key)
        return bool(key == self.key)

    @property
    def has_prerelease(self) -> bool:
        return bool(self.key[3][0] == 0)


@dataclass(frozen=True, slots=True)
class _Partial:
    """A partial version: None marks a missing or wildcard component."""

    major: int | None
    minor: int | None
    patch: int | None
    pre: str | None


def _number(text: str | None) -> int | None:
    return None if text is None or text in "xX*" else int(text)


def _partial(text: str, range_expr: str) -> _Partial:
    match = _PARTIAL.fullmatch(text)
    if match is None:
        raise _bad(range_expr, f"bad comparator {text!r}")
    major, minor = _number(match["major"]), _number(match["minor"])
    patch = _number(match["patch"])
    if major is None:
        minor = patch = None
    elif minor is None:
        patch = None
    return _Partial(major, minor, patch, match["pre"] if patch is not None else None)


def _key(major: int, minor: int, patch: int, pre: str | None = None) -> Any:
    text = f"{major}.{minor}.{patch}" + (f"-{pre}" if pre else "")
    return semver_key(semver_match(text))


def _bad(range_expr: str, reason: str) -> InvalidInput:
    return InvalidInput(
        f"invalid npm range {range_expr!r}: {reason}", detail={"range": range_expr}
    )


def _upper(major: int, minor: int | None, patch: int | None = None) -> Comparator:
    """``<`` the next major, minor or patch, excluding its pre-releases."""
    if minor is None:
        return Comparator("<", _key(major + 1, 0, 0, "0"))
    if patch is None:
        return Comparator("<", _key(major, minor + 1, 0, "0"))
    return Comparator("<", _key(major, minor, patch + 1, "0"))


def _floor(p: _Partial) -> Comparator:
    """``>=`` the partial with missing parts as 0."""
    assert p.major is not None
    return Comparator(">=", _key(p.major, p.minor or 0, p.patch or 0, p.pre))


def _tilde(p: _Partial) -> list[Comparator]:
    if p.major is None:
        return []
    return [_floor(p), _upper(p.major, p.minor)]


def _caret(p: _Partial) -> list[Comparator]:
    if p.major is None:
        return []
    if p.major > 0 or p.minor is None:
        return [_floor(p), _upper(p.major, None)]
    if p.minor > 0 or p.patch is None:
        return [_floor(p), _upper(0, p.minor)]
    return [_floor(p), _upper(0, 0, p.patch)]


def _xrange(op: str, p: _Partial) -> list[Comparator]:
    """A primitive comparison or x-range (``op`` is "" for none)."""
    if p.major is None:
        nothing = [Comparator("<", _key(0, 0, 0, "0"))]
        return nothing if op in ("<", ">") else []
    if p.patch is not None:
        return [Comparator(op or "=", _key(p.major, p.minor or 0, p.patch, p.pre))]
    if op in ("", "="):
        return [_floor(p), _upper(p.major, p.minor)]
    return _partial_bound(op, p)


def _partial_bound(op: str, p: _Partial) -> list[Comparator]:
    """``op`` against a partial version with a known major (``>1``, ``<=1.2``)."""
    assert p.major is not None
    if op == ">":
        if p.minor is None:
            return [Comparator(">=", _key(p.major + 1, 0, 0))]
        return [Comparator(">=", _key(p.major, p.minor + 1, 0))]
    if op == "<=":
        return [_upper(p.major, p.minor)]
    if op == "<":
        return [Comparator("<", _key(p.major, p.minor or 0, 0, "0"))]
    return [_floor(p)]


def _hyphen(low: _Partial, high: _Partial) -> list[Comparator]:
    result = [] if low.major is None else [_floor(low)]
    if high.major is None:
        return result
    if high.patch is None:
        return [*result, _upper(high.major, high.minor)]
    return [
        *result,
        Comparator("<=", _key(high.major, high.minor or 0, high.patch, high.pre)),
    ]


def _comparator(text: str, range_expr: str) -> list[Comparator]:
    match = _COMPARATOR.fullmatch(text)
    assert match is not None  # the pattern matches any string
    op, partial = match["op"] or "", _partial(match["partial"], range_expr)
    if op in ("~", "~>"):
        return _tilde(partial)
    if op == "^":
        return _caret(partial)
    return _xrange(op, partial)


def _comparator_set(part: str, range_expr: str) -> tuple[Comparator, ...]:
    hyphen = _HYPHEN.fullmatch(part)
    if hyphen is not None:
        low = _partial(hyphen["low"], range_expr)
        return tuple(_hyphen(low, _partial(hyphen["high"], range_expr)))
    joined = _OPERATOR_GAP.sub(r"\1", part.strip())
    result: list[Comparator] = []
    for text in joined.split():
        result += _comparator(text, range_expr)
    return tuple(result)


@lru_cache(maxsize=8192)
def parse_npm_range(range_expr: str) -> tuple[tuple[Comparator, ...], ...]:
    """The comparator sets of an npm range; raises InvalidInput when bad."""
    if len(range_expr) > 1024:
        raise _bad(range_expr[:64] + "...", "longer than 1024 characters")
    return tuple(_comparator_set(part, range_expr) for part in range_expr.split("||"))


def _set_allows(comparators: tuple[Comparator, ...], key: Any) -> bool:
    if not all(c.test(key) for c in comparators):
        return False
    if key[3][0] == 1:
        return True
    # A pre-release only matches a set that names one on the same release.
    return any(c.has_prerelease and c.key[:3] == key[:3] for c in comparators)


def satisfies_npm_range(version: str, range_expr: str) -> bool:
    """Whether an npm version lies in a node-semver range.

    Raises InvalidInput for a version that is not SemVer or a range that
    node-semver would refuse (node-semver itself answers false there; a
    scanner should not silently call such data "not affected").
    """
    key = _NPM.parse(version)
    return any(_set_allows(cs, key) for cs in parse_npm_range(range_expr))
