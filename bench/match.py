"""Matching an inventory of 1,000 real packages against the full database.

Builds (or reuses, with --db) the database of all of ../shared/vulndata,
draws 1,000 packages from it (real names and versions across PyPI, npm,
Go, Maven, crates.io, RubyGems, Packagist, Alpine, AlmaLinux, Ubuntu and
Wolfi, seeded for repeatability) and times, in the same process:

* the lookup floor: the batched, indexed candidate queries alone;
* ``scan_inventory``: lookups, version comparison by each ecosystem's rules,
  alias merging, KEV/EPSS/vulnrichment enrichment, EOL and ranking;
* a continuous-scanning re-match limited to 20 changed (ecosystem, name) pairs.

    .venv/bin/python -m bench.match [--db PATH] [--packages 1000] [--runs 5]

Target: a full scan under one second.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from seawall.scan.advisories import schema
from seawall.scan.advisories.loader import import_path
from seawall.scan.advisories.store import AdvisoryStore, open_store
from seawall.scan.findings import scan_inventory
from seawall.scan.inventory import Inventory, Package

REPO = Path(__file__).resolve().parents[1]
DEFAULT_VULNDATA = REPO.parent / "shared" / "vulndata"
_OS = {"Alpine", "AlmaLinux", "Ubuntu", "Wolfi", "Debian"}


def _version(row: Any) -> str | None:
    versions = json.loads(row.versions)
    if versions:
        return str(versions[len(versions) // 2])
    if row.fixed:
        return str(row.fixed)
    for item in json.loads(row.ranges):
        for event in item.get("events", ()) if isinstance(item, dict) else ():
            value = event.get("introduced")
            if value and value != "0":
                return str(value)
    return None


def sample_packages(store: AdvisoryStore, count: int, seed: int = 7) -> list[Package]:
    """``count`` distinct packages with names and versions from the database,
    taken round-robin across ecosystems so no one ecosystem dominates."""
    f = schema.affected
    query = select(
        f.c.ecosystem, f.c.release, f.c.name, f.c.versions, f.c.fixed, f.c.ranges
    ).where(f.c.kind.in_(("osv", "distro")))
    with store.engine.connect() as conn:
        rows = list(conn.execute(query))
    random.Random(seed).shuffle(rows)
    pools: dict[str, list[Package]] = {}
    seen: set[tuple[str, str]] = set()
    for row in rows:
        package = _package(row)
        if package is not None and (row.ecosystem, row.name) not in seen:
            seen.add((row.ecosystem, row.name))
            pools.setdefault(row.ecosystem, []).append(package)
    out: list[Package] = []
    while len(out) < count and any(pools.values()):
        for pool in pools.values():
            if pool and len(out) < count:
                out.append(pool.pop())
    return out


def _package(row: Any) -> Package | None:
    from seawall.scan.matchers import matcher_for

    version = _version(row)
    if version is None or matcher_for(row.ecosystem) is None:
        return None
    if row.ecosystem in _OS and not row.release and row.ecosystem != "Wolfi":
        return None
    distro = f"{row.ecosystem}:{row.release}" if row.ecosystem in _OS else None
    if row.ecosystem == "Go" and not version.startswith("v"):
        version = "v" + version
    return Package(
        name=row.name,
        version=version,
        ecosystem=row.ecosystem,
        purl="",
        type="bench",
        source_name=row.name if distro else None,
        distro=distro,
    )


def timed(fn: Any, runs: int) -> tuple[float, float, Any]:
    """Median wall and CPU seconds of ``runs`` calls, and the last result."""
    wall, cpu, result = [], [], None
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = fn()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(wall), statistics.median(cpu), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--vulndata", type=Path, default=DEFAULT_VULNDATA)
    parser.add_argument("--packages", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "advisories.db"
        if args.db is None:
            import_path(open_store(db), args.vulndata)
        store = open_store(db)
        packages = sample_packages(store, args.packages)
        inventory = Inventory("bench", "", "linux/amd64", None, tuple(packages))
        today = date(2026, 12, 3)
        scan_inventory(store, inventory, today)  # warm the parse caches once
        from seawall.scan.matchers import matcher_for

        keys = {
            k for p in packages if (m := matcher_for(p.ecosystem)) for k in m.keys(p)
        }
        floor, floor_cpu, _ = timed(lambda: store.candidates(keys), args.runs)
        full, full_cpu, result = timed(
            lambda: scan_inventory(store, inventory, today), args.runs
        )
        changed = frozenset(sorted(keys)[:: max(1, len(keys) // 20)][:20])
        partial, partial_cpu, _ = timed(
            lambda: scan_inventory(store, inventory, today, changed), args.runs
        )
    ecosystems = sorted({p.ecosystem for p in packages})
    print(
        f"{len(packages)} packages ({', '.join(ecosystems)}); "
        f"{len(result.findings)} findings; median of {args.runs} runs"
    )
    print("| measure | wall s | CPU s | wall / lookup floor |")
    print("|---|---|---|---|")
    rows = (
        ("candidate lookups only (floor)", floor, floor_cpu),
        ("full scan of 1,000 packages", full, full_cpu),
        ("re-match of 20 changed pairs", partial, partial_cpu),
    )
    for label, wall, cpu in rows:
        print(f"| {label} | {wall:.3f} | {cpu:.3f} | {wall / floor:.2f} |")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    sys.exit(main())
