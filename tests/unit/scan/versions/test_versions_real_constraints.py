"""Every constraint in the real advisory data parses and means what the
ecosystem's own tool says, probed at the versions the constraint names and
their neighbours."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import yaml

from seawall.scan.versions import satisfies_constraint, satisfies_npm_range
from tests.unit.scan.versions import tools

NATIVE = Path(__file__).parents[4] / ".." / "shared" / "vulndata" / "native"
# The C safe loader: the same safe subset of YAML, several times faster.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_NUMBERS = re.compile(r"\d+(?:\.\d+)*")


def _probes(constraint: str) -> set[str]:
    """Versions at and beside each bound in ``constraint``."""
    probes = set()
    for bound in _NUMBERS.findall(constraint):
        parts = bound.split(".")
        while len(parts) < 3:
            parts.append("0")
        last = int(parts[-1])
        for value in {last, last + 1, max(last - 1, 0)}:
            probes.add(".".join([*parts[:-1], str(value)]))
    return probes


def _node_ranges() -> Iterator[str]:
    for path in sorted((NATIVE / "nodejs-security-wg" / "vuln" / "npm").glob("*.json")):
        record = json.loads(path.read_text())
        for key in ("vulnerable_versions", "patched_versions"):
            if record.get(key):
                yield record[key]


def _friendsofphp_constraints() -> Iterator[str]:
    root = NATIVE / "friendsofphp-security-advisories"
    for path in sorted(root.glob("*/*/*.yaml")):
        record = yaml.load(path.read_text(), Loader=_LOADER)  # noqa: S506 - a safe loader
        for branch in (record.get("branches") or {}).values():
            versions = branch.get("versions") or []
            yield ",".join(versions) if isinstance(versions, list) else str(versions)


def _rubysec_requirements() -> Iterator[str]:
    for path in sorted((NATIVE / "rubysec" / "gems").glob("*/*.yml")):
        record = yaml.load(path.read_text(), Loader=_LOADER)  # noqa: S506 - a safe loader
        for key in ("patched_versions", "unaffected_versions"):
            yield from (str(r) for r in record.get(key) or [])


def _cases(constraints: Iterator[str], limit: int) -> list[tuple[str, str]]:
    cases = sorted({(v, c) for c in set(constraints) for v in _probes(c)})
    assert len(cases) > 1000
    return cases[:limit]


def _compare(cases: list[tuple[str, str]], ours: list, theirs: list) -> None:
    assert {True, False} <= set(theirs)
    wrong = [
        f"{v!r} in {c!r}: ours {o}, theirs {t}"
        for (v, c), o, t in zip(cases, ours, theirs, strict=True)
        if o != t
    ]
    assert wrong[:20] == []


def test_nodejs_security_wg_ranges_match_node_semver() -> None:
    cases = _cases(_node_ranges(), 6000)
    theirs = [bool(t) for t in tools.node_run([("satisfies", v, c) for v, c in cases])]
    _compare(cases, [satisfies_npm_range(v, c) for v, c in cases], theirs)


def test_friendsofphp_constraints_match_composer() -> None:
    cases = _cases(_friendsofphp_constraints(), 6000)
    theirs = tools.composer_run([("satisfies", v, c) for v, c in cases])
    ours = [satisfies_constraint("Packagist", v, c) for v, c in cases]
    _compare(cases, ours, theirs)


def test_rubysec_requirements_match_rubygems() -> None:
    cases = _cases(_rubysec_requirements(), 6000)
    theirs = tools.ruby_satisfies(cases)
    ours = [satisfies_constraint("RubyGems", v, c) for v, c in cases]
    _compare(cases, ours, theirs)
