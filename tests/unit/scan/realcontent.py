"""Real packages for scanner tests and the Syft benchmark, cached.

Downloads (PyPI wheels and an sdist, npm packages, Debian packages) and
built artefacts (rpm databases made with Debian's rpm tools) are cached under
``<repo>/.cache/scan/`` keyed by what they contain, so a machine builds them
once. Every function returns host paths; :mod:`ocibuild` turns them into
layers.
"""

from __future__ import annotations

import shutil
import sqlite3
import struct
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.helpers import IN_CI
from tests.unit.scan.ocibuild import Layer

REPO = Path(__file__).resolve().parents[3]
CACHE = REPO / ".cache" / "scan"

# Old releases with known vulnerabilities (the matcher's tests use them too).
WHEELS = ("requests==2.19.1", "Django==2.2", "urllib3==1.24.1", "Jinja2==2.10")
SDISTS = ("PyYAML==5.3",)
NPM = ("lodash@4.17.15", "minimist@1.2.0", "mkdirp@0.5.1")
SITE = "/usr/local/lib/python3.11/site-packages"


def _run(args: list[str], cwd: Path | None = None) -> None:
    subprocess.run(args, cwd=cwd, check=True, capture_output=True, timeout=600)


def _unavailable(message: str) -> None:
    """Skip on a laptop without the tool or network; fail under CI=true."""
    if IN_CI:
        pytest.fail(f"{message}, and scanner tests may not skip in CI")
    pytest.skip(message)


def _cached(name: str) -> tuple[Path, bool]:
    """The cache directory ``name`` and whether it is complete."""
    path = CACHE / name
    return path, (path / ".done").exists()


def _done(path: Path) -> Path:
    (path / ".done").touch()
    return path


def python_downloads() -> Path:
    """Wheels and sdists of :data:`WHEELS` and :data:`SDISTS`."""
    path, ready = _cached("pypi-" + "-".join(WHEELS + SDISTS).replace("==", "_"))
    if ready:
        return path
    pip = REPO / ".venv" / "bin" / "pip"
    path.mkdir(parents=True, exist_ok=True)
    try:
        _run(
            [str(pip), "download", "-q", "--no-deps", "-d", str(path), *WHEELS, *SDISTS]
        )
    except (subprocess.CalledProcessError, FileNotFoundError) as exc:
        _unavailable(f"PyPI is not reachable: {exc}")
    return _done(path)


def npm_project() -> Path:
    """A project directory after ``npm install`` of :data:`NPM`."""
    path, ready = _cached("npm-" + "-".join(NPM).replace("@", "_"))
    if ready:
        return path
    if shutil.which("npm") is None:
        _unavailable("npm is not installed")
    path.mkdir(parents=True, exist_ok=True)
    (path / "package.json").write_text('{"name": "app", "version": "1.0.0"}\n')
    args = ["npm", "install", "--ignore-scripts", "--no-audit", "--no-fund", *NPM]
    try:
        _run(args, cwd=path)
    except subprocess.CalledProcessError as exc:
        _unavailable(f"npm registry is not reachable: {exc}")
    return _done(path)


def debian_package(name: str) -> Path:
    """The unpacked root of Debian package ``name`` (``apt-get download``)."""
    path, ready = _cached(f"deb-{name}")
    if ready:
        return path / "root"
    path.mkdir(parents=True, exist_ok=True)
    try:
        _run(["apt-get", "download", "-qq", name], cwd=path)
    except (subprocess.CalledProcessError, FileNotFoundError) as exc:
        _unavailable(f"apt-get download {name} failed: {exc}")
    deb = next(path.glob("*.deb"))
    _run(["dpkg-deb", "-x", str(deb), str(path / "root")])
    _run(["dpkg-deb", "-f", str(deb), "Package", "Version"], cwd=path)
    return _done(path) / "root"


def debian_control(name: str) -> str:
    """The control paragraph of the downloaded package (status-file style)."""
    path = CACHE / f"deb-{name}"
    deb = next(path.glob("*.deb"))
    out = subprocess.run(
        ["dpkg-deb", "-f", str(deb)], check=True, capture_output=True, text=True
    ).stdout
    return "Package: " + out.split("Package: ", 1)[1].replace(
        "\nMaintainer:", "\nStatus: install ok installed\nMaintainer:", 1
    )


_SPECS = {
    "seawall-demo": (
        "Epoch: 2\nLicense: MIT\n",
        "/usr/share/seawall-demo/README",
        "demo:1:20230101:abcd",
    ),
    "python3-seawalldemo": (
        "License: Apache-2.0\n",
        "/usr/lib/python3.9/site-packages/seawalldemo-1.0.dist-info/METADATA",
        "",
    ),
}


def rpm_databases() -> Path:
    """``rpmdb.sqlite`` and BDB ``Packages`` (4 KiB and 512-byte pages)."""
    path, ready = _cached("rpmdb-v1")
    if ready:
        return path
    for tool in ("rpmbuild", "rpm", "db5.3_load"):
        if shutil.which(tool) is None:
            _unavailable(f"{tool} is not installed")
    path.mkdir(parents=True, exist_ok=True)
    rpms = [_build_rpm(path, name, *spec) for name, spec in _SPECS.items()]
    db = path / "sqlite"
    db.mkdir(exist_ok=True)
    _run(["rpm", "--dbpath", str(db), "--initdb"])
    _run(
        [
            "rpm",
            "--dbpath",
            str(db),
            "-i",
            "--justdb",
            "--nodeps",
            "--noscripts",
            "--ignorearch",
            "--ignoreos",
            *map(str, rpms),
        ]
    )
    # A plain query checkpoints the write-ahead log into the main file.
    _run(["rpm", "--dbpath", str(db), "-qa"])
    dump = path / "dump.txt"
    dump.write_text(_db_dump_text(db / "rpmdb.sqlite"))
    _run(["db5.3_load", "-T", "-t", "hash", "-f", str(dump), str(path / "Packages")])
    _run(
        [
            "db5.3_load",
            "-T",
            "-t",
            "hash",
            "-c",
            "db_pagesize=512",
            "-f",
            str(dump),
            str(path / "Packages.small"),
        ]
    )
    return _done(path)


