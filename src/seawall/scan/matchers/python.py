"""Python packages (PyPI), PEP 440 versions, PEP 503 names."""

from __future__ import annotations

from seawall.scan.matchers.language import LanguageMatcher


class PythonMatcher(LanguageMatcher):
    """Matches PyPI packages."""

    ecosystem = "PyPI"
