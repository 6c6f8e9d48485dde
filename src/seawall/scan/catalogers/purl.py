"""Package URLs, built with the reference ``packageurl-python`` library."""

from __future__ import annotations

from packageurl import PackageURL


def purl(
    kind: str,
    name: str,
    version: str,
    namespace: str | None = None,
    qualifiers: dict[str, str] | None = None,
) -> str:
    """The canonical purl string; empty qualifiers are dropped."""
    clean = {k: v for k, v in (qualifiers or {}).items() if v}
    return PackageURL(
        type=kind,
        namespace=namespace or None,
        name=name,
        version=version or None,
        qualifiers=clean or None,
    ).to_string()
