"""``seawall serve`` refuses bad settings with one clear line, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.parametrize("workers", ["1", "2"])
def test_an_invalid_root_key_is_one_clear_error(tmp_path: Path, workers: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEAWALL_")}
    env |= {
        "SEAWALL_DATA_DIR": str(tmp_path / "data"),
        "SEAWALL_LISTEN": "127.0.0.1:5999",
        "SEAWALL_WORKERS": workers,
        "SEAWALL_ROOT_KEY": "not a key at all",
    }
    seawall = Path(sys.executable).parent / "seawall"
    done = subprocess.run(
        [str(seawall), "serve"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0
    assert "invalid root key" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
