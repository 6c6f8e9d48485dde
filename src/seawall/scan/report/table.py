"""The human report: a summary, end-of-life notes and one table row per
finding, laid out for a 100-column terminal with rich."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table
from rich.text import Text

from seawall.scan.advisories.model import Status
from seawall.scan.findings import Finding, ScanResult
from seawall.scan.report.json import summary

WIDTH = 100
_STYLES = {
    "CRITICAL": "bold red",
    "HIGH": "red",
    "MEDIUM": "yellow",
    "LOW": "blue",
}


class TableReport:
    """``--format table``."""

    name = "table"

    def __init__(self, width: int = WIDTH, color: bool = False) -> None:
        self.width = width
        self.color = color

    def render(self, result: ScanResult) -> str:
        out = io.StringIO()
        console = Console(
            file=out,
            width=self.width,
            no_color=not self.color,
            color_system="standard" if self.color else None,
            highlight=False,
            soft_wrap=False,
        )
        console.print(_header(result))
        for line in _eol_lines(result):
            console.print(line)
        for warning in result.warnings:
            console.print(f"warning: {warning}")
        if result.findings:
            console.print(_table(result.findings))
        else:
            console.print("No vulnerabilities found.")
        return out.getvalue()


def _header(result: ScanResult) -> Text:
    counts = summary(result)
    by = counts["bySeverity"]
    parts = ", ".join(f"{k.lower()} {v}" for k, v in by.items() if v)
    text = Text(f"{result.image}")
    if result.distro:
        text.append(f" ({result.distro})")
    text.append(
        f"\n{counts['packages']} packages, {counts['findings']} vulnerabilities"
        f"{': ' + parts if parts else ''}; {counts['fixable']} fixable, "
        f"{counts['knownExploited']} known exploited"
    )
    return text


def _eol_lines(result: ScanResult) -> list[str]:
    return [
        f"end of life: {e.product} {e.cycle} ({e.subject} {e.version}) "
        f"ended {e.eol if e.eol != 'true' else ''}".rstrip()
        for e in result.eol
        if e.ended
    ]


def _table(findings: tuple[Finding, ...]) -> Table:
    table = Table(box=None, pad_edge=False, show_edge=False, expand=False)
    table.add_column("SEVERITY", no_wrap=True, width=8)
    table.add_column("ID", no_wrap=True, max_width=19)
    table.add_column("PACKAGE", overflow="fold", max_width=22)
    table.add_column("INSTALLED", overflow="fold", max_width=16)
    table.add_column("FIXED IN", overflow="fold", max_width=16)
    table.add_column("NOTES", overflow="fold", max_width=11)
    for f in findings:
        table.add_row(
            Text(f.severity, style=_STYLES.get(f.severity, "")),
            f.id,
            f.package.name,
            f.installed_version,
            ", ".join(f.fixed_versions) if f.fixed_versions else f"({f.fix_state})",
            _notes(f),
        )
    return table


def _notes(f: Finding) -> str:
    notes = []
    if f.kev is not None:
        notes.append("KEV" + ("+ransom" if f.kev.ransomware else ""))
    elif f.exploitation in ("active", "poc"):
        notes.append(f.exploitation)
    if f.epss is not None and f.epss.epss >= 0.1:
        notes.append(f"epss {f.epss.epss:.2f}")
    if f.fix_state not in (Status.FIXED, Status.AFFECTED):
        notes.append(f.fix_state)
    return " ".join(notes)
