"""The public surface of seawall.scan.versions and rules no tool here checks."""

from __future__ import annotations

import pytest

from seawall.errors import InvalidInput, Unsupported
from seawall.scan.inventory import Ecosystem
from seawall.scan.versions import (
    ECOSYSTEMS,
    VersionScheme,
    get_scheme,
    satisfies_constraint,
    satisfies_npm_range,
)

OSV_NAMES = {v for k, v in vars(Ecosystem).items() if k.isupper()}


def test_every_inventory_ecosystem_has_a_scheme() -> None:
    assert OSV_NAMES == ECOSYSTEMS
    for name in OSV_NAMES:
        scheme = get_scheme(name)
        assert isinstance(scheme, VersionScheme)
        assert scheme.name


def test_release_suffix_is_ignored_and_unknown_ecosystems_refused() -> None:
    assert get_scheme("Debian:12") is get_scheme("Debian")
    assert get_scheme("Alpine:v3.19") is get_scheme("Wolfi")
    with pytest.raises(Unsupported, match=r"^unsupported ecosystem 'Hackage'"):
        get_scheme("Hackage")


@pytest.mark.parametrize(
    ("ecosystem", "garbage"),
    [
        ("Debian", "a1.0"),
        ("Debian", "1.0-rev:1"),
        ("Red Hat", ""),
        ("Red Hat", "1.0 -1"),
        ("Alpine", "1.0-r"),
        ("PyPI", ""),
        ("PyPI", "1.0 beta"),
        ("npm", "1.2"),
        ("npm", "01.2.3"),
        ("crates.io", "1.2.3-"),
        ("Go", "v1.2.3.4"),
        ("Maven", ""),
        ("RubyGems", "1..2"),
        ("Packagist", "dev-main"),
        ("Packagist", "not a version"),
        ("NuGet", "1.2.3.4.5"),
    ],
)
def test_garbage_is_invalid_input(ecosystem: str, garbage: str) -> None:
    scheme = get_scheme(ecosystem)
    assert not scheme.is_valid(garbage)
    with pytest.raises(InvalidInput, match=r"^invalid .* version "):
        scheme.parse(garbage)
    with pytest.raises(InvalidInput):
        scheme.compare(garbage, "1.0.0")


@pytest.mark.parametrize(
    ("ecosystem", "a", "b"),
    [
        ("Debian", "1.0", "1.0-0"),
        ("Debian", "0:1.01", "1.1"),
        ("Red Hat", "0:1.0-1", "1.0-1"),
        ("Red Hat", "1.0.0-1", "1_0_0-1"),
        ("Alpine", "1.0-r1", "1.0-r01"),
        ("PyPI", "1.0", "1.0.0"),
        ("PyPI", "1.0rc1", "1.0-RC1"),
        ("npm", "1.2.3+a", "v1.2.3+b"),
        ("Go", "v2.0.0+incompatible", "v2.0.0"),
        ("Maven", "1.0", "1-ga"),
        ("Maven", "4.1.0.RELEASE", "4.1.0"),
        ("RubyGems", "1.0.0", "1"),
        ("Packagist", "v1.2", "1.2.0.0"),
        ("NuGet", "1.0.01", "1.0.1.0"),
    ],
)
def test_equal_versions_have_equal_hashable_keys(
    ecosystem: str, a: str, b: str
) -> None:
    scheme = get_scheme(ecosystem)
    assert scheme.compare(a, b) == 0
    assert scheme.parse(a) == scheme.parse(b)
    assert len({scheme.parse(a), scheme.parse(b)}) == 1


@pytest.mark.parametrize("value", [None, 1.0, ["1.0"], b"1.0"])
def test_non_strings_are_invalid_input(value: object) -> None:
    for ecosystem in ECOSYSTEMS:
        with pytest.raises(InvalidInput, match=r"^invalid .*not a string"):
            get_scheme(ecosystem).parse(value)  # type: ignore[arg-type]


def test_keys_sort_like_compare() -> None:
    scheme = get_scheme("Debian")
    versions = ["1.0-1", "1.0~rc1-1", "1:0.9", "1.0+deb12u1-1", "1.0-1+b1", "0.9"]
    ordered = sorted(versions, key=scheme.parse)
    assert ordered == [
        "0.9",
        "1.0~rc1-1",
        "1.0-1",
        "1.0-1+b1",
        "1.0+deb12u1-1",
        "1:0.9",
    ]


def test_go_pseudo_versions_order_by_time_and_before_their_release() -> None:
    go = get_scheme("Go")
    older = "v0.0.0-20191109021931-daa7c04131f5"
    newer = "v0.0.0-20200102030405-0123456789ab"
    assert go.compare(older, newer) == -1
    assert go.compare(newer, "v0.0.1") == -1
    # A pseudo-version based on v1.2.3 sorts after it and before v1.2.4.
    based = "v1.2.4-0.20191109021931-daa7c04131f5"
    assert go.compare("v1.2.3", based) == -1
    assert go.compare(based, "v1.2.4") == -1
    assert go.compare("v2.3.4+incompatible", "2.3.5") == -1
    assert go.compare("v1", "v1.0.0") == 0


