"""``seawall kms``: the key manager from the command line (KMS-like verbs).

Every command works on the data directory's database directly (the server
may be running: changes apply to it at once) and prints a table, or JSON
with ``--output json`` (field names as AWS KMS uses them).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from seawall.crypto.keys import (
    Alias,
    KeyManager,
    KeyMetadata,
    KeyRotation,
    RotationStatus,
)

_config = click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path),
    default=None,
    help="TOML settings file (a [seawall] table).",
)
_data_dir = click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="All local state (SEAWALL_DATA_DIR).",
)
_output = click.option(
    "--output",
    "-o",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
)
_key = click.argument("key")


def _manager(config_file: Path | None, data_dir: Path | None) -> KeyManager:
    from pydantic import ValidationError

    from seawall.crypto.service import build_key_manager
    from seawall.settings import load_settings
    from seawall.storage.metadata.db import make_engine, migrate

    try:
        settings = load_settings(config_file, data_dir=data_dir)
    except ValidationError as exc:
        raise click.ClickException(f"invalid settings: {exc}") from exc
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.effective_database_url)
    migrate(engine)
    return _run(lambda: build_key_manager(settings, engine))  # type: ignore[no-any-return]


def _run(action: Callable[[], Any]) -> Any:
    from seawall.errors import SeawallError

    try:
        return action()
    except SeawallError as exc:
        raise click.ClickException(exc.message) from exc


def _when(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


def _key_json(key: KeyMetadata) -> dict[str, Any]:
    return {
        "KeyId": key.key_id,
        "Arn": key.arn,
        "Description": key.description,
        "KeyState": key.state,
        "Enabled": key.enabled,
        "KeyManager": key.key_manager,
        "KeyUsage": key.key_usage,
        "KeySpec": key.key_spec,
        "Origin": key.origin,
        "CreationDate": _when(key.created_at),
        "DeletionDate": _when(key.deletion_date),
        "PendingDeletionWindowInDays": key.pending_window_days,
        "CurrentKeyMaterialVersion": key.current_version,
        "Aliases": list(key.aliases),
    }


def _show(
    rows: list[dict[str, Any]],
    columns: tuple[str, ...],
    output: str,
    *,
    many: bool = False,
) -> None:
    """A table, or JSON: the one object, or a list when ``many``."""
    if output == "json":
        click.echo(json.dumps(rows if many else rows[0], indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(*columns)
    for row in rows:
        table.add_row(*("" if row.get(c) is None else str(row.get(c)) for c in columns))
    Console().print(table)


_KEY_COLUMNS = ("KeyId", "KeyState", "KeyManager", "Aliases", "Description")


@click.group()
def kms() -> None:
    """Manage encryption keys (KMS-like): create, rotate, disable, delete."""


@kms.command("create-key")
@click.option("--description", default="", help="What the key is for.")
@click.option("--alias", "alias_name", default=None, help="Also create alias/...")
@_config
@_data_dir
@_output
def create_key(
    description: str,
    alias_name: str | None,
    config_file: Path | None,
    data_dir: Path | None,
    output: str,
) -> None:
    """Create a customer key (Enabled, fresh material)."""
    keys = _manager(config_file, data_dir)
    key = _run(lambda: keys.create_key(description))
    if alias_name:
        _run(lambda: keys.create_alias(alias_name, key.key_id))
        key = keys.describe_key(key.key_id)
    _show([_key_json(key)], ("KeyId", "Arn", "KeyState", "Aliases"), output)


@kms.command("list-keys")
@_config
@_data_dir
@_output
def list_keys(config_file: Path | None, data_dir: Path | None, output: str) -> None:
    """List keys that are not deleted."""
    keys = _manager(config_file, data_dir)
    rows = [_key_json(k) for k in keys.list_keys()]
    if output == "json":
        click.echo(json.dumps({"Keys": rows}, indent=2))
        return
    _show(rows, _KEY_COLUMNS, output, many=True)


def _key_command(
    name: str,
    help_text: str,
    call: Callable[[KeyManager, str], Any],
    *,
    as_json: Callable[[Any], dict[str, Any]] = _key_json,
    columns: tuple[str, ...] = (*_KEY_COLUMNS, "DeletionDate"),
) -> None:
    """A command that takes one key reference and shows what ``call`` answers."""

    @kms.command(name, help=help_text)
    @_key
    @_config
    @_data_dir
    @_output
    def command(
        key: str, config_file: Path | None, data_dir: Path | None, output: str
    ) -> None:
        keys = _manager(config_file, data_dir)
        result = _run(lambda: call(keys, key))
        _show([as_json(result)], columns, output)


_key_command(
    "describe-key", "Show one key (id, ARN or alias).", lambda m, k: m.describe_key(k)
)
_key_command(
    "enable-key",
    "Enable a key: its repositories work again.",
    lambda m, k: m.enable_key(k),
)
_key_command(
    "disable-key",
    "Disable a key: its repositories fail until enabled.",
    lambda m, k: m.disable_key(k),
)
_key_command(
    "cancel-key-deletion",
    "Stop a scheduled deletion (key stays Disabled).",
    lambda m, k: m.cancel_key_deletion(k),
)


@kms.command("schedule-key-deletion")
@_key
@click.option(
    "--pending-window-in-days",
    "days",
    type=int,
    default=30,
    show_default=True,
    help="Waiting period, 7 to 30 days.",
)
@_config
@_data_dir
@_output
def schedule_key_deletion(
    key: str, days: int, config_file: Path | None, data_dir: Path | None, output: str
) -> None:
    """Schedule deletion: when the period ends, what the key sealed is lost."""
    keys = _manager(config_file, data_dir)
    result = _run(lambda: keys.schedule_key_deletion(key, days))
    _show([_key_json(result)], ("KeyId", "KeyState", "DeletionDate"), output)


@kms.command("rotate-key")
@_key
@_config
@_data_dir
@_output
def rotate_key(
    key: str, config_file: Path | None, data_dir: Path | None, output: str
) -> None:
    """Rotate now: new material; data keys are re-wrapped in the background."""
    keys = _manager(config_file, data_dir)
    rotation = _run(lambda: keys.rotate_key(key))
    _show([_rotation_json(rotation)], ("KeyId", "Version", "RotationDate"), output)


_STATUS_COLUMNS = (
    "KeyId",
    "KeyRotationEnabled",
    "RotationPeriodInDays",
    "NextRotationDate",
)


def _status_json(status: RotationStatus) -> dict[str, Any]:
    return {
        "KeyId": status.key_id,
        "KeyRotationEnabled": status.enabled,
        "RotationPeriodInDays": status.period_days,
        "NextRotationDate": _when(status.next_rotation),
    }


@kms.command("enable-key-rotation")
@_key
@click.option(
    "--rotation-period-days",
    "days",
    type=int,
    default=365,
    show_default=True,
    help="Rotate this often, 90 to 2560 days.",
)
@_config
@_data_dir
@_output
def enable_key_rotation(
    key: str, days: int, config_file: Path | None, data_dir: Path | None, output: str
) -> None:
    """Rotate the key automatically, every period from now on."""
    keys = _manager(config_file, data_dir)
    status = _run(lambda: keys.enable_key_rotation(key, days))
    _show([_status_json(status)], _STATUS_COLUMNS, output)


_key_command(
    "disable-key-rotation",
    "Stop rotating the key automatically (its versions stay).",
    lambda m, k: m.disable_key_rotation(k),
    as_json=_status_json,
    columns=_STATUS_COLUMNS,
)
_key_command(
    "get-key-rotation-status",
    "Whether the key rotates automatically, how often, and when next.",
    lambda m, k: m.key_rotation_status(k),
    as_json=_status_json,
    columns=_STATUS_COLUMNS,
)


@kms.command("list-key-rotations")
@_key
@_config
@_data_dir
@_output
def list_key_rotations(
    key: str, config_file: Path | None, data_dir: Path | None, output: str
) -> None:
    """The key's material versions, oldest first."""
    keys = _manager(config_file, data_dir)
    rows = [_rotation_json(r) for r in _run(lambda: keys.list_key_rotations(key))]
    _show(rows, ("KeyId", "Version", "RotationDate", "RotationType"), output, many=True)


