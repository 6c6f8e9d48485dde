"""The aws CLI session from the README, against a live server, with skopeo.

create-repository, describe-repositories, put-lifecycle-policy from a file,
get-login-password piped into skopeo login, a push with skopeo,
describe-images and batch-delete-image: what a CI script written for ECR
does, pointed at Seawall with --endpoint-url.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import require_tool
from tests.integration.conftest import ADMIN_KEY_ID, ADMIN_SECRET
from tests.live import LiveServer

pytestmark = pytest.mark.integration

POLICY = {
    "rules": [
        {
            "rulePriority": 1,
            "description": "expire untagged images after 14 days",
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": 14,
            },
            "action": {"type": "expire"},
        }
    ]
}


def _aws_binary() -> str:
    beside = Path(sys.executable).with_name("aws")
    return str(beside) if beside.exists() else require_tool("aws")


@pytest.fixture
def aws(server: LiveServer, tmp_path: Path) -> Any:
    binary = _aws_binary()
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": ADMIN_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": ADMIN_SECRET,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": server.url,
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
    }

    def run(*args: str) -> str:
        result = subprocess.run(
            [binary, "ecr", *args, "--output", "json"],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            cwd=tmp_path,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    return run


def skopeo(*args: str, stdin: str | None = None) -> str:
    require_tool("skopeo")
    result = subprocess.run(
        ["skopeo", "--insecure-policy", *args],
        capture_output=True,
        text=True,
        timeout=120,
        input=stdin,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_aws_cli_session(
    aws: Any, server: LiveServer, image_layout: Path, tmp_path: Path
) -> None:
    created = json.loads(
        aws(
            "create-repository",
            "--repository-name",
            "cli/web",
            "--image-scanning-configuration",
            "scanOnPush=true",
            "--image-tag-mutability",
            "IMMUTABLE",
        )
    )["repository"]
    assert created["repositoryUri"] == f"{server.host}/cli/web"
    listed = json.loads(aws("describe-repositories"))["repositories"]
    assert "cli/web" in [r["repositoryName"] for r in listed]

    (tmp_path / "policy.json").write_text(json.dumps(POLICY))
    stored = json.loads(
        aws(
            "put-lifecycle-policy",
            "--repository-name",
            "cli/web",
            "--lifecycle-policy-text",
            "file://policy.json",
        )
    )
    assert json.loads(stored["lifecyclePolicyText"]) == POLICY

    password = aws("get-login-password").strip()
    assert ":" not in password
    authfile = tmp_path / "auth.json"
    skopeo(
        "login",
        "--tls-verify=false",
        "--authfile",
        str(authfile),
        "-u",
        "AWS",
        "--password-stdin",
        server.host,
        stdin=password,
    )
    skopeo(
        "copy",
        "--dest-tls-verify=false",
        "--authfile",
        str(authfile),
        f"oci:{image_layout}:v1",
        f"docker://{server.host}/cli/web:v1",
    )

    images = json.loads(aws("describe-images", "--repository-name", "cli/web"))
    detail = images["imageDetails"][0]
    assert detail["imageTags"] == ["v1"]
    assert detail["imageSizeInBytes"] > 0
    # aws CLI v1 prints the wire value: epoch seconds.
    assert abs(float(detail["imagePushedAt"]) - time.time()) < 300

    deleted = json.loads(
        aws(
            "batch-delete-image",
            "--repository-name",
            "cli/web",
            "--image-ids",
            "imageTag=v1",
        )
    )
    assert deleted["imageIds"] == [
        {"imageDigest": detail["imageDigest"], "imageTag": "v1"}
    ]
    assert deleted["failures"] == []
    left = json.loads(aws("list-images", "--repository-name", "cli/web"))
    assert left["imageIds"] == []
