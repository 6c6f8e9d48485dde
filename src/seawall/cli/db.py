"""``seawall db``: the advisory database (update, import, status, export)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TaskID, TextColumn
from rich.table import Table

from seawall.errors import SeawallError

if TYPE_CHECKING:
    from seawall.scan.advisories.feeds import Downloader, FeedSource
    from seawall.scan.advisories.store import AdvisoryStore, FeedStatus

DB_ENV = "SEAWALL_ADVISORY_DB"


def default_db_path() -> Path:
    """The advisory database inside the data directory from the settings."""
    from seawall.settings import load_settings

    settings = load_settings()
    if settings.advisory_db:
        return Path(settings.advisory_db)
    return settings.data_dir / "advisories.db"


def open_db(path: str | None) -> AdvisoryStore:
    """Open the store at ``path`` (a file or a PostgreSQL URL) or the default."""
    from seawall.scan.advisories.store import open_store

    return open_store(path or default_db_path())


_db_option = click.option(
    "--db",
    "db_path",
    envvar=DB_ENV,
    default=None,
    help=f"Advisory database: a SQLite file or a postgresql:// URL [env {DB_ENV}].",
)


def _fail(exc: SeawallError) -> click.ClickException:
    return click.ClickException(exc.message)


@click.group("db")
def db() -> None:
    """Manage the vulnerability advisory database."""
    from seawall.logging import configure

    configure("warning")  # progress is the bar; logs go to stderr


@db.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@_db_option
@click.option("--feed", default=None, help="Feed name (default: the format's name).")
@click.option("--format", "fmt", default=None, help="Force a format.")
@click.option("--replace", is_flag=True, help="Remove the feed's records not in PATH.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def import_(
    *,
    path: Path,
    db_path: str | None,
    feed: str | None,
    fmt: str | None,
    replace: bool,
    quiet: bool,
) -> None:
    """Import advisories from PATH: a file, a directory or a zip archive."""
    from seawall.scan.advisories.loader import import_path, plan

    try:
        store = open_db(db_path)
        total = plan(path, fmt).files
        with _progress(quiet) as progress:
            task = progress.add_task("importing", total=total)

            def advance(name: str) -> None:
                progress.update(task, advance=1, description=_short(name))

            results = import_path(
                store, path, feed=feed, fmt=fmt, replace=replace, progress=advance
            )
    except SeawallError as exc:
        raise _fail(exc) from exc
    for r in results:
        click.echo(
            f"{r.feed}: {r.records + r.enrichment} records, {r.added} added, "
            f"{r.updated} updated, {r.removed} removed, {r.withdrawn} withdrawn, "
            f"{len(r.changed)} packages changed"
        )
    _rescan(r.changed for r in results)


@db.command("update")
@_db_option
@click.option("--feed", "names", multiple=True, help="Only these feeds (repeatable).")
@click.option(
    "--feeds-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="TOML file of [[feeds]] (name, url, format, sha256) instead of the defaults.",
)
@click.option("--cache-dir", type=click.Path(path_type=Path), default=None)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def update(
    db_path: str | None,
    names: tuple[str, ...],
    feeds_file: Path | None,
    cache_dir: Path | None,
    quiet: bool,
) -> None:
    """Download the configured feeds and import what changed."""
    import httpx

    from seawall.scan.advisories.feeds import DEFAULT_FEEDS, Downloader, load_feed_file

    feeds = load_feed_file(feeds_file) if feeds_file else DEFAULT_FEEDS
    chosen = [f for f in feeds if not names or f.name in names]
    if names and len(chosen) != len(set(names)):
        unknown = sorted(set(names) - {f.name for f in feeds})
        raise click.BadParameter(f"unknown feed(s): {', '.join(unknown)}")
    try:
        store = open_db(db_path)
        cache = cache_dir or default_db_path().parent / "feeds"
        with httpx.Client(follow_redirects=True, timeout=60.0) as client:
            _update(store, Downloader(client, cache), chosen, quiet)
    except SeawallError as exc:
        raise _fail(exc) from exc


def _update(
    store: AdvisoryStore,
    downloader: Downloader,
    feeds: Sequence[FeedSource],
    quiet: bool,
) -> None:
    from seawall.scan.advisories.loader import import_path

    for feed in feeds:
        with _progress(quiet, bytes_=True) as progress:
            task = progress.add_task(f"fetching {feed.name}", total=None)

            def advance(done: int, total: int | None, task: TaskID = task) -> None:
                progress.update(task, completed=done, total=total)

            download = downloader.fetch(feed, advance)
        if not download.changed:
            click.echo(f"{feed.name}: not modified")
            continue
        for r in import_path(
            store, download.path, feed=feed.name, fmt=feed.format, replace=True
        ):
            click.echo(
                f"{r.feed}: {r.records + r.enrichment} records, "
                f"{len(r.changed)} packages changed"
            )
            _rescan([r.changed])


def _rescan(changed: Iterable[Iterable[tuple[str, str]]]) -> None:
    """Continuous scanning: queue re-matching of the registry's images."""
    from seawall.scanning.hooks import advisories_changed

    jobs = advisories_changed({key for keys in changed for key in keys})
    if jobs:
        click.echo(f"queued continuous re-scan of affected images ({jobs} job(s))")


