"""Continuous scanning: an advisory update re-matched over 10,000 images.

Builds a registry (SQLite metadata, as ``seawall serve`` runs by default)
holding ``--images`` stored inventories generated from real package sets:
the host's Debian 12 packages (``/var/lib/dpkg/status``: names, versions,
source packages) as OS bases, and application packages with real names and
versions drawn from the advisory database built from ../shared/vulndata
(PyPI, npm, Go, Maven, crates.io, RubyGems, Packagist, ...). Each image is
one of 20 Debian base flavours plus its own mix of application packages,
so images share packages as real fleets do.

Then an advisory update touching ``--changed`` packages (real package
names held by the images; one OSV record each, every version affected) is
imported and, in the same process and run, timed:

* **continuous re-match** (:func:`seawall.scanning.continuous.rematch`):
  affected packages found through the key index, each distinct package
  matched once, findings of the holding images updated, events written to
  the audit trail;
* **full re-scan** of every image, the peer: each stored inventory matched
  whole (``scan_inventory``) on a sample, extrapolated to all images. This
  is a lower bound: a re-scan that pulls and reads layers again costs more.

    .venv/bin/python -m bench.continuous_scan [--images 10000] [--changed 100]
        [--db ADVISORIES.db] [--sample 100]

Target: the continuous re-match under 5 seconds.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from bench.match import DEFAULT_VULNDATA, sample_packages
from seawall.app import Services, build_services
from seawall.scan.advisories.loader import import_path
from seawall.scan.advisories.store import AdvisoryStore, open_store
from seawall.scan.findings import scan_inventory
from seawall.scan.inventory import Distro, Inventory, Location, Package
from seawall.scanning import config as cfg
from seawall.scanning import tables as st
from seawall.scanning.continuous import rematch
from seawall.scanning.service import keys_of
from seawall.settings import Settings
from seawall.storage.metadata import schema as t

_FLAVOURS = 20
_REPOSITORIES = 100
_DEBIAN = Distro("debian", "12", "Debian GNU/Linux 12 (bookworm)", "bookworm")


def debian_packages(status: Path = Path("/var/lib/dpkg/status")) -> list[Package]:
    """The host's installed Debian packages, as the dpkg cataloger reports them."""
    out = []
    for stanza in status.read_text(errors="replace").split("\n\n"):
        fields = dict(
            line.split(": ", 1) for line in stanza.splitlines() if ": " in line
        )
        name, version = fields.get("Package"), fields.get("Version")
        if not name or not version or "installed" not in fields.get("Status", ""):
            continue
        source = (fields.get("Source") or name).split(" ")[0]
        out.append(
            Package(
                name=name,
                version=version,
                ecosystem="Debian",
                purl=f"pkg:deb/debian/{name}@{version}?distro=debian-12",
                type="deb",
                source_name=source,
                source_version=version,
                distro="Debian:12",
            )
        )
    return out


def inventories(
    count: int, base: list[Package], apps: list[Package], sizes: tuple[int, int]
) -> list[Inventory]:
    """``count`` images: a Debian flavour plus a seeded mix of app packages."""
    rng = random.Random(11)
    flavours = [rng.sample(base, min(sizes[0], len(base))) for _ in range(_FLAVOURS)]
    out = []
    for i in range(count):
        digest = "sha256:" + hashlib.sha256(f"image-{i}".encode()).hexdigest()
        layer = "sha256:" + hashlib.sha256(f"layer-{i}".encode()).hexdigest()
        chosen = rng.sample(apps, min(sizes[1], len(apps)))
        packages = [
            *flavours[i % _FLAVOURS],
            *(_located(p, layer, "/app/lockfile") for p in chosen),
        ]
        out.append(
            Inventory(f"bench/{i}", digest, "linux/amd64", _DEBIAN, tuple(packages))
        )
    return out


def _located(package: Package, layer: str, path: str) -> Package:
    return Package(
        name=package.name,
        version=package.version,
        ecosystem=package.ecosystem,
        purl=package.purl,
        type=package.type,
        locations=(Location(layer, path),),
        source_name=package.source_name,
        distro=package.distro,
    )


def register(services: Services, images: list[Inventory]) -> None:
    """Repositories, manifests and scan rows for the stored inventories."""
    now = time.time()
    store = services.store
    repo_ids = [
        store.create_repository(f"fleet/service-{r:03d}")[0].id
        for r in range(_REPOSITORIES)
    ]
    manifests, scans, platforms = [], [], []
    for i, inventory in enumerate(images):
        repo_id = repo_ids[i % _REPOSITORIES]
        digest = inventory.manifest_digest
        manifests.append(
            {
                "repository_id": repo_id,
                "digest": digest,
                "media_type": "application/vnd.oci.image.manifest.v1+json",
                "size": 1000,
                "created_at": now,
            }
        )
        scans.append(
            {
                "repository_id": repo_id,
                "digest": digest,
                "status": "ACTIVE",
                "description": "",
                "scan_type": cfg.ENHANCED,
                "requested_at": now,
                "completed_at": now,
            }
        )
        platforms.append(
            {
                "repository_id": repo_id,
                "digest": digest,
                "platform_digest": digest,
                "platform": "linux/amd64",
            }
        )
    with store.engine.begin() as conn:
        conn.execute(insert(t.manifests), manifests)
        conn.execute(insert(st.scan_images), scans)
        conn.execute(insert(st.scan_image_platforms), platforms)


