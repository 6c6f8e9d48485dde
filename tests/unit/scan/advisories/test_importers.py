"""Each importer on the real files of ../shared/vulndata."""

from __future__ import annotations

from pathlib import Path

import pytest

from seawall.errors import InvalidInput
from seawall.scan.advisories.importers import BY_FORMAT, detect
from seawall.scan.advisories.loader import SourceFile, plan
from seawall.scan.advisories.model import (
    Advisory,
    EolCycle,
    EpssScore,
    Exploitation,
    KevEntry,
    Status,
)
from tests.unit.scan.advisories.vulndata import DATA, require_vulndata


@pytest.fixture(scope="module")
def vulndata() -> Path:
    return require_vulndata()


def parse(path: Path, fmt: str | None = None) -> list[object]:
    data = path.read_bytes()
    importer = BY_FORMAT[fmt] if fmt else detect(path.name, data[:4096])
    assert importer is not None, f"no importer claims {path}"
    return list(importer.parse(path.name, data))


def one(records: list[object], vuln_id: str) -> Advisory:
    found = [r for r in records if isinstance(r, Advisory) and r.id == vuln_id]
    assert len(found) == 1
    return found[0]


def test_osv_yaml_pypa_record(vulndata: Path) -> None:
    records = parse(vulndata / "osv/PyPI/requests/PYSEC-2018-28.yaml")
    adv = one(records, "PYSEC-2018-28")
    assert set(adv.aliases) == {"CVE-2018-18074", "GHSA-x84v-xcm2-53pg"}
    (affected,) = adv.affected
    assert (affected.ecosystem, affected.name, affected.release) == (
        "PyPI",
        "requests",
        "",
    )
    # The GIT range is dropped, the ECOSYSTEM one kept, the version list kept.
    assert [r["type"] for r in affected.ranges] == ["ECOSYSTEM"]
    assert "2.19.1" in affected.versions
    assert affected.fixed == "2.20.0"


def test_osv_json_go_zero_time_is_unknown(vulndata: Path) -> None:
    adv = one(parse(vulndata / "osv/Go/GO-2022-0493.json"), "GO-2022-0493")
    assert adv.modified == ""
    assert adv.published == "2022-07-15T23:30:12Z"
    assert {a.name for a in adv.affected} == {"stdlib", "golang.org/x/sys"}


def test_osv_withdrawn_is_kept_with_its_time(vulndata: Path) -> None:
    adv = one(parse(vulndata / "osv/Go/GO-2024-2730.json"), "GO-2024-2730")
    assert adv.withdrawn == "2024-04-17T18:06:23Z"


def test_osv_api_bundle_with_versions_and_malicious_records(vulndata: Path) -> None:
    records = parse(vulndata / "osv/npm/santatracker-vulns.json")
    assert len(records) == 170
    mal = [r for r in records if isinstance(r, Advisory) and r.id.startswith("MAL-")]
    assert len(mal) == 10
    lodash = one(records, "GHSA-29mw-wpgm-hmr9")
    assert any(s.type == "GHSA" and s.score == "MODERATE" for s in lodash.severity)
    scoped = {a.name for r in records if isinstance(r, Advisory) for a in r.affected}
    assert "@babel/helpers" in scoped


def test_osv_ubuntu_usn_and_deferred_cve(vulndata: Path) -> None:
    usn = one(parse(vulndata / "osv/Ubuntu/USN-6937-1.json"), "USN-6937-1")
    assert "CVE-2024-2511" in usn.related
    focal = [a for a in usn.affected if a.release == "20.04"]
    assert focal
    assert focal[0].name == "openssl"
    assert focal[0].severity == "LOW"
    cve = one(
        parse(vulndata / "osv/Ubuntu/UBUNTU-CVE-2016-2781.json"), "UBUNTU-CVE-2016-2781"
    )
    releases = {a.release for a in cve.affected}
    assert "22.04" in releases
    assert "pro:18.04" in releases
    assert all(a.status == Status.AFFECTED for a in cve.affected)


def test_almalinux_zip_members_with_colons(vulndata: Path) -> None:
    found = plan(vulndata / "osv/AlmaLinux/all/almalinux9-all.zip")
    members = found.by_format["osv"]
    assert len(members) == 1783
    assert any(":" in m.member for m in members)
    source = next(m for m in members if m.member.endswith("ALSA-2022:7288.json"))
    adv = one(
        list(BY_FORMAT["osv"].parse(source.name, source.read())), "ALSA-2022:7288"
    )
    assert {"CVE-2022-3602", "CVE-2022-3786"} <= set(adv.related)
    libs = next(a for a in adv.affected if a.name == "openssl-libs")
    assert (libs.ecosystem, libs.release, libs.fixed) == (
        "AlmaLinux",
        "9",
        "1:3.0.1-43.el9_0",
    )
    assert libs.severity == "HIGH"  # "Important:" in the summary


