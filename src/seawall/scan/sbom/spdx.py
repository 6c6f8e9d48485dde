"""SPDX 2.3 JSON through ``spdx-tools``.

Each package is an SPDX package with a purl external reference; the image
is the described root package that CONTAINS them. Licenses that are valid
SPDX expressions become ``licenseDeclared``; others stay NOASSERTION with
the original text in ``licenseComments``.
"""

from __future__ import annotations

import io
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from license_expression import (  # type: ignore[import-untyped]
    ExpressionError,
    get_spdx_licensing,
)
from spdx_tools.spdx.model import (  # type: ignore[attr-defined]
    Actor,
    ActorType,
    CreationInfo,
    Document,
    ExternalPackageRef,
    ExternalPackageRefCategory,
    Package,
    PackagePurpose,
    Relationship,
    RelationshipType,
    SpdxNoAssertion,
)
from spdx_tools.spdx.writer.json.json_writer import write_document_to_stream

from seawall.scan.inventory import Inventory
from seawall.scan.inventory import Package as SeawallPackage

_ID_UNSAFE = re.compile(r"[^A-Za-z0-9.-]")
_LICENSING = get_spdx_licensing()


def render(inventory: Inventory) -> str:
    out = io.StringIO()
    write_document_to_stream(build(inventory), out, validate=True)
    return out.getvalue()


def build(inventory: Inventory) -> Document:
    """The SPDX document model (validated by the writer)."""
    info = CreationInfo(
        spdx_version="SPDX-2.3",
        spdx_id="SPDXRef-DOCUMENT",
        name=inventory.image,
        document_namespace=f"https://seawall.invalid/spdx/{uuid.uuid4()}",
        creators=[Actor(ActorType.TOOL, "seawall")],
        created=datetime.now(UTC).replace(microsecond=0),
    )
    root = Package(
        spdx_id="SPDXRef-Image",
        name=inventory.image,
        download_location=SpdxNoAssertion(),
        version=inventory.manifest_digest,
        files_analyzed=False,
        primary_package_purpose=PackagePurpose.CONTAINER,
    )
    packages = [root]
    relationships = [
        Relationship("SPDXRef-DOCUMENT", RelationshipType.DESCRIBES, "SPDXRef-Image")
    ]
    for index, package in enumerate(inventory.packages):
        spdx_package = _package(package, index)
        packages.append(spdx_package)
        relationships.append(
            Relationship(
                "SPDXRef-Image", RelationshipType.CONTAINS, spdx_package.spdx_id
            )
        )
    return Document(info, packages=packages, relationships=relationships)


def _package(package: SeawallPackage, index: int) -> Package:
    spdx_id = (
        f"SPDXRef-Package-{package.type}-{_ID_UNSAFE.sub('-', package.name)}-{index}"
    )
    declared, comment = _license(package.licenses)
    refs = []
    if package.purl:
        refs.append(
            ExternalPackageRef(
                ExternalPackageRefCategory.PACKAGE_MANAGER, "purl", package.purl
            )
        )
    source = package.locations[0].path if package.locations else None
    return Package(
        spdx_id=spdx_id,
        name=package.name,
        download_location=SpdxNoAssertion(),
        version=package.version,
        files_analyzed=False,
        license_declared=declared,
        license_concluded=SpdxNoAssertion(),
        license_comment=comment,
        source_info=f"found in {source}" if source else None,
        external_references=refs,
        primary_package_purpose=PackagePurpose.LIBRARY,
    )


def _license(licenses: tuple[str, ...]) -> tuple[Any, str | None]:
    if not licenses:
        return SpdxNoAssertion(), None
    text = " AND ".join(f"({x})" if " " in x else x for x in licenses)
    try:
        info = _LICENSING.validate(text)
    except ExpressionError:
        return SpdxNoAssertion(), "; ".join(licenses)
    if info.errors or info.invalid_symbols:
        return SpdxNoAssertion(), "; ".join(licenses)
    return _LICENSING.parse(info.normalized_expression), None
