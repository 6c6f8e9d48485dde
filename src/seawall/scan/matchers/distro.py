"""The shared matcher for distribution packages.

OS packages are matched only against their own distribution's data, keyed by
source package (what Debian, Ubuntu and Alpine advisories name) and release
(``Debian:12`` is looked up with release ``12``), so a fix the distribution
backported is recognised by its own version. The distribution's verdict is
kept: a fixed version, or won't fix / deferred / no-DSA / end-of-life.
"""

from __future__ import annotations

from typing import Any, ClassVar

from seawall.errors import InvalidInput
from seawall.logging import get_logger
from seawall.scan.advisories.model import Status
from seawall.scan.advisories.store import Candidate, PackageKey
from seawall.scan.inventory import Package
from seawall.scan.matchers.interface import Match
from seawall.scan.matchers.names import split_ecosystem
from seawall.scan.matchers.ranges import affected_by_osv
from seawall.scan.versions import get_scheme

log = get_logger(__name__)


class DistroMatcher:
    """Matches packages of a family of distributions."""

    ecosystems: ClassVar[frozenset[str]]
    rolling: ClassVar[frozenset[str]] = frozenset()  # no releases (Wolfi)
    data_for: ClassVar[dict[str, tuple[str, ...]]] = {}  # stand-in data sources

    def release_of(self, package: Package) -> tuple[str, str]:
        """(ecosystem, release) of the package's distribution."""
        _, release = split_ecosystem(package.distro or package.ecosystem)
        base = package.ecosystem
        return base, "" if base in self.rolling else release

    def names_of(self, package: Package) -> list[str]:
        """Names advisories may use: the source package first."""
        names = [package.source_name or package.name]
        return [n.lower() for n in names if n]

    def version_of(self, package: Package) -> str:
        """The version compared with the advisories' fixed versions."""
        if package.source_name and package.source_version:
            return package.source_version
        return package.version

    def keys(self, package: Package) -> list[PackageKey]:
        base, _ = self.release_of(package)
        sources = self.data_for.get(base, (base,))
        return [(eco, name) for eco in sources for name in self.names_of(package)]

    def match(self, package: Package, candidates: list[Candidate]) -> list[Match]:
        _, release = self.release_of(package)
        version = self.version_of(package)
        out = []
        for cand in candidates:
            if cand.affected.release != release:
                continue
            try:
                found = self._check(package, version, cand)
            except InvalidInput as exc:
                log.debug(
                    "version not comparable",
                    package=package.name,
                    version=version,
                    advisory=cand.advisory.id,
                    error=exc.message,
                )
                continue
            if found is not None:
                out.append(found)
        return out

    def fixed_for_compare(self, version: str, fixed: str) -> str:
        """The fixed version as compared with ``version`` (hook for RPM epochs)."""
        return fixed

    def _check(self, package: Package, version: str, cand: Candidate) -> Match | None:
        affected = cand.affected
        scheme = get_scheme(affected.ecosystem)
        if affected.kind == "osv":
            originals: dict[str, str] = {}
            ranges = [self._osv_range(version, r, originals) for r in affected.ranges]
            verdict = affected_by_osv(scheme, version, ranges, affected.versions)
            if not verdict.affected:
                return None
            fixes = (
                (originals.get(verdict.fixed, verdict.fixed),) if verdict.fixed else ()
            )
            state = Status.FIXED if fixes else Status.AFFECTED
            return Match(package, cand, state, fixes, affected.note, version)
        if affected.status == Status.FIXED:
            target = self.fixed_for_compare(version, affected.fixed)
            if scheme.compare(version, target) >= 0:
                return None
            return Match(
                package, cand, Status.FIXED, (affected.fixed,), affected.note, version
            )
        return Match(package, cand, affected.status, (), affected.note, version)

    def _osv_range(
        self, version: str, item: dict[str, Any], originals: dict[str, str]
    ) -> dict[str, Any]:
        # Fixed versions as compared (epoch dropped for RPM), remembering the
        # advisory's own spelling for the report.
        events = []
        for event in item.get("events") or ():
            fixed = event.get("fixed")
            if fixed:
                compared = self.fixed_for_compare(version, str(fixed))
                originals[compared] = str(fixed)
                events.append({"fixed": compared})
            else:
                events.append(event)
        return {"type": item.get("type"), "events": events}
