"""``seawall scan``: inputs, formats, filters and CI exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from seawall.cli.main import cli
from seawall.scan.inventory import Distro, Inventory, Location, Package
from tests.unit.scan.advisories.vulndata import DATA, require_vulndata


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = require_vulndata()
    path = tmp_path_factory.mktemp("db") / "advisories.db"
    runner = CliRunner()
    for source in (
        root / "osv/PyPI/requests",
        root / "osv/PyPI/pyyaml",
        root / "osv/npm/santatracker-vulns.json",
        root / "kev/known_exploited_vulnerabilities.json",
        root / "eol/products/debian.md",
        DATA,
    ):
        result = runner.invoke(
            cli, ["db", "import", str(source), "--db", str(path), "-q"]
        )
        assert result.exit_code == 0, result.output
    return path


def inventory(tmp_path: Path) -> Path:
    layer = "sha256:" + "b" * 64
    inv = Inventory(
        image="registry.example/app:1",
        manifest_digest="sha256:" + "a" * 64,
        platform="linux/amd64",
        distro=Distro("debian", "12", "Debian GNU/Linux 12 (bookworm)", "bookworm"),
        packages=(
            Package(
                "requests",
                "2.19.1",
                "PyPI",
                "pkg:pypi/requests@2.19.1",
                "python",
                locations=(Location(layer, "/usr/lib/python3/dist-packages/requests"),),
            ),
            Package("lodash", "4.17.15", "npm", "pkg:npm/lodash@4.17.15", "npm"),
            Package(
                "org.apache.logging.log4j:log4j-core",
                "2.14.1",
                "Maven",
                "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
                "java-archive",
            ),
            Package(
                "libc6",
                "2.36-9+deb12u1",
                "Debian",
                "pkg:deb/debian/libc6@2.36-9+deb12u1",
                "deb",
                source_name="glibc",
                source_version="2.36-9+deb12u1",
                distro="Debian:12",
            ),
            Package(
                "zlib1g",
                "1:1.2.13.dfsg-1",
                "Debian",
                "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1",
                "deb",
                source_name="zlib",
                distro="Debian:12",
            ),
        ),
    )
    path = tmp_path / "inventory.json"
    path.write_text(json.dumps(inv.to_json()))
    return path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["scan", *args, "-q"])
    # The report is on stdout; errors (and any log line) on stderr.
    text = result.stdout if result.exit_code in (0, 1) else result.output
    return result.exit_code, text


def test_json_report_is_stable_and_complete(db: Path, tmp_path: Path) -> None:
    code, out = run(str(inventory(tmp_path)), "--db", str(db), "--format", "json")
    assert code == 0, out
    doc = json.loads(out)
    assert doc["schemaVersion"] == 1
    assert doc["distro"] == "debian 12"
    top = doc["findings"][0]
    assert top["id"] == "CVE-2021-44228"
    assert top["knownExploited"]["dateAdded"] == "2021-12-10"
    assert top["fixedVersions"] == ["2.15.0"]
    assert top["cvss"][0]["baseScore"] == 10.0
    ids = [(f["package"]["name"], f["id"]) for f in doc["findings"]]
    assert len(ids) == len(set(ids))
    assert ("requests", "CVE-2018-18074") in ids
    assert ("libc6", "CVE-2023-4911") in ids
    assert doc["endOfLife"][0]["product"] == "debian"
    again = run(str(inventory(tmp_path)), "--db", str(db), "--format", "json")[1]
    assert again == out


def test_table_fits_100_columns(db: Path, tmp_path: Path) -> None:
    code, out = run(str(inventory(tmp_path)), "--db", str(db))
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= 100
    assert "CVE-2021-44228" in out
    assert "KEV" in out
    assert "wont-fix" in out


def test_filters_and_gate(db: Path, tmp_path: Path) -> None:
    path = str(inventory(tmp_path))
    code, out = run(path, "--db", str(db), "-f", "json", "--severity", "critical")
    assert code == 0
    assert {f["severity"] for f in json.loads(out)["findings"]} == {"CRITICAL"}
    code, out = run(path, "--db", str(db), "-f", "json", "--ignore-unfixed")
    assert all(f["fixState"] == "fixed" for f in json.loads(out)["findings"])
    assert run(path, "--db", str(db), "--fail-on", "critical")[0] == 1
    clean = tmp_path / "clean.json"
    doc = json.loads(Path(path).read_text())
    doc["packages"] = doc["packages"][:1]
    doc["packages"][0]["version"] = "2.32.0"
    clean.write_text(json.dumps(doc))
    assert run(str(clean), "--db", str(db), "--fail-on", "low")[0] == 0


def test_sarif_report(db: Path, tmp_path: Path) -> None:
    code, out = run(str(inventory(tmp_path)), "--db", str(db), "-f", "sarif")
    assert code == 0
    doc = json.loads(out)
    assert doc["version"] == "2.1.0"
    run_ = doc["runs"][0]
    rules = {r["id"]: r for r in run_["tool"]["driver"]["rules"]}
    assert rules["CVE-2021-44228"]["properties"]["security-severity"] == "10.0"
    result = next(r for r in run_["results"] if r["ruleId"] == "CVE-2018-18074")
    assert (
        run_["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "CVE-2018-18074"
    )
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "usr/lib/python3/dist-packages/requests"


def test_cyclonedx_report(db: Path, tmp_path: Path) -> None:
    code, out = run(str(inventory(tmp_path)), "--db", str(db), "-f", "cyclonedx")
    assert code == 0
    bom = json.loads(out)
    assert (bom["bomFormat"], bom["specVersion"]) == ("CycloneDX", "1.5")
    refs = {c["bom-ref"] for c in bom["components"]}
    log4shell = next(v for v in bom["vulnerabilities"] if v["id"] == "CVE-2021-44228")
    assert log4shell["affects"][0]["ref"] in refs
    assert log4shell["ratings"][0]["method"] == "CVSSv31"
    assert log4shell["analysis"]["response"] == ["update"]
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    errors = JsonStrictValidator(SchemaVersion.V1_5).validate_str(out)
    assert errors is None, errors
    zlib = next(v for v in bom["vulnerabilities"] if v["id"] == "CVE-2023-45853")
    assert zlib["analysis"]["response"] == ["will_not_fix"]


def test_cyclonedx_and_spdx_inputs(db: Path, tmp_path: Path) -> None:
    cdx = tmp_path / "bom.json"
    cdx.write_text(
        json.dumps(
            {
                "bomFormat": "CycloneDX",
                "specVersion": "1.5",
                "components": [
                    {"type": "library", "name": "pyyaml", "purl": "pkg:pypi/pyyaml@5.3"}
                ],
            }
        )
    )
    doc = json.loads(run(str(cdx), "--db", str(db), "-f", "json")[1])
    assert any(f["id"] == "CVE-2020-1747" for f in doc["findings"])
    spdx = tmp_path / "sbom.spdx.json"
    spdx.write_text(
        json.dumps(
            {
                "spdxVersion": "SPDX-2.3",
                "name": "app",
                "packages": [
                    {
                        "name": "lodash",
                        "externalRefs": [
                            {
                                "referenceCategory": "PACKAGE-MANAGER",
                                "referenceType": "purl",
                                "referenceLocator": "pkg:npm/lodash@4.17.15",
                            }
                        ],
                    }
                ],
            }
        )
    )
    doc = json.loads(run(str(spdx), "--db", str(db), "-f", "json")[1])
    assert any(f["id"] == "CVE-2021-23337" for f in doc["findings"])


def test_bad_inputs_have_their_own_exit_codes(db: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    code, out = run(str(bad), "--db", str(db))
    assert code == 2
    assert "invalid SBOM" in out
    assert "Traceback" not in out
    other = tmp_path / "other.json"
    other.write_text("{}")
    assert run(str(other), "--db", str(db))[0] == 2
    code, out = run(str(inventory(tmp_path)), "--db", str(tmp_path / "empty.db"))
    assert code == 3
    assert "advisory database is empty" in out
    assert run(str(inventory(tmp_path)), "--db", str(db), "--severity", "awful")[0] == 2
