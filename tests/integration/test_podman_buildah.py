"""podman and buildah push and pull without a daemon (vfs storage)."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import require_tool
from tests.integration.conftest import ADMIN_CREDS
from tests.live import LiveServer

pytestmark = pytest.mark.integration
_short_runroots: dict[Path, str] = {}


@pytest.fixture(autouse=True)
def _remove_runroots() -> Iterator[None]:
    yield
    for runroot in _short_runroots.values():
        shutil.rmtree(runroot, ignore_errors=True)
    _short_runroots.clear()


def run(tool: str, store: Path, *args: str) -> str:
    require_tool(tool)
    # podman caps the run root's path at 50 characters: keep it short.
    runroot = _short_runroots.setdefault(store, tempfile.mkdtemp(prefix="sw-"))
    command = [
        tool,
        "--storage-driver",
        "vfs",
        "--root",
        str(store / "root"),
        "--runroot",
        runroot,
        *args,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, f"{command}\n{result.stderr}"
    return result.stdout.strip()


def test_buildah_push_then_podman_pull_and_push(
    server: LiveServer, tmp_path: Path
) -> None:
    store = tmp_path / "containers"
    rootfs = tmp_path / "rootfs"
    (rootfs / "etc").mkdir(parents=True)
    (rootfs / "etc" / "greeting").write_text("hello from buildah\n")

    container = run("buildah", store, "from", "scratch")
    run("buildah", store, "copy", container, str(rootfs), "/")
    run("buildah", store, "config", "--label", "org.example=seawall", container)
    run("buildah", store, "commit", container, "localhost/greeting:1")
    run(
        "buildah",
        store,
        "push",
        "--tls-verify=false",
        "--creds",
        ADMIN_CREDS,
        "localhost/greeting:1",
        f"docker://{server.host}/tools/greeting:1",
    )

    pulled = tmp_path / "pulled"
    run(
        "podman",
        pulled,
        "pull",
        "--tls-verify=false",
        "--creds",
        ADMIN_CREDS,
        f"{server.host}/tools/greeting:1",
    )
    info = json.loads(
        run("podman", pulled, "image", "inspect", f"{server.host}/tools/greeting:1")
    )
    assert info[0]["Labels"]["org.example"] == "seawall"

    run(
        "podman",
        pulled,
        "push",
        "--tls-verify=false",
        "--creds",
        ADMIN_CREDS,
        f"{server.host}/tools/greeting:1",
        f"docker://{server.host}/tools/copy:1",
    )
    again = tmp_path / "again"
    run(
        "podman",
        again,
        "pull",
        "--tls-verify=false",
        "--creds",
        ADMIN_CREDS,
        f"{server.host}/tools/copy:1",
    )
    copied = json.loads(
        run("podman", again, "image", "inspect", f"{server.host}/tools/copy:1")
    )
    assert copied[0]["RootFS"]["Layers"] == info[0]["RootFS"]["Layers"]
