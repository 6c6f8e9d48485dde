"""OSV range evaluation, table-driven."""

from __future__ import annotations

import pytest

from seawall.scan.matchers.ranges import affected_by_osv
from seawall.scan.versions import get_scheme

E = list[dict[str, str]]

# (events, version, affected, fixed, last_affected)
CASES: list[tuple[E, str, bool, str, str]] = [
    ([{"introduced": "0"}, {"fixed": "2.20.0"}], "2.19.1", True, "2.20.0", ""),
    ([{"introduced": "0"}, {"fixed": "2.20.0"}], "2.20.0", False, "", ""),
    ([{"introduced": "0"}, {"fixed": "2.20.0"}], "3.0", False, "", ""),
    # Two release lines, events not sorted.
    (
        [
            {"introduced": "2.13.0"},
            {"fixed": "2.15.0"},
            {"introduced": "2.0b9"},
            {"fixed": "2.3.1"},
        ],
        "2.14.1",
        True,
        "2.15.0",
        "",
    ),
    (
        [
            {"introduced": "2.13.0"},
            {"fixed": "2.15.0"},
            {"introduced": "2.0b9"},
            {"fixed": "2.3.1"},
        ],
        "2.5",
        False,
        "",
        "",
    ),
    (
        [
            {"introduced": "2.13.0"},
            {"fixed": "2.15.0"},
            {"introduced": "2.0b9"},
            {"fixed": "2.3.1"},
        ],
        "2.1",
        True,
        "2.3.1",
        "",
    ),
    ([{"introduced": "2.13.0"}, {"fixed": "2.15.0"}], "2.12", False, "", ""),
    # last_affected is inclusive.
    ([{"introduced": "1.0"}, {"last_affected": "1.4"}], "1.4", True, "", "1.4"),
    ([{"introduced": "1.0"}, {"last_affected": "1.4"}], "1.4.1", False, "", ""),
    # limit caps the range.
    ([{"introduced": "0"}, {"limit": "3.0"}], "2.9", True, "", ""),
    ([{"introduced": "0"}, {"limit": "3.0"}], "3.0", False, "", ""),
    # No upper bound.
    ([{"introduced": "1.0"}], "99", True, "", ""),
    ([{"introduced": "1.0"}], "0.9", False, "", ""),
]


@pytest.mark.parametrize(("events", "version", "affected", "fixed", "last"), CASES)
def test_pypi_ranges(
    events: E, version: str, affected: bool, fixed: str, last: str
) -> None:
    verdict = affected_by_osv(
        get_scheme("PyPI"), version, [{"type": "ECOSYSTEM", "events": events}]
    )
    assert (verdict.affected, verdict.fixed, verdict.last_affected) == (
        affected,
        fixed,
        last,
    )


def test_explicit_versions_list_alone() -> None:
    scheme = get_scheme("npm")
    assert affected_by_osv(scheme, "1.0.2", [], ["1.0.1", "1.0.2"]).affected
    assert not affected_by_osv(scheme, "1.0.3", [], ["1.0.1", "1.0.2"]).affected


def test_earliest_fix_wins_across_ranges() -> None:
    ranges = [
        {"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.3.0"}]},
        {"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.2.6"}]},
    ]
    assert affected_by_osv(get_scheme("npm"), "1.2.0", ranges).fixed == "1.2.6"


def test_go_pseudo_versions() -> None:
    ranges = [
        {
            "type": "SEMVER",
            "events": [
                {"introduced": "0"},
                {"fixed": "0.0.0-20220412211240-33da011f77ad"},
            ],
        }
    ]
    scheme = get_scheme("Go")
    assert affected_by_osv(scheme, "0.0.0-20211216021012-1d35b9e2eb4e", ranges).affected
    assert not affected_by_osv(scheme, "0.1.0", ranges).affected


def test_unparseable_range_is_skipped_not_fatal() -> None:
    ranges = [
        {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "not a v!"}]},
        {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]},
    ]
    assert affected_by_osv(get_scheme("PyPI"), "1.0", ranges).fixed == "2.0"