def test_debian_tracker_json_sample(vulndata: Path) -> None:
    records = parse(vulndata / "native/debian-security-tracker/json-sample/debian.json")
    chromium = one(records, "CVE-2022-0456")
    by_release = {a.release: a for a in chromium.affected}
    assert by_release["12"].status == Status.FIXED
    assert by_release["12"].fixed == "98.0.4758.80-1"
    assert by_release["10"].status == Status.END_OF_LIFE
    never = one(records, "CVE-2007-2383")
    assert all(a.status == Status.NOT_AFFECTED for a in never.affected)


def test_debian_tracker_bookworm_fixture_verdicts() -> None:
    records = parse(DATA / "debian-bookworm-tracker.json")
    verdicts = {
        (r.id, a.name): a.status
        for r in records
        if isinstance(r, Advisory)
        for a in r.affected
        if a.release == "12"
    }
    assert verdicts[("CVE-2023-45853", "zlib")] == Status.WONT_FIX
    assert verdicts[("CVE-2023-39804", "tar")] == Status.DEFERRED
    assert verdicts[("CVE-2024-1544", "wolfssl")] == Status.END_OF_LIFE
    assert verdicts[("CVE-2022-46908", "sqlite3")] == Status.NOT_AFFECTED


def test_alpine_secdb_regroups_by_cve(vulndata: Path) -> None:
    records = parse(vulndata / "native/alpine-secdb/v3.11/main.yaml")
    adv = one(records, "CVE-2019-14904")
    (affected,) = adv.affected
    assert (affected.ecosystem, affected.release, affected.name) == (
        "Alpine",
        "3.11",
        "ansible",
    )
    assert affected.fixed == "2.9.3-r0"


def test_wolfi_advisories_latest_event_wins(vulndata: Path) -> None:
    records = parse(
        vulndata / "native/wolfi-advisories/selected/openssl.advisories.yaml"
    )
    fixed = one(records, "CGA-3mrr-589r-46qj")
    assert fixed.affected[0].fixed == "3.3.1-r3"
    assert "CVE-2024-5535" in fixed.aliases
    statuses = {r.affected[0].status for r in records if isinstance(r, Advisory)}
    assert Status.NOT_AFFECTED in statuses


def test_rubysec_constraints(vulndata: Path) -> None:
    adv = one(
        parse(vulndata / "native/rubysec/gems/rack/CVE-2011-5036.yml"), "CVE-2011-5036"
    )
    assert adv.aliases == ("GHSA-v6j3-7jrw-hq2p",)
    (affected,) = adv.affected
    assert affected.kind == "constraints"
    assert affected.ranges[0]["patched"] == [
        "~> 1.1.3",
        "~> 1.2.5",
        "~> 1.3.6",
        ">= 1.4.0",
    ]


def test_friendsofphp_branches(vulndata: Path) -> None:
    path = next(
        (vulndata / "native/friendsofphp-security-advisories/guzzlehttp/guzzle").glob(
            "*.yaml"
        )
    )
    (adv,) = parse(path)
    assert isinstance(adv, Advisory)
    assert adv.affected[0].ecosystem == "Packagist"
    assert adv.affected[0].name == "guzzlehttp/guzzle"
    assert all("vulnerable" in b for b in adv.affected[0].ranges)


def test_nodejs_security_wg_npm_and_core(vulndata: Path) -> None:
    (npm,) = parse(vulndata / "native/nodejs-security-wg/vuln/npm/1.json")
    assert isinstance(npm, Advisory)
    assert npm.id == "NSWG-ECO-1"
    assert npm.aliases == ("CVE-2014-7205",)
    assert npm.affected[0].ranges[0]["vulnerable"] == "<=1.5.1"
    core_file = sorted(
        (vulndata / "native/nodejs-security-wg/vuln/core").glob("*.json")
    )[0]
    (core,) = parse(core_file)
    assert isinstance(core, Advisory)
    assert core.affected[0].ecosystem == "Node.js"


