"""Lifecycle policy documents: validation and the normalized text ECR stores.

The rules checked are ECR's (../shared/specs/INTERFACES.md §3):

- every rule has a unique positive ``rulePriority``, a ``selection`` and an
  ``action``, and no other members;
- ``tagged`` selections need exactly one of ``tagPatternList`` and
  ``tagPrefixList`` (at most four ``*`` per pattern); other statuses take
  neither;
- ``countUnit`` (``days``) goes with the ``since*`` count types only;
- within a storage class: the ``any`` rule has the highest priority, at most
  one rule selects untagged images, and no tag prefix is in two rules;
- ``sinceImagePulled`` only drives ``transition``;
  ``sinceImageTransitioned`` needs ``storageClass: archive`` and ``expire``;
  ``transition`` needs ``targetStorageClass: archive``.

Failures read as ECR's (``Lifecycle policy validation failure: <reason>``);
the API reports them as InvalidParameterException at
``lifecyclePolicyText``. :func:`normalize` returns the policy with rules
ordered by priority, the form GetLifecyclePolicy answers with. Evaluation
lives elsewhere.
TODO(seawall): move this module to ``seawall.lifecycle`` when the lifecycle
evaluation issue creates that package; it is protocol-neutral already.
"""

from __future__ import annotations

import json
from typing import Any

from seawall.errors import InvalidInput

_RULE_KEYS = {"rulePriority", "description", "selection", "action"}
_SELECTION_KEYS = {
    "tagStatus",
    "tagPatternList",
    "tagPrefixList",
    "storageClass",
    "countType",
    "countUnit",
    "countNumber",
}
_ACTION_KEYS = {"type", "targetStorageClass"}
_TAG_STATUS = ("tagged", "untagged", "any")
_COUNT_TYPES = (
    "imageCountMoreThan",
    "sinceImagePushed",
    "sinceImagePulled",
    "sinceImageTransitioned",
)
_ACTIONS = ("expire", "transition")
_STORAGE = ("standard", "archive")
_MAX_WILDCARDS = 4


class LifecyclePolicyInvalid(InvalidInput):
    code = "LIFECYCLE_POLICY_INVALID"


def _fail(reason: str) -> LifecyclePolicyInvalid:
    return LifecyclePolicyInvalid(f"Lifecycle policy validation failure: {reason}")


def normalize(text: str) -> str:
    """The validated policy as canonical JSON, rules by ascending priority.

    Raises LifecyclePolicyInvalid naming the first problem found.
    """
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise _fail("Could not map policyString into LifecyclePolicy.") from exc
    if not isinstance(doc, dict):
        raise _fail("Could not map policyString into LifecyclePolicy.")
    _only(doc, {"rules"}, "policy")
    rules = doc.get("rules")
    if not isinstance(rules, list) or not rules:
        raise _fail(
            'object has missing required properties (["rules"])'
            if rules is None
            else "rules must be a non-empty array"
        )
    checked = [_rule(rule, index) for index, rule in enumerate(rules, start=1)]
    _check_priorities(checked)
    ordered = sorted(checked, key=lambda rule: rule["rulePriority"])
    return json.dumps({"rules": ordered}, separators=(",", ":"))


def _only(obj: dict[str, Any], allowed: set[str], where: str) -> None:
    extra = sorted(set(obj) - allowed)
    if extra:
        raise _fail(
            f"object instance has properties which are not allowed by the schema: "
            f"{json.dumps(extra)} (in {where})"
        )


def _require(obj: dict[str, Any], keys: tuple[str, ...], where: str) -> None:
    missing = [key for key in keys if key not in obj]
    if missing:
        raise _fail(
            f"object has missing required properties ({json.dumps(missing)}) "
            f"(in {where})"
        )


def _enum(value: Any, allowed: tuple[str, ...], field: str) -> str:
    if value not in allowed:
        raise _fail(
            f"instance value ({value}) not found in enum (possible values: "
            f"{json.dumps(list(allowed))}) (at {field})"
        )
    return str(value)


def _rule(rule: Any, index: int) -> dict[str, Any]:
    where = f"rule {index}"
    if not isinstance(rule, dict):
        raise _fail(f"{where} must be an object")
    _only(rule, _RULE_KEYS, where)
    _require(rule, ("rulePriority", "selection", "action"), where)
    priority = rule["rulePriority"]
    if isinstance(priority, bool) or not isinstance(priority, int) or priority < 1:
        raise _fail(f"rulePriority must be an integer of at least 1 (in {where})")
    if "description" in rule and not isinstance(rule["description"], str):
        raise _fail(f"description must be a string (in {where})")
    selection = _selection(rule["selection"], where)
    action = _action(rule["action"], where)
    _check_combination(selection, action, where)
    out = {"rulePriority": priority}
    if "description" in rule:
        out["description"] = rule["description"]
    return {**out, "selection": selection, "action": action}