def test_rpm_tilde_and_caret() -> None:
    rpm = get_scheme("AlmaLinux")
    assert rpm.compare("1.0~rc1-1", "1.0-1") == -1
    assert rpm.compare("1.0^20230101-1", "1.0-1") == 1
    assert rpm.compare("1.0^20230101-1", "1.0.1-1") == -1
    assert rpm.compare("1:1.0-1", "2.0-1") == 1
    assert rpm.compare("1.1.1k-12.el8_9", "1.1.1k-9.el8_7") == 1


def test_apk_suffixes_and_revisions() -> None:
    apk = get_scheme("Alpine")
    chain = [
        "1.2_alpha1",
        "1.2_beta",
        "1.2_pre2",
        "1.2_rc1",
        "1.2",
        "1.2-r1",
        "1.2_p1",
        "1.2a",
        "1.2.1",
    ]
    assert sorted(chain, key=apk.parse) == chain
    assert apk.compare("1.9.5p1-r0", "1.9.5-r9") == 1


def test_pypi_legacy_versions_sort_before_pep440() -> None:
    pypi = get_scheme("PyPI")
    assert pypi.compare("2.0.0-final", "0.1") == -1
    assert pypi.compare("0.3m1", "0.3m2") == -1
    assert pypi.compare("1.0", "1.0.post1") == -1


def test_nuget_prerelease_labels() -> None:
    nuget = get_scheme("NuGet")
    assert nuget.compare("1.0.0-alpha.10", "1.0.0-alpha.9") == 1
    assert nuget.compare("1.0.0-BETA", "1.0.0-beta") == 0
    assert nuget.compare("1.0.0-beta", "1.0.0") == -1
    assert nuget.compare("1.0.0.1", "1.0.0") == 1


@pytest.mark.parametrize(
    ("version", "range_expr", "expected"),
    [
        ("1.2.3", "^1.0.0", True),
        ("2.0.0-rc.1", "^1.0.0", False),
        ("1.2.3-beta.2", ">=1.2.3-beta.1 <1.3.0", True),
        ("1.2.4-beta.2", ">=1.2.3-beta.1 <1.3.0", False),
        ("0.2.5", "^0.2.3", True),
        ("0.3.0", "^0.2.3", False),
        ("1.5.0", "1.2.3 - 1.5", True),
        ("1.6.0", "1.2.3 - 1.5", False),
        ("3.0.0", "<2 || >=3", True),
        ("1.9.9", "~1.9", True),
        ("4.17.20", "<4.17.21", True),
    ],
)
def test_npm_ranges(version: str, range_expr: str, expected: bool) -> None:
    assert satisfies_npm_range(version, range_expr) is expected


def test_npm_range_garbage_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"^invalid npm range"):
        satisfies_npm_range("1.0.0", ">=banana")


@pytest.mark.parametrize(
    ("ecosystem", "version", "constraint", "expected"),
    [
        ("Maven", "1.5", "[1.0,2.0)", True),
        ("Maven", "2.0", "[1.0,2.0)", False),
        ("Maven", "2.0-SNAPSHOT", "[1.0,2.0)", True),
        ("Maven", "0.9", "(,1.0],[1.2,)", True),
        ("Maven", "1.1", "(,1.0],[1.2,)", False),
        ("Maven", "1.2", "[1.2]", True),
        ("Maven", "1.0", "1.0", True),
        ("NuGet", "13.0.1", "[13.0.1, )", True),
        ("NuGet", "12.0.3", "[13.0.1, )", False),
        ("NuGet", "13.0.2", "13.0.1", True),
        ("Packagist", "1.1.5", ">=1.0,<1.2", True),
        ("Packagist", "1.2.0-beta1", ">=1.0,<1.2", False),
        ("Packagist", "2.3.4", "^2.3", True),
        ("RubyGems", "1.2.9", "~> 1.2.3", True),
        ("RubyGems", "1.3.0", "~> 1.2.3", False),
        ("RubyGems", "2.0.5", ">= 2.0, < 2.1", True),
        ("PyPI", "2.31.0", "<2.32.0,>=2.3", True),
        ("crates.io", "1.4.0", "1.2", True),
        ("crates.io", "2.0.0", "1.2", False),
        ("crates.io", "1.3.0", "1.2.*", False),
        ("crates.io", "1.2.9", "1.2.*", True),
        ("crates.io", "1.4.0", ">= 1.2, < 1.5", True),
        ("crates.io", "1.2.0-beta.1", "^1.1", False),
        ("npm", "1.2.3", "~1.2", True),
    ],
)
def test_constraints(
    ecosystem: str, version: str, constraint: str, expected: bool
) -> None:
    assert satisfies_constraint(ecosystem, version, constraint) is expected


def test_constraint_errors() -> None:
    with pytest.raises(Unsupported, match=r"^unsupported constraint syntax"):
        satisfies_constraint("Debian", "1.0", ">= 1.0")
    with pytest.raises(InvalidInput, match=r"^invalid Maven constraint"):
        satisfies_constraint("Maven", "1.0", "[1.0,2.0,3.0]")
    with pytest.raises(InvalidInput, match=r"^invalid RubyGems constraint"):
        satisfies_constraint("RubyGems", "1.0", "=> 1.0")
    with pytest.raises(InvalidInput, match=r"^invalid PEP 440 constraint"):
        satisfies_constraint("PyPI", "1.0", "=>1.0")
