"""``seawall audit``: check and search the audit trail.

``verify`` walks the hash chain and exits 1 naming the first bad event;
``query`` filters by time range, principal, repository and event name.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from seawall.events.audit import AuditTrail


def _trail(config_file: Path | None, data_dir: Path | None) -> AuditTrail:
    from pydantic import ValidationError

    from seawall import logging as seawall_logging
    from seawall.auth.factory import make_audit_trail
    from seawall.crypto.rootkey import load_or_create_root_key
    from seawall.settings import load_settings
    from seawall.storage.metadata.db import make_engine, migrate

    try:
        settings = load_settings(config_file, data_dir=data_dir)
    except ValidationError as exc:
        raise click.ClickException(f"invalid settings: {exc}") from exc
    # Log lines go to stderr, so stdout stays clean for -o json.
    seawall_logging.configure(settings.log_level, settings.log_format)
    engine = make_engine(settings.effective_database_url)
    migrate(engine)
    secret = settings.root_key.get_secret_value() if settings.root_key else None
    root_key = load_or_create_root_key(
        settings.data_dir, key_file=settings.root_key_file, env_value=secret
    )
    return make_audit_trail(
        engine, root_key, account=settings.account_id, region=settings.region
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


@click.group()
def audit() -> None:
    """The tamper-evident audit trail."""


@audit.command()
@_config
@_data_dir
def verify(config_file: Path | None, data_dir: Path | None) -> None:
    """Check every event's hash chain; exit 1 naming the first bad event."""
    result = _trail(config_file, data_dir).verify()
    if result.ok:
        click.echo(f"ok: {result.checked} events, chain intact")
        return
    click.echo(
        f"FAILED at event {result.bad_seq}: {result.reason} "
        f"({result.checked} events before it are intact)",
        err=True,
    )
    raise SystemExit(1)


def _time(value: str | None) -> float | None:
    if value is None:
        return None
    from seawall.auth.conditions import parse_date

    try:
        return parse_date(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r}: ISO 8601 or epoch seconds") from exc


@audit.command()
@_config
@_data_dir
@click.option("--start", default=None, help="From this time (ISO 8601 or epoch).")
@click.option("--end", default=None, help="Before this time.")
@click.option("--principal", default=None, help="A principal ARN or name.")
@click.option("--repository", default=None)
@click.option("--event-name", default=None, help="e.g. PutImage, Authenticate.")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 10000))
@click.option("--output", "-o", type=click.Choice(["table", "json"]), default="table")
def query(  # noqa: PLR0917 (click passes options positionally)
    config_file: Path | None,
    data_dir: Path | None,
    start: str | None,
    end: str | None,
    principal: str | None,
    repository: str | None,
    event_name: str | None,
    limit: int,
    output: str,
) -> None:
    """Events matching every filter, newest first."""
    events = _trail(config_file, data_dir).query(
        start=_time(start),
        end=_time(end),
        principal=principal,
        repository=repository,
        event_name=event_name,
        limit=limit,
    )
    if output == "json":
        click.echo(json.dumps(events, indent=2))
        return
    _table(events)


def _table(events: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("Seq", "Time", "Event", "Who", "Source IP", "Repository", "Error")
    for event in events:
        who = event.get("userIdentity", {})
        table.add_row(
            str(event["sequence"]),
            event["eventTime"],
            event["eventName"],
            who.get("userName") or who.get("type", ""),
            event.get("sourceIPAddress", ""),
            event.get("repositoryName") or "",
            event.get("errorCode", ""),
        )
    Console(width=160).print(table)
