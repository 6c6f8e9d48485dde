"""Alpine, Wolfi and Chainguard packages (apk versions), keyed by origin.

Wolfi and Chainguard are rolling distributions: their data has no release.
Chainguard images are built from Wolfi's packages, so Wolfi's data also
applies to them.
"""

from __future__ import annotations

from typing import ClassVar

from seawall.scan.matchers.distro import DistroMatcher


class AlpineMatcher(DistroMatcher):
    """Matches apk packages."""

    ecosystems = frozenset({"Alpine", "Wolfi", "Chainguard"})
    rolling = frozenset({"Wolfi", "Chainguard"})
    data_for: ClassVar[dict[str, tuple[str, ...]]] = {
        "Chainguard": ("Chainguard", "Wolfi")
    }
