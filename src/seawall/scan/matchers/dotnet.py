""".NET packages (NuGet), names case-insensitive."""

from __future__ import annotations

from seawall.scan.matchers.language import LanguageMatcher


class NugetMatcher(LanguageMatcher):
    """Matches NuGet packages."""

    ecosystem = "NuGet"