def _selection(selection: Any, where: str) -> dict[str, Any]:
    where = f"{where} selection"
    if not isinstance(selection, dict):
        raise _fail(f"selection must be an object (in {where})")
    _only(selection, _SELECTION_KEYS, where)
    _require(selection, ("tagStatus", "countType", "countNumber"), where)
    status = _enum(selection["tagStatus"], _TAG_STATUS, f"{where}.tagStatus")
    _enum(selection["countType"], _COUNT_TYPES, f"{where}.countType")
    _enum(selection.get("storageClass", "standard"), _STORAGE, f"{where}.storageClass")
    _check_tag_lists(selection, status, where)
    _check_count(selection, where)
    return dict(selection)


def _check_tag_lists(selection: dict[str, Any], status: str, where: str) -> None:
    lists = [k for k in ("tagPatternList", "tagPrefixList") if k in selection]
    if status != "tagged" and lists:
        raise _fail(f"{lists[0]} is only allowed with tagStatus tagged (in {where})")
    if status == "tagged" and len(lists) != 1:
        raise _fail(
            "tagStatus tagged requires exactly one of tagPatternList and "
            f"tagPrefixList (in {where})"
        )
    for key in lists:
        values = selection[key]
        if (
            not isinstance(values, list)
            or not values
            or not all(isinstance(v, str) and v for v in values)
        ):
            raise _fail(f"{key} must be a non-empty array of strings (in {where})")
        if key == "tagPatternList" and any(
            v.count("*") > _MAX_WILDCARDS for v in values
        ):
            raise _fail(f"a tag pattern may hold at most 4 wildcards (in {where})")


def _check_count(selection: dict[str, Any], where: str) -> None:
    number = selection["countNumber"]
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise _fail(f"countNumber must be a positive integer (in {where})")
    since = selection["countType"] != "imageCountMoreThan"
    if since and selection.get("countUnit") is None:
        raise _fail(f"countUnit is required with {selection['countType']} (in {where})")
    if not since and "countUnit" in selection:
        raise _fail(f"countUnit is not allowed with imageCountMoreThan (in {where})")
    if since:
        _enum(selection["countUnit"], ("days",), f"{where}.countUnit")


def _action(action: Any, where: str) -> dict[str, Any]:
    where = f"{where} action"
    if not isinstance(action, dict):
        raise _fail(f"action must be an object (in {where})")
    _only(action, _ACTION_KEYS, where)
    _require(action, ("type",), where)
    kind = _enum(action["type"], _ACTIONS, f"{where}.type")
    if kind == "transition":
        _enum(
            action.get("targetStorageClass"),
            ("archive",),
            f"{where}.targetStorageClass",
        )
    elif "targetStorageClass" in action:
        raise _fail(f"targetStorageClass is only allowed with transition (in {where})")
    return dict(action)


def _check_combination(
    selection: dict[str, Any], action: dict[str, Any], where: str
) -> None:
    count_type = selection["countType"]
    archive = selection.get("storageClass") == "archive"
    if count_type == "sinceImagePulled" and action["type"] != "transition":
        raise _fail(f"sinceImagePulled can only be used with transition (in {where})")
    if count_type == "sinceImageTransitioned":
        if not archive or action["type"] != "expire":
            raise _fail(
                "sinceImageTransitioned requires storageClass archive and an "
                f"expire action (in {where})"
            )
    elif archive:
        raise _fail(
            "storageClass archive can only be selected with sinceImageTransitioned "
            f"(in {where})"
        )
    if archive and action["type"] == "transition":
        raise _fail(f"archived images cannot be transitioned again (in {where})")


def _check_priorities(rules: list[dict[str, Any]]) -> None:
    priorities = [rule["rulePriority"] for rule in rules]
    duplicates = sorted({p for p in priorities if priorities.count(p) > 1})
    if duplicates:
        raise _fail(f"rulePriority {duplicates[0]} is used by more than one rule")
    # Rules on archived images form their own sequence (storage classes are
    # evaluated separately); the checks below hold within each class.
    for storage in _STORAGE:
        same = [
            rule
            for rule in rules
            if rule["selection"].get("storageClass", "standard") == storage
        ]
        _check_any_is_last(same)
        _check_distinct_selections(same, storage)


def _check_any_is_last(rules: list[dict[str, Any]]) -> None:
    highest = max((rule["rulePriority"] for rule in rules), default=0)
    for rule in rules:
        if rule["selection"]["tagStatus"] == "any" and rule["rulePriority"] != highest:
            raise _fail(
                "a rule with tagStatus any must have the highest rulePriority "
                f"(rule {rule['rulePriority']} is not)"
            )


def _check_distinct_selections(rules: list[dict[str, Any]], storage: str) -> None:
    untagged = [
        r["rulePriority"] for r in rules if r["selection"]["tagStatus"] == "untagged"
    ]
    if len(untagged) > 1:
        raise _fail(
            f"only one rule may select untagged {storage} images "
            f"(rules {untagged[0]} and {untagged[1]} do)"
        )
    seen: dict[str, int] = {}
    for rule in rules:
        for prefix in rule["selection"].get("tagPrefixList", ()):
            if prefix in seen:
                raise _fail(
                    f"tag prefix {prefix!r} is selected by rules {seen[prefix]} "
                    f"and {rule['rulePriority']}; prefixes must be distinct"
                )
            seen[prefix] = rule["rulePriority"]
