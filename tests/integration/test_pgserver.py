"""The throwaway PostgreSQL server the storage and API tests run against."""

from __future__ import annotations

import psycopg
import pytest

from tests.pgserver import create_database

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


def test_server_answers_queries_over_loopback(postgres_url: str) -> None:
    assert postgres_url.startswith("postgresql://postgres@127.0.0.1:")
    with psycopg.connect(postgres_url) as conn:
        row = conn.execute(
            "SELECT current_database(), inet_server_addr()::text, 6 * 7"
        ).fetchone()
    assert row == ("seawall", "127.0.0.1/32", 42)


def test_server_keeps_written_rows(postgres_url: str) -> None:
    with psycopg.connect(postgres_url) as conn:
        conn.execute("CREATE TEMP TABLE blobs (digest text PRIMARY KEY, size bigint)")
        conn.execute("INSERT INTO blobs VALUES ('sha256:ab', 3), ('sha256:cd', 5)")
        total = conn.execute("SELECT sum(size) FROM blobs").fetchone()
    assert total == (8,)


def test_each_created_database_is_separate(postgres_url: str) -> None:
    first, second = create_database(postgres_url), create_database(postgres_url)
    assert first != second
    with psycopg.connect(first) as conn:
        conn.execute("CREATE TABLE marker (x int)")
    with psycopg.connect(second) as conn:
        found = conn.execute("SELECT to_regclass('marker')").fetchone()
    assert found == (None,)
