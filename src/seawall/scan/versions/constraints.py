"""Version constraints in the syntax each ecosystem's advisories use.

* Packagist: Composer constraints (FriendsOfPHP ``branches.*.versions`` such
  as ``>=1.0,<1.2``; also ``||``, ``~``, ``^``, ``1.2.*`` and hyphen ranges)
* RubyGems: Gem::Requirement strings (``~> 1.2.3``, ``>= 2.0, < 2.1``)
* Maven and NuGet: interval ranges (``[1.0,2.0)``, ``(,1.0],[1.2,)``); a
  bare version means that version in Maven and that version or newer in
  NuGet, as each tool reads it
* npm: node-semver ranges; crates.io: Cargo requirements (a bare version
  is a caret requirement); PyPI: PEP 440 specifiers
"""

from __future__ import annotations

from collections.abc import Callable

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from seawall.errors import Unsupported
from seawall.scan.versions.composer import satisfies_composer
from seawall.scan.versions.interface import constraint_error
from seawall.scan.versions.intervals import satisfies_intervals
from seawall.scan.versions.maven import MavenScheme
from seawall.scan.versions.npm_range import satisfies_npm_range
from seawall.scan.versions.nuget import NugetScheme
from seawall.scan.versions.pep440 import Pep440Scheme
from seawall.scan.versions.rubygems import satisfies_requirement

_MAVEN, _NUGET, _PEP440 = MavenScheme(), NugetScheme(), Pep440Scheme()


def _satisfies_pep440(version: str, constraint: str) -> bool:
    try:
        specifiers = SpecifierSet(constraint)
    except InvalidSpecifier as exc:
        raise constraint_error("PEP 440", constraint, "not a specifier set") from exc
    kind, parsed = _PEP440.parse(version)
    if kind == 0:
        # TODO(seawall): PEP 440 specifiers cannot place a legacy version;
        # the matcher should compare it against range events instead.
        raise constraint_error(
            "PEP 440", constraint, f"{version!r} is not a PEP 440 version"
        )
    return specifiers.contains(parsed, prereleases=True)


def _satisfies_cargo(version: str, constraint: str) -> bool:
    parts = [p.strip() for p in constraint.split(",")]
    if not all(parts):
        raise constraint_error("crates.io", constraint, "empty requirement")
    # A bare version is a caret requirement; a wildcard (1.2.*) stays one.
    as_npm = " ".join(p if p[0] in "<>=~^*" or "*" in p else f"^{p}" for p in parts)
    return satisfies_npm_range(version, as_npm)


_BY_ECOSYSTEM: dict[str, Callable[[str, str], bool]] = {
    "Packagist": satisfies_composer,
    "RubyGems": satisfies_requirement,
    "Maven": lambda v, c: satisfies_intervals(_MAVEN, v, c, "="),
    "NuGet": lambda v, c: satisfies_intervals(_NUGET, v, c, ">="),
    "npm": satisfies_npm_range,
    "crates.io": _satisfies_cargo,
    "PyPI": _satisfies_pep440,
}


def satisfies_constraint(ecosystem: str, version: str, constraint: str) -> bool:
    """Whether ``version`` meets ``constraint`` in ``ecosystem``'s syntax.

    Raises InvalidInput when the version or the constraint is malformed and
    Unsupported for an ecosystem without a constraint syntax here.
    """
    check = _BY_ECOSYSTEM.get(ecosystem.split(":", 1)[0])
    if check is None:
        raise Unsupported(f"unsupported constraint syntax for ecosystem {ecosystem!r}")
    return check(version, constraint)
