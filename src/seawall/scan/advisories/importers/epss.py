"""EPSS daily scores CSV (https://www.first.org/epss/data_stats): an optional
``#model_version:...,score_date:...`` line, then ``cve,epss,percentile``.
Gzip-compressed files are read as they come from the download.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator

from seawall.errors import InvalidInput
from seawall.scan.advisories.importers._common import is_cve
from seawall.scan.advisories.model import EpssScore


class EpssImporter:
    """EPSS CSV (plain or gzip)."""

    format = "epss"

    def detect(self, name: str, head: bytes) -> bool:
        lowered = name.lower()
        if lowered.endswith(".csv.gz") or head.startswith(b"\x1f\x8b"):
            return "epss" in lowered
        return head.startswith(b"#model_version") or head.startswith(b"cve,epss")

    def parse(self, name: str, data: bytes) -> Iterator[EpssScore]:
        if data.startswith(b"\x1f\x8b"):
            data = gzip.decompress(data)
        lines = io.StringIO(data.decode("utf-8", errors="replace"))
        score_date = ""
        first = lines.readline()
        if first.startswith("#"):
            for part in first.lstrip("#").strip().split(","):
                key, _, value = part.partition(":")
                if key == "score_date":
                    score_date = value
        else:
            lines.seek(0)
        for row in csv.DictReader(lines):
            yield _score(name, row, score_date)


def _score(name: str, row: dict[str, str], score_date: str) -> EpssScore:
    cve = row.get("cve", "")
    try:
        epss, percentile = float(row["epss"]), float(row["percentile"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(f"invalid EPSS row in {name}: {row}") from exc
    if not is_cve(cve):
        raise InvalidInput(f"invalid EPSS row in {name}: {cve!r} is not a CVE id")
    return EpssScore(cve, epss, percentile, score_date)
