"""Java packages (Maven), keyed group:artifact."""

from __future__ import annotations

from seawall.scan.matchers.language import LanguageMatcher


class MavenMatcher(LanguageMatcher):
    """Matches Maven packages."""

    ecosystem = "Maven"
