"""Join squashed layer entries into an inventory's packages and distro.

Steps: the distribution from the first release file present; Debian
licenses from copyright files; distro qualifiers on OS packages; language
packages whose files an OS package owns are folded into that OS package;
duplicates (the same package seen through several files) are merged.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from packageurl import PackageURL

from seawall.scan.catalogers.interface import Entry
from seawall.scan.catalogers.osrelease import RELEASE_FILES
from seawall.scan.inventory import Distro, Ecosystem, Package

OS_TYPES = frozenset({"deb", "apk", "rpm"})
ATTRIBUTABLE = frozenset(
    {"python", "npm", "java-archive", "gem", "php-composer", "dotnet"}
)
_ECOSYSTEMS = {
    "debian": Ecosystem.DEBIAN,
    "ubuntu": Ecosystem.UBUNTU,
    "alpine": Ecosystem.ALPINE,
    "wolfi": Ecosystem.WOLFI,
    "chainguard": Ecosystem.CHAINGUARD,
    "rhel": Ecosystem.REDHAT,
    "almalinux": Ecosystem.ALMALINUX,
    "rocky": Ecosystem.ROCKY,
}


def assemble(entries: Iterable[Entry]) -> tuple[Distro | None, tuple[Package, ...]]:
    """The distro and the final package list of squashed ``entries``."""
    entries = list(entries)
    distro = detect_distro(entries)
    copyrights = _facts(entries, "deb-copyright")
    licenses = {f["package"]: tuple(f["licenses"]) for f in copyrights}
    packages = [
        _with_distro(p, distro, licenses) if p.type in OS_TYPES else p
        for e in entries
        for p in e.packages
    ]
    packages = _attribute(packages, _owners(entries), _owned_md5(entries))
    return distro, _merge(packages)


def _facts(entries: list[Entry], key: str) -> list[dict[str, Any]]:
    return [e.facts[key] for e in entries if key in e.facts]


def detect_distro(entries: list[Entry]) -> Distro | None:
    """The distro from the most trusted release file that survived squashing."""
    by_path = {
        e.path: e.facts["os-release"] for e in entries if "os-release" in e.facts
    }
    for path in RELEASE_FILES:
        fields = by_path.get(path)
        if fields and fields.get("ID"):
            return Distro(
                id=fields["ID"],
                version_id=fields.get("VERSION_ID", ""),
                pretty_name=fields.get("PRETTY_NAME", ""),
                codename=fields.get("VERSION_CODENAME", ""),
            )
    return None


def distro_key(distro: Distro) -> str:
    """The OSV-style release key: ``Debian:12``, ``Alpine:v3.19``."""
    ecosystem = _ECOSYSTEMS.get(distro.id, distro.id)
    version = distro.version_id
    if distro.id == "alpine":
        version = "v" + ".".join(version.split(".")[:2])
    elif distro.id in ("debian", "rhel", "almalinux", "rocky"):
        version = version.split(".")[0]
    return f"{ecosystem}:{version}" if version else ecosystem


def _with_distro(
    package: Package, distro: Distro | None, licenses: dict[str, tuple[str, ...]]
) -> Package:
    changes: dict[str, Any] = {}
    if package.type == "deb" and not package.licenses:
        changes["licenses"] = licenses.get(package.name, ())
    if distro is not None:
        changes["distro"] = distro_key(distro)
        changes["ecosystem"] = _ECOSYSTEMS.get(distro.id, package.ecosystem)
        changes["purl"] = _purl_with_distro(package.purl, distro)
    return dataclasses.replace(package, **changes)


def _purl_with_distro(text: str, distro: Distro) -> str:
    parsed = PackageURL.from_string(text)
    qualifiers = dict(parsed.qualifiers or {})
    qualifiers["distro"] = f"{distro.id}-{distro.version_id}"
    namespace = parsed.namespace
    if parsed.type == "rpm":
        namespace = "redhat" if distro.id == "rhel" else distro.id
    if parsed.type == "deb":
        namespace = distro.id
    return PackageURL(
        parsed.type, namespace, parsed.name, parsed.version, qualifiers, parsed.subpath
    ).to_string()


def _owners(entries: list[Entry]) -> dict[str, str]:
    """Owned path -> ``type:name`` of the OS package that owns it."""
    owners: dict[str, str] = {}
    facts = _facts(entries, "owns")
    for many in _facts_lists(entries):
        facts += many
    for fact in facts:
        for path in fact["files"]:
            owners[path] = f"{fact['type']}:{fact['package']}"
    return owners


def _facts_lists(entries: list[Entry]) -> list[list[dict[str, Any]]]:
    return [e.facts["owns-many"] for e in entries if "owns-many" in e.facts]


def _owned_md5(entries: list[Entry]) -> dict[str, str]:
    return {
        path: digest
        for fact in _facts(entries, "owned-md5")
        for path, digest in fact["sums"].items()
    }


def _attribute(
    packages: list[Package], owners: dict[str, str], md5: dict[str, str]
) -> list[Package]:
    """Fold language packages into the OS package that owns their file.

    Ownership is by exact file (the METADATA, package.json or jar the
    language package was found at), never by directory: directories such as
    ``dist-packages`` are listed by many OS packages. A file whose digest
    differs from the one the OS package recorded was replaced after install
    (``npm install -g npm``, ``pip install --upgrade``) and is not attributed.
    """
    present = {f"{p.type}:{p.name}": p for p in packages if p.type in OS_TYPES}
    folded: dict[str, list[str]] = {}
    kept = []
    for package in packages:
        owner = None
        if package.type in ATTRIBUTABLE and package.locations:
            path = package.locations[0].path
            owner = owners.get(path)
            # TODO(seawall): jars carry no fileMd5 (hashing every jar costs a
            # full read), so a jar replaced after install stays attributed.
            recorded, actual = md5.get(path), package.metadata.get("fileMd5")
            if recorded and actual and recorded != actual:
                owner = None
        if owner is None or owner not in present:
            kept.append(package)
        else:
            folded.setdefault(owner, []).append(package.purl)
    for owner, purls in folded.items():
        present[owner].metadata["languagePackages"] = sorted(set(purls))
    return kept


def _merge(packages: list[Package]) -> tuple[Package, ...]:
    merged: dict[tuple[str, str, str, str], Package] = {}
    for package in packages:
        key = (package.type, package.name, package.version, package.purl)
        seen = merged.get(key)
        if seen is None:
            merged[key] = package
            continue
        locations = tuple(dict.fromkeys(seen.locations + package.locations))
        licenses = tuple(dict.fromkeys(seen.licenses + package.licenses))
        merged[key] = dataclasses.replace(seen, locations=locations, licenses=licenses)
    return tuple(sorted(merged.values(), key=lambda p: (p.type, p.name, p.version)))
