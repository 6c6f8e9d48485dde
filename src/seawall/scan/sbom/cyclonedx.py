"""CycloneDX 1.6 JSON through ``cyclonedx-python-lib``.

The image is the BOM's metadata component (type container); each package
is a library (an operating system's packages keep type library, the
distribution itself is an operating-system component). Locations, layer
digests and source packages go into ``seawall:*`` properties.
"""

from __future__ import annotations

from typing import Any

from cyclonedx.contrib.license.exceptions import InvalidSpdxLicenseException
from cyclonedx.contrib.license.factories import LicenseFactory
from cyclonedx.model import Property
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.output.json import JsonV1Dot6
from packageurl import PackageURL

from seawall.scan.inventory import Inventory, Package


def render(inventory: Inventory) -> str:
    bom = Bom()
    bom.metadata.component = Component(
        name=inventory.image,
        version=inventory.manifest_digest,
        type=ComponentType.CONTAINER,
        bom_ref=inventory.manifest_digest,
    )
    if inventory.distro is not None:
        bom.components.add(
            Component(
                name=inventory.distro.id,
                version=inventory.distro.version_id,
                type=ComponentType.OPERATING_SYSTEM,
                description=inventory.distro.pretty_name or None,
                bom_ref=f"os:{inventory.distro.id}",
            )
        )
    components = [_component(p, i) for i, p in enumerate(inventory.packages)]
    for component in components:
        bom.components.add(component)
    bom.register_dependency(bom.metadata.component, components)
    return JsonV1Dot6(bom).output_as_string(indent=2)


def _licenses(texts: tuple[str, ...]) -> list[Any]:
    """One expression alone, or several single licenses (CycloneDX forbids mixing)."""
    factory = LicenseFactory()
    if len(texts) == 1:
        return [factory.make_from_string(texts[0])]
    out = []
    for text in texts:
        try:
            out.append(factory.make_with_id(text))
        except InvalidSpdxLicenseException:
            out.append(factory.make_with_name(text))
    return out


def _component(package: Package, index: int) -> Component:
    properties = [Property(name="seawall:package:type", value=package.type)]
    properties += [
        Property(name="seawall:location:path", value=loc.path)
        for loc in package.locations
    ]
    properties += [
        Property(name="seawall:location:layerDigest", value=loc.layer_digest)
        for loc in package.locations[:1]
    ]
    if package.source_name:
        source = f"{package.source_name} {package.source_version or ''}".strip()
        properties.append(Property(name="seawall:package:source", value=source))
    return Component(
        name=package.name,
        version=package.version,
        type=ComponentType.LIBRARY,
        purl=PackageURL.from_string(package.purl) if package.purl else None,
        bom_ref=f"{package.purl}#{index}",
        licenses=_licenses(package.licenses),
        properties=properties,
    )
