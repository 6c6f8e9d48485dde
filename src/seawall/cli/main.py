"""``seawall``: the command-line entry point.

Each subcommand lives in its own module, listed in ``_COMMANDS`` and
imported only when that command runs (or ``--help`` lists them all): the
modules behind ``scan``, ``kms`` or ``db`` pull in much of Seawall, which
``seawall serve``'s supervising process and a quick ``seawall --version``
do without (about 70 MiB and most of a second).
"""

from __future__ import annotations

import importlib

import click

# Command name -> module that defines it (as an attribute of the same name).
_COMMANDS: dict[str, str] = {
    "serve": "seawall.cli.serve",
    "sbom": "seawall.cli.sbom",
    "scan": "seawall.cli.scan",
    "db": "seawall.cli.db",
    "kms": "seawall.cli.kms",
    "admin": "seawall.cli.admin",
    "audit": "seawall.cli.audit",
    "findings": "seawall.cli.findings",
    "worker": "seawall.cli.worker",
}


class _LazyGroup(click.Group):
    """A group whose commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*_COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in _COMMANDS:
            module = importlib.import_module(_COMMANDS[cmd_name])
            self.add_command(getattr(module, cmd_name), cmd_name)
        return self.commands.get(cmd_name)


@click.group(cls=_LazyGroup)
@click.version_option(package_name="seawall")
def cli() -> None:
    """Seawall: a self-hosted, secure container registry."""


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
