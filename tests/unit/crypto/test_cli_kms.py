"""``seawall kms`` end to end on a data directory (click's runner, real database)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from seawall.cli.main import cli


def kms(data_dir: Path, *args: str, ok: bool = True) -> Any:
    result = CliRunner().invoke(
        cli, ["kms", *args, "--data-dir", str(data_dir), "--output", "json"]
    )
    assert (result.exit_code == 0) is ok, result.output
    return json.loads(result.output) if ok else result.output


def test_key_lifecycle_from_the_command_line(tmp_path: Path) -> None:
    created = kms(tmp_path, "create-key", "--description", "ci", "--alias", "alias/ci")
    key_id = created["KeyId"]

    assert created["KeyState"] == "Enabled"
    assert created["Aliases"] == ["alias/ci"]
    assert (tmp_path / "root.key").stat().st_mode & 0o777 == 0o600
    assert kms(tmp_path, "disable-key", "alias/ci")["KeyState"] == "Disabled"
    assert kms(tmp_path, "enable-key", created["Arn"])["Enabled"] is True
    assert kms(tmp_path, "rotate-key", key_id)["Version"] == 2
    rotations = kms(tmp_path, "list-key-rotations", key_id)
    assert [r["Version"] for r in rotations] == [1, 2]
    scheduled = kms(
        tmp_path, "schedule-key-deletion", key_id, "--pending-window-in-days", "7"
    )
    assert scheduled["KeyState"] == "PendingDeletion"
    assert scheduled["DeletionDate"] is not None
    assert kms(tmp_path, "cancel-key-deletion", key_id)["KeyState"] == "Disabled"
    assert kms(tmp_path, "list-keys")["Keys"][0]["KeyId"] == key_id


def test_automatic_rotation_from_the_command_line(tmp_path: Path) -> None:
    key_id = kms(tmp_path, "create-key")["KeyId"]
    assert kms(tmp_path, "get-key-rotation-status", key_id) == {
        "KeyId": key_id,
        "KeyRotationEnabled": False,
        "RotationPeriodInDays": None,
        "NextRotationDate": None,
    }

    enabled = kms(
        tmp_path, "enable-key-rotation", key_id, "--rotation-period-days", "180"
    )

    assert enabled["KeyRotationEnabled"] is True
    assert enabled["RotationPeriodInDays"] == 180
    assert enabled["NextRotationDate"] is not None
    status = kms(tmp_path, "get-key-rotation-status", key_id)
    assert status == enabled
    off = kms(tmp_path, "disable-key-rotation", key_id)
    assert off["KeyRotationEnabled"] is False


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("describe-key", "alias/missing"), "no such key or alias"),
        (
            ("schedule-key-deletion", "alias/x", "--pending-window-in-days", "3"),
            "must be 7 to 30 days",
        ),
        (("create-alias", "bad-name", "alias/x"), "invalid alias name"),
        (
            ("enable-key-rotation", "alias/aws/seawall", "--rotation-period-days", "7"),
            "must be 90 to 2560 days",
        ),
    ],
)
def test_errors_are_one_clear_line(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    output = kms(tmp_path, *args, ok=False)

    assert message in output
    assert "Traceback" not in output


def test_a_wrong_root_key_is_refused(tmp_path: Path) -> None:
    kms(tmp_path, "create-key")
    (tmp_path / "root.key").write_text("A" * 43 + "=\n")

    output = kms(tmp_path, "list-keys", ok=False)

    assert "root key is not the one" in output
