"""The shared matcher for language ecosystems: OSV ranges and version lists,
npm range expressions (Node.js security-wg), and Composer / RubyGems
constraint sets (FriendsOfPHP, RubySec).

Each ecosystem's module subclasses :class:`LanguageMatcher`, naming its
ecosystem and, where needed, how installed versions are spelled.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from seawall.errors import InvalidInput
from seawall.logging import get_logger
from seawall.scan.advisories.model import Status
from seawall.scan.advisories.store import Candidate, PackageKey
from seawall.scan.inventory import Package
from seawall.scan.matchers.interface import Match
from seawall.scan.matchers.names import normalize_name
from seawall.scan.matchers.ranges import affected_by_osv
from seawall.scan.versions import get_scheme

log = get_logger(__name__)

_BOUND = re.compile(r"(?:>=|~>|\^|~|=)?\s*v?(\d[\w.+\-]*)")
_UPPER = re.compile(r"^\s*<\s*v?(\d[\w.+\-]*)\s*$")


class LanguageMatcher:
    """Matches packages of one language ecosystem."""

    ecosystem: ClassVar[str]
    ecosystems: ClassVar[frozenset[str]]

    def __init_subclass__(cls) -> None:
        cls.ecosystems = frozenset({cls.ecosystem})

    def keys(self, package: Package) -> list[PackageKey]:
        return [(self.ecosystem, normalize_name(self.ecosystem, package.name))]

    def version_of(self, package: Package) -> str:
        """The installed version as advisories spell it."""
        return package.version.strip()

    def match(self, package: Package, candidates: list[Candidate]) -> list[Match]:
        version = self.version_of(package)
        out = []
        for candidate in candidates:
            try:
                found = self._check(package, version, candidate)
            except InvalidInput as exc:
                log.debug(
                    "version not comparable",
                    package=package.name,
                    version=version,
                    advisory=candidate.advisory.id,
                    error=exc.message,
                )
                continue
            if found is not None:
                out.append(found)
        return out

    def _check(self, package: Package, version: str, cand: Candidate) -> Match | None:
        kind = cand.affected.kind
        if kind == "osv":
            return self._osv(package, version, cand)
        if kind == "npm-range":
            return self._npm(package, version, cand)
        if kind == "constraints":
            return self._constraints(package, version, cand)
        return None

    def _osv(self, package: Package, version: str, cand: Candidate) -> Match | None:
        scheme = get_scheme(self.ecosystem)
        verdict = affected_by_osv(
            scheme, version, cand.affected.ranges, cand.affected.versions
        )
        if not verdict.affected:
            return None
        note = f"last affected {verdict.last_affected}" if verdict.last_affected else ""
        return _found(
            package, version, cand, (verdict.fixed,) if verdict.fixed else (), note
        )

    def _npm(self, package: Package, version: str, cand: Candidate) -> Match | None:
        from seawall.scan.versions import satisfies_npm_range

        spec: dict[str, Any] = cand.affected.ranges[0]
        if not satisfies_npm_range(version, spec["vulnerable"]):
            return None
        patched = str(spec.get("patched") or "")
        if patched and satisfies_npm_range(version, patched):
            return None
        fixes = self._lowest_above(version, _bounds(patched))
        return _found(package, version, cand, fixes, "" if fixes else patched)

    def _constraints(
        self, package: Package, version: str, cand: Candidate
    ) -> Match | None:
        from seawall.scan.versions import satisfies_constraint

        eco = self.ecosystem
        specs: list[dict[str, Any]] = list(cand.affected.ranges)
        if specs and "vulnerable" in specs[0]:
            # FriendsOfPHP: any branch whose constraints all hold.
            for branch in specs:
                parts = branch["vulnerable"]
                if all(satisfies_constraint(eco, version, c) for c in parts):
                    fixes = tuple(m.group(1) for c in parts if (m := _UPPER.match(c)))
                    return _found(package, version, cand, fixes)
            return None
        spec = specs[0] if specs else {}
        safe = list(spec.get("patched", ())) + list(spec.get("unaffected", ()))
        if any(satisfies_constraint(eco, version, c) for c in safe):
            return None
        bounds = [b for c in spec.get("patched", ()) for b in _bounds(c)]
        return _found(package, version, cand, self._lowest_above(version, bounds))

    def _lowest_above(self, version: str, bounds: list[str]) -> tuple[str, ...]:
        scheme = get_scheme(self.ecosystem)
        above = []
        for bound in bounds:
            try:
                if scheme.compare(bound, version) > 0:
                    above.append(bound)
            except InvalidInput:
                continue
        if not above:
            return ()
        return (min(above, key=scheme.parse),)


def _bounds(expression: str) -> list[str]:
    # The versions a patched expression starts from: ">= 1.2.6", "~> 1.3.7".
    out = []
    for raw in re.split(r"\|\||,", expression):
        part = raw.strip()
        if part.startswith("<"):
            continue
        match = _BOUND.match(part)
        if match:
            out.append(match.group(1))
    return out


def _found(
    package: Package,
    version: str,
    cand: Candidate,
    fixes: tuple[str, ...],
    note: str = "",
) -> Match:
    state = Status.FIXED if fixes else Status.AFFECTED
    return Match(package, cand, state, fixes, note, version)
