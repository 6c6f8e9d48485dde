"""Ruby gems, from OSV and RubySec constraint sets."""

from __future__ import annotations

from seawall.scan.matchers.language import LanguageMatcher


class RubyGemsMatcher(LanguageMatcher):
    """Matches RubyGems packages."""

    ecosystem = "RubyGems"
