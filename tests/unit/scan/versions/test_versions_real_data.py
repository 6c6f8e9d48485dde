"""Every version in the real advisory data parses under its ecosystem's scheme.

The matcher feeds these strings to the schemes, so a version the scheme
refuses is a finding that cannot be made. The only refusals are typos in
Alpine's and Wolfi's own data, which apk-tools refuses too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from seawall.scan.versions import ECOSYSTEMS, get_scheme

VULNDATA = Path(__file__).parents[4] / ".." / "shared" / "vulndata"
# The C safe loader: the same safe subset of YAML, several times faster.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Typos in the upstream data ("0.12.5.-r0", a Debian-style "2.7.16-33").
ALPINE_TYPOS = {
    "0.12.5.-r0",
    "0.8.21.r2",
    "1.0.4.-r0",
    "1.11-20-r0",
    "1.18.-r2",
    "1.7.5.-r1",
    "10.2.22.r0",
    "10.2.24.r0",
    "10.2.26.r0",
    "2.15.r-r1",
    "2.7.16-33",
    "4.10-1-r1",
    "4.8.0.-r1",
    "57-1-r2",
}


def _osv_records() -> Iterator[dict[str, Any]]:
    for path in sorted((VULNDATA / "osv").rglob("*")):
        if path.suffix == ".json":
            data = json.loads(path.read_text())
        elif path.suffix == ".yaml":
            data = yaml.load(path.read_text(), Loader=_LOADER)  # noqa: S506 - safe
        else:
            continue
        yield from data.get("vulns", [data])


def _osv_versions() -> Iterator[tuple[str, str]]:
    for record in _osv_records():
        for affected in record.get("affected", []):
            ecosystem = affected.get("package", {}).get("ecosystem", "")
            for rng in affected.get("ranges", []):
                if rng.get("type") not in ("ECOSYSTEM", "SEMVER"):
                    continue
                for event in rng.get("events", []):
                    yield from ((ecosystem, v) for v in event.values() if v != "0")
            yield from ((ecosystem, v) for v in affected.get("versions", []))


def test_osv_versions_all_parse() -> None:
    refused, counts = set(), dict.fromkeys(ECOSYSTEMS, 0)
    for ecosystem, version in _osv_versions():
        base = ecosystem.split(":")[0]
        if base not in ECOSYSTEMS:
            continue
        counts[base] += 1
        if not get_scheme(base).is_valid(version):
            refused.add((ecosystem, version))
    assert refused == set()
    covered = {name for name, count in counts.items() if count}
    assert {"PyPI", "Go", "crates.io", "npm", "Maven", "AlmaLinux", "Ubuntu"} <= covered


def test_alpine_and_wolfi_fixed_versions_parse() -> None:
    apk, refused, seen = get_scheme("Alpine"), set(), 0
    for path in sorted((VULNDATA / "native" / "alpine-secdb").rglob("*.yaml")):
        data = yaml.load(path.read_text(), Loader=_LOADER)  # noqa: S506 - safe
        for package in data.get("packages") or []:
            for version in package["pkg"].get("secfixes") or {}:
                seen += 1
                if not apk.is_valid(str(version)):
                    refused.add(str(version))
    wolfi = VULNDATA / "native" / "wolfi-advisories" / "selected"
    for path in sorted(wolfi.glob("*.advisories.yaml")):
        data = yaml.load(path.read_text(), Loader=_LOADER)  # noqa: S506 - safe
        for advisory in data.get("advisories") or []:
            for event in advisory.get("events") or []:
                fixed = (event.get("data") or {}).get("fixed-version")
                if fixed:
                    seen += 1
                    if not apk.is_valid(str(fixed)):
                        refused.add(str(fixed))
    assert seen > 4000
    assert refused == ALPINE_TYPOS