def test_kev_catalog(vulndata: Path) -> None:
    records = parse(vulndata / "kev/known_exploited_vulnerabilities.json")
    assert len(records) == 1404
    assert all(isinstance(r, KevEntry) for r in records)
    assert sum(1 for r in records if isinstance(r, KevEntry) and r.ransomware) == 293
    schema = vulndata / "kev/known_exploited_vulnerabilities_schema.json"
    assert detect(schema.name, schema.read_bytes()[:4096]) is None or (
        detect(schema.name, schema.read_bytes()[:4096]).format != "kev"  # type: ignore[union-attr]
    )


def test_epss_csv(vulndata: Path) -> None:
    records = parse(vulndata / "epss/format-sample-example-1.csv")
    assert records[4] == EpssScore(
        "CVE-1999-0005", 0.91963, 0.99214, "2025-02-20T00:00:00+0000"
    )


def test_vulnrichment_lowercases_ssvc(vulndata: Path) -> None:
    records = [
        r
        for p in sorted(vulndata.glob("vulnrichment/*/*/CVE-*.json"))[:400]
        for r in parse(p)
    ]
    assert records
    assert all(isinstance(r, Exploitation) for r in records)
    values = {r.exploitation for r in records if isinstance(r, Exploitation)}
    assert values <= {"none", "poc", "active", ""}
    assert "active" in values


def test_eol_three_shapes(vulndata: Path, tmp_path: Path) -> None:
    md = parse(vulndata / "eol/products/debian.md")
    bookworm = next(c for c in md if isinstance(c, EolCycle) and c.cycle == "12")
    assert bookworm.codename == "Bookworm"
    assert bookworm.eol == "2026-07-11"
    data = parse(vulndata / "eol/release-data/python.json")
    assert any(isinstance(c, EolCycle) and c.cycle == "3.9" for c in data)
    api = tmp_path / "nginx.json"
    api.write_text(
        '[{"cycle": "1.25", "eol": false, "latest": "1.25.5"},'
        ' {"cycle": "1.24", "eol": "2024-04-23", "latest": "1.24.0"}]'
    )
    cycles = parse(api)
    assert cycles[0] == EolCycle("nginx", "1.25", eol="false", latest="1.25.5")


@pytest.mark.parametrize(
    ("name", "body", "fmt"),
    [
        ("bad.json", b"{not json", "osv"),
        ("bad.yaml", b"id: [unclosed", "osv"),
        ("noid.json", b'{"affected": []}', "osv"),
        ("kev.json", b'{"catalogVersion": "1", "vulnerabilities": 3}', "kev"),
        ("scores.csv", b"cve,epss,percentile\nCVE-2020-1,abc,0.1\n", "epss"),
    ],
)
def test_bad_files_raise_invalid_input(name: str, body: bytes, fmt: str) -> None:
    with pytest.raises(InvalidInput, match=r"^invalid"):
        list(BY_FORMAT[fmt].parse(name, body))


def test_plan_of_all_vulndata_claims_every_advisory_file(vulndata: Path) -> None:
    found = plan(vulndata)
    assert set(found.by_format) == set(BY_FORMAT)
    assert not any(
        s.startswith(
            ("osv/", "native/rubysec/gems", "kev/known_exploited_vulnerabilities.json")
        )
        and s.endswith((".json", ".yaml", ".yml"))
        and "LICENSE" not in s
        and "schema" not in s
        for s in found.skipped
    )


def test_source_file_reads_zip_member(vulndata: Path) -> None:
    archive = vulndata / "native/wolfi-advisories/wolfi-advisories-all.zip"
    member = plan(archive).by_format["wolfi-advisories"][0]
    assert isinstance(member, SourceFile)
    assert member.read().startswith(b"schema-version")


def test_debian_security_support_lists(vulndata: Path) -> None:
    records = parse(
        vulndata / "native/debian-security-support/security-support-ended.deb12"
    )
    by_name = {r.cycle: r for r in records if isinstance(r, EolCycle)}
    assert by_name["wolfssl"].product == "debian-security-support:12"
    assert by_name["wolfssl"].eol == "2026-06-12"
    assert "php-horde.*" in by_name


def test_debian_dsa_list(vulndata: Path) -> None:
    path = vulndata / "native/debian-security-tracker/data/DSA/list"
    records = list(
        BY_FORMAT["debian-dsa-list"].parse("data/DSA/list", path.read_bytes())
    )
    dsa = one(records, "DSA-5380-1")
    assert dsa.related == ("CVE-2023-1393",)
    (affected,) = dsa.affected
    assert (affected.release, affected.name, affected.fixed) == (
        "11",
        "xorg-server",
        "2:1.20.11-1+deb11u6",
    )
    assert (
        detect("data/DSA/list", path.read_bytes()[:4096])
        is BY_FORMAT["debian-dsa-list"]
    )
