"""``seawall scan IMAGE|SBOM-FILE``: vulnerabilities, ranked, with CI exit codes.

Exit codes (for CI gates):

    0  scanned; nothing at or above --fail-on (or no --fail-on)
    1  scanned; at least one finding at or above --fail-on
    2  invalid usage or unreadable input (bad SBOM, unknown image reference)
    3  the scan could not run (empty or unreadable advisory database, ...)
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn

from seawall.cli.db import DB_ENV, open_db
from seawall.errors import InvalidInput, SeawallError
from seawall.scan.advisories.model import Severity
from seawall.scan.inventory import Inventory, Package

EXIT_GATE, EXIT_INPUT, EXIT_SCAN = 1, 2, 3
_SEVERITIES = [s.lower() for s in Severity.ORDER]


class InputError(click.ClickException):
    """Unreadable input: exit code 2."""

    exit_code = EXIT_INPUT


class ScanError(click.ClickException):
    """The scan could not run: exit code 3."""

    exit_code = EXIT_SCAN


def _severity_list(
    _ctx: click.Context, _param: click.Parameter, value: tuple[str, ...]
) -> tuple[str, ...]:
    out = []
    for item in value:
        for word in item.split(","):
            if word.strip().lower() not in _SEVERITIES:
                raise click.BadParameter(f"invalid severity {word!r}")
            out.append(word.strip().upper())
    return tuple(out)


@click.command("scan")
@click.argument("target")
@click.option(
    "--format",
    "-f",
    "--output",
    "-o",
    "fmt",
    type=click.Choice(["table", "json", "sarif", "cyclonedx"]),
    default="table",
    show_default=True,
    help="Report format.",
)
@click.option(
    "--severity",
    "severities",
    multiple=True,
    callback=_severity_list,
    help="Only these severities (repeatable or comma-separated).",
)
@click.option("--ignore-unfixed", is_flag=True, help="Only findings with a fix.")
@click.option(
    "--fail-on",
    type=click.Choice(_SEVERITIES, case_sensitive=False),
    default=None,
    help="Exit 1 when a finding is at or above this severity.",
)
@click.option(
    "--db",
    "db_path",
    envvar=DB_ENV,
    default=None,
    help=f"Advisory database file or URL [env {DB_ENV}].",
)
@click.option("--platform", default=None, help="os/arch[/variant] of an image index.")
@click.option(
    "--file",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the report to a file.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def scan(
    *,
    target: str,
    fmt: str,
    severities: tuple[str, ...],
    ignore_unfixed: bool,
    fail_on: str | None,
    db_path: str | None,
    platform: str | None,
    out_file: Path | None,
    quiet: bool,
) -> None:
    """Scan TARGET for known vulnerabilities: an SBOM file (Seawall inventory
    JSON, CycloneDX or SPDX JSON) or an image (oci-dir:PATH,
    docker-archive:PATH, registry://HOST/REPO:TAG).

    \b
    Exit codes: 0 no finding at or above --fail-on; 1 at least one;
    2 invalid usage or input; 3 the scan could not run.
    """
    from seawall.logging import configure
    from seawall.scan.findings import scan_inventory
    from seawall.scan.report import filter_result, gate, get_format

    configure("warning")  # logs go to stderr; stdout carries only the report
    store = _open_store(db_path)
    inventories = _inventories(target, platform, quiet)
    today = datetime.now(UTC).date()
    reports, gated = [], False
    with _progress(quiet) as progress:
        task = progress.add_task("matching", total=len(inventories))
        for inventory in inventories:
            result = scan_inventory(store, inventory, today)
            result = filter_result(result, severities, ignore_unfixed)
            gated = gated or gate(result.findings, fail_on)
            reports.append(get_format(fmt).render(result))
            progress.advance(task)
    text = "".join(reports) if fmt == "table" or len(reports) == 1 else _join(reports)
    if out_file is not None:
        out_file.write_text(text)
    else:
        click.echo(text, nl=False)
    if gated:
        raise click.exceptions.Exit(EXIT_GATE)


def _open_store(db_path: str | None) -> Any:
    try:
        store = open_db(db_path)
    except SeawallError as exc:
        raise ScanError(exc.message) from exc
    if not store.feeds():
        raise ScanError(
            "failed to scan: the advisory database is empty; run "
            "'seawall db update' or 'seawall db import PATH' first"
        )
    return store


def _join(reports: list[str]) -> str:
    return json.dumps([json.loads(r) for r in reports], indent=2) + "\n"


def _progress(quiet: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        disable=quiet,
        transient=True,
        console=Console(stderr=True),
    )


def _inventories(target: str, platform: str | None, quiet: bool) -> list[Inventory]:
    path = Path(target)
    try:
        if path.is_file():
            return read_sbom(path)
        return _catalog_image(target, platform, quiet)
    except InvalidInput as exc:
        raise InputError(exc.message) from exc
    except SeawallError as exc:
        raise ScanError(exc.message) from exc


def read_sbom(path: Path) -> list[Inventory]:
    """Inventories from a Seawall inventory, CycloneDX or SPDX JSON file.

    Raises InvalidInput for anything else.
    """
    try:
        doc = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"invalid SBOM {path}: {exc}") from exc
    docs = doc if isinstance(doc, list) else [doc]
    if all(
        isinstance(d, dict) and "schemaVersion" in d and "packages" in d for d in docs
    ):
        try:
            return [Inventory.from_json(d) for d in docs]
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(f"invalid Seawall inventory {path}: {exc}") from exc
    if isinstance(doc, dict) and doc.get("bomFormat") == "CycloneDX":
        return [_from_purls(path, _cyclonedx_purls(doc), doc)]
    if isinstance(doc, dict) and "spdxVersion" in doc:
        return [_from_purls(path, _spdx_purls(doc), doc)]
    raise InvalidInput(
        f"unsupported SBOM {path}: expected Seawall inventory, CycloneDX or SPDX JSON"
    )


def _cyclonedx_purls(doc: dict[str, Any]) -> list[str]:
    out: list[str] = []
    stack = list(doc.get("components") or ())
    while stack:
        component = stack.pop()
        if component.get("purl"):
            out.append(str(component["purl"]))
        stack.extend(component.get("components") or ())
    return out


def _spdx_purls(doc: dict[str, Any]) -> list[str]:
    return [
        str(ref["referenceLocator"])
        for package in doc.get("packages") or ()
        for ref in package.get("externalRefs") or ()
        if ref.get("referenceType") == "purl"
    ]


def _from_purls(path: Path, purls: list[str], doc: dict[str, Any]) -> Inventory:
    from seawall.scan.matchers.purls import package_from_purl

    packages: list[Package] = []
    for purl in purls:
        package = package_from_purl(purl)
        if package is not None:
            packages.append(package)
    name = str(
        (doc.get("metadata") or {}).get("component", {}).get("name")
        or doc.get("name")
        or path.name
    )
    return Inventory(
        image=name,
        manifest_digest="",
        platform="",
        distro=None,
        packages=tuple(dict.fromkeys(packages)),
    )


def _catalog_image(target: str, platform: str | None, quiet: bool) -> list[Inventory]:
    try:
        from seawall.scan.catalogers import build
        from seawall.scan.catalogers.pipeline import catalog_image
        from seawall.scan.image import ScanLimits, open_image
        from seawall.scan.image.resolve import resolve
    except ImportError as exc:  # pragma: no cover - catalogers are part of Seawall
        raise InvalidInput(f"unsupported target {target!r}: no image support") from exc
    limits = ScanLimits()
    opened = open_image(target, limits)
    try:
        images = resolve(
            opened.source, opened.reference, platform, limits.max_manifest_bytes
        )
        with _progress(quiet) as progress:
            out = []
            for resolved in images:
                bar = _LayerBar(progress, sum(x.size for x in resolved.layers))
                out.append(
                    catalog_image(
                        opened.source,
                        opened.name,
                        resolved,
                        build(),
                        limits,
                        progress=bar,
                    )
                )
            return out
    finally:
        opened.source.close()


class _LayerBar:
    """The catalogers' progress calls as a rich task."""

    def __init__(self, progress: Progress, total: int) -> None:
        self._progress = progress
        self._task = progress.add_task("reading layers", total=total or None)

    def start_layer(self, index: int, layer: object) -> None:
        self._progress.update(self._task, description=f"reading layer {index + 1}")

    def advance(self, nbytes: int) -> None:
        self._progress.advance(self._task, nbytes)


__all__ = ["EXIT_GATE", "EXIT_INPUT", "EXIT_SCAN", "read_sbom", "scan"]
