"""RPM packages from the rpm database in any of its three formats.

SQLite (``rpmdb.sqlite``, RHEL 9+, Fedora 33+), Berkeley DB (``Packages``,
RHEL 7/8, CentOS, Amazon Linux 2) and NDB (``Packages.db``, SUSE) are all
read in pure Python; see :mod:`.rpmdb`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import Any

from seawall.errors import InvalidInput
from seawall.scan.catalogers import owned
from seawall.scan.catalogers.interface import Entry, LayerView
from seawall.scan.catalogers.purl import purl
from seawall.scan.catalogers.rpmdb import bdb, ndb, sqlite
from seawall.scan.catalogers.rpmdb import header as h
from seawall.scan.image.layer import WANT_FILE, WANT_NONE, LayerFile
from seawall.scan.inventory import Ecosystem, Package

_DIRS = ("/var/lib/rpm/", "/usr/lib/sysimage/rpm/", "/usr/share/rpm/")
_FILES = ("rpmdb.sqlite", "Packages", "Packages.db")


class RpmCataloger:
    name = "rpm"
    version = 1

    def want(self, path: str, mode: int, size: int) -> int:
        directory, _, base = path.rpartition("/")
        if base in _FILES and directory + "/" in _DIRS:
            return WANT_FILE
        return WANT_NONE

    def catalog(self, layer: LayerView) -> list[Entry]:
        entries = []
        for item in layer.files(self):
            try:
                packages, owns = self._read(layer, item)
            except (InvalidInput, ValueError, IndexError) as exc:
                layer.skip(item.path, f"failed to read the rpm database: {exc}")
                continue
            entries.append(Entry(item.path, tuple(packages), {"owns-many": owns}))
        return entries

    def _read(
        self, layer: LayerView, item: LayerFile
    ) -> tuple[list[Package], list[dict[str, Any]]]:
        packages: list[Package] = []
        owns: list[dict[str, Any]] = []
        for blob in _blobs(layer, item):
            tags = h.parse_header(blob)
            if not h.text(tags, h.TAG_NAME) or h.text(tags, h.TAG_NAME) == "gpg-pubkey":
                continue
            package = _package(tags, layer, item.path)
            packages.append(package)
            files = owned.interesting(h.files(tags))
            if files:
                owns.append({"package": package.name, "type": "rpm", "files": files})
        return packages, owns


def _blobs(layer: LayerView, item: LayerFile) -> Iterator[bytes]:
    if item.path.endswith(".sqlite"):
        # TODO(seawall): a non-checkpointed rpmdb.sqlite-wal beside the database
        # is ignored; images ship checkpointed databases, so none was seen yet.
        with tempfile.NamedTemporaryFile(dir=layer.tmpdir, suffix=".sqlite") as copy:
            copy.write(item.read())
            copy.flush()
            yield from sqlite.read_blobs(copy.name)
    elif item.path.endswith(".db"):
        yield from ndb.read_blobs(item.open())
    else:
        yield from bdb.read_blobs(item.open())


def _package(tags: dict[int, h.Value], layer: LayerView, path: str) -> Package:
    name = h.text(tags, h.TAG_NAME)
    epoch = h.text(tags, h.TAG_EPOCH)
    version = f"{h.text(tags, h.TAG_VERSION)}-{h.text(tags, h.TAG_RELEASE)}"
    full = f"{epoch}:{version}" if epoch else version
    arch = h.text(tags, h.TAG_ARCH)
    srpm = h.text(tags, h.TAG_SOURCERPM)
    source_name, source_version = _split_srpm(srpm)
    license_text = h.text(tags, h.TAG_LICENSE)
    qualifiers = {"arch": arch, "epoch": epoch, "upstream": srpm}
    return Package(
        name=name,
        version=full,
        ecosystem=Ecosystem.REDHAT,
        purl=purl("rpm", name, version, "redhat", qualifiers),
        type="rpm",
        locations=(layer.location(path),),
        licenses=(license_text,) if license_text else (),
        source_name=source_name or name,
        source_version=source_version or version,
        metadata={
            "arch": arch,
            "epoch": epoch,
            "sourceRpm": srpm,
            "vendor": h.text(tags, h.TAG_VENDOR),
            "modularityLabel": h.text(tags, h.TAG_MODULARITYLABEL),
        },
    )


def _split_srpm(srpm: str) -> tuple[str, str]:
    """``bash-5.1.8-6.el9.src.rpm`` -> (``bash``, ``5.1.8-6.el9``)."""
    stem = srpm.removesuffix(".rpm").rsplit(".", 1)[0] if srpm else ""
    parts = stem.rsplit("-", 2)
    if len(parts) != 3:
        return "", ""
    return parts[0], f"{parts[1]}-{parts[2]}"
