"""Image sources, compression, whiteouts, platforms and the per-layer cache."""

from __future__ import annotations

import json
from pathlib import Path
from typing import BinaryIO

import pytest

from seawall.errors import ManifestUnknown, NotFound, Unsupported
from seawall.oci.digest import Digest
from seawall.scan.catalogers import build
from seawall.scan.catalogers.cache import DirectoryCache
from seawall.scan.catalogers.pipeline import catalog_image
from seawall.scan.image import ScanLimits, open_image
from seawall.scan.image.resolve import resolve
from seawall.scan.inventory import Inventory
from tests.unit.scan.conftest import scan
from tests.unit.scan.ocibuild import (
    Layer,
    build_docker_archive,
    build_layout,
    image_manifest,
    write_layout,
)

STATUS = Path("/var/lib/dpkg/status")


def _base() -> Layer:
    return (
        Layer()
        .host_file(Path("/usr/lib/os-release"), "/etc/os-release")
        .host_file(STATUS)
    )


def _names(inventory: Inventory) -> set[tuple[str, str, str]]:
    return {(p.type, p.name, p.version) for p in inventory.packages}


@pytest.mark.parametrize("compression", ["gzip", "zstd", "none"])
def test_every_layer_compression(tmp_path: Path, compression: str) -> None:
    root = build_layout(tmp_path / "img", [_base()], compression)
    inventory = scan(f"oci-dir:{root}")
    debs = [p for p in inventory.packages if p.type == "deb"]
    assert len(debs) == STATUS.read_text().count("Status: install ok installed")


def test_docker_archive_equals_oci_layout(tmp_path: Path) -> None:
    layers = [
        _base(),
        Layer().file(
            "/app/node_modules/a/package.json", b'{"name": "a", "version": "1.0.0"}'
        ),
    ]
    oci = scan(f"oci-dir:{build_layout(tmp_path / 'oci', layers)}")
    archive = build_docker_archive(tmp_path / "image.tar", layers)
    docker = scan(f"docker-archive:{archive}")
    assert _names(docker) == _names(oci)
    assert docker.layers == oci.layers  # diff ids, whatever the compression


def test_opaque_directory_and_replaced_files(tmp_path: Path) -> None:
    lower = Layer().file(
        "/app/node_modules/a/package.json", b'{"name":"a","version":"1.0.0"}'
    )
    lower.file("/var/lib/dpkg/status", b"Package: x\nVersion: 1\n")
    upper = Layer().file("/app/node_modules/.wh..wh..opq", b"")
    upper.file("/app/node_modules/b/package.json", b'{"name":"b","version":"2.0.0"}')
    upper.file("/var/lib/dpkg/status", b"Package: x\nVersion: 2\n")
    inventory = scan(f"oci-dir:{build_layout(tmp_path / 'img', [lower, upper])}")
    assert _names(inventory) == {("npm", "b", "2.0.0"), ("deb", "x", "2")}


def _multi_platform(tmp_path: Path) -> Path:
    root = tmp_path / "multi"
    root.mkdir()
    amd = image_manifest(
        root, [Layer().file("/var/lib/dpkg/status", b"Package: amd\nVersion: 1\n")]
    )
    arm = image_manifest(
        root,
        [Layer().file("/var/lib/dpkg/status", b"Package: arm\nVersion: 1\n")],
        arch="arm64",
    )
    attestation = dict(amd)
    attestation["platform"] = {"os": "unknown", "architecture": "unknown"}
    index = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [amd, arm, attestation],
        }
    ).encode()
    from tests.unit.scan.ocibuild import _put

    digest = _put(root, index)
    entry = {
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "digest": digest,
        "size": len(index),
    }
    return write_layout(root, [entry])


