"""The entry point: every command is reachable, and imported only when used."""

from __future__ import annotations

import subprocess
import sys

import click
from click.testing import CliRunner

from seawall.cli.main import _COMMANDS, cli


def test_every_listed_command_imports_under_its_name() -> None:
    ctx = click.Context(cli)
    for name in _COMMANDS:
        command = cli.get_command(ctx, name)
        assert isinstance(command, click.Command), name
        assert command.name == name
    assert cli.get_command(ctx, "no-such-command") is None


def test_help_lists_every_command() -> None:
    result = CliRunner().invoke(cli, ["--help"])

    assert result.exit_code == 0
    for name in _COMMANDS:
        assert f"  {name} " in result.output


def test_the_entry_point_imports_no_command_it_does_not_run() -> None:
    probe = (
        "import sys\n"
        "from seawall.cli.main import cli\n"
        "try:\n"
        "    cli(['--version'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in ('seawall.cli.scan', 'seawall.cli.kms', 'sqlalchemy',"
        " 'cryptography') if m in sys.modules]\n"
        "print('heavy:' + ','.join(heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout

    assert out.splitlines()[-1] == "heavy:"
