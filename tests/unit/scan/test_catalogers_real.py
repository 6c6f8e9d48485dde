"""Catalogers on a Debian 12 image built from this host's real content."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from seawall.scan.inventory import Inventory, Package
from tests.unit.scan import realcontent
from tests.unit.scan.conftest import scan
from tests.unit.scan.ocibuild import Layer, build_layout


def _of(inventory: Inventory, kind: str) -> dict[tuple[str, str], Package]:
    return {(p.name, p.version): p for p in inventory.packages if p.type == kind}


def _dpkg_query(fmt: str) -> set[str]:
    out = subprocess.run(
        ["dpkg-query", "-W", "-f", fmt], check=True, capture_output=True, text=True
    ).stdout
    return set(out.splitlines())


def test_distro_is_debian_12(debian_inventory: Inventory) -> None:
    distro = debian_inventory.distro
    assert distro is not None
    assert (distro.id, distro.version_id, distro.codename) == (
        "debian",
        "12",
        "bookworm",
    )


def test_dpkg_matches_dpkg_query(debian_inventory: Inventory) -> None:
    installed = {
        " ".join(line.split()[1:])
        for line in _dpkg_query("${db:Status-Abbrev} ${Package} ${Version}\n")
        if line.startswith("ii ")
    }
    debs = _of(debian_inventory, "deb")
    # fzf's status paragraph is not in the host's status file.
    assert {f"{n} {v}" for n, v in debs} == installed


def test_dpkg_source_packages_match_dpkg_query(debian_inventory: Inventory) -> None:
    expected = _dpkg_query("${Package} ${source:Package} ${source:Version}\n")
    got = {
        f"{p.name} {p.source_name} {p.source_version}"
        for p in debian_inventory.packages
        if p.type == "deb"
    }
    assert got <= expected
    libc = next(p for p in debian_inventory.packages if p.name == "libc6")
    assert libc.source_name == "glibc"
    assert libc.ecosystem == "Debian"
    assert libc.distro == "Debian:12"
    assert "distro=debian-12" in libc.purl
    assert libc.purl.startswith("pkg:deb/debian/libc6@")


def _first_license(name: str) -> str | None:
    path = Path(f"/usr/share/doc/{name}/copyright")
    if not path.is_file() or not path.read_text(errors="replace").startswith("Format:"):
        return None
    for line in path.read_text(errors="replace").splitlines():
        value = line.removeprefix("License:").strip()
        if line.startswith("License:") and value.replace("-", "").isalnum():
            return value
    return None


def test_dpkg_licenses_from_machine_readable_copyright(
    debian_inventory: Inventory,
) -> None:
    debs = [p for p in debian_inventory.packages if p.type == "deb"]
    checked = 0
    for package in debs:
        expected = _first_license(package.name)
        if expected:
            assert expected in package.licenses, package.name
            checked += 1
    assert checked > 50


def test_python_packages_from_wheels_and_sdist(debian_inventory: Inventory) -> None:
    python = _of(debian_inventory, "python")
    for name, version in [
        ("requests", "2.19.1"),
        ("django", "2.2"),
        ("urllib3", "1.24.1"),
        ("jinja2", "2.10"),
        ("pyyaml", "5.3"),
    ]:
        package = python[(name, version)]
        assert package.purl == f"pkg:pypi/{name}@{version}"
        assert package.ecosystem == "PyPI"
        assert package.locations[0].path.startswith(realcontent.SITE)
    assert python[("requests", "2.19.1")].licenses == ("Apache 2.0",)
    assert python[("pyyaml", "5.3")].metadata["name"] == "PyYAML"


def _debian_python_files() -> dict[str, str]:
    """METADATA/PKG-INFO path -> the Debian package that installed it (host)."""
    owned = {}
    for listing in Path("/var/lib/dpkg/info").glob("*.list"):
        for line in listing.read_text(errors="replace").splitlines():
            if line.startswith("/usr/lib/python3/dist-packages/") and line.endswith(
                (".dist-info/METADATA", ".egg-info/PKG-INFO")
            ):
                owned[line] = listing.stem.split(":")[0]
    return owned


def test_debian_python_files_are_attributed_to_the_deb(
    debian_inventory: Inventory,
) -> None:
    owned = _debian_python_files()
    if not owned:
        pytest.skip("no Debian Python package is installed on this host")
    python = _of(debian_inventory, "python")
    assert all(p.locations[0].path.startswith("/usr/local") for p in python.values())
    debs = {p.name: p for p in debian_inventory.packages if p.type == "deb"}
    for owner in set(owned.values()):
        assert debs[owner].metadata["languagePackages"], owner


def test_npm_installed_nested_and_lockfile(debian_inventory: Inventory) -> None:
    npm = _of(debian_inventory, "npm")
    assert ("lodash", "4.17.15") in npm
    assert ("minimist", "1.2.0") in npm
    assert ("mkdirp", "0.5.1") in npm
    nested = npm[("minimist", "0.0.8")]
    paths = {loc.path for loc in nested.locations}
    assert "/app/node_modules/mkdirp/node_modules/minimist/package.json" in paths
    assert "/app/package-lock.json" in paths
    assert npm[("lodash", "4.17.15")].purl == "pkg:npm/lodash@4.17.15"
    assert npm[("lodash", "4.17.15")].licenses == ("MIT",)


def test_whiteout_removes_packages_of_lower_layers(debian_inventory: Inventory) -> None:
    assert not [p for p in debian_inventory.packages if p.name == "doomed"]


def test_go_binary_from_debian(debian_inventory: Inventory) -> None:
    go = [p for p in debian_inventory.packages if p.type == "go-module"]
    control = realcontent.debian_control("fzf")
    # Debian records the toolchain in Built-Using: golang-1.19 (= 1.19.8-2).
    toolchain = control.split("golang-1.19 (= ", 1)[1].split("-", 1)[0]
    stdlib = next(p for p in go if p.name == "stdlib")
    assert stdlib.version == f"go{toolchain}"
    assert stdlib.locations[0].path == "/usr/bin/fzf"
    assert stdlib.purl == f"pkg:golang/stdlib@{toolchain}"
    # A GOPATH build names its main package only.
    main = next(p for p in go if p.metadata.get("main"))
    assert (main.name, main.version) == ("github.com/junegunn/fzf", "(devel)")


def test_java_archives_outside_os_packages(debian_inventory: Inventory) -> None:
    java = _of(debian_inventory, "java-archive")
    lang3 = java[("org.apache.commons:commons-lang3", "3.12.0")]
    assert lang3.purl == "pkg:maven/org.apache.commons/commons-lang3@3.12.0"
    assert lang3.locations[0].path == "/opt/app/lib/commons-lang3-3.12.0.jar"
    guava = java[("com.google.guava:guava", "31.1-jre")]
    assert guava.metadata["archive"] == "/opt/app/webapp.war:WEB-INF/lib/guava.jar"
    # Debian's own jars under /usr/share/java belong to their packages.
    assert all(
        not p.locations[0].path.startswith("/usr/share/java") for p in java.values()
    )


def test_every_package_has_purl_layer_and_path(debian_inventory: Inventory) -> None:
    layers = set(debian_inventory.layers)
    for package in debian_inventory.packages:
        assert package.purl.startswith("pkg:")
        assert package.locations
        assert package.locations[0].layer_digest in layers
        assert package.locations[0].path.startswith("/")


def test_owned_file_replaced_after_install_is_not_attributed(tmp_path: Path) -> None:
    owned = {
        path: deb
        for path, deb in _debian_python_files().items()
        if path.endswith("METADATA")
        and Path(f"/var/lib/dpkg/info/{deb}.md5sums").is_file()
    }
    if not owned:
        pytest.skip("no Debian Python package with md5sums on this host")
    path, deb = sorted(owned.items())[0]
    info = Path("/var/lib/dpkg/info")
    base = Layer().host_file(Path("/var/lib/dpkg/status")).host_file(Path(path))
    base.host_file(info / f"{deb}.list").host_file(info / f"{deb}.md5sums")
    upgraded = Layer().file(
        path, b"Metadata-Version: 2.1\nName: Replaced\nVersion: 9.9\n"
    )
    for layers, expected in [
        ([base], set()),
        ([base, upgraded], {("replaced", "9.9")}),
    ]:
        root = build_layout(tmp_path / str(len(layers)), layers)
        python = _of(scan(f"oci-dir:{root}"), "python")
        assert set(python) == expected


def test_distroless_status_d(tmp_path: Path) -> None:
    paragraphs = Path("/var/lib/dpkg/status").read_text().split("\n\n")
    wanted = {"libc6", "base-files", "tzdata"}
    layer = Layer().host_file(Path("/usr/lib/os-release"), "/etc/os-release")
    for paragraph in paragraphs:
        name = paragraph.partition("Package: ")[2].partition("\n")[0]
        if name in wanted:
            layer.file(f"/var/lib/dpkg/status.d/{name}", paragraph.encode() + b"\n")
            layer.file(f"/var/lib/dpkg/status.d/{name}.md5sums", b"0" * 32 + b"  x\n")
    inventory = scan(f"oci-dir:{build_layout(tmp_path / 'distroless', [layer])}")
    assert {p.name for p in inventory.packages} == wanted
    libc = next(p for p in inventory.packages if p.name == "libc6")
    assert libc.locations[0].path == "/var/lib/dpkg/status.d/libc6"


def test_static_go_binary_in_a_scratch_image(tmp_path: Path, syft_binary: Path) -> None:
    layer = Layer().host_file(syft_binary, "/syft")
    inventory = scan(f"oci-dir:{build_layout(tmp_path / 'scratch', [layer], 'none')}")
    assert inventory.distro is None
    go = {p.name: p for p in inventory.packages}
    version = subprocess.run(
        [str(syft_binary), "version"], check=True, capture_output=True, text=True
    ).stdout
    fields = dict(line.split(":", 1) for line in version.splitlines() if ":" in line)
    assert go["stdlib"].version == fields["GoVersion"].strip()
    assert go["github.com/anchore/syft"].version == "v" + fields["Version"].strip()
    # Every dep line of the embedded module list, counted by strings(1).
    strings = subprocess.run(
        ["strings", "-n", "8", str(syft_binary)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    deps = {
        line.split("\t")[1] for line in strings.splitlines() if line.startswith("dep\t")
    }
    assert deps <= set(go)
    assert len(go) == len(deps) + 2  # the main module and stdlib
