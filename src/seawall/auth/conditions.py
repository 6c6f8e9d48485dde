"""Condition operators of the policy language.

A Condition block maps operators to ``{key: value | [values]}``. Keys in one
block are AND-ed, the values of one key are OR-ed (for negated operators:
none may match). ``...IfExists`` makes an absent key count as a match;
``ForAnyValue:`` / ``ForAllValues:`` compare multi-valued keys as sets.
An absent key otherwise fails a positive operator and satisfies a negated
one, as IAM does.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from seawall.auth.arn import arn_like, glob_match

ContextValue = str | Sequence[str]


def _string_equals(policy: str, value: str) -> bool:
    return policy == value


def _string_equals_ic(policy: str, value: str) -> bool:
    return policy.casefold() == value.casefold()


def _string_like(policy: str, value: str) -> bool:
    return glob_match(policy, value)


def _arn_equals(policy: str, value: str) -> bool:
    return policy == value


def _ip_in(policy: str, value: str) -> bool:
    try:
        return ipaddress.ip_address(value) in ipaddress.ip_network(policy, strict=False)
    except ValueError:
        return False


def _bool(policy: str, value: str) -> bool:
    return policy.lower() == value.lower()


def parse_date(text: str) -> float:
    """An ISO 8601 date/time or epoch seconds as epoch seconds; ValueError else."""
    if text.isdigit():
        return float(text)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def _date(compare: Callable[[float, float], bool]) -> Callable[[str, str], bool]:
    def match(policy: str, value: str) -> bool:
        try:
            return compare(parse_date(value), parse_date(policy))
        except ValueError:
            return False

    return match


def _numeric(compare: Callable[[float, float], bool]) -> Callable[[str, str], bool]:
    def match(policy: str, value: str) -> bool:
        try:
            return compare(float(value), float(policy))
        except ValueError:
            return False

    return match


# base operator -> (match one policy value against one request value, negated)
OPERATORS: dict[str, tuple[Callable[[str, str], bool], bool]] = {
    "StringEquals": (_string_equals, False),
    "StringNotEquals": (_string_equals, True),
    "StringEqualsIgnoreCase": (_string_equals_ic, False),
    "StringNotEqualsIgnoreCase": (_string_equals_ic, True),
    "StringLike": (_string_like, False),
    "StringNotLike": (_string_like, True),
    "ArnEquals": (_arn_equals, False),
    "ArnNotEquals": (_arn_equals, True),
    "ArnLike": (arn_like, False),
    "ArnNotLike": (arn_like, True),
    "IpAddress": (_ip_in, False),
    "NotIpAddress": (_ip_in, True),
    "Bool": (_bool, False),
    "DateEquals": (_date(lambda v, p: v == p), False),
    "DateNotEquals": (_date(lambda v, p: v == p), True),
    "DateLessThan": (_date(lambda v, p: v < p), False),
    "DateLessThanEquals": (_date(lambda v, p: v <= p), False),
    "DateGreaterThan": (_date(lambda v, p: v > p), False),
    "DateGreaterThanEquals": (_date(lambda v, p: v >= p), False),
    "NumericEquals": (_numeric(lambda v, p: v == p), False),
    "NumericNotEquals": (_numeric(lambda v, p: v == p), True),
    "NumericLessThan": (_numeric(lambda v, p: v < p), False),
    "NumericLessThanEquals": (_numeric(lambda v, p: v <= p), False),
    "NumericGreaterThan": (_numeric(lambda v, p: v > p), False),
    "NumericGreaterThanEquals": (_numeric(lambda v, p: v >= p), False),
}


@dataclass(frozen=True)
class Condition:
    """One (operator, key, values) test of a statement's Condition block."""

    operator: str  # the base operator, e.g. "StringLike"
    key: str
    values: tuple[str, ...]
    if_exists: bool = False
    qualifier: str = ""  # "", "ForAnyValue" or "ForAllValues"


