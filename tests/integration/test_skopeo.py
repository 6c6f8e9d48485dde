"""skopeo copies real images in and out; digests survive byte for byte."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.helpers import require_tool
from tests.integration.conftest import ADMIN_CREDS
from tests.live import LiveServer

pytestmark = pytest.mark.integration


def skopeo(*args: str) -> str:
    require_tool("skopeo")
    result = subprocess.run(
        ["skopeo", "--insecure-policy", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def push(layout: Path, tag: str, server: LiveServer, repo: str, *extra: str) -> None:
    skopeo(
        "copy",
        "--dest-tls-verify=false",
        "--dest-creds",
        ADMIN_CREDS,
        *extra,
        f"oci:{layout}:{tag}",
        f"docker://{server.host}/{repo}",
    )


def inspect_raw(server: LiveServer, repo: str) -> bytes:
    out = skopeo(
        "inspect",
        "--raw",
        "--tls-verify=false",
        "--creds",
        ADMIN_CREDS,
        f"docker://{server.host}/{repo}",
    )
    return out.encode()


def layout_manifest(layout: Path) -> bytes:
    index = json.loads((layout / "index.json").read_text())
    digest = index["manifests"][0]["digest"].split(":")[1]
    return (layout / "blobs" / "sha256" / digest).read_bytes()


def blob_files(layout: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (layout / "blobs" / "sha256").iterdir()}


def test_oci_image_round_trip(
    server: LiveServer, image_layout: Path, tmp_path: Path
) -> None:
    push(image_layout, "v1", server, "skopeo/oci:v1")

    raw = inspect_raw(server, "skopeo/oci:v1")
    assert raw == layout_manifest(image_layout)

    out = tmp_path / "out"
    skopeo(
        "copy",
        "--src-tls-verify=false",
        "--src-creds",
        ADMIN_CREDS,
        f"docker://{server.host}/skopeo/oci:v1",
        f"oci:{out}:v1",
    )
    pulled = blob_files(out)
    for name, data in pulled.items():
        assert hashlib.sha256(data).hexdigest() == name
    assert pulled == blob_files(image_layout)


def test_docker_format_round_trip(
    server: LiveServer, image_layout: Path, tmp_path: Path
) -> None:
    push(image_layout, "v1", server, "skopeo/docker:v1", "--format", "v2s2")

    raw = inspect_raw(server, "skopeo/docker:v1")
    manifest = json.loads(raw)
    assert (
        manifest["mediaType"] == "application/vnd.docker.distribution.manifest.v2+json"
    )

    out = tmp_path / "docker-out"
    skopeo(
        "copy",
        "--src-tls-verify=false",
        "--src-creds",
        ADMIN_CREDS,
        "--preserve-digests",
        f"docker://{server.host}/skopeo/docker:v1",
        f"dir:{out}",
    )
    assert (out / "manifest.json").read_bytes() == raw
    for layer in manifest["layers"]:
        data = (out / layer["digest"].split(":")[1]).read_bytes()
        assert "sha256:" + hashlib.sha256(data).hexdigest() == layer["digest"]


def test_multiplatform_index_round_trip(
    server: LiveServer, multiplatform_layout: Path, tmp_path: Path
) -> None:
    push(multiplatform_layout, "multi", server, "skopeo/multi:multi", "--all")

    raw = inspect_raw(server, "skopeo/multi:multi")
    assert raw == layout_manifest(multiplatform_layout)
    index = json.loads(raw)
    assert {m["platform"]["architecture"] for m in index["manifests"]} == {
        "amd64",
        "arm64",
    }

    # Each platform's manifest is served by digest, byte for byte.
    for child in index["manifests"]:
        response = httpx.get(
            f"{server.url}/v2/skopeo/multi/manifests/{child['digest']}",
            headers={"Accept": child["mediaType"]},
            auth=tuple(ADMIN_CREDS.split(":", 1)),
        )
        assert response.status_code == 200
        assert (
            "sha256:" + hashlib.sha256(response.content).hexdigest() == child["digest"]
        )

    out = tmp_path / "multi-out"
    skopeo(
        "copy",
        "--all",
        "--src-tls-verify=false",
        "--src-creds",
        ADMIN_CREDS,
        f"docker://{server.host}/skopeo/multi:multi",
        f"oci:{out}:multi",
    )
    assert blob_files(out) == blob_files(multiplatform_layout)


def test_cross_repository_mount(server: LiveServer, image_layout: Path) -> None:
    push(image_layout, "v1", server, "mount/source:v1")
    # skopeo mounts blobs that the registry already holds in another repository.
    push(image_layout, "v1", server, "mount/target:v1")
    assert inspect_raw(server, "mount/target:v1") == layout_manifest(image_layout)
