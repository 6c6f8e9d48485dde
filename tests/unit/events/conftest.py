"""Fixtures: each test gets a copy of one migrated SQLite file."""

from __future__ import annotations

from tests.unit.auth.conftest import engine, migrated_template

__all__ = ["engine", "migrated_template"]
