"""Packages from package URLs, for scanning SBOMs made by other tools.

A CycloneDX or SPDX document names packages by purl
(``pkg:deb/debian/openssl@3.0.11-1~deb12u2?distro=debian-12&upstream=openssl``).
The purl type gives the ecosystem; for OS packages the namespace and the
``distro`` qualifier give the release, and ``upstream`` / ``source`` the
source package advisories are keyed by.
"""

from __future__ import annotations

import re

from packageurl import PackageURL

from seawall.errors import InvalidInput
from seawall.scan.inventory import Package

_LANGUAGE = {
    "pypi": ("PyPI", "python"),
    "npm": ("npm", "npm"),
    "golang": ("Go", "go-module"),
    "maven": ("Maven", "java-archive"),
    "cargo": ("crates.io", "rust-crate"),
    "gem": ("RubyGems", "gem"),
    "composer": ("Packagist", "php-composer"),
    "nuget": ("NuGet", "dotnet"),
}
_OS = {
    "debian": "Debian",
    "ubuntu": "Ubuntu",
    "alpine": "Alpine",
    "wolfi": "Wolfi",
    "chainguard": "Chainguard",
    "almalinux": "AlmaLinux",
    "rocky": "Rocky Linux",
    "rocky-linux": "Rocky Linux",
    "redhat": "Red Hat",
    "rhel": "Red Hat",
}
_OS_TYPES = {"deb": "deb", "apk": "apk", "rpm": "rpm"}
_RELEASE = re.compile(r"(\d+(?:\.\d+)*)")


def package_from_purl(purl: str) -> Package | None:
    """The package a purl names; None for a type Seawall does not match.

    Raises InvalidInput for a string that is not a purl.
    """
    try:
        parsed = PackageURL.from_string(purl)
    except ValueError as exc:
        raise InvalidInput(f"invalid package URL {purl!r}: {exc}") from exc
    if not parsed.version:
        return None
    if parsed.type in _LANGUAGE:
        return _language(parsed, purl)
    if parsed.type in _OS_TYPES:
        return _os(parsed, purl)
    return None


def _language(parsed: PackageURL, purl: str) -> Package:
    ecosystem, kind = _LANGUAGE[parsed.type]
    name = parsed.name
    if parsed.namespace:
        separator = ":" if parsed.type == "maven" else "/"
        name = f"{parsed.namespace}{separator}{parsed.name}"
    return Package(
        name=name,
        version=str(parsed.version),
        ecosystem=ecosystem,
        purl=purl,
        type=kind,
    )


def _os(parsed: PackageURL, purl: str) -> Package:
    qualifiers = parsed.qualifiers if isinstance(parsed.qualifiers, dict) else {}
    vendor = (parsed.namespace or "").lower()
    distro_q = str(qualifiers.get("distro") or "")
    distro_id = distro_q.split("-", maxsplit=1)[0].lower()
    ecosystem = _OS.get(vendor) or _OS.get(distro_id, "")
    version = str(parsed.version)
    epoch = qualifiers.get("epoch")
    if epoch and ":" not in version:
        version = f"{epoch}:{version}"
    source = str(qualifiers.get("upstream") or qualifiers.get("source") or "")
    source_name = source.split("@", maxsplit=1)[0].split(" ", maxsplit=1)[0] or None
    if source_name and parsed.type == "rpm":
        source_name = re.sub(r"-[^-]+-[^-]+\.src\.rpm$", "", source_name)
    return Package(
        name=parsed.name,
        version=version,
        ecosystem=ecosystem or vendor,
        purl=purl,
        type=_OS_TYPES[parsed.type],
        source_name=source_name,
        distro=_distro(ecosystem, distro_q),
        metadata={"epoch": epoch or ""},
    )


def _distro(ecosystem: str, qualifier: str) -> str | None:
    # "debian-12", "alpine-3.19.1", "bookworm", "ubuntu-22.04", "almalinux-9.3"
    from seawall.scan.advisories.importers.debian_tracker import CODENAMES

    if not ecosystem or not qualifier:
        return None
    if qualifier in CODENAMES:
        return f"{ecosystem}:{CODENAMES[qualifier]}"
    match = _RELEASE.search(qualifier)
    return f"{ecosystem}:{match.group(1)}" if match else None