@db.command("status")
@_db_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status(db_path: str | None, as_json: bool) -> None:
    """Show each feed's age and counts."""
    import json

    try:
        store = open_db(db_path)
        feeds, counts = store.feeds(), store.counts()
    except SeawallError as exc:
        raise _fail(exc) from exc
    if as_json:
        doc = {
            "schemaVersion": store.schema_version,
            "counts": counts,
            "feeds": [_feed_doc(f) for f in feeds],
        }
        click.echo(json.dumps(doc, indent=2))
        return
    table = Table(box=None, pad_edge=False)
    for column in (
        "FEED",
        "FORMAT",
        "LAST IMPORT",
        "AGE",
        "RECORDS",
        "WITHDRAWN",
        "CHANGED",
    ):
        table.add_column(column, no_wrap=True)
    for f in feeds:
        table.add_row(
            f.name,
            f.format,
            f.last_import,
            _age(f.last_import),
            str(f.records),
            str(f.withdrawn),
            str(f.changed),
        )
    console = Console(width=100)
    console.print(
        f"schema version {store.schema_version}; "
        + ", ".join(f"{k} {v}" for k, v in counts.items())
    )
    console.print(table if feeds else "No feeds imported yet.")


def _feed_doc(f: FeedStatus) -> dict[str, object]:
    return {
        "name": f.name,
        "format": f.format,
        "source": f.source,
        "lastImport": f.last_import,
        "ageSeconds": _age_seconds(f.last_import),
        "records": f.records,
        "withdrawn": f.withdrawn,
        "changedPackages": f.changed,
    }


@db.command("export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@_db_option
def export(path: Path, db_path: str | None) -> None:
    """Copy the database into a new SQLite file PATH (for air-gapped hosts)."""
    try:
        store = open_db(db_path)
        store.export_sqlite(path)
    except SeawallError as exc:
        raise _fail(exc) from exc
    click.echo(f"exported to {path}")


def _progress(quiet: bool, bytes_: bool = False) -> Progress:
    columns = [TextColumn("{task.description}"), BarColumn()]
    if bytes_:
        columns.append(DownloadColumn())
    else:
        columns.append(TextColumn("{task.completed}/{task.total}"))
    return Progress(
        *columns, disable=quiet, transient=True, console=Console(stderr=True)
    )


def _short(name: str) -> str:
    return name if len(name) <= 50 else "..." + name[-47:]


def _age_seconds(stamp: str) -> int | None:
    try:
        then = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    if then.tzinfo is None:
        then = then.replace(tzinfo=UTC)
    return int((datetime.now(UTC) - then).total_seconds())


def _age(stamp: str) -> str:
    seconds = _age_seconds(stamp)
    if seconds is None:
        return "?"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
