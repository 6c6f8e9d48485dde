"""Small portable SQL helpers (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def insert_ignore(
    conn: Connection, table: Table, values: Mapping[str, Any], keys: Sequence[str]
) -> bool:
    """Insert ``values`` unless a row with the same ``keys`` exists.

    Returns True when a row was inserted. Safe against concurrent inserts.
    """
    stmt = (
        _insert(conn, table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=list(keys))
    )
    return bool(conn.execute(stmt).rowcount)


def upsert(
    conn: Connection,
    table: Table,
    values: Mapping[str, Any],
    keys: Sequence[str],
    update: Sequence[str],
) -> None:
    """Insert ``values`` or, when ``keys`` exist, overwrite the ``update`` columns."""
    stmt = _insert(conn, table).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys), set_={name: stmt.excluded[name] for name in update}
    )
    conn.execute(stmt)


def _insert(conn: Connection, table: Table) -> Any:
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
