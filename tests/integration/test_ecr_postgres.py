"""The ECR API on the scaled-out metadata store: a server on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import start_server
from tests.integration.ecr_support import ecr_client, push_image
from tests.live import LiveServer
from tests.pgserver import create_database

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture(scope="module")
def pg_server(
    tmp_path_factory: pytest.TempPathFactory, postgres_url: str
) -> Iterator[LiveServer]:
    data: Path = tmp_path_factory.mktemp("seawall-pg") / "data"
    live = start_server(data, database_url=create_database(postgres_url))
    yield live
    live.stop()


def test_repositories_images_and_policies_on_postgresql(pg_server: LiveServer) -> None:
    ecr = ecr_client(pg_server)
    for n in range(3):
        ecr.create_repository(
            repositoryName=f"pg/app-{n}",
            tags=[{"Key": "n", "Value": str(n)}],
            imageScanningConfiguration={"scanOnPush": n == 1},
        )
    pages = list(
        ecr.get_paginator("describe_repositories").paginate(
            PaginationConfig={"PageSize": 2}
        )
    )
    repos = [r for p in pages for r in p["repositories"]]
    assert [r["repositoryName"] for r in repos] == ["pg/app-0", "pg/app-1", "pg/app-2"]
    assert [r["imageScanningConfiguration"]["scanOnPush"] for r in repos] == [
        False,
        True,
        False,
    ]
    digest, _ = push_image(ecr, "pg/app-0", "v1", "postgres")
    detail = ecr.describe_images(repositoryName="pg/app-0")["imageDetails"][0]
    assert detail["imageDigest"] == digest
    assert detail["imageSizeInBytes"] > 0
    ecr.put_lifecycle_policy(
        repositoryName="pg/app-0",
        lifecyclePolicyText=(
            '{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged",'
            '"countType":"imageCountMoreThan","countNumber":5},"action":{"type":"expire"}}]}'
        ),
    )
    with pytest.raises(ecr.exceptions.RepositoryNotEmptyException):
        ecr.delete_repository(repositoryName="pg/app-0")
    ecr.delete_repository(repositoryName="pg/app-0", force=True)
    arn = "arn:aws:ecr:us-east-1:000000000000:repository/pg/app-1"
    assert ecr.list_tags_for_resource(resourceArn=arn)["tags"] == [
        {"Key": "n", "Value": "1"}
    ]
