"""Fixtures: a migrated SQLite database and access control over it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from seawall.auth.factory import AuthServices, build_auth
from seawall.storage.metadata.db import make_engine, migrate

ROOT_KEY = bytes(range(32))
ACCOUNT = "123456789012"
REGION = "eu-west-1"


class FakeClock:
    """A settable clock (epoch seconds)."""

    def __init__(self, now: float = 1_780_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, made once; each test gets its own copy."""
    path = tmp_path_factory.mktemp("template") / "seawall.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()  # checkpoints the WAL into the file
    return path


@pytest.fixture
def engine(tmp_path: Path, migrated_template: Path) -> Iterator[Engine]:
    path = tmp_path / "seawall.db"
    shutil.copyfile(migrated_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture
def auth(engine: Engine, clock: FakeClock) -> AuthServices:
    services = build_auth(
        engine,
        ROOT_KEY,
        account=ACCOUNT,
        region=REGION,
        service_name="reg.test",
        clock=clock,
    )
    services.policies.install_builtins()
    return services
