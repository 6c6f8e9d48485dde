"""Registry scanning configuration: ECR's wildcard filters and rule choice."""

from __future__ import annotations

import pytest

from seawall.errors import InvalidInput
from seawall.scanning import config as cfg

# (filter, repository, matches) - the examples of ECR's user guide and more.
FILTERS = [
    ("prod", "repo-prod-repo", True),
    ("prod", "prod", True),
    ("prod", "pro", False),
    ("prod*", "prod-repo", True),
    ("prod*", "prodrepo", True),
    ("prod*", "repo-prod", False),
    ("prod*repo", "prod-repo", True),
    ("prod*repo", "prod-repo-x", False),
    ("*", "anything/at/all", True),
    ("team/*/api", "team/a/b/api", True),
    ("a.b", "aXb", False),
]


@pytest.mark.parametrize(("pattern", "repository", "expected"), FILTERS)
def test_filter_matching(pattern: str, repository: str, expected: bool) -> None:
    assert cfg.filter_matches(pattern, repository) is expected


def _config(scan_type: str, *rules: tuple[str, list[str]]) -> cfg.ScanningConfiguration:
    return cfg.ScanningConfiguration.from_json(
        {
            "scanType": scan_type,
            "rules": [
                {
                    "scanFrequency": frequency,
                    "repositoryFilters": [
                        {"filter": f, "filterType": "WILDCARD"} for f in filters
                    ],
                }
                for frequency, filters in rules
            ],
        }
    )


def test_continuous_wins_over_scan_on_push() -> None:
    config = _config(
        cfg.ENHANCED, (cfg.SCAN_ON_PUSH, ["prod"]), (cfg.CONTINUOUS_SCAN, ["prod*"])
    )
    effective = config.effective("prod-api", legacy_scan_on_push=False)
    assert effective.scan_frequency == cfg.CONTINUOUS_SCAN
    assert effective.applied_filters == ("prod*",)
    on_push = config.effective("my-prod", legacy_scan_on_push=False)
    assert on_push.scan_frequency == cfg.SCAN_ON_PUSH
    assert on_push.scan_on_push


def test_unmatched_repositories_basic_manual_enhanced_off() -> None:
    basic = _config(cfg.BASIC, (cfg.SCAN_ON_PUSH, ["prod"]))
    assert basic.effective("dev", False).scan_frequency == cfg.MANUAL
    assert basic.effective("dev", False).enabled
    # The legacy per-repository flag still counts under BASIC.
    assert basic.effective("dev", True).scan_on_push
    enhanced = _config(cfg.ENHANCED, (cfg.SCAN_ON_PUSH, ["prod"]))
    assert not enhanced.effective("dev", True).enabled


def test_round_trip() -> None:
    config = _config(cfg.ENHANCED, (cfg.CONTINUOUS_SCAN, ["a*", "b"]))
    assert cfg.ScanningConfiguration.from_json(config.to_json()) == config


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"scanType": "DEEP"}, "invalid scanType"),
        (
            {
                "scanType": "BASIC",
                "rules": [
                    {"scanFrequency": "CONTINUOUS_SCAN", "repositoryFilters": []}
                ],
            },
            "invalid scanFrequency",
        ),
        (
            {
                "scanType": "ENHANCED",
                "rules": [
                    {"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": []},
                    {"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": []},
                ],
            },
            "one rule per scanFrequency",
        ),
        (
            {
                "scanType": "ENHANCED",
                "rules": [
                    {
                        "scanFrequency": "SCAN_ON_PUSH",
                        "repositoryFilters": [
                            {"filter": "Bad", "filterType": "WILDCARD"}
                        ],
                    }
                ],
            },
            "invalid repository filter",
        ),
    ],
)
def test_invalid_configurations(doc: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        cfg.ScanningConfiguration.from_json(doc)