@pytest.mark.parametrize(
    ("platform", "expected"),
    [(None, ["amd"]), ("linux/arm64", ["arm"]), ("all", ["amd", "arm"])],
)
def test_multi_platform_index(
    tmp_path: Path, platform: str | None, expected: list[str]
) -> None:
    limits = ScanLimits()
    opened = open_image(f"oci-dir:{_multi_platform(tmp_path)}:latest", limits)
    images = resolve(
        opened.source, opened.reference, platform, limits.max_manifest_bytes
    )
    names = [
        catalog_image(opened.source, opened.name, image, build(), limits)
        .packages[0]
        .name
        for image in images
    ]
    assert names == expected
    assert [image.platform for image in images] == [
        f"linux/{'amd64' if n == 'amd' else 'arm64'}" for n in expected
    ]


def test_missing_platform_and_tag(tmp_path: Path) -> None:
    limits = ScanLimits()
    opened = open_image(f"oci-dir:{_multi_platform(tmp_path)}", limits)
    with pytest.raises(NotFound, match="linux/s390x"):
        resolve(opened.source, "latest", "linux/s390x", limits.max_manifest_bytes)
    with pytest.raises(ManifestUnknown):
        resolve(opened.source, "nope", None, limits.max_manifest_bytes)
    with pytest.raises(Unsupported):
        open_image("ftp://example/x", limits)


class _CountingSource:
    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.opened: list[str] = []

    def manifest(self, reference: str | None) -> tuple[bytes, str | None]:
        return self.inner.manifest(reference)  # type: ignore[attr-defined,no-any-return]

    def open_blob(self, digest: Digest, size: int | None = None) -> BinaryIO:
        self.opened.append(str(digest))
        return self.inner.open_blob(digest, size)  # type: ignore[attr-defined,no-any-return]

    def close(self) -> None:
        self.inner.close()  # type: ignore[attr-defined]


def test_per_layer_cache_reads_shared_layers_once(tmp_path: Path) -> None:
    base = _base()
    app = Layer().file(
        "/app/node_modules/a/package.json", b'{"name":"a","version":"1.0.0"}'
    )
    first = build_layout(tmp_path / "one", [base, app])
    second = build_layout(tmp_path / "two", [base, Layer().file("/x", b"x")])
    cache = DirectoryCache(tmp_path / "cache")
    limits = ScanLimits()

    def run(
        root: Path, catalogers: list[object] | None = None
    ) -> tuple[Inventory, int]:
        opened = open_image(f"oci-dir:{root}", limits)
        source = _CountingSource(opened.source)
        image = resolve(source, None, None, limits.max_manifest_bytes)[0]
        layer_digests = {str(layer.digest) for layer in image.layers}
        inventory = catalog_image(
            source, opened.name, image, catalogers or build(), limits, cache=cache
        )
        return inventory, len([d for d in source.opened if d in layer_digests])

    cold, reads = run(first)
    assert reads == 2
    warm, reads = run(first)
    assert (reads, warm.packages) == (0, cold.packages)
    _, reads = run(second)
    assert reads == 1  # the shared base layer came from the cache

    bumped = build()
    bumped[1].version = 999  # type: ignore[misc]
    _, reads = run(first, bumped)
    assert reads == 2


def test_inventory_json_round_trip(tmp_path: Path) -> None:
    inventory = scan(f"oci-dir:{build_layout(tmp_path / 'img', [_base()])}")
    again = Inventory.from_json(json.loads(json.dumps(inventory.to_json())))
    assert again == inventory


def test_a_replaced_file_hides_the_lower_one_even_when_it_yields_nothing(
    tmp_path: Path,
) -> None:
    lower = Layer().file(
        "/app/node_modules/a/package.json", b'{"name":"a","version":"1"}'
    )
    upper = Layer().file("/app/node_modules/a/package.json", b"{broken")
    inventory = scan(f"oci-dir:{build_layout(tmp_path / 'img', [lower, upper])}")
    assert inventory.packages == ()
    assert [s.path for s in inventory.skipped] == ["/app/node_modules/a/package.json"]
