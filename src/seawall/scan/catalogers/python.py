"""Python distributions: ``*.dist-info/METADATA`` and ``*.egg-info``.

Names are normalized per PEP 503; the original spelling stays in metadata.
Licenses come from ``License-Expression``, ``License`` (when short) and
``License ::`` classifiers.
"""

from __future__ import annotations

import hashlib
from email.parser import HeaderParser

from packaging.utils import canonicalize_name

from seawall.scan.catalogers.interface import Entry, LayerView
from seawall.scan.catalogers.purl import purl
from seawall.scan.image.layer import WANT_FILE, WANT_NONE
from seawall.scan.inventory import Ecosystem, Package

_MAX_METADATA = 4 * 1024 * 1024


class PythonCataloger:
    name = "python"
    version = 2

    def want(self, path: str, mode: int, size: int) -> int:
        if size > _MAX_METADATA:
            return WANT_NONE
        if path.endswith((".dist-info/METADATA", ".egg-info/PKG-INFO")):
            return WANT_FILE
        if path.endswith(".egg-info") and "-packages/" in path:
            return WANT_FILE  # a single-file egg-info, as distutils wrote it
        return WANT_NONE

    def catalog(self, layer: LayerView) -> list[Entry]:
        entries = []
        for item in layer.files(self):
            headers = HeaderParser().parsestr(item.read().decode("utf-8", "replace"))
            raw_name, version = headers.get("Name"), headers.get("Version")
            if not raw_name or not version:
                continue
            name = canonicalize_name(str(raw_name))
            package = Package(
                name=name,
                version=str(version),
                ecosystem=Ecosystem.PYPI,
                purl=purl("pypi", name, str(version)),
                type="python",
                locations=(layer.location(item.path),),
                licenses=_licenses(headers),
                metadata={"name": str(raw_name), "fileMd5": _md5(item.read())},
            )
            entries.append(Entry(item.path, (package,)))
        return entries


def _licenses(headers: object) -> tuple[str, ...]:
    """License-Expression, else a short License field, else OSI classifiers."""
    get_all = headers.get_all  # type: ignore[attr-defined]
    expression = (get_all("License-Expression") or [None])[0]
    if expression:
        return (str(expression),)
    short = str((get_all("License") or [""])[0]).strip()
    if short and short != "UNKNOWN" and len(short) < 80 and "\n" not in short:
        return (short,)
    found = []
    for classifier in get_all("Classifier") or []:
        text = str(classifier)
        if text.startswith("License ::") and "OSI Approved ::" in text:
            found.append(text.rsplit("::", 1)[1].strip())
    return tuple(dict.fromkeys(found))


def _md5(data: bytes) -> str:
    """The digest dpkg's md5sums use, to tell a replaced file from an owned one."""
    return hashlib.md5(data, usedforsecurity=False).hexdigest()
