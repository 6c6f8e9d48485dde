"""Package-level results and image-level finding states, on SQLite and
PostgreSQL: deltas, open/close/re-open, reconciliation, reads."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from seawall.scan.inventory import Distro, Inventory, Location, Package
from seawall.scanning.service import keys_of
from seawall.scanning.store import ScanStore
from tests.helpers import Clock

LAYER = "sha256:" + "1" * 64


def _pkg(name: str, version: str) -> Package:
    return Package(
        name=name,
        version=version,
        ecosystem="PyPI",
        purl=f"pkg:pypi/{name.lower()}@{version}",
        type="python",
        locations=(Location(LAYER, f"/site-packages/{name}.dist-info/METADATA"),),
    )


def _inventory(digest: str, *packages: Package) -> Inventory:
    return Inventory(digest, digest, "linux/amd64", Distro("debian", "12"), packages)


def _record(severity: str, fixed: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "severity": severity,
        "fixedVersions": list(fixed),
        "kev": None,
        "exploitation": "",
        "priority": 30.0,
        "summary": "s",
    }


def test_deltas_open_close_and_reopen(engine: Engine) -> None:
    clock = Clock(1_000.0)
    scans = ScanStore(engine, clock)
    a, b = "sha256:" + "a" * 64, "sha256:" + "b" * 64
    shared = _pkg("requests", "2.19.1")
    scans.save_inventories(
        [_inventory(a, shared, _pkg("PyYAML", "5.3")), _inventory(b, shared)], keys_of
    )
    # Stored once: saving again changes nothing.
    scans.save_inventories([_inventory(a, shared)], keys_of)
    packages = scans.packages_for_keys({("PyPI", "requests")})
    assert [p.name for p in packages.values()] == ["requests"]
    (pid,) = packages
    assert set(scans.holders(packages)) == {a, b}

    results = scans.results
    deltas = results.update_packages(packages, {pid: {"CVE-1": _record("HIGH")}})
    assert deltas[pid].opened == {"CVE-1"}
    changes = results.apply_deltas(deltas, scans.holders(packages), packages)
    assert {c.platform_digest for c in changes} == {a, b}
    assert changes[0].new == (("CVE-1", "requests", "2.19.1"),)

    # The same result again is no change at all.
    assert results.update_packages(packages, {pid: {"CVE-1": _record("HIGH")}}) == {}

    clock.now = 2_000.0
    deltas = results.update_packages(packages, {})
    assert deltas[pid].closed == {"CVE-1"}
    results.apply_deltas(deltas, {a: [pid]}, packages)
    closed = scans.findings([a], include_closed=True)
    assert [(f.status, f.closed_at) for f in closed] == [("CLOSED", 2_000.0)]
    assert [f.status for f in scans.findings([b])] == ["ACTIVE"]

    clock.now = 3_000.0
    deltas = results.update_packages(packages, {pid: {"CVE-1": _record("CRITICAL")}})
    results.apply_deltas(deltas, {a: [pid]}, packages)
    (again,) = scans.findings([a])
    assert again.status == "ACTIVE"
    assert again.first_observed_at == 1_000.0  # first seen is kept
    assert again.severity == "CRITICAL"
    assert again.package.locations[0].layer_digest == LAYER
    assert results.severity_counts([a, b]) == {"CRITICAL": 2}


def test_reconcile_image(engine: Engine) -> None:
    scans = ScanStore(engine, Clock(1_000.0))
    digest = "sha256:" + "c" * 64
    scans.save_inventories(
        [_inventory(digest, _pkg("Django", "2.2"), _pkg("Jinja2", "2.10"))], keys_of
    )
    held = scans.inventory_package_ids(digest)
    ids = {p.name: pid for pid, p in held.items()}
    records = {
        ids["Django"]: {"CVE-2": _record("HIGH", ("2.2.1",))},
        ids["Jinja2"]: {"CVE-3": _record("MEDIUM")},
    }
    scans.results.update_packages(held, records)
    change = scans.results.reconcile_image(digest, held, records, held)
    assert {n[0] for n in change.new} == {"CVE-2", "CVE-3"}
    fewer = {ids["Django"]: records[ids["Django"]]}
    scans.results.update_packages(held, fewer)
    change = scans.results.reconcile_image(digest, held, fewer, held)
    assert change.resolved == (("CVE-3", "Jinja2", "2.10"),)
    (django,) = scans.findings([digest])
    assert django.fixable
    assert django.record["fixedVersions"] == ["2.2.1"]
