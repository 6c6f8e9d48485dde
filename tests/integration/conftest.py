"""Live-server fixtures for the integration tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.images import build_image, build_multiplatform
from tests.live import LiveServer

# The administrator every test server starts with (SEAWALL_ADMIN_* at first start).
ADMIN_KEY_ID = "AKIASEAWALLTESTADMIN"
ADMIN_SECRET = "seawall-test-admin-secret-0123456789abcdef"
ADMIN_CREDS = f"{ADMIN_KEY_ID}:{ADMIN_SECRET}"


def start_server(data_dir: Path, database_url: str = "", **env: str) -> LiveServer:
    base_env = {
        "SEAWALL_ADMIN_ACCESS_KEY_ID": ADMIN_KEY_ID,
        "SEAWALL_ADMIN_SECRET_ACCESS_KEY": ADMIN_SECRET,
    }
    base_env.update(env)
    return LiveServer(data_dir, env=base_env, database_url=database_url).start()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A registry on SQLite and a local directory, shared by one module."""
    live = start_server(tmp_path_factory.mktemp("seawall") / "data")
    yield live
    live.stop()


@pytest.fixture(scope="session")
def image_layout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_image(tmp_path_factory.mktemp("image") / "layout", tag="v1")


@pytest.fixture(scope="session")
def multiplatform_layout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_multiplatform(tmp_path_factory.mktemp("multi") / "layout", tag="multi")