def _build_rpm(root: Path, name: str, extra: str, file: str, label: str) -> Path:
    spec = root / f"{name}.spec"
    spec.write_text(
        f"Name: {name}\nVersion: 1.2.3\nRelease: 4.el9\nSummary: test\n{extra}"
        "BuildArch: noarch\n%description\ntest\n%install\n"
        f"mkdir -p %{{buildroot}}{file.rsplit('/', 1)[0]}\n"
        f"echo x > %{{buildroot}}{file}\n%files\n{file}\n"
    )
    args = ["rpmbuild", "-bb", "--quiet", "--define", f"_topdir {root / 'top'}"]
    if label:
        args += ["--define", f"modularitylabel {label}"]
    _run([*args, str(spec)])
    return next((root / "top" / "RPMS" / "noarch").glob(f"{name}-1.2.3*.rpm"))


def _db_dump_text(sqlite_path: Path) -> str:
    """``db_load -T`` input: key and value lines, non-printables as ``\\xx``."""
    conn = sqlite3.connect(sqlite_path)
    rows = list(conn.execute("SELECT hnum, blob FROM Packages"))
    conn.close()
    lines = []
    for hnum, blob in rows:
        lines += [_escape(struct.pack("<I", hnum)), _escape(blob)]
    return "\n".join(lines) + "\n"


def _escape(data: bytes) -> str:
    return "".join(chr(b) if 32 <= b < 127 and b != 92 else f"\\{b:02x}" for b in data)


def rpm_blobs() -> list[bytes]:
    conn = sqlite3.connect(rpm_databases() / "sqlite" / "rpmdb.sqlite")
    rows = [
        bytes(r[0]) for r in conn.execute("SELECT blob FROM Packages ORDER BY hnum")
    ]
    conn.close()
    return rows


def write_ndb(blobs: list[bytes]) -> bytes:
    """An NDB ``Packages.db`` holding ``blobs`` (rpm's layout; see rpmdb/ndb.py)."""
    slot_pages = 1
    out = bytearray(struct.pack("<IIII", *_NDB_HEAD, slot_pages) + bytes(16))
    blocks, offset = [], slot_pages * 4096 // 16
    for blob in blobs:
        blocks.append(offset)
        offset += (16 + len(blob) + 15) // 16
    for index in range(1, slot_pages * 4096 // 16 - 1):
        used = index <= len(blobs)
        out += struct.pack(
            "<IIII",
            _SLOT,
            index if used else 0,
            blocks[index - 1] if used else 0,
            ((16 + len(blobs[index - 1]) + 15) // 16) if used else 0,
        )
    for index, blob in enumerate(blobs, start=1):
        out += struct.pack("<IIII", _BLOB, index, 0, len(blob)) + blob
        out += bytes(-len(out) % 16)
    return bytes(out)


_NDB_HEAD = (int.from_bytes(b"RpmP", "little"), 0, 1)
_SLOT = int.from_bytes(b"Slot", "little")
_BLOB = int.from_bytes(b"BlbS", "little")


# --- layers -----------------------------------------------------------------


def debian_base_layer(with_python_dist: bool = True) -> Layer:
    """The host's Debian 12: dpkg status, file lists, copyrights, os-release,
    and the Python distributions Debian packages installed."""
    layer = Layer()
    layer.host_file(Path("/usr/lib/os-release"))
    layer.symlink("/etc/os-release", "../usr/lib/os-release")
    layer.host_file(Path("/etc/debian_version"))
    layer.host_file(Path("/var/lib/dpkg/status"))
    layer.host_tree(Path("/var/lib/dpkg/info"), "/var/lib/dpkg/info")
    for doc in sorted(Path("/usr/share/doc").glob("*/copyright")):
        if doc.is_file():
            layer.host_file(doc)
    if with_python_dist:
        dist = Path("/usr/lib/python3/dist-packages")
        for meta in sorted(dist.glob("*.dist-info/METADATA")) + sorted(
            dist.glob("*.egg-info/PKG-INFO")
        ):
            layer.host_file(meta)
    return layer


def python_layer() -> Layer:
    """The wheels unpacked into site-packages (what pip does), and the sdist's
    PKG-INFO as an egg-info directory (what ``setup.py install`` does)."""
    layer = Layer()
    downloads = python_downloads()
    for wheel in sorted(downloads.glob("*.whl")):
        with zipfile.ZipFile(wheel) as archive:
            for info in archive.infolist():
                if not info.is_dir() and "/tests/" not in info.filename:
                    layer.file(f"{SITE}/{info.filename}", archive.read(info))
    for sdist in sorted(downloads.glob("*.tar.gz")):
        import tarfile

        with tarfile.open(sdist) as tar:
            member = next(m for m in tar.getmembers() if m.name.endswith("/PKG-INFO"))
            data = tar.extractfile(member).read()  # type: ignore[union-attr]
            stem = member.name.split("/")[0]
            layer.file(f"{SITE}/{stem}-py3.11.egg-info/PKG-INFO", data)
    return layer


def npm_layer() -> Layer:
    return Layer().host_tree(npm_project(), "/app", skip=(".done",))
