"""The operating system, from ``/etc/os-release`` and friends."""

from __future__ import annotations

import shlex

from seawall.scan.catalogers.interface import Entry, LayerView
from seawall.scan.image.layer import WANT_FILE, WANT_NONE

# In order of trust: the first one present after squashing wins.
RELEASE_FILES = (
    "/etc/os-release",
    "/usr/lib/os-release",
    "/etc/alpine-release",
    "/etc/redhat-release",
    "/etc/debian_version",
)


class OSReleaseCataloger:
    name = "os-release"
    version = 1

    def want(self, path: str, mode: int, size: int) -> int:
        return WANT_FILE if path in RELEASE_FILES and size < 64 * 1024 else WANT_NONE

    def catalog(self, layer: LayerView) -> list[Entry]:
        entries = []
        for item in layer.files(self):
            text = item.read().decode("utf-8", "replace")
            fields = _parse(item.path, text)
            if fields:
                entries.append(Entry(item.path, facts={"os-release": fields}))
        return entries


def _parse(path: str, text: str) -> dict[str, str]:
    if path.endswith("os-release"):
        return parse_os_release(text)
    line = text.strip().splitlines()[0] if text.strip() else ""
    if path == "/etc/alpine-release":
        return {"ID": "alpine", "VERSION_ID": line}
    if path == "/etc/debian_version":
        return {"ID": "debian", "VERSION_ID": line.split(".")[0]}
    if path == "/etc/redhat-release" and " release " in line:
        _, _, rest = line.partition(" release ")
        return {"ID": "rhel", "VERSION_ID": rest.split()[0], "PRETTY_NAME": line}
    return {}


def parse_os_release(text: str) -> dict[str, str]:
    """KEY=value lines with shell quoting, per os-release(5)."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        if not sep or key.startswith("#"):
            continue
        try:
            parts = shlex.split(value)
        except ValueError:
            continue
        fields[key] = parts[0] if parts else ""
    return fields
