"""Distribution matching: source packages, releases, backports, verdicts."""

from __future__ import annotations

from pathlib import Path

import pytest

from seawall.scan.advisories.store import AdvisoryStore
from seawall.scan.findings import Enrichment, Finding, build_findings
from seawall.scan.inventory import Package
from seawall.scan.matchers import match_packages
from tests.unit.scan.advisories.vulndata import DATA, require_vulndata, store_with


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> AdvisoryStore:
    root = require_vulndata()
    return store_with(
        tmp_path_factory.mktemp("distro"),
        DATA / "debian-bookworm-tracker.json",
        root / "osv/Ubuntu",
        root / "osv/AlmaLinux/almalinux9",
        root / "native/alpine-secdb/v3.11",
        root / "native/wolfi-advisories/selected/openssl.advisories.yaml",
        root / "kev/known_exploited_vulnerabilities.json",
    )


def deb(name: str, version: str, source: str, release: str = "12") -> Package:
    return Package(
        name,
        version,
        "Debian",
        f"pkg:deb/debian/{name}@{version}",
        "deb",
        source_name=source,
        source_version=version,
        distro=f"Debian:{release}",
    )


def scan(store: AdvisoryStore, *packages: Package) -> dict[str, Finding]:
    result = match_packages(store, packages)
    enrich = Enrichment.load(store, {m.candidate.advisory.id for m in result.matches})
    return {
        f"{f.package.name}:{f.id}": f for f in build_findings(result.matches, enrich)
    }


def test_debian_bookworm_by_source_package(store: AdvisoryStore) -> None:
    found = scan(
        store,
        deb("libssl3", "3.0.11-1~deb12u2", "openssl"),
        deb("libc6", "2.36-9+deb12u1", "glibc"),
    )
    assert found["libssl3:CVE-2024-0727"].fixed_versions == ("3.0.13-1~deb12u1",)
    looney = found["libc6:CVE-2023-4911"]
    assert looney.kev is not None
    assert looney.severity == "HIGH"
    assert next(iter(found.values())).id == "CVE-2023-4911"  # exploited, first


def test_debian_backported_fix_is_not_reported(store: AdvisoryStore) -> None:
    found = scan(
        store,
        deb("libssl3", "3.0.19-1~deb12u2", "openssl"),
        deb("zlib1g", "1:1.2.13.dfsg-1", "zlib"),
        deb("libsqlite3-0", "3.40.1-2+deb12u2", "sqlite3"),
    )
    assert "libssl3:CVE-2024-0727" not in found
    assert "zlib1g:CVE-2022-37434" not in found  # fixed before bookworm
    assert "libsqlite3-0:CVE-2022-46908" not in found  # never affected
    assert found["zlib1g:CVE-2023-45853"].fix_state == "wont-fix"
    assert found["libssl3:CVE-2010-0928"].severity == "NEGLIGIBLE"


def test_debian_statuses_beyond_fixed(store: AdvisoryStore) -> None:
    found = scan(
        store,
        deb("tar", "1.34+dfsg-1.2+deb12u1", "tar"),
        deb("libwolfssl35", "5.5.4-2+deb12u2", "wolfssl"),
    )
    assert found["tar:CVE-2023-39804"].fix_state == "deferred"
    assert found["libwolfssl35:CVE-2024-1544"].fix_state == "end-of-life"


def test_other_release_never_matches(store: AdvisoryStore) -> None:
    assert (
        scan(store, deb("libssl3", "3.0.11-1~deb12u2", "openssl", release="13")) == {}
    )


def test_ubuntu_usn(store: AdvisoryStore) -> None:
    old = Package(
        "libssl1.1",
        "1.1.1f-1ubuntu2.20",
        "Ubuntu",
        "",
        "deb",
        source_name="openssl",
        source_version="1.1.1f-1ubuntu2.20",
        distro="Ubuntu:20.04",
    )
    found = scan(store, old)
    assert found["libssl1.1:CVE-2024-2511"].fixed_versions == ("1.1.1f-1ubuntu2.23",)
    assert found["libssl1.1:CVE-2024-2511"].advisories == ("USN-6937-1",)
    new = Package(
        "libssl1.1",
        "1.1.1f-1ubuntu2.23",
        "Ubuntu",
        "",
        "deb",
        source_name="openssl",
        source_version="1.1.1f-1ubuntu2.23",
        distro="Ubuntu:20.04",
    )
    assert "libssl1.1:CVE-2024-2511" not in scan(store, new)


def test_ubuntu_unfixed_is_reported_as_affected(store: AdvisoryStore) -> None:
    coreutils = Package(
        "coreutils", "8.32-4.1ubuntu1.2", "Ubuntu", "", "deb", distro="Ubuntu:22.04"
    )
    finding = scan(store, coreutils)["coreutils:CVE-2016-2781"]
    assert finding.fix_state == "affected"
    assert finding.severity == "LOW"


