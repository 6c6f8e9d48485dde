"""Range and constraint helpers against node-semver, Composer and RubyGems."""

from __future__ import annotations

from pathlib import Path

from seawall.errors import InvalidInput
from seawall.scan.versions import satisfies_constraint, satisfies_npm_range
from tests.unit.scan.versions import generators, tools

Pair = tuple[str, str]


def _ours(check: object, pairs: list[Pair]) -> list[bool | None]:
    result: list[bool | None] = []
    for version, constraint in pairs:
        try:
            result.append(check(version, constraint))  # type: ignore[operator]
        except InvalidInput:
            result.append(None)
    return result


def _diff(pairs: list[Pair], ours: list, theirs: list) -> list[str]:
    assert {True, False} <= set(theirs), "the generator makes one-sided cases"
    return [
        f"{v!r} in {c!r}: ours {o}, theirs {t}"
        for (v, c), o, t in zip(pairs, ours, theirs, strict=True)
        if o != t
    ][:20]


def test_npm_ranges_match_node_semver() -> None:
    pairs = generators.npm_range_pairs(4000, 11)
    theirs = [
        None if t is None else bool(t)
        for t in tools.node_run([("satisfies", v, r) for v, r in pairs])
    ]
    ours = _ours(satisfies_npm_range, pairs)
    # node-semver answers false for a range it cannot read; Seawall refuses it.
    refused = [p for p, o, t in zip(pairs, ours, theirs, strict=True) if o is None]
    assert len(refused) < len(pairs) * 0.05, refused[:5]
    assert all(
        not t for (_, o, t) in zip(pairs, ours, theirs, strict=True) if o is None
    )
    kept = [
        (p, o, t) for p, o, t in zip(pairs, ours, theirs, strict=True) if o is not None
    ]
    assert _diff([k[0] for k in kept], [k[1] for k in kept], [k[2] for k in kept]) == []


def test_composer_constraints_match_composer_semver() -> None:
    pairs = generators.composer_constraint_pairs(3000, 12)
    theirs = tools.composer_run([("satisfies", v, c) for v, c in pairs])

    def check(version: str, constraint: str) -> bool:
        return satisfies_constraint("Packagist", version, constraint)

    assert _diff(pairs, _ours(check, pairs), theirs) == []


def test_gem_requirements_match_gem_requirement() -> None:
    pairs = generators.gem_requirement_pairs(3000, 13)
    theirs = tools.ruby_satisfies(pairs)

    def check(version: str, constraint: str) -> bool:
        return satisfies_constraint("RubyGems", version, constraint)

    assert _diff(pairs, _ours(check, pairs), theirs) == []


def test_maven_ranges_match_version_range(tmp_path: Path) -> None:
    pairs = generators.maven_range_pairs(3000, 14)
    theirs = tools.maven_range_contains(pairs, tmp_path)

    def check(version: str, constraint: str) -> bool:
        return satisfies_constraint("Maven", version, constraint)

    ours = _ours(check, pairs)
    # Maven accepts a range whose bounds are out of order and then matches
    # nothing; Seawall matches nothing too. Both refuse malformed brackets.
    assert _diff(pairs, ours, theirs) == []
