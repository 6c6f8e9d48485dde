"""``seawall sbom registry://...`` against a real registry (Debian's
docker-registry, the CNCF distribution server), images pushed with skopeo."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from seawall.cli.main import cli
from tests.helpers import require_tool
from tests.unit.scan.ocibuild import Layer, build_layout

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = require_tool("docker-registry")
    root = tmp_path_factory.mktemp("registry")
    port = _free_port()
    config = root / "config.yml"
    config.write_text(
        "version: 0.1\n"
        f"storage:\n  filesystem:\n    rootdirectory: {root / 'data'}\n"
        f"http:\n  addr: 127.0.0.1:{port}\n"
        "log:\n  level: error\n"
    )
    process = subprocess.Popen(
        [binary, "serve", str(config)], stderr=subprocess.DEVNULL
    )
    host = f"127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"http://{host}/v2/").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield host
    finally:
        process.terminate()
        process.wait(timeout=10)


def _push(layout: Path, host: str, repo: str) -> None:
    skopeo = require_tool("skopeo")
    subprocess.run(
        [
            skopeo,
            "copy",
            "--dest-tls-verify=false",
            f"oci:{layout}:v1",
            f"docker://{host}/{repo}:v1",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


def _sbom(image: str) -> dict[str, object]:
    result = CliRunner().invoke(cli, ["sbom", image, "-o", "json", "--no-cache", "-q"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)  # type: ignore[no-any-return]


def test_registry_image_matches_the_layout(registry: str, tmp_path: Path) -> None:
    layers = [
        Layer()
        .host_file(Path("/usr/lib/os-release"), "/etc/os-release")
        .host_file(Path("/var/lib/dpkg/status")),
        Layer().file(
            "/app/node_modules/lodash/package.json",
            b'{"name": "lodash", "version": "4.17.15"}',
        ),
    ]
    layout = build_layout(tmp_path / "img", layers, tag="v1")
    _push(layout, registry, "team/app")
    remote = _sbom(f"registry://{registry}/team/app:v1")
    local = _sbom(f"oci-dir:{layout}:v1")
    local_packages: list[dict[str, str]] = local["packages"]  # type: ignore[index]
    remote_packages: list[dict[str, str]] = remote["packages"]  # type: ignore[index]
    key = [(p["type"], p["name"], p["version"]) for p in local_packages]
    assert [(p["type"], p["name"], p["version"]) for p in remote_packages] == key
    assert remote["manifestDigest"] == local["manifestDigest"]
    assert remote["distro"]["id"] == "debian"  # type: ignore[index]


def test_registry_errors_are_reported(registry: str) -> None:
    result = CliRunner().invoke(
        cli, ["sbom", f"registry://{registry}/team/missing:v1", "--no-cache", "-q"]
    )
    assert result.exit_code == 1
    assert "failed to" in result.output
    assert "Traceback" not in result.output
