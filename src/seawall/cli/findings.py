"""``seawall findings``: vulnerabilities of the images stored in this registry.

Reads the findings the registry's scans recorded (see
docs/scanning-in-registry.md), filtered by repository, image (tag or
digest), severity, exploited-only and fixable-only; as a table or JSON.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from seawall.scanning.query import Filters, ImageFindings

_SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "NEGLIGIBLE", "UNKNOWN")


def _severities(
    _ctx: click.Context, _param: click.Parameter, value: tuple[str, ...]
) -> frozenset[str]:
    out = set()
    for item in value:
        for word in item.split(","):
            if word.strip().upper() not in _SEVERITIES:
                raise click.BadParameter(f"invalid severity {word!r}")
            out.add(word.strip().upper())
    return frozenset(out)


@click.command("findings")
@click.option("--repository", "-r", default=None, help="Only this repository.")
@click.option("--image", "-i", default=None, help="Only this image (tag or digest).")
@click.option(
    "--severity",
    "severities",
    multiple=True,
    callback=_severities,
    help="Only these severities (repeatable or comma-separated).",
)
@click.option("--exploited-only", is_flag=True, help="Only known exploited ones.")
@click.option("--fixable-only", is_flag=True, help="Only ones with a fixed version.")
@click.option("--closed", is_flag=True, help="Include resolved (closed) findings.")
@click.option(
    "--output",
    "-o",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
)
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="All local state (SEAWALL_DATA_DIR).",
)
def findings(
    *,
    repository: str | None,
    image: str | None,
    severities: frozenset[str],
    exploited_only: bool,
    fixable_only: bool,
    closed: bool,
    output: str,
    data_dir: Path | None,
) -> None:
    """List the findings of scanned images in this registry."""
    from seawall.scanning.query import image_findings

    filters = Filters(
        repository, image, severities, exploited_only, fixable_only, closed
    )
    found = image_findings(_engine(data_dir), filters)
    if output == "json":
        click.echo(json.dumps([_image_json(i) for i in found], indent=2))
        return
    _table(found)


def _engine(data_dir: Path | None) -> Any:
    from pydantic import ValidationError

    from seawall.settings import load_settings
    from seawall.storage.metadata.db import make_engine, migrate

    try:
        settings = load_settings(data_dir=data_dir)
    except ValidationError as exc:
        raise click.ClickException(f"invalid settings: {exc}") from exc
    if not settings.database_url and not (settings.data_dir / "seawall.db").exists():
        raise click.ClickException(
            f"failed to read findings: no registry in {settings.data_dir}"
        )
    engine = make_engine(settings.effective_database_url)
    migrate(engine)
    return engine


def _image_json(image: ImageFindings) -> dict[str, Any]:
    return {
        "repositoryName": image.repository,
        "imageDigest": image.digest,
        "imageTags": list(image.tags),
        "scanStatus": image.status,
        "scanType": image.scan_type,
        "findings": [f.to_json() for f in image.findings],
    }


def _table(found: list[ImageFindings]) -> None:
    table = Table(box=None, pad_edge=False)
    for column in (
        "IMAGE",
        "VULNERABILITY",
        "SEVERITY",
        "PACKAGE",
        "INSTALLED",
        "FIXED IN",
        "EXPLOITED",
        "STATUS",
    ):
        table.add_column(column, no_wrap=True)
    rows = 0
    for image in found:
        name = (
            f"{image.repository}:{image.tags[0]}"
            if image.tags
            else (f"{image.repository}@{image.digest[:19]}")
        )
        for f in image.findings:
            table.add_row(
                name,
                f.vulnerability_id,
                f.severity,
                f.package.name,
                f.package.version,
                ", ".join(f.record.get("fixedVersions") or ()) or "-",
                "yes" if f.exploited else "no",
                f.status,
            )
            rows += 1
    console = Console(width=160)
    if not rows:
        console.print("No findings.")
        return
    console.print(table)
