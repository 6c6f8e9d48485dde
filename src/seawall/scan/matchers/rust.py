"""Rust crates (crates.io)."""

from __future__ import annotations

from seawall.scan.matchers.language import LanguageMatcher


class CratesMatcher(LanguageMatcher):
    """Matches crates.io packages."""

    ecosystem = "crates.io"
