"""JavaScript packages (npm), with scopes kept in the name."""

from __future__ import annotations

from seawall.scan.matchers.language import LanguageMatcher


class NpmMatcher(LanguageMatcher):
    """Matches npm packages."""

    ecosystem = "npm"
