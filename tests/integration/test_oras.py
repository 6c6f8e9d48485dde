"""oras (the Python SDK) pushes artifacts with a subject; the referrers API lists them."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import httpx
import oras.client
import oras.oci
import pytest

from tests.helpers import require_tool
from tests.integration.conftest import ADMIN_CREDS, ADMIN_KEY_ID, ADMIN_SECRET
from tests.live import LiveServer

pytestmark = pytest.mark.integration


def oras_client(server: LiveServer) -> oras.client.OrasClient:
    client = oras.client.OrasClient(
        hostname=server.host, insecure=True, auth_backend="basic"
    )
    client.login(username=ADMIN_KEY_ID, password=ADMIN_SECRET, hostname=server.host)
    return client


def test_push_artifact_with_subject_and_list_referrers(
    server: LiveServer,
    image_layout: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    require_tool("skopeo")
    subprocess.run(
        [
            "skopeo",
            "--insecure-policy",
            "copy",
            "--dest-tls-verify=false",
            "--dest-creds",
            ADMIN_CREDS,
            f"oci:{image_layout}:v1",
            f"docker://{server.host}/oras/app:v1",
        ],
        check=True,
        capture_output=True,
    )
    auth = (ADMIN_KEY_ID, ADMIN_SECRET)
    head = httpx.head(
        f"{server.url}/v2/oras/app/manifests/v1",
        headers={"Accept": "application/vnd.oci.image.manifest.v1+json"},
        auth=auth,
    )
    subject_digest = head.headers["Docker-Content-Digest"]
    subject = oras.oci.Subject(
        mediaType="application/vnd.oci.image.manifest.v1+json",
        digest=subject_digest,
        size=int(head.headers["Content-Length"]),
    )

    sbom = tmp_path / "sbom.json"
    sbom.write_text(json.dumps({"bomFormat": "CycloneDX", "components": []}))
    monkeypatch.chdir(tmp_path)
    client = oras_client(server)
    response = client.push(
        target=f"{server.host}/oras/app:sbom",
        files=["sbom.json:application/vnd.cyclonedx+json"],
        subject=subject,
        manifest_annotations={"org.opencontainers.image.title": "sbom"},
    )
    assert response.status_code == 201
    assert response.headers.get("OCI-Subject") == subject_digest

    listing = httpx.get(
        f"{server.url}/v2/oras/app/referrers/{subject_digest}", auth=auth
    )
    manifests = listing.json()["manifests"]
    assert len(manifests) == 1
    pushed = httpx.get(
        f"{server.url}/v2/oras/app/manifests/sbom",
        headers={"Accept": "application/vnd.oci.image.manifest.v1+json"},
        auth=auth,
    )
    assert (
        manifests[0]["digest"] == "sha256:" + hashlib.sha256(pushed.content).hexdigest()
    )
    assert manifests[0]["annotations"]["org.opencontainers.image.title"] == "sbom"

    # The artifact's file comes back through oras pull.
    out = tmp_path / "pulled"
    files = client.pull(target=f"{server.host}/oras/app:sbom", outdir=str(out))
    assert Path(files[0]).read_text() == sbom.read_text()
