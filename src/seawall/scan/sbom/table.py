"""A readable table of packages, one per platform."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table

from seawall.scan.inventory import Inventory


def render(inventories: list[Inventory]) -> str:
    out = io.StringIO()
    console = Console(file=out, width=160, force_terminal=False)
    for inventory in inventories:
        distro = inventory.distro
        title = f"{inventory.image} ({inventory.platform})"
        if distro:
            title += f" - {distro.pretty_name or distro.id + ' ' + distro.version_id}"
        table = Table(title=title, title_justify="left")
        for column in ("NAME", "VERSION", "TYPE", "SOURCE", "PATH"):
            table.add_column(column, overflow="fold")
        for p in inventory.packages:
            path = p.locations[0].path if p.locations else ""
            table.add_row(p.name, p.version, p.type, p.source_name or "", path)
        console.print(table)
        console.print(f"{len(inventory.packages)} packages")
        for skipped in inventory.skipped:
            console.print(f"skipped {skipped.path}: {skipped.reason}")
    return out.getvalue()
