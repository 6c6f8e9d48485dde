"""The registry's scanning configuration, as ECR models it.

``scanType`` BASIC scans OS packages, ENHANCED OS and application packages.
Up to two rules give a ``scanFrequency`` (SCAN_ON_PUSH, CONTINUOUS_SCAN,
MANUAL) to the repositories their filters match. A filter without ``*``
matches any repository name containing it; with ``*`` it is a glob anchored
at both ends. When a repository matches both a continuous and an on-push
rule, continuous wins. Under BASIC a repository that no rule matches is
scanned manually, or on push when its legacy ``scanOnPush`` flag is set;
under ENHANCED it is not scanned at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from seawall.errors import InvalidInput

BASIC, ENHANCED = "BASIC", "ENHANCED"
SCAN_ON_PUSH, CONTINUOUS_SCAN, MANUAL = "SCAN_ON_PUSH", "CONTINUOUS_SCAN", "MANUAL"
SCAN_TYPES = (BASIC, ENHANCED)
FREQUENCIES = (SCAN_ON_PUSH, CONTINUOUS_SCAN, MANUAL)
_ALLOWED = {
    BASIC: (SCAN_ON_PUSH, MANUAL),
    ENHANCED: (SCAN_ON_PUSH, CONTINUOUS_SCAN, MANUAL),
}
_FILTER = re.compile(r"^[a-z0-9*](?:[._\-/a-z0-9*]?[a-z0-9*]+)*$")
_MAX_RULES, _MAX_FILTERS = 2, 100


@dataclass(frozen=True, slots=True)
class Rule:
    """One scanning rule: a frequency for the repositories its filters match."""

    scan_frequency: str
    filters: tuple[str, ...]

    def matches(self, repository: str) -> tuple[str, ...]:
        """The filters of this rule that match ``repository``."""
        return tuple(f for f in self.filters if filter_matches(f, repository))


@dataclass(frozen=True, slots=True)
class Effective:
    """How one repository is scanned under the current configuration."""

    scan_type: str
    scan_frequency: str  # SCAN_ON_PUSH | CONTINUOUS_SCAN | MANUAL
    scan_on_push: bool
    applied_filters: tuple[str, ...]
    enabled: bool  # False under ENHANCED for a repository no rule covers

    @property
    def continuous(self) -> bool:
        return self.scan_frequency == CONTINUOUS_SCAN


@dataclass(frozen=True, slots=True)
class ScanningConfiguration:
    """The registry-wide configuration (default: BASIC, no rules)."""

    scan_type: str = BASIC
    rules: tuple[Rule, ...] = ()

    def effective(self, repository: str, legacy_scan_on_push: bool) -> Effective:
        """How ``repository`` is scanned; ``legacy_scan_on_push`` is its flag."""
        found = {r.scan_frequency: r.matches(repository) for r in self.rules}
        for frequency in (CONTINUOUS_SCAN, SCAN_ON_PUSH, MANUAL):
            if found.get(frequency):
                return Effective(
                    self.scan_type,
                    frequency,
                    frequency != MANUAL,
                    found[frequency],
                    True,
                )
        if self.scan_type == BASIC and legacy_scan_on_push:
            return Effective(BASIC, SCAN_ON_PUSH, True, (), True)
        return Effective(self.scan_type, MANUAL, False, (), self.scan_type == BASIC)

    def to_json(self) -> dict[str, Any]:
        """The ``registryScanningConfiguration`` shape."""
        return {
            "scanType": self.scan_type,
            "rules": [
                {
                    "scanFrequency": r.scan_frequency,
                    "repositoryFilters": [
                        {"filter": f, "filterType": "WILDCARD"} for f in r.filters
                    ],
                }
                for r in self.rules
            ],
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> ScanningConfiguration:
        """Parse and check a configuration; raises InvalidInput naming the fault."""
        scan_type = doc.get("scanType", BASIC)
        if scan_type not in SCAN_TYPES:
            raise InvalidInput(f"invalid scanType {scan_type!r}: BASIC or ENHANCED")
        rules = doc.get("rules") or []
        if not isinstance(rules, list) or len(rules) > _MAX_RULES:
            raise InvalidInput(f"invalid rules: at most {_MAX_RULES} rules")
        parsed = tuple(_rule(scan_type, r) for r in rules)
        frequencies = [r.scan_frequency for r in parsed]
        if len(set(frequencies)) != len(frequencies):
            raise InvalidInput("invalid rules: one rule per scanFrequency")
        return cls(scan_type, parsed)


def _rule(scan_type: str, doc: Any) -> Rule:
    if not isinstance(doc, dict):
        raise InvalidInput("invalid rule: expected an object")
    frequency = doc.get("scanFrequency")
    if frequency not in _ALLOWED[scan_type]:
        allowed = ", ".join(_ALLOWED[scan_type])
        raise InvalidInput(
            f"invalid scanFrequency {frequency!r} for scan type {scan_type}: "
            f"expected one of {allowed}"
        )
    filters = doc.get("repositoryFilters")
    if not isinstance(filters, list) or len(filters) > _MAX_FILTERS:
        raise InvalidInput(
            f"invalid repositoryFilters: a list of at most {_MAX_FILTERS}"
        )
    return Rule(frequency, tuple(_filter(f) for f in filters))


def _filter(doc: Any) -> str:
    if not isinstance(doc, dict) or doc.get("filterType") != "WILDCARD":
        raise InvalidInput("invalid repository filter: filterType must be WILDCARD")
    text = doc.get("filter")
    if (
        not isinstance(text, str)
        or not 1 <= len(text) <= 255
        or not _FILTER.match(text)
    ):
        raise InvalidInput(f"invalid repository filter {text!r}")
    return text


def filter_matches(pattern: str, repository: str) -> bool:
    """ECR's wildcard filter: substring without ``*``, anchored glob with it."""
    if "*" not in pattern:
        return pattern in repository
    regex = "^" + ".*".join(re.escape(part) for part in pattern.split("*")) + "$"
    return re.match(regex, repository, re.DOTALL) is not None
