"""The whole of ../shared/vulndata in one database, shared by the session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from seawall.scan.advisories.store import AdvisoryStore, open_store
from tests.unit.scan.advisories.vulndata import full_database


@pytest.fixture(scope="session")
def full_store() -> Iterator[AdvisoryStore]:
    path, _ = full_database()
    store = open_store(path)
    yield store
    store.close()
