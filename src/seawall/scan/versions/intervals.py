"""Interval ranges, as Maven and NuGet write them: ``[1.0,2.0)``, ``(,1.0],[1.2,)``.

``[`` and ``]`` include their bound, ``(`` and ``)`` exclude it, an empty
bound is open, ``[1.2]`` is exactly 1.2, and several intervals are joined
by commas. A range is refused where Maven's VersionRange refuses it: bounds
out of order, an empty interval, intervals overlapping or out of order.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from seawall.scan.versions.interface import KeyedScheme, constraint_error, holds

_INTERVAL = re.compile(r"([\[(])([^\[\]()]*)([\])])")


@dataclass(frozen=True, slots=True)
class Interval:
    """One interval of a Maven or NuGet range; None is an open end."""

    low: str | None
    low_inclusive: bool
    high: str | None
    high_inclusive: bool

    def contains(self, scheme: KeyedScheme, version: str) -> bool:
        """Whether ``version`` lies inside, by ``scheme``'s ordering."""
        if self.low is not None:
            low_op = ">=" if self.low_inclusive else ">"
            if not holds(scheme.compare(version, self.low), low_op):
                return False
        if self.high is None:
            return True
        high_op = "<=" if self.high_inclusive else "<"
        return holds(scheme.compare(version, self.high), high_op)


def _interval(scheme: KeyedScheme, match: re.Match[str]) -> Interval:
    """One bracketed interval, refused where Maven's VersionRange refuses it."""
    opening, body, closing = match.groups()
    bounds = body.split(",")
    if len(bounds) == 1:
        if (opening, closing) != ("[", "]") or not bounds[0]:
            raise ValueError(f"a single version must be written [v], not {body!r}")
        return Interval(bounds[0], True, bounds[0], True)
    if len(bounds) != 2:
        raise ValueError(f"{match.group()} has more than two bounds")
    low, high = bounds
    interval = Interval(low or None, opening == "[", high or None, closing == "]")
    order = scheme.compare(high, low) if low and high else 1
    if order < 0 or (
        order == 0 and not (interval.low_inclusive and interval.high_inclusive)
    ):
        raise ValueError(f"{match.group()} defies version ordering")
    return interval


def parse_intervals(scheme: KeyedScheme, constraint: str) -> list[Interval]:
    """The intervals of ``(,1.0],[1.2,)``; ValueError when malformed."""
    text = re.sub(r"\s+", "", constraint)
    intervals = [_interval(scheme, m) for m in _INTERVAL.finditer(text)]
    if not intervals or _INTERVAL.sub("", text).strip(","):
        raise ValueError("not a list of [a,b) ranges")
    for before, after in itertools.pairwise(intervals):
        if before.high is not None and (
            after.low is None or scheme.compare(after.low, before.high) < 0
        ):
            raise ValueError("ranges overlap or are out of order")
    return intervals


def satisfies_intervals(
    scheme: KeyedScheme, version: str, constraint: str, bare_op: str
) -> bool:
    text = constraint.strip()
    if not text:
        raise constraint_error(scheme.name, constraint, "empty")
    if text[0] not in "[(":
        return holds(scheme.compare(version, text), bare_op)
    try:
        intervals = parse_intervals(scheme, text)
    except ValueError as exc:
        raise constraint_error(scheme.name, constraint, str(exc)) from exc
    return any(i.contains(scheme, version) for i in intervals)
