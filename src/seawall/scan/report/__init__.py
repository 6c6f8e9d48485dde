"""Scan reports: ``table`` (rich, 100 columns), ``json`` (stable, see
docs/vulnerability-db.md), ``sarif`` (2.1.0) and ``cyclonedx`` (1.5 with
vulnerabilities, VEX analysis per finding). Plus the filters the CLI applies
before rendering and the CI gate."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from seawall.errors import Unsupported
from seawall.scan.advisories.model import Severity, Status
from seawall.scan.findings import Finding, ScanResult
from seawall.scan.report.cyclonedx import CycloneDxReport
from seawall.scan.report.interface import ReportFormat
from seawall.scan.report.json import JsonReport
from seawall.scan.report.sarif import SarifReport
from seawall.scan.report.table import TableReport

FORMATS: dict[str, ReportFormat] = {
    f.name: f for f in (TableReport(), JsonReport(), SarifReport(), CycloneDxReport())
}


def get_format(name: str) -> ReportFormat:
    """The report format called ``name``; Unsupported otherwise."""
    try:
        return FORMATS[name]
    except KeyError:
        raise Unsupported(f"unsupported report format {name!r}") from None


def filter_result(
    result: ScanResult,
    severities: Iterable[str] = (),
    ignore_unfixed: bool = False,
) -> ScanResult:
    """Only findings of the given severities (all when empty), and only
    fixable ones with ``ignore_unfixed``."""
    wanted = {s.upper() for s in severities}
    kept = tuple(
        f
        for f in result.findings
        if (not wanted or f.severity in wanted)
        and (not ignore_unfixed or f.fix_state == Status.FIXED)
    )
    return replace(result, findings=kept)


def gate(findings: Iterable[Finding], fail_on: str | None) -> bool:
    """Whether any finding is at or above the ``fail_on`` severity."""
    if not fail_on:
        return False
    threshold = Severity.rank(fail_on)
    return any(Severity.rank(f.severity) <= threshold for f in findings)


__all__ = ["FORMATS", "ReportFormat", "filter_result", "gate", "get_format"]
