"""Java archives (``.jar``, ``.war``, ``.ear`` and plugin variants), nested
archives included.

Identification, in order: ``META-INF/maven/<group>/<artifact>/pom.properties``
(every one found is a package: shaded dependencies carry their own), then
``META-INF/MANIFEST.MF`` fields, then the file name. Nesting depth, member
count and member size are bounded by :class:`ScanLimits`.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import IO

from seawall.scan.catalogers.interface import Entry, LayerView
from seawall.scan.catalogers.purl import purl
from seawall.scan.image.layer import WANT_FILE, WANT_NONE
from seawall.scan.inventory import Ecosystem, Package

ARCHIVES = (".jar", ".war", ".ear", ".par", ".sar", ".jpi", ".hpi", ".nar", ".kar")
_FILENAME = re.compile(r"^(?P<name>[A-Za-z0-9_.\-]+?)-(?P<version>\d[\w.\-+~]*)$")


class JavaCataloger:
    name = "java-archive"
    version = 2

    def want(self, path: str, mode: int, size: int) -> int:
        return WANT_FILE if path.lower().endswith(ARCHIVES) else WANT_NONE

    def catalog(self, layer: LayerView) -> list[Entry]:
        entries = []
        for item in layer.files(self):
            found: list[Package] = []
            self._archive(
                item.open(), item.path, item.path, layer, depth=0, found=found
            )
            if found:
                entries.append(Entry(item.path, tuple(found)))
        return entries

    def _archive(
        self,
        handle: IO[bytes],
        name: str,
        outer: str,
        layer: LayerView,
        *,
        depth: int,
        found: list[Package],
    ) -> None:
        try:
            with zipfile.ZipFile(handle) as archive:
                members = archive.infolist()
                if len(members) > layer.limits.max_archive_members:
                    layer.skip(name, "archive has too many members")
                    return
                found += _identify(archive, members, name, outer, layer)
                self._nested(
                    archive,
                    members,
                    name,
                    outer,
                    layer=layer,
                    depth=depth,
                    found=found,
                )
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            layer.skip(name, f"failed to read archive: {exc}")

    def _nested(
        self,
        archive: zipfile.ZipFile,
        members: list[zipfile.ZipInfo],
        name: str,
        outer: str,
        *,
        layer: LayerView,
        depth: int,
        found: list[Package],
    ) -> None:
        for member in members:
            if not member.filename.lower().endswith(ARCHIVES) or member.is_dir():
                continue
            inner = f"{name}:{member.filename}"
            if depth + 1 > layer.limits.max_archive_depth:
                layer.skip(inner, "archive nested too deeply")
                continue
            data = _read_bounded(
                archive, member, layer.limits.max_memory_file_bytes * 8
            )
            if data is None:
                layer.skip(inner, "nested archive over the size limit")
                continue
            self._archive(
                io.BytesIO(data), inner, outer, layer, depth=depth + 1, found=found
            )


def _read_bounded(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, limit: int
) -> bytes | None:
    """The member's bytes, or None past ``limit`` (sizes in headers may lie)."""
    if member.file_size > limit:
        return None
    with archive.open(member) as stream:
        data = stream.read(limit + 1)
    return None if len(data) > limit else data


def _identify(
    archive: zipfile.ZipFile,
    members: list[zipfile.ZipInfo],
    name: str,
    outer: str,
    layer: LayerView,
) -> list[Package]:
    """The archive's own package, then every other (shaded) pom.properties.

    The archive's own package is the pom.properties whose artifactId is the
    file's name; failing that, the manifest's version under the file's name.
    """
    stem = _from_filename(name)
    poms = []
    for member in members:
        path = member.filename
        if path.startswith("META-INF/maven/") and path.endswith("/pom.properties"):
            data = _read_bounded(archive, member, 1024 * 1024)
            props = _properties(data.decode("utf-8", "replace") if data else "")
            if props.get("artifactId") and props.get("version"):
                poms.append(
                    (props.get("groupId", ""), props["artifactId"], props["version"])
                )
    own = [p for p in poms if stem is not None and p[1] == stem[1]]
    main = None if own else _from_manifest(archive, stem)
    found = [main] if main else []
    found += poms
    return [_package(*p, name=name, outer=outer, layer=layer) for p in found]


def _properties(text: str) -> dict[str, str]:
    props = {}
    for raw in text.splitlines():
        line = raw.strip()
        if line and not line.startswith(("#", "!")) and "=" in line:
            key, _, value = line.partition("=")
            props[key.strip()] = value.strip()
    return props


def _from_manifest(
    archive: zipfile.ZipFile, stem: tuple[str, str, str] | None
) -> tuple[str, str, str] | None:
    """(group, artifact, version) from MANIFEST.MF under the file's name."""
    fields: dict[str, str] = {}
    try:
        info = archive.getinfo("META-INF/MANIFEST.MF")
        data = _read_bounded(archive, info, 1024 * 1024)
        fields = _manifest(data.decode("utf-8", "replace") if data else "")
    except KeyError:
        pass
    version = (
        fields.get("Implementation-Version")
        or fields.get("Bundle-Version")
        or (stem[2] if stem else "")
        or fields.get("Specification-Version")
    )
    artifact = stem[1] if stem else fields.get("Implementation-Title", "")
    if not artifact or not version:
        return None
    group = fields.get("Implementation-Vendor-Id") or fields.get(
        "Bundle-SymbolicName", ""
    )
    return group.split(";")[0].strip(), artifact, version


def _manifest(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    key = ""
    for line in text.splitlines():
        if line.startswith(" ") and key:
            fields[key] += line[1:]
        else:
            key, _, value = line.partition(":")
            fields[key.strip()] = value.strip()
    return fields


def _from_filename(name: str) -> tuple[str, str, str]:
    """("", name, version) from ``name-1.2.3.jar``; version "" when absent."""
    base = name.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0]
    match = _FILENAME.match(stem)
    if match is None:
        return "", stem, ""
    return "", match.group("name"), match.group("version")


def _package(
    group: str, artifact: str, version: str, *, name: str, outer: str, layer: LayerView
) -> Package:
    return Package(
        name=f"{group}:{artifact}" if group else artifact,
        version=version,
        ecosystem=Ecosystem.MAVEN,
        purl=purl("maven", artifact, version, group or artifact),
        type="java-archive",
        locations=(layer.location(outer),),
        metadata={"groupId": group, "artifactId": artifact, "archive": name},
    )
