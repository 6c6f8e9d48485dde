"""Importing all of ../shared/vulndata into the advisory database.

Runs ``seawall db import`` on the whole directory into a fresh SQLite file,
then once more on the same file (nothing changed: digests only), and
measures, in the same run, the floor any importer must pay: reading and
parsing every file with the same format parsers, no database at all.

    .venv/bin/python -m bench.advisory_import [--vulndata PATH] [--runs 1]

No external peer is run: grype, trivy and osv-scanner each import only their
own prebuilt database, which must be downloaded from the internet.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from seawall.scan.advisories.loader import plan, records

REPO = Path(__file__).resolve().parents[1]
DEFAULT_VULNDATA = REPO.parent / "shared" / "vulndata"


def parse_only(root: Path) -> tuple[float, float, int]:
    """Wall and CPU seconds to read and parse every file, and the record count."""
    started, cpu = time.perf_counter(), time.process_time()
    found = plan(root)
    count = sum(
        1 for fmt, files in found.by_format.items() for _ in records(fmt, files, None)
    )
    return time.perf_counter() - started, time.process_time() - cpu, count


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def seawall_import(root: Path, db: Path) -> tuple[float, float]:
    """Wall and CPU seconds for ``seawall db import ROOT --db DB``."""
    started, cpu = time.perf_counter(), _children_cpu()
    subprocess.run(
        [
            str(REPO / ".venv/bin/seawall"),
            "db",
            "import",
            str(root),
            "--db",
            str(db),
            "-q",
        ],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started, _children_cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--vulndata", type=Path, default=DEFAULT_VULNDATA)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    first: list[tuple[float, float]] = []
    again: list[tuple[float, float]] = []
    floor: list[tuple[float, float]] = []
    count = size = 0
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "advisories.db"
            first.append(seawall_import(args.vulndata, db))
            again.append(seawall_import(args.vulndata, db))
            size = db.stat().st_size
        wall, cpu, count = parse_only(args.vulndata)
        floor.append((wall, cpu))
    rows = [
        ("parse every file, no database (floor)", floor),
        ("`seawall db import` into an empty database", first),
        ("`seawall db import` again, nothing changed", again),
    ]
    base = statistics.median(w for w, _ in floor)
    print(f"records: {count}; database: {size / 2**20:.1f} MiB; runs: {args.runs}")
    print("| measure | wall s | CPU s | wall / parse-only floor |")
    print("|---|---|---|---|")
    for label, samples in rows:
        wall = statistics.median(w for w, _ in samples)
        cpu = statistics.median(c for _, c in samples)
        print(f"| {label} | {wall:.1f} | {cpu:.1f} | {wall / base:.2f} |")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    sys.exit(main())
