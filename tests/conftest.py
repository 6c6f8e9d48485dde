"""Fixtures shared by the whole suite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.helpers import IN_CI
from tests.pgserver import running_postgres, unavailable_reason


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