def advisory_update(
    services: Services, advisories: AdvisoryStore, count: int, root: Path
) -> frozenset[tuple[str, str]]:
    """One new OSV record for each of ``count`` held packages; the changed keys."""
    with services.store.engine.connect() as conn:
        keys = sorted(
            set(
                conn.execute(
                    select(
                        st.scan_package_keys.c.ecosystem, st.scan_package_keys.c.name
                    )
                ).all()
            )
        )
    chosen = random.Random(5).sample(keys, count)
    root.mkdir(parents=True, exist_ok=True)
    for n, (ecosystem, name) in enumerate(chosen):
        osv_ecosystem = "Debian:12" if ecosystem == "Debian" else ecosystem
        record = {
            "schema_version": "1.6.0",
            "id": f"BENCH-2026-{n:04d}",
            "modified": "2026-12-01T00:00:00Z",
            "aliases": [f"CVE-2026-{90000 + n}"],
            "summary": f"benchmark advisory for {name}",
            "severity": [
                {
                    "type": "CVSS_V3",
                    "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                }
            ],
            "affected": [
                {
                    "package": {"ecosystem": osv_ecosystem, "name": name},
                    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}],
                }
            ],
        }
        (root / f"BENCH-{n:04d}.json").write_text(json.dumps(record))
    results = import_path(advisories, root, feed="bench-update", fmt="osv")
    return frozenset(k for r in results for k in r.changed)


def full_rescan_seconds(
    advisories: AdvisoryStore, images: list[Inventory], sample: int
) -> tuple[tuple[float, float], tuple[float, float]]:
    """((wall, CPU) per image, (wall, CPU) extrapolated to all images) of
    whole-image scans of stored inventories."""
    chosen = random.Random(3).sample(images, min(sample, len(images)))
    today = date(2026, 12, 3)
    scan_inventory(advisories, chosen[0], today)  # warm caches
    walls, cpus = [], []
    for inventory in chosen:
        started, cpu = time.perf_counter(), time.process_time()
        scan_inventory(advisories, inventory, today)
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    per_image = (statistics.mean(walls), statistics.mean(cpus))
    return per_image, (per_image[0] * len(images), per_image[1] * len(images))


def _advisory_db(args: Any, tmp: Path) -> Path:
    target = tmp / "data" / "advisories.db"
    target.parent.mkdir(parents=True, exist_ok=True)
    if args.db is not None:
        shutil.copyfile(args.db, target)
    else:
        started = time.perf_counter()
        import_path(open_store(target), args.vulndata)
        print(f"advisory database built in {time.perf_counter() - started:.1f} s")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--changed", type=int, default=100)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--vulndata", type=Path, default=DEFAULT_VULNDATA)
    parser.add_argument("--base", type=int, default=80, help="OS packages per image")
    parser.add_argument("--apps", type=int, default=30, help="app packages per image")
    parser.add_argument("--sample", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="seawall-bench-") as name:
        tmp = Path(name)
        advisories = open_store(_advisory_db(args, tmp))
        settings = Settings(
            data_dir=tmp / "data", encryption=False, scan_workers=0, log_level="warning"
        )
        services = build_services(settings)
        services.scanning.scans.put_configuration(
            cfg.ScanningConfiguration(
                cfg.ENHANCED, (cfg.Rule(cfg.CONTINUOUS_SCAN, ("fleet",)),)
            )
        )
        apps = sample_packages(advisories, 3000)
        images = inventories(
            args.images, debian_packages(), apps, (args.base, args.apps)
        )
        started = time.perf_counter()
        for first in range(0, len(images), 250):
            services.scanning.scans.save_inventories(
                images[first : first + 250], keys_of
            )
        register(services, images)
        stored = time.perf_counter() - started
        refs = sum(len(i.packages) for i in images)
        print(
            f"stored {len(images)} inventories ({refs} package refs) in {stored:.1f} s"
        )

        changed = advisory_update(services, advisories, args.changed, tmp / "update")
        started, cpu = time.perf_counter(), time.process_time()
        result = rematch(services.scanning, changed)
        continuous = time.perf_counter() - started
        continuous_cpu = time.process_time() - cpu
        per_image, full = full_rescan_seconds(advisories, images, args.sample)
        _report(args, result, (continuous, continuous_cpu), per_image, full)


def _report(
    args: Any,
    result: Any,
    timing: tuple[float, float],
    per_image: tuple[float, float],
    full: tuple[float, float],
) -> None:
    continuous, continuous_cpu = timing
    print()
    print("| measure | value |")
    print("|---|---|")
    print(f"| images (stored inventories) | {args.images} |")
    print(f"| changed (ecosystem, name) pairs | {result.keys} |")
    print(f"| distinct packages re-matched | {result.packages} |")
    print(f"| images holding them (re-evaluated) | {result.images} |")
    print(f"| images whose findings changed | {result.changed_images} |")
    print(f"| new findings | {result.new} |")
    print(f"| continuous re-match, wall (s) | {continuous:.2f} |")
    print(f"| continuous re-match, CPU (s) | {continuous_cpu:.2f} |")
    print(
        f"| full re-scan, per image, wall / CPU (s) | {per_image[0]:.3f} / "
        f"{per_image[1]:.3f} |"
    )
    print(
        f"| full re-scan of all {args.images}, extrapolated, wall (s) | {full[0]:.0f} |"
    )
    print(
        f"| full re-scan of all {args.images}, extrapolated, CPU (s) | {full[1]:.0f} |"
    )
    print(f"| continuous / full re-scan (wall) | {continuous / full[0]:.4f} |")
    print(f"| continuous / full re-scan (CPU) | {continuous_cpu / full[1]:.4f} |")


if __name__ == "__main__":
    main()
