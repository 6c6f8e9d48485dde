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
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from seawall.scan.advisories.loader import plan, records

REPO = Path(__file__).resolve().parents[1]
DEFAULT_VULNDATA = REPO.parent / "shared" / "vulndata"


def parse_only(root: Path) -> tuple[float, int]:
    """Seconds to read and parse every file, and the record count."""
    started = time.perf_counter()
    found = plan(root)
    count = sum(
        1 for fmt, files in found.by_format.items() for _ in records(fmt, files, None)
    )
    return time.perf_counter() - started, count


def seawall_import(root: Path, db: Path) -> float:
    """Seconds for ``seawall db import ROOT --db DB``."""
    started = time.perf_counter()
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
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--vulndata", type=Path, default=DEFAULT_VULNDATA)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    first, again, floor = [], [], []
    count = size = 0
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "advisories.db"
            first.append(seawall_import(args.vulndata, db))
            again.append(seawall_import(args.vulndata, db))
            size = db.stat().st_size
        seconds, count = parse_only(args.vulndata)
        floor.append(seconds)
    f, a, p = (statistics.median(x) for x in (first, again, floor))
    print(f"records: {count}; database: {size / 2**20:.1f} MiB; runs: {args.runs}")
    print("| measure | seconds | / parse-only floor |")
    print("|---|---|---|")
    print(f"| parse every file, no database (floor) | {p:.1f} | 1.00 |")
    print(f"| `seawall db import` into an empty database | {f:.1f} | {f / p:.2f} |")
    print(f"| `seawall db import` again, nothing changed | {a:.1f} | {a / p:.2f} |")


if __name__ == "__main__":
    sys.exit(main())
