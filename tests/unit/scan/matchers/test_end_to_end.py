"""Catalogers -> matchers -> findings on the session's real Debian 12 test
image (tests/unit/scan/conftest.py): the packages its layers really hold."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from seawall.scan.advisories.store import AdvisoryStore
from seawall.scan.findings import ScanResult, scan_inventory
from seawall.scan.inventory import Inventory
from tests.unit.scan.advisories.vulndata import require_vulndata, store_with


def bookworm_tracker(inventory: Inventory, path: Path) -> Path:
    """Tracker JSON for the image's own glibc and openssl: glibc fixed just
    above the installed version, openssl fixed at the installed (backported)
    version."""
    sources = {
        p.source_name: p.source_version
        for p in inventory.packages
        if p.type == "deb" and p.source_name and p.source_version
    }
    if "glibc" not in sources or "openssl" not in sources:
        pytest.skip("the host's Debian has no glibc/openssl source package recorded")

    def entry(fixed: str) -> dict[str, object]:
        return {
            "releases": {
                "bookworm": {
                    "status": "resolved",
                    "fixed_version": fixed,
                    "urgency": "high",
                    "repositories": {},
                }
            }
        }

    doc = {
        "glibc": {"CVE-2023-4911": entry(sources["glibc"] + "+1")},
        "openssl": {"CVE-2024-0727": entry(sources["openssl"])},
    }
    path.write_text(json.dumps(doc))
    return path


@pytest.fixture(scope="module")
def result(
    debian_inventory: Inventory, tmp_path_factory: pytest.TempPathFactory
) -> ScanResult:
    root = require_vulndata()
    tmp = tmp_path_factory.mktemp("e2e")
    store: AdvisoryStore = store_with(
        tmp,
        *(
            root / "osv/PyPI" / name
            for name in ("requests", "django", "urllib3", "jinja2", "pyyaml")
        ),
        root / "osv/npm/santatracker-vulns.json",
        root / "kev/known_exploited_vulnerabilities.json",
        root / "eol/products/debian.md",
        bookworm_tracker(debian_inventory, tmp / "bookworm.json"),
    )
    return scan_inventory(store, debian_inventory, date(2026, 12, 3))


EXPECTED = [
    ("requests", "CVE-2018-18074", "2.20.0"),
    ("urllib3", "CVE-2019-11324", "1.24.2"),
    ("jinja2", "CVE-2019-10906", "2.10.1"),
    ("pyyaml", "CVE-2020-1747", "5.3.1"),
    ("django", "CVE-2019-12308", "2.2.2"),
    ("lodash", "CVE-2021-23337", "4.17.21"),
    ("minimist", "CVE-2020-7598", "1.2.3"),
    ("minimist", "CVE-2020-7598", "0.2.1"),
]


@pytest.mark.parametrize(("name", "vuln", "fixed"), EXPECTED)
def test_known_vulnerabilities_found_with_fix(
    result: ScanResult, name: str, vuln: str, fixed: str
) -> None:
    hits = [
        f
        for f in result.findings
        if f.package.name.lower() == name and vuln in f.all_ids
    ]
    assert hits, f"{name}: {vuln} not reported"
    # Several copies may be installed (minimist 1.2.0 and mkdirp's 0.0.8).
    assert any(fixed in f.fixed_versions for f in hits)


def test_no_duplicates_and_sorted(result: ScanResult) -> None:
    keys = [
        (f.package.name, f.package.version, f.package.purl, f.id)
        for f in result.findings
    ]
    assert len(keys) == len(set(keys))
    assert [f.priority for f in result.findings] == sorted(
        (f.priority for f in result.findings), reverse=True
    )


def test_os_packages_by_source_with_backports(result: ScanResult) -> None:
    glibc = [f for f in result.findings if f.id == "CVE-2023-4911"]
    assert glibc
    assert all(f.package.source_name == "glibc" for f in glibc)
    assert glibc[0].kev is not None  # Looney Tunables is in KEV
    assert not [f for f in result.findings if f.id == "CVE-2024-0727"]


def test_eol_of_the_os(result: ScanResult) -> None:
    debian = [e for e in result.eol if e.product == "debian"]
    assert debian
    assert debian[0].cycle == "12"
    assert debian[0].ended  # bookworm's regular support ended 2026-07-11


def test_cli_scans_the_image_itself(
    debian_image: Path, tmp_path: Path, debian_inventory: Inventory
) -> None:
    from click.testing import CliRunner

    from seawall.cli.main import cli

    root = require_vulndata()
    db = str(tmp_path / "adv.db")
    runner = CliRunner()
    for source in (
        root / "osv/PyPI/requests",
        root / "osv/npm/santatracker-vulns.json",
    ):
        assert (
            runner.invoke(
                cli, ["db", "import", str(source), "--db", db, "-q"]
            ).exit_code
            == 0
        )
    result = runner.invoke(
        cli,
        [
            "scan",
            f"oci-dir:{debian_image}:v1",
            "--db",
            db,
            "-f",
            "json",
            "-q",
            "--fail-on",
            "high",
        ],
    )
    assert result.exit_code == 1, result.output  # lodash has HIGH findings
    doc = json.loads(result.stdout)
    assert doc["summary"]["packages"] == len(debian_inventory.packages)
    assert any(f["id"] == "CVE-2018-18074" for f in doc["findings"])
    assert any(w.startswith("no advisory data for Debian 12") for w in doc["warnings"])
