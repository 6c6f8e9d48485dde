"""``seawall serve``: the registry and its APIs on one port."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from seawall.settings import Settings


@click.command()
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path),
    default=None,
    help="TOML settings file (a [seawall] table).",
)
@click.option("--listen", default=None, help="host:port (SEAWALL_LISTEN).")
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="All local state (SEAWALL_DATA_DIR).",
)
def serve(config_file: Path | None, listen: str | None, data_dir: Path | None) -> None:
    """Serve the registry (plain HTTP, or HTTPS when TLS is configured)."""
    import uvicorn
    from pydantic import ValidationError

    from seawall import logging as seawall_logging
    from seawall.settings import load_settings

    try:
        settings = load_settings(config_file, listen=listen, data_dir=data_dir)
    except ValidationError as exc:
        raise click.ClickException(f"invalid settings: {exc}") from exc
    seawall_logging.configure(settings.log_level, settings.log_format)
    certfile, keyfile = _tls_files(settings)
    target: Any
    if settings.workers > 1:
        # Prepare once (migrations, first administrator, keys) so the worker
        # processes never race to create them; each then builds its own app
        # from the same SEAWALL_* environment. The preparing runs in a child
        # process: the parent only supervises, and stays small without the
        # app's modules (about 40 MiB less).
        _prepare_in_child(settings)
        os.environ.update(_environment(config_file, settings))
        target = "seawall.app:create_app_from_environment"
    else:
        from seawall.app import create_app
        from seawall.errors import SeawallError

        try:
            target = create_app(settings)
        except SeawallError as exc:
            raise click.ClickException(str(exc)) from exc
    uvicorn.run(
        target,
        factory=settings.workers > 1,
        workers=settings.workers,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        ssl_certfile=certfile,
        ssl_keyfile=keyfile,
        http="httptools",
        loop="uvloop",
        h11_max_incomplete_event_size=1024 * 1024,
    )


def _prepare_in_child(settings: Settings) -> None:
    import multiprocessing

    process = multiprocessing.get_context("spawn").Process(
        target=_prepare, args=(settings,), name="seawall-prepare"
    )
    process.start()
    process.join()
    if process.exitcode != 0:
        raise click.ClickException(
            "failed to prepare the data directory and database (see above)"
        )


def _prepare(settings: Settings) -> None:
    import sys

    from seawall import logging as seawall_logging
    from seawall.app import build_services
    from seawall.errors import SeawallError

    seawall_logging.configure(settings.log_level, settings.log_format)
    try:
        build_services(settings)
    except SeawallError as exc:  # a clear line, not a child's traceback
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)


def _environment(config_file: Path | None, settings: Settings) -> dict[str, str]:
    """What the worker processes need to load the same settings."""
    env = {
        "SEAWALL_LISTEN": settings.listen,
        "SEAWALL_DATA_DIR": str(settings.data_dir.resolve()),
    }
    if config_file is not None:
        env["SEAWALL_CONFIG"] = str(config_file.resolve())
    return env


def _tls_files(settings: Settings) -> tuple[str | None, str | None]:
    if not settings.tls_enabled:
        return None, None
    if settings.tls_cert is not None and settings.tls_key is not None:
        return str(settings.tls_cert), str(settings.tls_key)
    from seawall import tls

    cert, key = tls.server_files(settings)
    return str(cert), str(key)
