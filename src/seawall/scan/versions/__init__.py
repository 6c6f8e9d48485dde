"""Version comparison by each ecosystem's own rules.

``get_scheme(ecosystem)`` returns the :class:`VersionScheme` for an OSV
ecosystem name; range helpers answer whether a version lies in the range
expressions advisories use (npm ranges, Composer constraints, RubyGems
requirements, Maven and NuGet interval ranges, PEP 440 specifiers).

Schemes, one module each:

====================  ==========================================================
module                ecosystems
====================  ==========================================================
``dpkg``              Debian, Ubuntu
``rpm``               Red Hat, AlmaLinux, Rocky Linux
``apk``               Alpine, Wolfi, Chainguard
``pep440``            PyPI
``semver``            crates.io (strict SemVer 2.0.0), npm (node-semver parsing)
``golang``            Go
``maven``             Maven
``rubygems``          RubyGems
``nuget``             NuGet
``composer``          Packagist
====================  ==========================================================

Range syntaxes: ``npm_range`` (node-semver), ``intervals`` (Maven, NuGet),
``composer`` and ``rubygems`` (their constraints), all reached through
``satisfies_constraint`` in ``constraints``.
"""

from __future__ import annotations

from seawall.errors import Unsupported
from seawall.scan.versions.apk import ApkScheme
from seawall.scan.versions.composer import ComposerScheme
from seawall.scan.versions.constraints import satisfies_constraint
from seawall.scan.versions.dpkg import DpkgScheme
from seawall.scan.versions.golang import GoScheme
from seawall.scan.versions.interface import KeyedScheme, VersionScheme
from seawall.scan.versions.maven import MavenScheme
from seawall.scan.versions.npm_range import satisfies_npm_range
from seawall.scan.versions.nuget import NugetScheme
from seawall.scan.versions.pep440 import Pep440Scheme
from seawall.scan.versions.rpm import RpmScheme
from seawall.scan.versions.rubygems import RubyGemsScheme
from seawall.scan.versions.semver import NpmScheme, SemverScheme

__all__ = [
    "ECOSYSTEMS",
    "VersionScheme",
    "get_scheme",
    "satisfies_constraint",
    "satisfies_npm_range",
]

_DPKG, _RPM, _APK = DpkgScheme(), RpmScheme(), ApkScheme()
_SCHEMES: dict[str, KeyedScheme] = {
    "Debian": _DPKG,
    "Ubuntu": _DPKG,
    "Alpine": _APK,
    "Wolfi": _APK,
    "Chainguard": _APK,
    "Red Hat": _RPM,
    "AlmaLinux": _RPM,
    "Rocky Linux": _RPM,
    "PyPI": Pep440Scheme(),
    "npm": NpmScheme(),
    "Go": GoScheme(),
    "Maven": MavenScheme(),
    "crates.io": SemverScheme(),
    "RubyGems": RubyGemsScheme(),
    "Packagist": ComposerScheme(),
    "NuGet": NugetScheme(),
}

ECOSYSTEMS: frozenset[str] = frozenset(_SCHEMES)


def get_scheme(ecosystem: str) -> VersionScheme:
    """The version scheme of an OSV ecosystem name.

    A release suffix (``"Debian:12"``, ``"Alpine:v3.19"``) is ignored, as OSV
    uses it. Raises Unsupported for an ecosystem Seawall has no rules for.
    """
    base = ecosystem.split(":", 1)[0]
    scheme = _SCHEMES.get(base)
    if scheme is None:
        raise Unsupported(
            f"unsupported ecosystem {ecosystem!r} for version comparison",
            detail={"ecosystem": ecosystem},
        )
    return scheme
