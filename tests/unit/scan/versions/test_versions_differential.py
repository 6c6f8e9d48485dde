"""Seawall's comparators against the ecosystems' real implementations.

Thousands of seeded, generated pairs per scheme; each tool runs once per
batch (see tools.py). A pair only one side can parse must be refused by
both where the tool refuses input at all.
"""

from __future__ import annotations

from pathlib import Path

from packaging.version import Version

from seawall.errors import InvalidInput
from seawall.scan.versions import get_scheme
from seawall.scan.versions.pep440 import Pep440Scheme
from tests.unit.scan.versions import generators, tools

Pair = tuple[str, str]


def _ours(ecosystem: str, pairs: list[Pair]) -> list[int | None]:
    scheme = get_scheme(ecosystem)
    result: list[int | None] = []
    for a, b in pairs:
        try:
            result.append(scheme.compare(a, b))
        except InvalidInput:
            result.append(None)
    return result


def _mismatches(pairs: list[Pair], ours: list, theirs: list) -> list[str]:
    assert len(ours) == len(theirs) == len(pairs)
    # The generated pairs must exercise every outcome, not just one.
    assert {-1, 0, 1} <= set(theirs), "the generator makes too few kinds of pair"
    return [
        f"{a!r} vs {b!r}: ours {o}, theirs {t}"
        for (a, b), o, t in zip(pairs, ours, theirs, strict=True)
        if o != t
    ][:20]


def _valid(ecosystem: str, pairs: list[Pair]) -> list[Pair]:
    scheme = get_scheme(ecosystem)
    kept = [(a, b) for a, b in pairs if scheme.is_valid(a) and scheme.is_valid(b)]
    assert len(kept) > len(pairs) * 0.7, "the generator makes too much garbage"
    return kept


def test_dpkg_matches_dpkg_compare_versions() -> None:
    pairs = _valid("Debian", generators.pairs(generators.dpkg_version, 1500, 1))
    theirs = tools.dpkg_compare(pairs)
    assert _mismatches(pairs, _ours("Debian", pairs), theirs) == []


def test_rpm_matches_rpm_vercmp(tmp_path: Path) -> None:
    pairs = _valid("Red Hat", generators.pairs(generators.rpm_version, 4000, 2))
    theirs = tools.rpm_compare(pairs, tmp_path)
    assert _mismatches(pairs, _ours("Red Hat", pairs), theirs) == []


def test_maven_matches_comparable_version() -> None:
    pairs = _valid("Maven", generators.pairs(generators.maven_version, 4000, 3))
    theirs = tools.maven_compare(pairs)
    assert _mismatches(pairs, _ours("Maven", pairs), theirs) == []


def test_maven_equal_versions_hash_equal() -> None:
    scheme = get_scheme("Maven")
    for a, b in generators.pairs(generators.maven_version, 4000, 3):
        if scheme.compare(a, b) == 0:
            assert hash(scheme.parse(a)) == hash(scheme.parse(b)), (a, b)


def test_rubygems_matches_gem_version() -> None:
    pairs = generators.pairs(generators.gem_version, 4000, 4)
    theirs = tools.ruby_compare(pairs)
    assert _mismatches(pairs, _ours("RubyGems", pairs), theirs) == []


def test_composer_matches_composer_semver() -> None:
    pairs = generators.pairs(generators.composer_version, 4000, 5)
    theirs = tools.composer_run([("compare", a, b) for a, b in pairs])
    assert _mismatches(pairs, _ours("Packagist", pairs), theirs) == []


def test_npm_matches_node_semver() -> None:
    pairs = generators.pairs(generators.semver_version, 4000, 6)
    theirs = tools.node_run([("compare", a, b) for a, b in pairs])
    assert _mismatches(pairs, _ours("npm", pairs), theirs) == []


def test_crates_and_go_agree_with_node_semver_on_plain_semver() -> None:
    # Cargo and Go follow SemVer 2.0.0 precedence as node-semver does.
    pairs = _valid("crates.io", generators.pairs(generators.semver_version, 2000, 7))
    theirs = tools.node_run([("compare", a, b) for a, b in pairs])
    assert _mismatches(pairs, _ours("crates.io", pairs), theirs) == []
    go_pairs = [(f"v{a}", f"v{b}") for a, b in pairs]
    assert _mismatches(go_pairs, _ours("Go", go_pairs), theirs) == []


def test_pep440_matches_packaging() -> None:
    def pep440(rng: generators.random.Random) -> str:
        base = ".".join(generators._number(rng) for _ in range(rng.randint(1, 4)))
        extra = rng.choice(
            [
                "",
                "a1",
                "b2",
                "rc1",
                "c3",
                ".post1",
                "-1",
                ".dev0",
                "a1.dev2",
                "+local.1",
                "-ALPHA2",
                ".RC.3",
                "pre4",
            ]
        )
        epoch = rng.choice(["", "", "", "1!"])
        return f"{epoch}{base}{extra}"

    pairs = [
        (a, b)
        for a, b in generators.pairs(pep440, 4000, 8)
        if Pep440Scheme.is_pep440(a) and Pep440Scheme.is_pep440(b)
    ]
    assert len(pairs) > 3000
    theirs = []
    for a, b in pairs:
        va, vb = Version(a), Version(b)
        theirs.append((va > vb) - (va < vb))
    assert _mismatches(pairs, _ours("PyPI", pairs), theirs) == []


def test_pypi_legacy_versions_match_packaging_21() -> None:
    # packaging 21.3 is the last release with LegacyVersion, whose ordering
    # Seawall keeps for versions PEP 440 refuses.
    pairs = generators.pairs(generators.python_legacy_version, 4000, 9)
    answers = tools.packaging21_compare(pairs)
    legacy = sum(1 for _, is_legacy in answers if is_legacy)
    assert len(pairs) * 0.2 < legacy < len(pairs) * 0.9
    theirs = [order for order, _ in answers]
    assert _mismatches(pairs, _ours("PyPI", pairs), theirs) == []


def test_go_matches_x_mod_semver(tmp_path: Path) -> None:
    pairs = generators.pairs(generators.go_version, 3000, 10)
    theirs = tools.go_compare(pairs, tmp_path)
    assert _mismatches(pairs, _ours("Go", pairs), theirs) == []
