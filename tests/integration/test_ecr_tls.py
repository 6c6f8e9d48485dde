"""The ECR API over HTTPS: boto3 trusting the server's CA, login endpoints."""

from __future__ import annotations

import base64
import json
import ssl
from collections.abc import Iterator

import httpx
import pytest

from tests.integration.conftest import start_server
from tests.integration.ecr_support import ecr_client, push_image
from tests.live import LiveServer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("seawall-ecr-tls") / "data"
    live = start_server(data_dir, SEAWALL_TLS_SELF_SIGNED="true")
    yield live
    live.stop()


def test_boto3_over_https(tls_server: LiveServer) -> None:
    ca = str(tls_server.data_dir / "tls" / "ca.pem")
    assert tls_server.url.startswith("https://")
    ecr = ecr_client(tls_server, verify=ca)
    ecr.create_repository(repositoryName="tls/app")
    push_image(ecr, "tls/app", "v1", "tls")

    data = ecr.get_authorization_token()["authorizationData"][0]
    assert data["proxyEndpoint"] == tls_server.url
    password = base64.b64decode(data["authorizationToken"]).decode().split(":")[1]
    trust = ssl.create_default_context(cafile=ca)
    ping = httpx.get(f"{tls_server.url}/v2/", auth=("AWS", password), verify=trust)
    assert ping.status_code == 200

    digest = ecr.describe_images(repositoryName="tls/app")["imageDetails"][0]
    layers = ecr.batch_get_image(
        repositoryName="tls/app", imageIds=[{"imageDigest": digest["imageDigest"]}]
    )["images"][0]["imageManifest"]
    assert '"layers"' in layers
    url = ecr.get_download_url_for_layer(
        repositoryName="tls/app",
        layerDigest=json.loads(layers)["layers"][0]["digest"],
    )["downloadUrl"]
    assert url.startswith("https://")
    assert httpx.get(url, verify=trust).status_code == 200
