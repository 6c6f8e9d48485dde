"""Fixtures shared by the whole suite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from seawall.storage.metadata.db import make_engine, migrate
from tests.helpers import IN_CI
from tests.pgserver import create_database, running_postgres, unavailable_reason


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A ``postgresql://`` URL of a database on a throwaway server.

    Skips when PostgreSQL is not installed, fails instead under ``CI=true``.
    """
    reason = unavailable_reason()
    if reason is not None:
        if IN_CI:
            pytest.fail(f"{reason}, and tests may not skip in CI")
        pytest.skip(reason)
    with running_postgres() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated metadata database: the test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'meta.db'}"
    else:
        url = create_database(request.getfixturevalue("postgres_url"))
        url = url.replace("postgresql://", "postgresql+psycopg://")
    engine = make_engine(url)
    migrate(engine)
    yield engine
    engine.dispose()