def _rotation_json(rotation: KeyRotation) -> dict[str, Any]:
    return {
        "KeyId": rotation.key_id,
        "Version": rotation.version,
        "RotationDate": _when(rotation.created_at),
        "RotationType": rotation.rotation_type,
    }


@kms.command("create-alias")
@click.argument("alias_name")
@_key
@_config
@_data_dir
@_output
def create_alias(
    alias_name: str,
    key: str,
    config_file: Path | None,
    data_dir: Path | None,
    output: str,
) -> None:
    """Point ALIAS_NAME (alias/...) at KEY."""
    keys = _manager(config_file, data_dir)
    alias = _run(lambda: keys.create_alias(alias_name, key))
    _show([_alias_json(alias)], ("AliasName", "TargetKeyId"), output)


@kms.command("list-aliases")
@_config
@_data_dir
@_output
def list_aliases(config_file: Path | None, data_dir: Path | None, output: str) -> None:
    """Every alias and the key it names."""
    keys = _manager(config_file, data_dir)
    rows = [_alias_json(a) for a in keys.list_aliases()]
    _show(rows, ("AliasName", "TargetKeyId", "AliasArn"), output, many=True)


def _alias_json(alias: Alias) -> dict[str, Any]:
    return {
        "AliasName": alias.alias_name,
        "AliasArn": alias.alias_arn,
        "TargetKeyId": alias.key_id,
        "CreationDate": _when(alias.created_at),
    }
