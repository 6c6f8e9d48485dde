"""SBOM output: CycloneDX 1.6 and SPDX 2.3 validated by their own schemas and
validators, native JSON and the table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from spdx_tools.spdx.parser.parse_anything import parse_file
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

from seawall.errors import Unsupported
from seawall.scan.inventory import Inventory
from seawall.scan.sbom import render


def test_cyclonedx_validates_against_the_1_6_schema(
    debian_inventory: Inventory,
) -> None:
    text = render([debian_inventory], "cyclonedx")
    errors = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    assert errors is None, errors
    doc = json.loads(text)
    assert doc["specVersion"] == "1.6"
    purls = {c.get("purl") for c in doc["components"]}
    assert "pkg:pypi/requests@2.19.1" in purls
    assert "pkg:npm/lodash@4.17.15" in purls
    os_component = next(c for c in doc["components"] if c["type"] == "operating-system")
    assert (os_component["name"], os_component["version"]) == ("debian", "12")
    # One component per package plus the operating system.
    assert len(doc["components"]) == len(debian_inventory.packages) + 1


def test_spdx_is_valid_2_3(debian_inventory: Inventory, tmp_path: Path) -> None:
    path = tmp_path / "sbom.spdx.json"
    path.write_text(render([debian_inventory], "spdx"))
    document = parse_file(str(path))
    assert validate_full_spdx_document(document, "SPDX-2.3") == []
    doc = json.loads(path.read_text())
    assert doc["spdxVersion"] == "SPDX-2.3"
    refs = {
        ref["referenceLocator"]
        for package in doc["packages"]
        for ref in package.get("externalRefs", [])
    }
    assert "pkg:pypi/django@2.2" in refs
    assert len(doc["packages"]) == len(debian_inventory.packages) + 1
    declared = [p.get("licenseDeclared") for p in doc["packages"]]
    assert "MIT" in declared  # lodash's: a valid SPDX id is kept as declared
    assert "NOASSERTION" in declared


def test_native_json_and_table(debian_inventory: Inventory) -> None:
    doc = json.loads(render([debian_inventory], "json"))
    assert doc["schemaVersion"] == 1
    assert Inventory.from_json(doc) == debian_inventory
    table = render([debian_inventory], "table")
    assert "lodash" in table
    assert f"{len(debian_inventory.packages)} packages" in table


def test_single_image_formats_refuse_several_platforms(
    debian_inventory: Inventory,
) -> None:
    with pytest.raises(Unsupported, match="--platform"):
        render([debian_inventory, debian_inventory], "spdx")
    assert isinstance(json.loads(render([debian_inventory] * 2, "json")), list)
    with pytest.raises(Unsupported):
        render([debian_inventory], "xml")
