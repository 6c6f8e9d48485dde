"""Lifecycle policy validation, table-driven from tests/fixtures/ecr."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from seawall.ecr.lifecycle_policy import LifecyclePolicyInvalid, normalize

CASES = json.loads(
    (
        Path(__file__).parents[2] / "fixtures" / "ecr" / "lifecycle_policies.json"
    ).read_text()
)


@pytest.mark.parametrize("case", CASES["valid"], ids=lambda c: c["name"])
def test_valid_policies_are_normalized_by_priority(case: dict[str, Any]) -> None:
    text = normalize(json.dumps(case["policy"]))
    rules = json.loads(text)["rules"]
    priorities = [rule["rulePriority"] for rule in rules]
    assert priorities == sorted(priorities)
    assert len(rules) == len(case["policy"]["rules"])
    assert normalize(text) == text  # idempotent


@pytest.mark.parametrize("case", CASES["invalid"], ids=lambda c: c["name"])
def test_invalid_policies_say_why(case: dict[str, Any]) -> None:
    text = case.get("text") or json.dumps(case["policy"])
    with pytest.raises(LifecyclePolicyInvalid) as info:
        normalize(text)
    assert info.value.message.startswith("Lifecycle policy validation failure: ")
    assert case["reason"] in info.value.message
