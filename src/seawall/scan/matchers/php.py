"""PHP packages (Composer / Packagist), from OSV and FriendsOfPHP."""

from __future__ import annotations

from seawall.scan.matchers.language import LanguageMatcher


class PackagistMatcher(LanguageMatcher):
    """Matches Packagist packages."""

    ecosystem = "Packagist"
