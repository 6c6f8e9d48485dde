"""RubyGems version ordering: the rules of ``Gem::Version``.

A version is digits and dot-separated alphanumeric segments, with an
optional ``-suffix`` that means ``.pre.suffix``. It is cut into runs of
digits (numbers) and runs of letters (strings); a version with any letters
is a pre-release. Trailing zeros of the numeric part and of the string part
are dropped (``1.0 == 1``, ``1.0.a.0 == 1.a``); then segments compare one by
one, a missing segment counting as 0, numbers as numbers, strings as bytes,
and any string before any number (``1.a < 1 < 1.0.1``). A blank version is
``0``.

Requirements (:func:`satisfies_requirement`) are Gem::Requirement strings:
``=``, ``!=``, ``>``, ``<``, ``>=``, ``<=`` and ``~> 1.2.3`` (at least 1.2.3
and below 1.3), joined by commas, all of which must hold.
"""

from __future__ import annotations

import re
from typing import Any

from seawall.scan.versions.interface import KeyedScheme, constraint_error, holds

_VERSION = re.compile(
    r"\s*([0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)?\s*"
)
_SEGMENT = re.compile(r"[0-9]+|[a-z]+", re.IGNORECASE)

Segment = int | str


def segments(version: str) -> list[Segment]:
    """Gem::Version#segments: numbers as ints, letter runs as strings."""
    match = _VERSION.fullmatch(version)
    if match is None:
        raise ValueError("not N[.X]...[-X[.X]...]")
    text = (match.group(1) or "0").replace("-", ".pre.")
    return [int(s) if s.isdigit() else s for s in _SEGMENT.findall(text)]


def canonical_segments(parts: list[Segment]) -> list[Segment]:
    """Segments without the trailing zeros of the numeric and string parts."""
    split = next((i for i, s in enumerate(parts) if isinstance(s, str)), len(parts))
    result: list[Segment] = []
    for part in (parts[:split], parts[split:]):
        end = len(part)
        while end and part[end - 1] == 0:
            end -= 1
        result += part[:end]
    return result


def ordering_key(parts: list[Segment]) -> tuple[tuple[Any, ...], ...]:
    """A tuple key equal to Gem::Version#<=> on canonical segments.

    A missing segment compares as 0, so a 0 is followed by the sign of the
    next non-zero segment (a string is below 0, a number above), and the
    end of the version is encoded as a 0 with nothing after it.
    """
    key: list[tuple[Any, ...]] = []
    for index, part in enumerate(parts):
        if isinstance(part, str):
            key.append((0, part))
        elif part:
            key.append((1, part, 0))
        else:
            following = next(p for p in parts[index:] if p != 0)
            key.append((1, 0, -1 if isinstance(following, str) else 1))
    key.append((1, 0, 0))
    return tuple(key)


def is_prerelease(version: str) -> bool:
    """Gem::Version#prerelease?: whether the version has any letters."""
    return any(isinstance(s, str) for s in segments(version))


def release(version: str) -> list[Segment]:
    """Gem::Version#release segments: the numbers before the first string."""
    parts = segments(version)
    split = next((i for i, s in enumerate(parts) if isinstance(s, str)), len(parts))
    return parts[:split]


def bump(version: str) -> list[Segment]:
    """Gem::Version#bump: the upper bound of ``~> version``."""
    parts = release(version)
    if len(parts) > 1:
        parts.pop()
    parts[-1] = int(parts[-1]) + 1
    return parts


def key_of_segments(parts: list[Segment]) -> tuple[tuple[Any, ...], ...]:
    """The ordering key of a segment list."""
    return ordering_key(canonical_segments(parts))


class RubyGemsScheme(KeyedScheme):
    """Ruby gem versions as Gem::Version orders them."""

    name = "RubyGems"

    def _key(self, version: str) -> Any:
        return key_of_segments(segments(version))


# Requirements: Gem::Requirement strings such as "~> 1.2.3, >= 1.2.3.1".

_SCHEME = RubyGemsScheme()
_GEM_REQUIREMENT = re.compile(r"\s*(=|!=|>=|<=|>|<|~>)?\s*([0-9][0-9A-Za-z.-]*)\s*")


def _requirement_holds(version: str, op: str, bound: str) -> bool:
    if op != "~>":
        return holds(_SCHEME.compare(version, bound), op)
    # "~> 1.2.3": at least 1.2.3, and a release below 1.3.
    below = key_of_segments(release(version)) < key_of_segments(bump(bound))
    return _SCHEME.compare(version, bound) >= 0 and below


def satisfies_requirement(version: str, constraint: str) -> bool:
    """Gem::Requirement#satisfied_by? for a comma-joined requirement string."""
    for part in constraint.split(","):
        match = _GEM_REQUIREMENT.fullmatch(part)
        if match is None or not _SCHEME.is_valid(match[2]):
            raise constraint_error(
                "RubyGems", constraint, f"bad requirement {part.strip()!r}"
            )
        if not _requirement_holds(version, match[1] or "=", match[2]):
            return False
    return True
