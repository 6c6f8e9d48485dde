"""The matcher role: one matcher per ecosystem family.

A matcher says which advisory keys a package is looked up under
(:meth:`Matcher.keys`) and, given the candidate affected entries found for
those keys, which of them really affect the installed version
(:meth:`Matcher.match`). It never queries the database itself, so a whole
inventory is looked up in a few batched queries and a stored inventory can be
re-matched cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Protocol

from seawall.scan.advisories.store import Candidate, PackageKey
from seawall.scan.inventory import Package


@dataclass(frozen=True, slots=True)
class Match:
    """One advisory entry that affects one installed package.

    ``fix_state`` is ``fixed`` when a fix exists (``fixed_versions``), else
    the distribution's verdict (``affected``, ``wont-fix``, ``deferred``,
    ``no-dsa``, ``end-of-life``, ``undetermined``) or ``not-affected`` for a
    verdict that suppresses the same vulnerability from other sources.
    """

    package: Package
    candidate: Candidate
    fix_state: str
    fixed_versions: tuple[str, ...] = ()
    note: str = ""
    matched_version: str = ""  # the version compared (source version for debs)


class Matcher(Protocol):
    """Matches the packages of one ecosystem family."""

    ecosystems: ClassVar[frozenset[str]]

    def keys(self, package: Package) -> list[PackageKey]:
        """The (ecosystem, normalized name) keys to look advisories up by."""
        ...

    def match(self, package: Package, candidates: list[Candidate]) -> list[Match]:
        """The candidates that affect ``package``; never raises on bad data."""
        ...
