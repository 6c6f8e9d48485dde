"""Malicious layers: every unsafe entry is skipped with a reason, nothing is
written outside the scan's private directory, and memory stays bounded."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
import tempfile
import tracemalloc
import uuid
import zipfile
from pathlib import Path

import pytest

from seawall.scan.image import ScanLimits
from seawall.scan.inventory import Inventory
from tests.unit.scan.conftest import scan
from tests.unit.scan.ocibuild import Layer, build_layout

STATUS = b"Package: zlib1g\nStatus: install ok installed\nVersion: 1:1.2.13\n\n"


def _scan_layers(tmp_path: Path, layers: list[Layer], **limits: int) -> Inventory:
    root = build_layout(tmp_path / "oci", layers)
    return scan(f"oci-dir:{root}", ScanLimits(**limits))


def _reasons(inventory: Inventory) -> dict[str, str]:
    return {s.path: s.reason for s in inventory.skipped}


def _info(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    return info


def test_path_traversal_is_skipped_and_never_written(tmp_path: Path) -> None:
    escape = f"seawall-escape-{uuid.uuid4().hex}"
    name = "../" * 12 + f"tmp/{escape}"
    info = _info(name)
    info.size = len(STATUS)
    inventory = _scan_layers(tmp_path, [Layer().raw(info, STATUS)])
    assert "path traversal" in _reasons(inventory)[name]
    assert not (Path("/tmp") / escape).exists()
    assert inventory.packages == ()


def test_absolute_names_stay_inside_the_image(tmp_path: Path) -> None:
    info = _info("/var/lib/dpkg/status")
    info.size = len(STATUS)
    inventory = _scan_layers(tmp_path, [Layer().raw(info, STATUS)])
    assert [(p.name, p.version) for p in inventory.packages] == [("zlib1g", "1:1.2.13")]


def test_escaping_and_absolute_symlinks_are_never_followed(tmp_path: Path) -> None:
    layer = (
        Layer()
        .symlink("/etc/os-release", "../../../../../../etc/os-release")
        .symlink("/usr/lib/os-release", "/etc/os-release")
        .symlink("/var/lib/dpkg/status", "/var/lib/dpkg/status")
    )
    inventory = _scan_layers(tmp_path, [layer])
    assert "symlink escapes the image root" in _reasons(inventory)["/etc/os-release"]
    # Nothing was read through the links: not the host's os-release nor status.
    assert inventory.distro is None
    assert inventory.packages == ()


def test_hard_link_outside_the_layer(tmp_path: Path) -> None:
    layer = Layer().raw(
        _info("var/lib/dpkg/status", tarfile.LNKTYPE, "../../etc/shadow")
    )
    inventory = _scan_layers(tmp_path, [layer])
    assert "hard link points outside" in _reasons(inventory)["/var/lib/dpkg/status"]


def test_hard_link_inside_the_layer_is_read(tmp_path: Path) -> None:
    layer = Layer().file("/tmp/real-status", STATUS)
    layer.raw(_info("var/lib/dpkg/status", tarfile.LNKTYPE, "tmp/real-status"))
    inventory = _scan_layers(tmp_path, [layer])
    # The target was not wanted when it streamed past, so it is reported.
    assert "hard link to a file not read" in _reasons(inventory)["/var/lib/dpkg/status"]
    layer = Layer().file("/var/lib/dpkg/status", STATUS)
    layer.raw(
        _info("var/lib/dpkg/status.d/zlib1g", tarfile.LNKTYPE, "var/lib/dpkg/status")
    )
    inventory = _scan_layers(tmp_path / "second", [layer])
    (package,) = inventory.packages
    assert {loc.path for loc in package.locations} == {
        "/var/lib/dpkg/status",
        "/var/lib/dpkg/status.d/zlib1g",
    }


@pytest.mark.parametrize("kind", [tarfile.CHRTYPE, tarfile.BLKTYPE, tarfile.FIFOTYPE])
def test_device_files_are_skipped(tmp_path: Path, kind: bytes) -> None:
    info = _info("dev/sda", kind)
    info.devmajor, info.devminor = 8, 0
    inventory = _scan_layers(tmp_path, [Layer().raw(info)])
    assert "device file" in _reasons(inventory)["/dev/sda"]


def test_decompression_bomb_stops_at_the_limit(tmp_path: Path) -> None:
    # 256 MiB of zeros is ~250 KiB gzipped; the limit is 16 MiB unpacked.
    root = tmp_path / "bomb"
    blobs = root / "blobs" / "sha256"
    blobs.mkdir(parents=True)
    header = _info("zeros")
    header.size = 256 * 1024 * 1024
    raw = io.BytesIO()
    with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9) as gz:
        gz.write(header.tobuf(tarfile.PAX_FORMAT))
        chunk = bytes(1024 * 1024)
        for _ in range(256):
            gz.write(chunk)
    layer = raw.getvalue()
    _write_single_layer_layout(root, layer)
    tracemalloc.start()
    inventory = scan(f"oci-dir:{root}", ScanLimits(max_layer_bytes=16 * 1024 * 1024))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "decompression bomb" in _reasons(inventory)["/"]
    assert peak < 64 * 1024 * 1024


def test_enormous_wanted_file_is_skipped(tmp_path: Path) -> None:
    big = STATUS + b"Description: x\n" + b" padding\n" * 300_000
    inventory = _scan_layers(
        tmp_path,
        [Layer().file("/var/lib/dpkg/status", big)],
        max_file_bytes=1024 * 1024,
    )
    assert "over the size limit" in _reasons(inventory)["/var/lib/dpkg/status"]
    assert inventory.packages == ()


def test_large_files_spool_to_the_private_directory_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    private = tmp_path / "tmpdir"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    jar = _jar("big-1.0.jar", {"blob.bin": bytes(3 * 1024 * 1024)})
    inventory = _scan_layers(
        tmp_path, [Layer().file("/opt/big-1.0.jar", jar)], max_memory_file_bytes=1024
    )
    assert [(p.name, p.version) for p in inventory.packages] == [("big", "1.0")]
    assert list(private.iterdir()) == []


def test_spool_budget_is_enforced(tmp_path: Path) -> None:
    layer = Layer()
    for i in range(3):
        layer.file(
            f"/opt/lib{i}-1.0.jar", _jar(f"lib{i}-1.0.jar", {"x": os.urandom(4096)})
        )
    inventory = _scan_layers(
        tmp_path, [layer], max_memory_file_bytes=100, max_spool_bytes=5000
    )
    assert len(inventory.packages) == 1
    assert sum("disk budget" in s.reason for s in inventory.skipped) == 2


def test_deeply_nested_archives_stop_at_the_depth_limit(tmp_path: Path) -> None:
    inner = _jar("level6-1.0.jar", {})
    for depth in range(5, 0, -1):
        inner = _jar(f"level{depth}-1.0.jar", {f"lib/level{depth + 1}-1.0.jar": inner})
    inventory = _scan_layers(
        tmp_path, [Layer().file("/app/level1-1.0.jar", inner)], max_archive_depth=3
    )
    names = sorted(p.name for p in inventory.packages)
    assert names == ["level1", "level2", "level3", "level4"]
    assert any("nested too deeply" in s.reason for s in inventory.skipped)


def test_too_many_entries(tmp_path: Path) -> None:
    layer = Layer()
    for i in range(30):
        layer.file(f"/f{i}", b"x")
    inventory = _scan_layers(tmp_path, [layer], max_entries=10)
    assert "more than 10 entries" in _reasons(inventory)["/"]


def test_corrupt_layer_is_reported_not_raised(tmp_path: Path) -> None:
    root = tmp_path / "corrupt"
    good = gzip.compress(Layer().file("/var/lib/dpkg/status", STATUS).tar())
    _write_single_layer_layout(root, good[: len(good) // 2])
    inventory = scan(f"oci-dir:{root}")
    assert "corrupt layer" in _reasons(inventory)["/"]


def test_garbage_databases_and_binaries_are_reported(tmp_path: Path) -> None:
    junk = hashlib.sha512(b"seawall").digest() * 64
    layer = (
        Layer()
        .file("/var/lib/rpm/Packages", junk)
        .file("/var/lib/rpm/rpmdb.sqlite", junk)
        .file("/usr/bin/tool", b"\x7fELF" + junk, mode=0o755)
        .file("/app/broken.jar", junk)
        .file("/app/node_modules/x/package.json", b"{not json")
    )
    reasons = _reasons(_scan_layers(tmp_path, [layer]))
    assert "rpm database" in reasons["/var/lib/rpm/Packages"]
    assert "rpm database" in reasons["/var/lib/rpm/rpmdb.sqlite"]
    assert "failed to read archive" in reasons["/app/broken.jar"]
    assert "failed to parse" in reasons["/app/node_modules/x/package.json"]


def _jar(name: str, members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
        for member, data in members.items():
            archive.writestr(member, data)
    return out.getvalue()


def _write_single_layer_layout(root: Path, layer: bytes) -> None:
    blobs = root / "blobs" / "sha256"
    blobs.mkdir(parents=True, exist_ok=True)

    def put(data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        (blobs / digest).write_bytes(data)
        return f"sha256:{digest}"

    config = json.dumps(
        {"os": "linux", "architecture": "amd64", "rootfs": {"diff_ids": []}}
    ).encode()
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": put(config),
                "size": len(config),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": put(layer),
                    "size": len(layer),
                }
            ],
        }
    ).encode()
    index = {
        "schemaVersion": 2,
        "manifests": [
            {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": put(manifest),
                "size": len(manifest),
            }
        ],
    }
    (root / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    (root / "index.json").write_text(json.dumps(index))
