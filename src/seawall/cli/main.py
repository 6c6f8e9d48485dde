"""``seawall``: the command-line entry point.

Each subcommand lives in its own module and is registered in ``_COMMANDS``;
modules are imported on start so a broken one fails loudly.
"""

from __future__ import annotations

import importlib

import click

# (module, attribute) of each top-level command.
_COMMANDS: tuple[tuple[str, str], ...] = (
    ("seawall.cli.serve", "serve"),
    ("seawall.cli.sbom", "sbom"),
    ("seawall.cli.scan", "scan"),
    ("seawall.cli.db", "db"),
    ("seawall.cli.kms", "kms"),
    ("seawall.cli.admin", "admin"),
    ("seawall.cli.audit", "audit"),
    ("seawall.cli.findings", "findings"),
    ("seawall.cli.worker", "worker"),
)


@click.group()
@click.version_option(package_name="seawall")
def cli() -> None:
    """Seawall: a self-hosted, secure container registry."""


def _register() -> None:
    for module_name, attribute in _COMMANDS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            # A command whose module is not written yet is simply absent.
            if exc.name == module_name:
                continue
            raise
        cli.add_command(getattr(module, attribute))


_register()


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