def parse_condition_block(block: object) -> tuple[Condition, ...]:
    """Validate a Condition element; ValueError naming the bad part."""
    if not isinstance(block, dict):
        raise ValueError("Condition must be an object")
    conditions: list[Condition] = []
    for operator, tests in block.items():
        qualifier, base, if_exists = _split_operator(operator)
        if not isinstance(tests, dict) or not tests:
            raise ValueError(f"condition {operator}: must map keys to values")
        for key, raw in tests.items():
            values = _values(operator, key, raw)
            _check_values(base, key, values)
            conditions.append(Condition(base, key, values, if_exists, qualifier))
    return tuple(conditions)


def _split_operator(operator: str) -> tuple[str, str, bool]:
    qualifier, _, base = operator.rpartition(":")
    if qualifier not in ("", "ForAnyValue", "ForAllValues"):
        raise ValueError(f"unsupported condition qualifier {qualifier!r}")
    if_exists = base.endswith("IfExists") and base != "IfExists"
    base = base.removesuffix("IfExists") if if_exists else base
    if base != "Null" and base not in OPERATORS:
        raise ValueError(f"unsupported condition operator {operator!r}")
    if base == "Null" and if_exists:
        raise ValueError("NullIfExists is not an operator")
    return qualifier, base, if_exists


def _values(operator: str, key: str, raw: object) -> tuple[str, ...]:
    if not isinstance(key, str) or ":" not in key:
        raise ValueError(f"condition {operator}: invalid key {key!r}")
    values = [raw] if isinstance(raw, str | bool | int | float) else raw
    if not isinstance(values, list) or not values:
        raise ValueError(f"condition {operator} {key}: needs a value or a list")
    out: list[str] = []
    for value in values:
        if isinstance(value, bool):
            out.append("true" if value else "false")
        elif isinstance(value, str | int | float):
            out.append(str(value))
        else:
            raise ValueError(f"condition {operator} {key}: values must be strings")
    return tuple(out)


def _check_values(base: str, key: str, values: tuple[str, ...]) -> None:
    for value in values:
        if "${" in value:
            continue  # a policy variable, resolved per request
        if base in ("Bool", "Null") and value.lower() not in ("true", "false"):
            raise ValueError(f"condition {base} {key}: {value!r} is not true/false")
        if base.endswith("IpAddress"):
            try:
                ipaddress.ip_network(value, strict=False)
            except ValueError as exc:
                raise ValueError(
                    f"condition {base} {key}: {value!r} is not an IP address or CIDR"
                ) from exc
        if base.startswith("Date"):
            try:
                parse_date(value)
            except ValueError as exc:
                raise ValueError(
                    f"condition {base} {key}: {value!r} is not a date"
                ) from exc
        if base.startswith("Numeric"):
            try:
                float(value)
            except ValueError as exc:
                raise ValueError(
                    f"condition {base} {key}: {value!r} is not a number"
                ) from exc


def lookup(context: Mapping[str, ContextValue], key: str) -> list[str] | None:
    """The request's values for ``key`` (keys compare case-insensitively)."""
    value = context.get(key)
    if value is None:
        lowered = key.lower()
        value = next((v for k, v in context.items() if k.lower() == lowered), None)
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


def condition_holds(
    condition: Condition, values: tuple[str, ...], request: list[str] | None
) -> bool:
    """Evaluate one condition with variables already substituted in ``values``."""
    if condition.operator == "Null":
        absent = request is None or not request
        return any((v.lower() == "true") == absent for v in values)
    match, negated = OPERATORS[condition.operator]
    if request is None or (not request and condition.qualifier != "ForAllValues"):
        return condition.if_exists or negated

    def one(value: str) -> bool:
        hit = any(match(policy, value) for policy in values)
        return not hit if negated else hit

    if condition.qualifier == "ForAllValues":
        return all(one(value) for value in request)
    return any(one(value) for value in request)
