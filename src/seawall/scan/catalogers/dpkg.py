"""Debian packages: ``/var/lib/dpkg/status`` and distroless ``status.d/``.

Also reads ``/usr/share/doc/<package>/copyright`` for licenses (machine
readable ``License:`` fields) and ``/var/lib/dpkg/info/<package>.list`` for
the files each package owns, so language packages a Debian package installed
are attributed to it.
"""

from __future__ import annotations

import re

from seawall.scan.catalogers import owned
from seawall.scan.catalogers.interface import Entry, LayerView
from seawall.scan.catalogers.purl import purl
from seawall.scan.image.layer import WANT_FILE, WANT_NONE
from seawall.scan.inventory import Ecosystem, Package

STATUS = "/var/lib/dpkg/status"
STATUS_D = "/var/lib/dpkg/status.d/"
INFO = "/var/lib/dpkg/info/"
DOC = "/usr/share/doc/"
_SOURCE = re.compile(r"^(\S+)(?:\s+\((\S+)\))?$")
_LICENSE = re.compile(r"^License:[ \t]*(\S[^\n]*)$", re.MULTILINE)
_LICENSE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+_-]*$")


class DpkgCataloger:
    name = "dpkg"
    version = 3

    def want(self, path: str, mode: int, size: int) -> int:
        if path == STATUS or (
            path.startswith(STATUS_D) and not path.endswith(".md5sums")
        ):
            return WANT_FILE
        if path.startswith(INFO) and path.endswith((".list", ".md5sums")):
            return WANT_FILE
        if (
            path.startswith(DOC)
            and path.endswith("/copyright")
            and path.count("/") == 5
        ):
            return WANT_FILE if size < 8 * 1024 * 1024 else WANT_NONE
        return WANT_NONE

    def catalog(self, layer: LayerView) -> list[Entry]:
        entries = []
        for item in layer.files(self):
            text = item.read().decode("utf-8", "replace")
            if item.path.endswith("/copyright"):
                entries.append(_copyright(item.path, text))
            elif item.path.endswith(".list"):
                entries.append(_file_list(item.path, text))
            elif item.path.endswith(".md5sums"):
                entries.append(_md5sums(item.path, text))
            else:
                packages = tuple(
                    _package(f, layer, item.path) for f in parse_status(text)
                )
                entries.append(Entry(item.path, packages))
        return entries


def parse_status(text: str) -> list[dict[str, str]]:
    """The installed paragraphs of a dpkg status file (RFC 822 style)."""
    records = []
    for paragraph in re.split(r"\n\s*\n", text):
        fields = _fields(paragraph)
        if not fields.get("Package") or not fields.get("Version"):
            continue
        status = fields.get("Status", "install ok installed")
        if status.split()[-1] not in ("installed", "half-configured"):
            continue
        records.append(fields)
    return records


def _fields(paragraph: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    key = ""
    for line in paragraph.splitlines():
        if line[:1] in (" ", "\t"):
            if key:
                fields[key] += "\n" + line.strip()
            continue
        key, sep, value = line.partition(":")
        if sep:
            fields[key] = value.strip()
    return fields


def _package(fields: dict[str, str], layer: LayerView, path: str) -> Package:
    name, version = fields["Package"], fields["Version"]
    source_name, source_version = name, version
    match = _SOURCE.match(fields.get("Source", ""))
    if match:
        source_name = match.group(1)
        source_version = match.group(2) or version
    arch = fields.get("Architecture", "")
    return Package(
        name=name,
        version=version,
        ecosystem=Ecosystem.DEBIAN,
        purl=purl("deb", name, version, "debian", {"arch": arch}),
        type="deb",
        locations=(layer.location(path),),
        source_name=source_name,
        source_version=source_version,
        metadata={"arch": arch, "maintainer": fields.get("Maintainer", "")},
    )


def _copyright(path: str, text: str) -> Entry:
    package = path[len(DOC) :].split("/", maxsplit=1)[0]
    licenses: list[str] = []
    for value in _LICENSE.findall(text):
        for raw in re.split(r"\s+or\s+|\s+and\s+|,\s*", value.strip()):
            part = raw.strip()
            if _LICENSE_ID.match(part) and part not in licenses and len(part) < 64:
                licenses.append(part)
    return Entry(
        path, facts={"deb-copyright": {"package": package, "licenses": licenses}}
    )


def _file_list(path: str, text: str) -> Entry:
    package = path[len(INFO) : -len(".list")].split(":", maxsplit=1)[0]
    files = owned.interesting(text.splitlines())
    return Entry(
        path, facts={"owns": {"package": package, "type": "deb", "files": files}}
    )


def _md5sums(path: str, text: str) -> Entry:
    """Digests dpkg recorded for owned files, to notice files replaced later."""
    package = path[len(INFO) : -len(".md5sums")].split(":", maxsplit=1)[0]
    sums = {}
    for line in text.splitlines():
        digest, _, name = line.partition("  ")
        sums["/" + name.strip()] = digest
    kept = {p: sums[p] for p in owned.interesting(sums)}
    return Entry(path, facts={"owned-md5": {"package": package, "sums": kept}})
