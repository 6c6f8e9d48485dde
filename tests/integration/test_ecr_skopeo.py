"""Layers cross between the ECR upload operations and the /v2/ API.

A blob uploaded with InitiateLayerUpload/UploadLayerPart/CompleteLayerUpload
is pulled by skopeo byte for byte; an image pushed by skopeo is read back
with BatchGetImage and GetDownloadUrlForLayer.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers import require_tool
from tests.integration.conftest import ADMIN_CREDS
from tests.integration.ecr_support import ecr_client, push_image
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


@pytest.fixture(scope="module")
def ecr(server: LiveServer) -> Any:
    return ecr_client(server)


def test_ecr_uploaded_image_pulls_with_skopeo(
    ecr: Any, server: LiveServer, tmp_path: Path
) -> None:
    ecr.create_repository(repositoryName="interop/from-ecr")
    digest, manifest = push_image(ecr, "interop/from-ecr", "v1", "interop")
    out = tmp_path / "pulled"
    skopeo(
        "copy",
        "--src-tls-verify=false",
        "--src-creds",
        ADMIN_CREDS,
        f"docker://{server.host}/interop/from-ecr:v1",
        f"oci:{out}:v1",
    )
    index = json.loads((out / "index.json").read_text())
    assert index["manifests"][0]["digest"] == digest
    for layer in json.loads(manifest)["layers"]:
        algorithm, hexdigest = layer["digest"].split(":")
        blob = (out / "blobs" / algorithm / hexdigest).read_bytes()
        assert "sha256:" + hashlib.sha256(blob).hexdigest() == layer["digest"]
        assert len(blob) == layer["size"]


def test_skopeo_pushed_image_reads_through_ecr(
    ecr: Any, server: LiveServer, image_layout: Path
) -> None:
    skopeo(
        "copy",
        "--dest-tls-verify=false",
        "--dest-creds",
        ADMIN_CREDS,
        f"oci:{image_layout}:v1",
        f"docker://{server.host}/interop/from-v2:v1",
    )
    got = ecr.batch_get_image(
        repositoryName="interop/from-v2", imageIds=[{"imageTag": "v1"}]
    )
    manifest = json.loads(got["images"][0]["imageManifest"])
    digests = [d["digest"] for d in manifest["layers"]]
    available = ecr.batch_check_layer_availability(
        repositoryName="interop/from-v2", layerDigests=digests
    )["layers"]
    assert {x["layerAvailability"] for x in available} == {"AVAILABLE"}
    for layer in manifest["layers"]:
        url = ecr.get_download_url_for_layer(
            repositoryName="interop/from-v2", layerDigest=layer["digest"]
        )["downloadUrl"]
        blob = httpx.get(url).content
        assert "sha256:" + hashlib.sha256(blob).hexdigest() == layer["digest"]
