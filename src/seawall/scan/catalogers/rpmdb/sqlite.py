"""``rpmdb.sqlite``: the ``Packages`` table holds one header blob per row."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

from seawall.errors import InvalidInput


def read_blobs(path: str | Path) -> Iterator[bytes]:
    """Header blobs from a SQLite rpm database at ``path`` (opened read-only)."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error as exc:
        raise InvalidInput(f"invalid rpm sqlite database: {exc}") from exc
    try:
        for (blob,) in conn.execute("SELECT blob FROM Packages"):
            if isinstance(blob, bytes):
                yield blob
    except sqlite3.Error as exc:
        raise InvalidInput(f"invalid rpm sqlite database: {exc}") from exc
    finally:
        conn.close()
