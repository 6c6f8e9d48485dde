"""Node.js packages: ``package.json`` under ``node_modules`` (nested too), and
``package-lock.json`` (v1-v3), ``yarn.lock`` and ``pnpm-lock.yaml`` elsewhere.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import yaml

from seawall.scan.catalogers.interface import Entry, LayerView
from seawall.scan.catalogers.purl import purl
from seawall.scan.image.layer import WANT_FILE, WANT_NONE
from seawall.scan.inventory import Ecosystem, Package

_INSTALLED = re.compile(r"/node_modules/(@[^/]+/)?[^/@][^/]*/package\.json$")
_LOCKS = ("/package-lock.json", "/yarn.lock", "/pnpm-lock.yaml")
_MAX = 64 * 1024 * 1024
_YARN_VERSION = re.compile(r'^\s+version:?\s+"?([^"\s]+)"?\s*$')


class NpmCataloger:
    name = "npm"
    version = 2

    def want(self, path: str, mode: int, size: int) -> int:
        if size > _MAX:
            return WANT_NONE
        if _INSTALLED.search(path):
            return WANT_FILE
        if "/node_modules/" in path:
            return WANT_NONE
        if path.endswith(_LOCKS) or path.endswith("/package.json"):
            return WANT_FILE  # an application's own manifest and lock files
        return WANT_NONE

    def catalog(self, layer: LayerView) -> list[Entry]:
        entries = []
        for item in layer.files(self):
            text = item.read().decode("utf-8", "replace")
            try:
                found = _parse(item.path, text)
            except (ValueError, yaml.YAMLError, AttributeError, TypeError) as exc:
                layer.skip(item.path, f"failed to parse: {str(exc)[:200]}")
                continue
            md5 = hashlib.md5(item.read(), usedforsecurity=False).hexdigest()
            packages = tuple(
                _package(n, v, lic, layer, item.path, md5=md5) for n, v, lic in found
            )
            if packages:
                entries.append(Entry(item.path, packages))
        return entries


def _parse(path: str, text: str) -> list[tuple[str, str, str]]:
    if path.endswith("/package.json"):
        doc = json.loads(text)
        name, version = doc.get("name"), doc.get("version")
        if isinstance(name, str) and isinstance(version, str) and name and version:
            return [(name, version, _license(doc.get("license")))]
        return []
    if path.endswith("/package-lock.json"):
        return parse_package_lock(json.loads(text))
    if path.endswith("/yarn.lock"):
        return parse_yarn_lock(text)
    return parse_pnpm_lock(yaml.safe_load(text) or {})


def _license(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("type"), str):
        return str(value["type"])
    return ""


def parse_package_lock(doc: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(name, version, license) from lockfile v2/v3 ``packages`` or v1 tree."""
    out = []
    packages = doc.get("packages")
    if isinstance(packages, dict):
        for key, info in packages.items():
            if not key or "node_modules/" not in key or not isinstance(info, dict):
                continue
            if info.get("link"):
                continue
            name = info.get("name") or key.rsplit("node_modules/", 1)[1]
            if isinstance(info.get("version"), str):
                out.append((name, info["version"], _license(info.get("license"))))
        return out
    _walk_v1(doc.get("dependencies") or {}, out)
    return out


def _walk_v1(deps: dict[str, Any], out: list[tuple[str, str, str]]) -> None:
    for name, info in deps.items():
        if isinstance(info, dict) and isinstance(info.get("version"), str):
            out.append((name, info["version"], ""))
            _walk_v1(info.get("dependencies") or {}, out)


def parse_yarn_lock(text: str) -> list[tuple[str, str, str]]:
    """Classic (v1) and Berry lock entries: a spec line, then ``version``."""
    out, name = [], ""
    for line in text.splitlines():
        if line and not line.startswith((" ", "#")) and line.endswith(":"):
            spec = line.rstrip(":").split(",")[0].strip().strip('"')
            name = spec[: spec.index("@", 1)] if "@" in spec[1:] else spec
        elif name:
            match = _YARN_VERSION.match(line)
            if match and name != "__metadata":
                out.append((name, match.group(1), ""))
                name = ""
    return out


def parse_pnpm_lock(doc: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Keys ``/name/1.0.0`` (v5), ``/name@1.0.0`` (v6) or ``name@1.0.0`` (v9)."""
    out = []
    for key in doc.get("packages") or {}:
        spec = str(key).lstrip("/").split("(")[0]
        if "@" in spec[1:]:
            at = spec.rindex("@")
            name, version = spec[:at], spec[at + 1 :]
        else:
            name, _, version = spec.rpartition("/")
        if name and version:
            out.append((name, version, ""))
    return out


def _package(
    name: str, version: str, license_id: str, layer: LayerView, path: str, *, md5: str
) -> Package:
    scope, _, bare = name.rpartition("/")
    return Package(
        name=name,
        version=version,
        ecosystem=Ecosystem.NPM,
        purl=purl("npm", bare, version, scope or None),
        type="npm",
        locations=(layer.location(path),),
        licenses=(license_id,) if license_id else (),
        metadata={"fileMd5": md5},
    )
