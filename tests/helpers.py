"""Shared test helpers."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def require_tool(name: str) -> str:
    """The path of command ``name``; skips the test when absent, fails in CI."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed"
        if IN_CI:
            pytest.fail(f"{message}, and integration tests may not skip in CI")
        pytest.skip(message)
    return path


# The administrator a test server starts with: pass ``admin_env()`` in the
# server's environment at first start, then use these credentials everywhere
# (skopeo ``--creds KEY:SECRET``, httpx ``auth=(KEY, SECRET)``).
TEST_ADMIN_KEY_ID = "AKIASEAWALLTESTADMIN"
TEST_ADMIN_SECRET = "seawall-test-admin-secret-0123456789abcdef"


def admin_env() -> dict[str, str]:
    """Environment that makes a fresh data directory's administrator known."""
    return {
        "SEAWALL_ADMIN_ACCESS_KEY_ID": TEST_ADMIN_KEY_ID,
        "SEAWALL_ADMIN_SECRET_ACCESS_KEY": TEST_ADMIN_SECRET,
    }


def admin_credentials(data_dir: Path) -> tuple[str, str]:
    """(access key id, secret) of the administrator of ``data_dir``.

    A directory started without :func:`admin_env` has generated credentials
    in its 0600 ``admin-credentials`` file; those are returned then.
    """
    generated = data_dir / "admin-credentials"
    if generated.exists():
        fields = dict(
            line.split(" = ", 1)
            for line in generated.read_text().splitlines()
            if " = " in line
        )
        return fields["aws_access_key_id"], fields["aws_secret_access_key"]
    return TEST_ADMIN_KEY_ID, TEST_ADMIN_SECRET


class Clock:
    """A clock tests move by hand: ``clock.now += 60``."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
