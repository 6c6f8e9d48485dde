"""The package inventory: the stable, versioned output of the catalogers.

An :class:`Inventory` is what the catalogers produce for one image (one
platform), what ``seawall sbom`` renders, what the matcher consumes and what
the registry stores per image for continuous scanning. Its JSON form carries
``schemaVersion``; bump :data:`SCHEMA_VERSION` on any incompatible change and
keep :func:`Inventory.from_json` reading older versions.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SCHEMA_VERSION = 1


class Ecosystem:
    """Ecosystem names, spelled as OSV spells them."""

    DEBIAN = "Debian"
    UBUNTU = "Ubuntu"
    ALPINE = "Alpine"
    WOLFI = "Wolfi"
    CHAINGUARD = "Chainguard"
    REDHAT = "Red Hat"
    ALMALINUX = "AlmaLinux"
    ROCKY = "Rocky Linux"
    PYPI = "PyPI"
    NPM = "npm"
    GO = "Go"
    MAVEN = "Maven"
    CRATES = "crates.io"
    RUBYGEMS = "RubyGems"
    PACKAGIST = "Packagist"
    NUGET = "NuGet"


@dataclass(frozen=True, slots=True)
class Location:
    """Where a package was found: the layer and the file inside it."""

    layer_digest: str
    path: str


@dataclass(frozen=True, slots=True)
class Package:
    """One installed package.

    ``ecosystem`` uses OSV's names. For OS packages ``distro`` is the OSV-style
    release key (``"Debian:12"``, ``"Alpine:v3.19"``) and ``source_name`` /
    ``source_version`` name the source package advisories are keyed by.
    """

    name: str
    version: str
    ecosystem: str
    purl: str
    type: str  # syft-style package type: deb, apk, rpm, python, npm, go-module, ...
    locations: tuple[Location, ...] = ()
    licenses: tuple[str, ...] = ()
    source_name: str | None = None
    source_version: str | None = None
    distro: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["locations"] = [asdict(loc) for loc in self.locations]
        out["licenses"] = list(self.licenses)
        return out

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Package:
        data = dict(obj)
        data["locations"] = tuple(Location(**loc) for loc in data.get("locations", ()))
        data["licenses"] = tuple(data.get("licenses", ()))
        return cls(**data)


@dataclass(frozen=True, slots=True)
class Distro:
    """The operating system of the image, from /etc/os-release and friends."""

    id: str  # debian, ubuntu, alpine, wolfi, rhel, almalinux, rocky, ...
    version_id: str
    pretty_name: str = ""
    codename: str = ""


@dataclass(frozen=True, slots=True)
class Skipped:
    """Something a cataloger passed over on purpose, and why."""

    layer_digest: str
    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class Inventory:
    """Every package in one image for one platform."""

    image: str  # the reference scanned, for display
    manifest_digest: str
    platform: str  # os/arch[/variant]
    distro: Distro | None
    packages: tuple[Package, ...]
    layers: tuple[str, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    schema_version: int = SCHEMA_VERSION

    def to_json(self) -> dict[str, Any]:
        return {
            "schemaVersion": self.schema_version,
            "image": self.image,
            "manifestDigest": self.manifest_digest,
            "platform": self.platform,
            "distro": asdict(self.distro) if self.distro else None,
            "layers": list(self.layers),
            "packages": [p.to_json() for p in self.packages],
            "skipped": [asdict(s) for s in self.skipped],
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Inventory:
        version = obj.get("schemaVersion")
        if version != SCHEMA_VERSION:
            raise ValueError(f"unsupported inventory schemaVersion {version!r}")
        distro = obj.get("distro")
        return cls(
            image=obj["image"],
            manifest_digest=obj["manifestDigest"],
            platform=obj["platform"],
            distro=Distro(**distro) if distro else None,
            packages=tuple(Package.from_json(p) for p in obj.get("packages", ())),
            layers=tuple(obj.get("layers", ())),
            skipped=tuple(Skipped(**s) for s in obj.get("skipped", ())),
        )
