"""Debian and Ubuntu packages (dpkg versions), keyed by source package."""

from __future__ import annotations

from seawall.scan.matchers.distro import DistroMatcher


class DebianMatcher(DistroMatcher):
    """Matches deb packages against Debian's and Ubuntu's own data."""

    ecosystems = frozenset({"Debian", "Ubuntu"})
