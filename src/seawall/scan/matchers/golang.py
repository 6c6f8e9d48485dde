"""Go modules, and the Go standard library as the ``stdlib`` module.

Inventories spell module versions with a ``v`` (``v1.2.3``,
``v0.0.0-20220412211240-33da011f77ad``, ``v2.0.0+incompatible``) and the
toolchain as ``go1.21.0``; Go's OSV data has neither prefix.
"""

from __future__ import annotations

from seawall.scan.inventory import Package
from seawall.scan.matchers.language import LanguageMatcher


class GoMatcher(LanguageMatcher):
    """Matches Go modules and stdlib."""

    ecosystem = "Go"

    def version_of(self, package: Package) -> str:
        version = package.version.strip()
        if version.startswith("go"):
            version = version[2:]
        return version.removeprefix("v")
