"""Fixtures: a real vulnerable image (old PyPI releases) as an OCI layout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.scan.ocibuild import _put, build_layout, image_manifest, write_layout
from tests.unit.scan.realcontent import python_layer

OCI_INDEX = "application/vnd.oci.image.index.v1+json"


@pytest.fixture(scope="session")
def python_image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One image: PyYAML 5.3, requests 2.19.1, Django 2.2, ... in site-packages."""
    return build_layout(tmp_path_factory.mktemp("pyimage") / "layout", [python_layer()])


@pytest.fixture(scope="session")
def python_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of two platforms holding the same Python packages."""
    root = tmp_path_factory.mktemp("pyindex") / "layout"
    layer = python_layer()
    manifests = [image_manifest(root, [layer], arch=a) for a in ("amd64", "arm64")]
    raw = json.dumps(
        {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests}
    ).encode()
    index = {"mediaType": OCI_INDEX, "digest": _put(root, raw), "size": len(raw)}
    return write_layout(root, [index], tag="multi")
