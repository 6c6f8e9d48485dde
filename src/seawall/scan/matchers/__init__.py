"""Matchers: join an inventory's packages with advisories, per ecosystem.

:func:`match_packages` looks every package up in one batched pass over the
advisory store and lets each ecosystem family's matcher decide. Passing
``only`` (the changed pairs a feed import reported) re-matches just the
packages those changes touch, which is how continuous scanning re-scores a
stored inventory without reading layers again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from seawall.scan.advisories.store import AdvisoryStore, PackageKey
from seawall.scan.inventory import Package
from seawall.scan.matchers.alpine import AlpineMatcher
from seawall.scan.matchers.debian import DebianMatcher
from seawall.scan.matchers.dotnet import NugetMatcher
from seawall.scan.matchers.golang import GoMatcher
from seawall.scan.matchers.interface import Match, Matcher
from seawall.scan.matchers.maven import MavenMatcher
from seawall.scan.matchers.npm import NpmMatcher
from seawall.scan.matchers.php import PackagistMatcher
from seawall.scan.matchers.python import PythonMatcher
from seawall.scan.matchers.rpm import RpmMatcher
from seawall.scan.matchers.ruby import RubyGemsMatcher
from seawall.scan.matchers.rust import CratesMatcher

MATCHERS: tuple[Matcher, ...] = (
    DebianMatcher(),
    AlpineMatcher(),
    RpmMatcher(),
    PythonMatcher(),
    NpmMatcher(),
    GoMatcher(),
    MavenMatcher(),
    CratesMatcher(),
    RubyGemsMatcher(),
    PackagistMatcher(),
    NugetMatcher(),
)

_BY_ECOSYSTEM: dict[str, Matcher] = {
    eco: matcher for matcher in MATCHERS for eco in matcher.ecosystems
}


def matcher_for(ecosystem: str) -> Matcher | None:
    """The matcher of ``ecosystem`` (OSV spelling), None when unsupported."""
    return _BY_ECOSYSTEM.get(ecosystem)


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The matches of one inventory, and the packages no matcher handles."""

    matches: tuple[Match, ...]
    unsupported: tuple[Package, ...] = ()
    keys: frozenset[PackageKey] = field(default_factory=frozenset)


def match_packages(
    store: AdvisoryStore,
    packages: Iterable[Package],
    only: frozenset[PackageKey] | None = None,
) -> MatchResult:
    """Every advisory match of ``packages``.

    With ``only``, packages none of whose keys are in it are skipped.
    """
    plan: list[tuple[Package, Matcher, list[PackageKey]]] = []
    unsupported = []
    for package in packages:
        matcher = matcher_for(package.ecosystem)
        if matcher is None:
            unsupported.append(package)
            continue
        keys = matcher.keys(package)
        if only is None or any(k in only for k in keys):
            plan.append((package, matcher, keys))
    wanted = {k for _, _, keys in plan for k in keys}
    found = store.candidates(wanted, _releases(plan))
    matches = []
    for package, matcher, keys in plan:
        candidates = [c for k in keys for c in found.get(k, ())]
        if candidates:
            matches.extend(matcher.match(package, candidates))
    return MatchResult(tuple(matches), tuple(unsupported), frozenset(wanted))


def _releases(
    plan: list[tuple[Package, Matcher, list[PackageKey]]],
) -> dict[str, set[str]]:
    """The distribution releases to fetch per data ecosystem."""
    from seawall.scan.matchers.distro import DistroMatcher

    out: dict[str, set[str]] = {}
    for package, matcher, keys in plan:
        release = ""
        if isinstance(matcher, DistroMatcher):
            release = matcher.release_of(package)[1]
        for ecosystem, _ in keys:
            out.setdefault(ecosystem, set()).add(release)
    return out


__all__ = [
    "MATCHERS",
    "Match",
    "MatchResult",
    "Matcher",
    "match_packages",
    "matcher_for",
]
