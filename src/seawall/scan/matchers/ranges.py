"""Evaluating OSV affected ranges against one version.

OSV ``ECOSYSTEM`` and ``SEMVER`` ranges are lists of events. Sorted by
version (``introduced: "0"`` first), they switch a version in and out of the
affected set: ``introduced`` switches in, ``fixed`` switches out at the event
version, ``last_affected`` switches out just above it, and ``limit`` caps the
whole range. The fixed version reported is the ``fixed`` event that closes
the interval the version falls in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from seawall.errors import InvalidInput
from seawall.scan.versions.interface import VersionScheme

_ORDER = {"introduced": 0, "fixed": 1, "last_affected": 2, "limit": 3}


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a version is affected by a range, and how it is fixed."""

    affected: bool
    fixed: str = ""  # the fix for this version's interval, when known
    last_affected: str = ""  # set when the range ends at last_affected


NOT_AFFECTED = Verdict(False)


def _events(raw: Iterable[Mapping[str, Any]]) -> list[tuple[str, str]]:
    out = []
    for event in raw:
        for kind, value in event.items():
            if kind in _ORDER:
                out.append((kind, str(value)))
    return out


def _key(scheme: VersionScheme, kind: str, value: str) -> tuple[int, Any, int]:
    # "introduced: 0" sorts before every real version.
    if kind == "introduced" and value == "0":
        return (0, None, 0)
    return (1, scheme.parse(value), _ORDER[kind])


def evaluate_range(
    scheme: VersionScheme, version: Any, events: Iterable[Mapping[str, Any]]
) -> Verdict:
    """The verdict for the parsed ``version`` key against one range's events.

    Raises InvalidInput when an event version does not parse.
    """
    ordered = sorted((_key(scheme, k, v), k, v) for k, v in _events(events))
    inside = False
    for (_, key, _), kind, _value in ordered:
        if kind == "introduced":
            inside = inside or key is None or version >= key
        elif kind in ("fixed", "limit"):
            inside = inside and version < key
        elif kind == "last_affected":
            inside = inside and version <= key
    if not inside:
        return NOT_AFFECTED
    return _bound_above(ordered, version)


def _bound_above(ordered: list[Any], version: Any) -> Verdict:
    # The first event above the version closes its interval.
    for (_, key, _), kind, value in ordered:
        if key is None:
            continue
        if kind == "fixed" and key > version:
            return Verdict(True, fixed=value)
        if kind == "last_affected" and key >= version:
            return Verdict(True, last_affected=value)
    return Verdict(True)


def affected_by_osv(
    scheme: VersionScheme,
    version: str,
    ranges: Iterable[Mapping[str, Any]],
    versions: Iterable[str] = (),
) -> Verdict:
    """The verdict for ``version`` against OSV ranges and an explicit list.

    A range whose versions do not parse under ``scheme`` is skipped; raises
    InvalidInput only when ``version`` itself does not parse.
    """
    listed = version in set(versions)
    key = scheme.parse(version)
    best = NOT_AFFECTED
    for item in ranges:
        try:
            verdict = evaluate_range(scheme, key, item.get("events") or ())
        except InvalidInput:
            continue
        if verdict.affected and (
            not best.affected or _earlier_fix(scheme, verdict, best)
        ):
            best = verdict
    if not best.affected and listed:
        return Verdict(True)
    return best


def _earlier_fix(scheme: VersionScheme, new: Verdict, old: Verdict) -> bool:
    if not old.fixed:
        return bool(new.fixed)
    if not new.fixed:
        return False
    return bool(scheme.compare(new.fixed, old.fixed) < 0)
