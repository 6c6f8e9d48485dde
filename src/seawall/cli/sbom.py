"""``seawall sbom IMAGE``: the package inventory of an image, as an SBOM."""

from __future__ import annotations

import os
from pathlib import Path

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TransferSpeedColumn,
)

from seawall.errors import SeawallError
from seawall.scan.image.interface import LayerRef
from seawall.scan.sbom import FORMATS


def _default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "seawall" / "layers"


class _Bar:
    """Adapts the pipeline's progress calls to a rich progress bar."""

    def __init__(self, progress: Progress, total: int, layers: int) -> None:
        self._progress = progress
        self._layers = layers
        self._task = progress.add_task("reading layers", total=total or None)

    def start_layer(self, index: int, layer: LayerRef) -> None:
        text = f"layer {index + 1}/{self._layers} {layer.digest.encoded[:12]}"
        self._progress.update(self._task, description=text)

    def advance(self, nbytes: int) -> None:
        self._progress.advance(self._task, nbytes)


@click.command("sbom")
@click.argument("image")
@click.option(
    "-o",
    "--output",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.option("--platform", default=None, help="os/arch[/variant], or 'all'.")
@click.option(
    "--file",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file instead of standard output.",
)
@click.option("--no-cache", is_flag=True, help="Do not use the per-layer cache.")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Per-layer cache directory.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def sbom(
    *,
    image: str,
    fmt: str,
    platform: str | None,
    out_file: Path | None,
    no_cache: bool,
    cache_dir: Path | None,
    quiet: bool,
) -> None:
    """List the packages in IMAGE: oci-dir:PATH[:TAG], docker-archive:PATH or
    registry://HOST/REPOSITORY[:TAG|@DIGEST]."""
    from seawall.logging import configure
    from seawall.scan.catalogers import build
    from seawall.scan.catalogers.cache import DirectoryCache, NoCache
    from seawall.scan.catalogers.pipeline import catalog_image
    from seawall.scan.image import ScanLimits, open_image
    from seawall.scan.image.resolve import resolve
    from seawall.scan.sbom import render

    configure("warning")
    limits = ScanLimits()
    cache = NoCache() if no_cache else DirectoryCache(cache_dir or _default_cache())
    try:
        opened = open_image(image, limits)
        try:
            images = resolve(
                opened.source, opened.reference, platform, limits.max_manifest_bytes
            )
            inventories = []
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn(),
                TransferSpeedColumn(),
                disable=quiet,
                transient=True,
                console=Console(stderr=True),
            ) as progress:
                for resolved in images:
                    total = sum(layer.size for layer in resolved.layers)
                    bar = _Bar(progress, total, len(resolved.layers))
                    inventories.append(
                        catalog_image(
                            opened.source,
                            opened.name,
                            resolved,
                            build(),
                            limits,
                            cache=cache,
                            progress=bar,
                        )
                    )
        finally:
            opened.source.close()
        text = render(inventories, fmt)
    except SeawallError as exc:
        raise click.ClickException(exc.message) from exc
    if out_file is not None:
        out_file.write_text(text)
    else:
        click.echo(text)
