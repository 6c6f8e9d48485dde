"""The report-format role: one module per output format."""

from __future__ import annotations

from typing import Protocol

from seawall.scan.findings import ScanResult


class ReportFormat(Protocol):
    """Renders a scan result as text."""

    name: str  # the --format value

    def render(self, result: ScanResult) -> str:
        """The whole report, ending with a newline."""
        ...
