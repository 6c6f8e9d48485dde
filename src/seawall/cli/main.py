"""``seawall``: the command-line entry point; subcommands register here."""

from __future__ import annotations

import click


@click.group()
@click.version_option(package_name="seawall")
def cli() -> None:
    """Seawall: a self-hosted, secure container registry."""


def main() -> None:
    cli()
