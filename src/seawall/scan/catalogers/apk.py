"""Alpine (and Wolfi/Chainguard) packages from ``/lib/apk/db/installed``."""

from __future__ import annotations

from seawall.scan.catalogers import owned
from seawall.scan.catalogers.interface import Entry, LayerView
from seawall.scan.catalogers.purl import purl
from seawall.scan.image.layer import WANT_FILE, WANT_NONE
from seawall.scan.inventory import Ecosystem, Package

INSTALLED = "/lib/apk/db/installed"


class ApkCataloger:
    name = "apk"
    version = 1

    def want(self, path: str, mode: int, size: int) -> int:
        return WANT_FILE if path == INSTALLED else WANT_NONE

    def catalog(self, layer: LayerView) -> list[Entry]:
        entries = []
        for item in layer.files(self):
            records = parse_installed(item.read().decode("utf-8", "replace"))
            packages = tuple(_package(r, layer, item.path) for r in records)
            owns = [
                {
                    "package": r["P"],
                    "type": "apk",
                    "files": owned.interesting(r["files"]),
                }
                for r in records
            ]
            owns = [o for o in owns if o["files"]]
            entries.append(Entry(item.path, packages, {"owns-many": owns}))
        return entries


def parse_installed(text: str) -> list[dict[str, list[str] | str]]:
    """Package stanzas: single-letter keys; ``F:``/``R:`` build file paths."""
    records: list[dict[str, list[str] | str]] = []
    for stanza in text.split("\n\n"):
        record: dict[str, list[str] | str] = {"files": []}
        directory = ""
        for line in stanza.splitlines():
            key, sep, value = line.partition(":")
            if not sep:
                continue
            if key == "F":
                directory = value
            elif key == "R":
                files = record["files"]
                assert isinstance(files, list)
                files.append(f"{directory}/{value}")
            elif len(key) == 1:
                record[key] = value
        if record.get("P") and record.get("V"):
            records.append(record)
    return records


def _package(
    record: dict[str, list[str] | str], layer: LayerView, path: str
) -> Package:
    name, version = str(record["P"]), str(record["V"])
    arch = str(record.get("A", ""))
    origin = str(record.get("o", "")) or name
    license_text = str(record.get("L", ""))
    return Package(
        name=name,
        version=version,
        ecosystem=Ecosystem.ALPINE,
        purl=purl("apk", name, version, "alpine", {"arch": arch, "upstream": origin}),
        type="apk",
        locations=(layer.location(path),),
        licenses=(license_text,) if license_text else (),
        source_name=origin,
        source_version=version,
        metadata={"arch": arch, "origin": origin},
    )
