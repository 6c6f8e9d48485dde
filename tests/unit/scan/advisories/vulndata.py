"""The real advisory data beside the repository (../shared/vulndata), and a
database holding all of it, built once per test session."""

from __future__ import annotations

import atexit
import shutil
import tempfile
import time
from functools import lru_cache
from pathlib import Path

import pytest

from seawall.scan.advisories.loader import import_path
from seawall.scan.advisories.store import AdvisoryStore, open_store

VULNDATA = Path(__file__).parents[4] / ".." / "shared" / "vulndata"
VULNDATA = VULNDATA.resolve()
DATA = Path(__file__).parents[1] / "matchers" / "data"


def require_vulndata() -> Path:
    """The vulndata directory; skips (fails in CI) when it is missing."""
    from tests.helpers import IN_CI

    if not VULNDATA.is_dir():
        if IN_CI:
            pytest.fail(f"{VULNDATA} is missing, and tests may not skip in CI")
        pytest.skip(f"{VULNDATA} is missing")
    return VULNDATA


def store_with(tmp: Path, *paths: Path) -> AdvisoryStore:
    """A fresh SQLite store in ``tmp`` holding the files under ``paths``."""
    store = open_store(tmp / "advisories.db")
    for path in paths:
        import_path(store, path)
    return store


@lru_cache(maxsize=1)
def full_database() -> tuple[Path, float]:
    """A SQLite file with every file of vulndata plus the test fixtures, and
    the seconds the import took. Built once; removed at exit."""
    root = require_vulndata()
    tmp = Path(tempfile.mkdtemp(prefix="seawall-vulndata-"))
    atexit.register(shutil.rmtree, tmp, True)
    started = time.perf_counter()
    store = store_with(tmp, root, DATA)
    elapsed = time.perf_counter() - started
    store.close()
    return tmp / "advisories.db", elapsed
