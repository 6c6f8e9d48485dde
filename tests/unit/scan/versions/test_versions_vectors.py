"""Every comparison in the shared version vectors, per ecosystem.

The vectors (``../shared/vulndata/version-vectors``, from osv-scalibr) hold
one comparison a line. A few lines compare strings the ecosystem's own tool
refuses, or record another release's answer; those are listed below with
the reason, and the test checks Seawall's documented answer for them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from seawall.errors import InvalidInput
from seawall.scan.versions import get_scheme

VECTORS = Path(__file__).parents[4] / ".." / "shared" / "vulndata" / "version-vectors"
ORDER = {"<": -1, "=": 0, ">": 1}

# file -> the ecosystems whose scheme must satisfy it
FILES = {
    "alpine-versions.txt": ["Alpine", "Wolfi"],
    "alpine-versions-generated.txt": ["Alpine"],
    "debian-versions.txt": ["Debian", "Ubuntu"],
    "debian-versions-generated.txt": ["Debian"],
    "maven-versions.txt": ["Maven"],
    "maven-versions-generated.txt": ["Maven"],
    "nuget-versions.txt": ["NuGet"],
    "packagist-versions.txt": ["Packagist"],
    "packagist-versions-generated.txt": ["Packagist"],
    "pypi-versions.txt": ["PyPI"],
    "pypi-versions-generated.txt": ["PyPI"],
    "redhat-versions.txt": ["Red Hat", "AlmaLinux"],
    "rubygems-versions.txt": ["RubyGems"],
    "rubygems-versions-generated.txt": ["RubyGems"],
    "semver-versions.txt": ["npm", "Go", "crates.io"],
}

# Strings refused on purpose, with the reason.
_APK_INVALID = (
    "apk-tools' validator refuses these, and apk-tools 2 and 3 answer "
    "differently for them (the vector file says so itself)"
)
INVALID: dict[str, tuple[str, set[str]]] = {
    "Alpine": (
        _APK_INVALID,
        {
            ".1",
            ".2",
            "0...1...0",
            "0...1...0.r1",
            "0...1...0.r2",
            "0...1...0r1",
            "0...1...0r2",
            "0...1...1",
            "0...8",
            "0..1..0",
            "0..1..1",
            "0..8",
            "0.8.21.r1",
            "0.8.21.r2",
            "0.r1",
            "1--ruff1",
            "1-r",
            "1-r-0",
            "1-r-1",
            "1-r-2",
            "1-r0-1",
            "1-r0-2",
            "1-r0-ruff1",
            "1-r0-ruff2",
            "1-ruff",
            "1-ruff1",
            "1-ruff2",
            "1.0bc",
            "1.2.0A",
            "1.2.0D",
            "1.2_blah",
            "1.2_csv2",
            "10.2.22.r0",
            "10.2.24.r0",
            "23_foo",
            "a",
            "b",
            "c",
        },
    ),
    "Packagist": (
        "Composer's VersionParser::normalize refuses these",
        {
            "0.0.1-test1",
            "1.5.1.dev100",
            "1.5.1.dev101",
            "3.0.0b1.post1",
            "3.0.0b1.post2",
            "3.0.0b2.post1",
            "3.0.0b2.post2",
            "3.1.0.post1",
            "3.2.0rc1.post1",
            "3.5.0.post1",
            "3.5.2.post1",
            "1.2.3.#",
            "1.2.3.#.1",
            "1.2.3.#.beta",
            "1.2.3.#.p3",
            "4.3-2",
            "4.3-2RC1",
            "4.3-2RC2",
            "4.3-2beta1",
            "4.3-2beta5",
            "999999999999999999999999999991",
            "999999999999999999999999999999",
            "999999999999999999999999999991.999999999999999999999999999991."
            "999999999999999999999999999991",
            "999999999999999999999999999999.999999999999999999999999999991."
            "999999999999999999999999999991",
            # a branch, which Composer never orders against releases
            "dev-foo",
        },
    ),
    "RubyGems": (
        "Gem::Version raises 'Malformed version number string'",
        {"1beta", "1gamma"},
    ),
    "npm": (
        "node-semver refuses numbers above 2**53 - 1 and a fourth part",
        {
            "1.1.3.4.5",
            "999999999999999999999999999991",
            "999999999999999999999999999999",
            "999999999999999999999999999991.999999999999999999999999999991."
            "999999999999999999999999999991",
            "999999999999999999999999999999.999999999999999999999999999991."
            "999999999999999999999999999991",
        },
    ),
    "Go": ("not a Go module version", {"1.1.3.4.5"}),
    "crates.io": (
        "Cargo takes no 'v' prefix, no fourth part, and u64 numbers",
        {
            "1.1.3.4.5",
            "999999999999999999999999999991",
            "999999999999999999999999999999",
            "999999999999999999999999999991.999999999999999999999999999991."
            "999999999999999999999999999991",
            "999999999999999999999999999999.999999999999999999999999999991."
            "999999999999999999999999999991",
            "v0.0.0",
            "v0.0.0-foo",
            "v0.0.1",
            "v0.10.0",
            "v0.9.0",
            "v0.9.9",
            "v0.99.0",
            "v1.0.0",
            "v1.2.3",
            "v1.2.3+build",
            "v1.2.3-0",
            "v1.2.3-1",
            "v1.2.3-beta",
            "v2.0.0",
        },
    ),
}
INVALID["Wolfi"] = INVALID["Alpine"]

# Lines where Seawall follows the ecosystem's current tool and the vector
# records another implementation's answer: (ecosystem, a, b) -> (ours, why).
_MAVEN_WHY = (
    "the vector follows ComparableVersion before '.RC1' was read as '-RC1'; "
    "current Maven and Debian's maven-artifact jar (checked in the "
    "differential test) answer this way"
)
_COMPOSER_WHY = (
    "the vector is PHP version_compare on raw strings; Composer compares "
    "normalized versions (checked against composer/semver)"
)
DISAGREE: dict[tuple[str, str, str], tuple[str, str]] = {
    ("Maven", "1-1", "1-ga-1"): (">", _MAVEN_WHY),
    ("Maven", "1.0.0-RC16", "1.0.0.RC8-beta"): (">", _MAVEN_WHY),
    ("Maven", "1.0.0-gradle-rework-beta3", "1.0.0.RC7-3"): (">", _MAVEN_WHY),
    ("Maven", "2.9.0-1", "2.9.0.RC1"): (">", _MAVEN_WHY),
    ("Maven", "6.1.12.rc5", "6.1.12rc1"): (">", _MAVEN_WHY),
    ("Maven", "1.2.8.sec10_noneautotype", "1.2.8_noneautotype"): (">", _MAVEN_WHY),
    ("Maven", "1.0.0rc0", "1.0.beta8"): (">", _MAVEN_WHY),
    ("Maven", "1.5.9.RC1", "1.5.9-RC0"): (">", _MAVEN_WHY),
    ("Maven", "1.1.0-01-glassfish", "1.1.0.Beta1"): (">", _MAVEN_WHY),
    **{
        ("Maven", f"1.{v}.sec10", f"1.{v}_noneautotype"): (">", _MAVEN_WHY)
        for v in (
            "1.31",
            "1.34",
            "1.46",
            "2.31",
            "2.48",
            "2.50",
            "2.54",
            "2.57",
            "2.60",
            "2.67",
        )
    },
    ("Packagist", "v3.0", "v3.0.0-beta"): (">", _COMPOSER_WHY),
    ("Packagist", "v3.4", "v3.4.0-alpha"): (">", _COMPOSER_WHY),
    ("Packagist", "v4.4", "v4.4.0-beta"): (">", _COMPOSER_WHY),
    ("Packagist", "v6.5", "v6.5.0-beta-0"): (">", _COMPOSER_WHY),
    ("Packagist", "v6.6", "v6.6.0-beta"): (">", _COMPOSER_WHY),
    ("Packagist", "v4-beta4", "v4.0-alpha"): (">", _COMPOSER_WHY),
    ("Packagist", "v1.9.0-ALPHA.1", "v1.9.0-BETA.1"): ("<", _COMPOSER_WHY),
    ("Packagist", "v1.9.0-BETA.1", "v1.9.0-ALPHA.2"): (">", _COMPOSER_WHY),
    ("Packagist", "v1.9.0-ALPHA.2", "v1.9.0-BETA.2"): ("<", _COMPOSER_WHY),
    ("Packagist", "5.1.0-stable", "5.1.0-beta2"): (">", _COMPOSER_WHY),
    ("Packagist", "1.0.0", "1.0"): ("=", _COMPOSER_WHY),
}


def _lines(name: str) -> list[tuple[str, str, str]]:
    result = []
    for raw in (VECTORS / name).read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", "//")):
            continue
        a, op, b = line.split(" ")
        result.append((a, op, b))
    return result


CASES = [(name, eco) for name, ecos in FILES.items() for eco in ecos]


@pytest.mark.parametrize(("name", "ecosystem"), CASES)
def test_vector_file(name: str, ecosystem: str) -> None:
    scheme = get_scheme(ecosystem)
    refused = INVALID.get(ecosystem, ("", set()))[1]
    wrong, checked = [], 0
    for a, op, b in _lines(name):
        if a in refused or b in refused:
            continue
        ours, _ = DISAGREE.get((ecosystem, a, b), (op, ""))
        if scheme.compare(a, b) != ORDER[ours]:
            wrong.append(f"{a} {op} {b}")
        checked += 1
    assert checked > 0
    assert wrong == []


@pytest.mark.parametrize("ecosystem", sorted(INVALID))
def test_refused_vector_versions_are_invalid(ecosystem: str) -> None:
    scheme = get_scheme(ecosystem)
    reason, refused = INVALID[ecosystem]
    assert reason
    for version in refused:
        assert not scheme.is_valid(version), version
        with pytest.raises(InvalidInput, match=r"^invalid "):
            scheme.parse(version)


def test_every_disagreement_is_a_real_vector_line() -> None:
    lines = {
        (eco, a, b)
        for name, ecos in FILES.items()
        for eco in ecos
        for a, _, b in _lines(name)
    }
    assert set(DISAGREE) <= lines
