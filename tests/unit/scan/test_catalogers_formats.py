"""RPM (three database formats), apk, Ruby, PHP, .NET and Rust catalogers."""

from __future__ import annotations

import json
import subprocess
import zlib
from pathlib import Path

import pytest

from seawall.scan.inventory import Inventory
from tests.helpers import require_tool
from tests.unit.scan import realcontent
from tests.unit.scan.conftest import scan
from tests.unit.scan.ocibuild import Layer, build_layout

FIXTURES = Path(__file__).parents[2] / "fixtures" / "scan"
REDHAT_RELEASE = (
    b'ID="rhel"\nVERSION_ID="9.3"\nPRETTY_NAME="Red Hat Enterprise Linux 9.3"\n'
)
OWNED_METADATA = "/usr/lib/python3.9/site-packages/seawalldemo-1.0.dist-info/METADATA"


def _rpm_image(tmp_path: Path, db_path: str, data: bytes) -> Inventory:
    layer = Layer().file("/etc/os-release", REDHAT_RELEASE).file(db_path, data)
    layer.file(
        OWNED_METADATA, b"Metadata-Version: 2.1\nName: seawalldemo\nVersion: 1.0\n"
    )
    root = build_layout(tmp_path / "rpm", [layer])
    return scan(f"oci-dir:{root}")