def test_almalinux_epoch_and_binary_names(store: AdvisoryStore) -> None:
    with_epoch = Package(
        "openssl-libs",
        "1:3.0.1-40.el9_0",
        "AlmaLinux",
        "",
        "rpm",
        source_name="openssl",
        distro="AlmaLinux:9.0",
    )
    without = Package(
        "openssl-libs", "3.0.1-40.el9_0", "AlmaLinux", "", "rpm", distro="AlmaLinux:9"
    )
    for package in (with_epoch, without):
        found = scan(store, package)
        assert found["openssl-libs:CVE-2022-3602"].fixed_versions == (
            "1:3.0.1-43.el9_0",
        )
    fixed = Package(
        "openssl-libs", "1:3.0.1-43.el9_0", "AlmaLinux", "", "rpm", distro="AlmaLinux:9"
    )
    assert "openssl-libs:CVE-2022-3602" not in scan(store, fixed)


def test_rocky_uses_almalinux_errata(store: AdvisoryStore) -> None:
    rocky = Package(
        "openssl-libs",
        "1:3.0.1-40.el9_0",
        "Rocky Linux",
        "",
        "rpm",
        distro="Rocky Linux:9.0",
    )
    assert "openssl-libs:CVE-2022-3602" in scan(store, rocky)


def test_alpine_origin_and_release(store: AdvisoryStore) -> None:
    apk = Package(
        "libssl1.1",
        "1.1.1d-r2",
        "Alpine",
        "",
        "apk",
        source_name="openssl",
        distro="Alpine:v3.11",
    )
    assert scan(store, apk)["libssl1.1:CVE-2019-1551"].fixed_versions == ("1.1.1d-r3",)
    newer = Package(
        "libssl1.1",
        "1.1.1g-r0",
        "Alpine",
        "",
        "apk",
        source_name="openssl",
        distro="Alpine:v3.11",
    )
    assert "libssl1.1:CVE-2019-1551" not in scan(store, newer)


def test_wolfi_false_positive_suppresses(store: AdvisoryStore) -> None:
    wolfi = Package("openssl", "3.1.0-r0", "Wolfi", "", "apk", distro="Wolfi:20230201")
    found = scan(store, wolfi)
    assert found["openssl:CVE-2024-5535"].fixed_versions == ("3.3.1-r3",)
    assert all(f.fix_state != "not-affected" for f in found.values())


def test_rematch_only_changed_keys(store: AdvisoryStore) -> None:
    packages = [
        deb("libssl3", "3.0.11-1~deb12u2", "openssl"),
        deb("libc6", "2.36-9+deb12u1", "glibc"),
    ]
    only = frozenset({("Debian", "glibc")})
    result = match_packages(store, packages, only=only)
    assert {m.package.name for m in result.matches} == {"libc6"}
    assert result.keys == only


def test_vulndata_has_no_bookworm_path(tmp_path: Path) -> None:
    # Sanity check on the premise of the fixture: the tracker lists in
    # vulndata stop before bookworm.
    listing = (
        require_vulndata() / "native/debian-security-tracker/data/DSA/list"
    ).read_text()
    assert "[bookworm]" not in listing


def test_debian_security_support_ended(tmp_path: Path) -> None:
    from datetime import date

    from seawall.scan.findings import scan_inventory
    from seawall.scan.inventory import Distro, Inventory

    root = require_vulndata()
    store = store_with(
        tmp_path,
        DATA / "debian-bookworm-tracker.json",
        root / "native/debian-security-support/security-support-ended.deb12",
    )
    mbedtls = deb("libmbedcrypto7", "2.28.3-1", "mbedtls")
    inventory = Inventory("x", "", "linux/amd64", Distro("debian", "12"), (mbedtls,))
    before = scan_inventory(store, inventory, date(2026, 6, 1))
    after = scan_inventory(store, inventory, date(2026, 12, 3))
    assert before.findings[0].fix_state == "affected"
    (finding,) = after.findings
    assert finding.fix_state == "end-of-life"
    assert finding.note == "security support ended 2026-06-12"
    support = [e for e in after.eol if e.product == "debian-security-support"]
    assert support[0].subject == "libmbedcrypto7"
    assert support[0].latest == "2.16.9-0.1+deb11u4"


def test_debian_11_from_the_dsa_list(tmp_path: Path) -> None:
    root = require_vulndata()
    store = store_with(tmp_path, root / "native/debian-security-tracker/data/DSA/list")
    old = deb("xserver-common", "2:1.20.11-1+deb11u5", "xorg-server", release="11")
    finding = scan(store, old)["xserver-common:CVE-2023-1393"]
    assert finding.fixed_versions == ("2:1.20.11-1+deb11u6",)
    assert finding.advisories == ("DSA-5380-1",)
    new = deb("xserver-common", "2:1.20.11-1+deb11u6", "xorg-server", release="11")
    assert "xserver-common:CVE-2023-1393" not in scan(store, new)
