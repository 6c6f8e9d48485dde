"""``seawall worker``: run background jobs (scans, re-matches, webhooks).

For the scaled-out shape: any number of worker processes claim jobs from
the shared metadata database (PostgreSQL ``FOR UPDATE SKIP LOCKED``). They
read blobs through the same storage and key settings as ``seawall serve``.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType

import click


@click.command("worker")
@click.option(
    "--concurrency", "-c", type=click.IntRange(1, 64), default=1, show_default=True
)
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="All local state (SEAWALL_DATA_DIR).",
)
def worker(concurrency: int, data_dir: Path | None) -> None:
    """Claim and run jobs until interrupted (SIGINT/SIGTERM)."""
    from pydantic import ValidationError

    from seawall import logging as seawall_logging
    from seawall.app import build_services
    from seawall.scanning.runtime import WorkerPool, handlers
    from seawall.settings import load_settings

    try:
        settings = load_settings(data_dir=data_dir)
    except ValidationError as exc:
        raise click.ClickException(f"invalid settings: {exc}") from exc
    seawall_logging.configure(settings.log_level, settings.log_format)
    services = build_services(settings)
    pool = WorkerPool(
        services.scanning.queue,
        handlers(services.scanning),
        concurrency,
        poll_interval=0.5,
    )
    done = threading.Event()

    def stop(_signum: int, _frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    pool.start()
    click.echo(f"seawall worker: {concurrency} worker(s) running", err=True)
    done.wait()
    pool.stop()