def _rpm_query(db: Path) -> set[str]:
    fmt = "%{NAME} %{EPOCH}:%{VERSION}-%{RELEASE} %{SOURCERPM} %{MODULARITYLABEL}\n"
    out = subprocess.run(
        ["rpm", "--dbpath", str(db), "-qa", "--qf", fmt],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return {
        line.replace("(none):", "").replace("(none)", "").strip()
        for line in out.splitlines()
    }


@pytest.fixture(scope="module")
def rpm_dbs() -> Path:
    return realcontent.rpm_databases()


@pytest.mark.parametrize(
    ("db_path", "source"),
    [
        ("/var/lib/rpm/rpmdb.sqlite", "sqlite/rpmdb.sqlite"),
        ("/var/lib/rpm/Packages", "Packages"),
        ("/var/lib/rpm/Packages", "Packages.small"),
        ("/usr/lib/sysimage/rpm/Packages.db", "ndb"),
    ],
)
def test_rpm_databases_match_rpm_query(
    tmp_path: Path, rpm_dbs: Path, db_path: str, source: str
) -> None:
    if source == "ndb":
        data = realcontent.write_ndb(realcontent.rpm_blobs())
    else:
        data = (rpm_dbs / source).read_bytes()
    inventory = _rpm_image(tmp_path, db_path, data)
    rpms = [p for p in inventory.packages if p.type == "rpm"]
    got = {
        f"{p.name} {p.version} {p.metadata['sourceRpm']} {p.metadata['modularityLabel']}".strip()
        for p in rpms
    }
    assert got == _rpm_query(rpm_dbs / "sqlite")
    demo = next(p for p in rpms if p.name == "seawall-demo")
    assert demo.version == "2:1.2.3-4.el9"
    assert (demo.source_name, demo.source_version) == ("seawall-demo", "1.2.3-4.el9")
    assert demo.licenses == ("MIT",)
    assert demo.distro == "Red Hat:9"
    assert demo.purl == (
        "pkg:rpm/redhat/seawall-demo@1.2.3-4.el9?arch=noarch&distro=rhel-9.3&epoch=2"
        "&upstream=seawall-demo-1.2.3-4.el9.src.rpm"
    )
    # The Python distribution the rpm installed is attributed to it.
    assert not [p for p in inventory.packages if p.type == "python"]
    owner = next(p for p in rpms if p.name == "python3-seawalldemo")
    assert owner.metadata["languagePackages"] == ["pkg:pypi/seawalldemo@1.0"]


def test_apk_installed_database(tmp_path: Path) -> None:
    layer = (
        Layer()
        .file("/etc/alpine-release", b"3.19.1\n")
        .host_file(FIXTURES / "apk-installed", "/lib/apk/db/installed")
        .file(
            "/usr/lib/python3.11/site-packages/six-1.16.0.dist-info/METADATA",
            b"Name: six\nVersion: 1.16.0\n",
        )
    )
    inventory = scan(f"oci-dir:{build_layout(tmp_path / 'apk', [layer])}")
    apks = {p.name: p for p in inventory.packages if p.type == "apk"}
    assert set(apks) == {"musl", "py3-six", "busybox-binsh"}
    assert apks["busybox-binsh"].source_name == "busybox"
    assert apks["musl"].licenses == ("MIT",)
    assert apks["musl"].distro == "Alpine:v3.19"
    assert "distro=alpine-3.19.1" in apks["musl"].purl
    assert not [p for p in inventory.packages if p.type == "python"]
    assert apks["py3-six"].metadata["languagePackages"] == ["pkg:pypi/six@1.16.0"]


def test_ruby_php_dotnet_rust(tmp_path: Path) -> None:
    gemspec = Path(
        "/usr/share/rubygems-integration/all/specifications/rake-13.0.6.gemspec"
    )
    layer = (
        Layer()
        .host_file(FIXTURES / "Gemfile.lock", "/srv/app/Gemfile.lock")
        .host_file(
            FIXTURES / "installed.json", "/srv/php/vendor/composer/installed.json"
        )
        .host_file(FIXTURES / "app.deps.json", "/srv/dotnet/app.deps.json")
        .host_file(FIXTURES / "Cargo.lock", "/srv/rust/Cargo.lock")
    )
    if gemspec.is_file():
        layer.host_file(gemspec, "/usr/local/bundle/specifications/rake-13.0.6.gemspec")
    inventory = scan(f"oci-dir:{build_layout(tmp_path / 'lang', [layer])}")
    found = {(p.type, p.name, p.version) for p in inventory.packages}
    assert {
        ("gem", "actionpack", "5.2.0"),
        ("gem", "nokogiri", "1.10.3"),
        ("gem", "rack", "2.0.6"),
        ("php-composer", "guzzlehttp/guzzle", "6.3.0"),
        ("php-composer", "symfony/http-kernel", "v4.4.0"),
        ("dotnet", "Newtonsoft.Json", "12.0.1"),
        ("dotnet", "System.Text.Encodings.Web", "4.5.0"),
        ("rust-crate", "smallvec", "1.6.0"),
        ("rust-crate", "app", "0.1.0"),
    } <= found
    assert ("dotnet", "app", "1.0.0") not in found
    purls = {p.purl for p in inventory.packages}
    assert "pkg:composer/guzzlehttp/guzzle@6.3.0" in purls
    assert "pkg:nuget/Newtonsoft.Json@12.0.1" in purls
    if gemspec.is_file():
        rake = next(p for p in inventory.packages if p.name == "rake")
        assert (rake.version, rake.licenses) == ("13.0.6", ("MIT",))


def test_cargo_auditable_section_in_a_real_elf(tmp_path: Path) -> None:
    objcopy = require_tool("objcopy")
    audit = {
        "packages": [
            {"name": "app", "version": "0.1.0", "source": "local", "root": True},
            {"name": "smallvec", "version": "1.6.0", "source": "crates.io"},
            {"name": "cc", "version": "1.0.0", "source": "crates.io", "kind": "build"},
        ]
    }
    section = tmp_path / "dep-v0"
    section.write_bytes(zlib.compress(json.dumps(audit).encode()))
    binary = tmp_path / "app"
    subprocess.run(
        [objcopy, "--add-section", f".dep-v0={section}", "/usr/bin/true", str(binary)],
        check=True,
    )
    layer = Layer().file("/usr/local/bin/app", binary.read_bytes(), mode=0o755)
    inventory = scan(f"oci-dir:{build_layout(tmp_path / 'rust', [layer])}")
    crates = {(p.name, p.version, p.purl) for p in inventory.packages}
    assert crates == {("smallvec", "1.6.0", "pkg:cargo/smallvec@1.6.0")}
