"""``seawall serve`` with several worker processes on one port."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest

from tests.helpers import require_tool
from tests.integration.conftest import (
    ADMIN_CREDS,
    ADMIN_KEY_ID,
    ADMIN_SECRET,
    start_server,
)

pytestmark = pytest.mark.integration


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_two_workers_serve_pushes_and_pulls(tmp_path: Path, image_layout: Path) -> None:
    require_tool("skopeo")
    server = start_server(tmp_path / "data", SEAWALL_WORKERS="2")
    try:
        assert server.process is not None
        # The parent serves through two worker processes (plus uvicorn's helpers).
        assert len(children(server.process.pid)) >= 2
        subprocess.run(
            [
                "skopeo",
                "--insecure-policy",
                "copy",
                "--dest-tls-verify=false",
                "--dest-creds",
                ADMIN_CREDS,
                f"oci:{image_layout}:v1",
                f"docker://{server.host}/workers/app:v1",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        auth = (ADMIN_KEY_ID, ADMIN_SECRET)
        with httpx.Client(base_url=server.url, auth=auth) as client:
            # Many requests land on both workers; every one sees the same state.
            for _ in range(20):
                response = client.get("/v2/workers/app/tags/list")
                assert response.json()["tags"] == ["v1"]
    finally:
        server.stop()
    assert "Traceback" not in server.logs()
