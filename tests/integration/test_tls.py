"""``seawall serve`` over HTTPS with its self-signed CA, driven by skopeo."""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers import require_tool
from tests.integration.conftest import ADMIN_CREDS, start_server
from tests.live import LiveServer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("seawall-tls") / "data"
    live = start_server(data_dir, SEAWALL_TLS_SELF_SIGNED="true")
    yield live
    live.stop()


@pytest.fixture(scope="module")
def cert_dir(tls_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A containers-style certificate directory trusting the server's CA."""
    directory = tmp_path_factory.mktemp("certs")
    shutil.copy(tls_server.data_dir / "tls" / "ca.pem", directory / "ca.crt")
    return directory


def skopeo(*args: str) -> subprocess.CompletedProcess[str]:
    require_tool("skopeo")
    return subprocess.run(
        ["skopeo", "--insecure-policy", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _manifest_of(layout: Path) -> bytes:
    index = json.loads((layout / "index.json").read_text())
    digest = index["manifests"][0]["digest"].split(":")[1]
    return (layout / "blobs" / "sha256" / digest).read_bytes()


def test_skopeo_round_trips_an_image_trusting_the_ca(
    tls_server: LiveServer, cert_dir: Path, image_layout: Path, tmp_path: Path
) -> None:
    # Pushed by name (DNS SAN), read back by address (IP SAN).
    by_name = f"docker://localhost:{tls_server.port}/tls/app:v1"
    by_address = f"docker://127.0.0.1:{tls_server.port}/tls/app:v1"
    pushed = skopeo(
        "copy", "--dest-cert-dir", str(cert_dir), "--dest-creds", ADMIN_CREDS,
        f"oci:{image_layout}:v1", by_name,
    )  # fmt: skip
    assert pushed.returncode == 0, pushed.stderr

    out = tmp_path / "pulled"
    pulled = skopeo(
        "copy", "--src-cert-dir", str(cert_dir), "--src-creds", ADMIN_CREDS,
        by_address, f"oci:{out}:v1",
    )  # fmt: skip
    assert pulled.returncode == 0, pulled.stderr
    assert _manifest_of(out) == _manifest_of(image_layout)
    for blob in (image_layout / "blobs" / "sha256").iterdir():
        assert (out / "blobs" / "sha256" / blob.name).read_bytes() == blob.read_bytes()


def test_a_client_that_does_not_trust_the_ca_is_refused(
    tls_server: LiveServer,
) -> None:
    result = skopeo(
        "inspect", "--raw", "--creds", ADMIN_CREDS,
        f"docker://localhost:{tls_server.port}/tls/app:v1",
    )  # fmt: skip
    assert result.returncode != 0
    assert "certificate signed by unknown authority" in result.stderr

    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(f"https://localhost:{tls_server.port}/v2/", timeout=10)


def test_python_clients_verify_the_chain_and_the_host_name(
    tls_server: LiveServer, cert_dir: Path
) -> None:
    trusting = ssl.create_default_context(cafile=cert_dir / "ca.crt")
    for host in ("localhost", "127.0.0.1"):
        response = httpx.get(
            f"https://{host}:{tls_server.port}/v2/", verify=trusting, timeout=10
        )
        # Anonymous: the registry answers (it asks for credentials) over TLS.
        assert response.status_code in (200, 401)
        assert response.http_version == "HTTP/1.1"


def test_plain_http_is_not_served_on_the_tls_port(tls_server: LiveServer) -> None:
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{tls_server.port}/v2/", timeout=5)
