"""ECR-only repository attributes on real SQLite and PostgreSQL databases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from seawall.ecr.errors import EcrError
from seawall.ecr.store import EcrStore, tags_by_repository_name
from seawall.storage.metadata.db import make_engine, migrate
from seawall.storage.metadata.schema import repositories
from tests.pgserver import create_database


@pytest.fixture(params=["sqlite", "postgresql"])
def store(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[EcrStore, int]]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'meta.db'}"
    else:
        url = create_database(request.getfixturevalue("postgres_url"))
        url = url.replace("postgresql://", "postgresql+psycopg://")
    engine = make_engine(url)
    migrate(engine)
    with engine.begin() as conn:
        repo_id = conn.execute(
            repositories.insert().values(name="team/app", created_at=1.0)
        ).inserted_primary_key[0]
    yield EcrStore(engine, lambda: 100.0), int(repo_id)
    engine.dispose()


def test_defaults_for_a_repository_never_written(store: tuple[EcrStore, int]) -> None:
    ecr, repo_id = store
    assert ecr.scan_on_push(repo_id) is False
    assert ecr.tags(repo_id) == {}
    assert ecr.lifecycle_policy(repo_id) is None


def test_tags_limit_rolls_back_the_whole_request(store: tuple[EcrStore, int]) -> None:
    ecr, repo_id = store
    ecr.tag(repo_id, {f"k{n}": "v" for n in range(49)})
    with pytest.raises(EcrError) as info:
        ecr.tag(repo_id, {"x": "1", "y": "2"})
    assert info.value.code == "TooManyTagsException"
    assert len(ecr.tags(repo_id)) == 49
    ecr.tag(repo_id, {"k0": "changed", "x": "1"})
    assert ecr.tags(repo_id)["k0"] == "changed"
    ecr.untag(repo_id, ["k0", "absent"])
    assert "k0" not in ecr.tags(repo_id)
    assert tags_by_repository_name(ecr.engine)("team/app")["x"] == "1"


def test_lifecycle_policy_round_trip(store: tuple[EcrStore, int]) -> None:
    ecr, repo_id = store
    ecr.put_lifecycle_policy(repo_id, '{"rules":[]}')
    record = ecr.lifecycle_policy(repo_id)
    assert record is not None
    assert record.text == '{"rules":[]}'
    assert record.updated_at == 100.0
    assert ecr.delete_lifecycle_policy(repo_id) == record
    assert ecr.delete_lifecycle_policy(repo_id) is None


def test_rows_go_with_the_repository(store: tuple[EcrStore, int]) -> None:
    ecr, repo_id = store
    ecr.set_scan_on_push(repo_id, True)
    ecr.tag(repo_id, {"a": "b"})
    with ecr.engine.begin() as conn:
        conn.execute(repositories.delete().where(repositories.c.id == repo_id))
    assert ecr.tags(repo_id) == {}
    assert ecr.scan_on_push(repo_id) is False
