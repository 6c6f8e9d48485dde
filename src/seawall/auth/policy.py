"""The IAM policy language: parsing and validation at write time.

A policy is validated once, when it is stored, and kept as a parsed
:class:`Policy`; evaluation (``evaluate.py``) never meets a malformed one.
Every error names the statement (its index, and its Sid when it has one) and
the problem, e.g. ``invalid policy: statement 2 ("PullOnly"): Effect must be
"Allow" or "Deny", got "allow"``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import Enum
from typing import Any

from seawall.auth.conditions import Condition, parse_condition_block
from seawall.auth.errors import PolicyInvalid

VERSIONS = ("2012-10-17", "2008-10-17")
MAX_POLICY_CHARS = 10_240
_SID = re.compile(r"^[A-Za-z0-9]*$")
_ACTION = re.compile(r"^[A-Za-z0-9*?-]+:[A-Za-z0-9*?]+$")
_ACCOUNT = re.compile(r"^\d{12}$")
_STATEMENT_KEYS = frozenset(
    {
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
    }
)


class PolicyKind(Enum):
    """Where a policy is attached, which decides what a statement must hold."""

    IDENTITY = "identity"  # on a user or group: Resource required, no Principal
    REPOSITORY = "repository"  # resource policy: Principal required, Resource optional
    REGISTRY = "registry"  # registry-wide resource policy: Principal and Resource


@dataclass(frozen=True)
class PrincipalSpec:
    """The Principal (or NotPrincipal) element: ``"*"`` or AWS/Service names."""

    anyone: bool
    aws: tuple[str, ...] = ()
    services: tuple[str, ...] = ()


@dataclass(frozen=True)
class Statement:
    """One statement; ``not_*`` flags mark NotAction/NotResource/NotPrincipal."""

    index: int
    sid: str
    effect: str
    actions: tuple[str, ...]
    not_action: bool
    resources: tuple[str, ...] | None
    not_resource: bool
    principal: PrincipalSpec | None
    not_principal: bool
    conditions: tuple[Condition, ...]

    @property
    def label(self) -> str:
        """How messages and the simulator name this statement."""
        return f"statement {self.index}" + (f' ("{self.sid}")' if self.sid else "")


@dataclass(frozen=True)
class Policy:
    """A validated policy document and its normalized JSON text."""

    version: str
    statements: tuple[Statement, ...]
    text: str


def parse_policy(text: str, kind: PolicyKind) -> Policy:
    """Parse and validate ``text`` as a policy of ``kind``.

    Raises PolicyInvalid with a message naming the statement and the problem.
    """
    if len(text) > MAX_POLICY_CHARS:
        raise PolicyInvalid(
            f"invalid policy: {len(text)} characters, at most {MAX_POLICY_CHARS}"
        )
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise PolicyInvalid(f"invalid policy: not JSON ({exc})") from exc
    return parse_document(document, kind)


def parse_document(document: Any, kind: PolicyKind) -> Policy:
    """Validate an already decoded JSON ``document`` as a policy of ``kind``."""
    if not isinstance(document, dict):
        raise PolicyInvalid("invalid policy: the document must be a JSON object")
    unknown = set(document) - {"Version", "Id", "Statement"}
    if unknown:
        raise PolicyInvalid(f"invalid policy: unknown element {sorted(unknown)[0]!r}")
    version = document.get("Version", "2008-10-17")
    if version not in VERSIONS:
        raise PolicyInvalid(f"invalid policy: unsupported Version {version!r}")
    raw = document.get("Statement")
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        raise PolicyInvalid("invalid policy: Statement must be a non-empty list")
    statements = tuple(_statement(i, s, kind) for i, s in enumerate(raw, start=1))
    _check_unique_sids(statements)
    normalized = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return Policy(version=version, statements=statements, text=normalized)


def _check_unique_sids(statements: tuple[Statement, ...]) -> None:
    seen: set[str] = set()
    for statement in statements:
        if statement.sid and statement.sid in seen:
            raise PolicyInvalid(
                f"invalid policy: {statement.label}: duplicate Sid {statement.sid!r}"
            )
        seen.add(statement.sid)


def _statement(index: int, raw: Any, kind: PolicyKind) -> Statement:
    if not isinstance(raw, dict):
        raise PolicyInvalid(f"invalid policy: statement {index}: must be an object")
    sid = raw.get("Sid", "")
    label = f"statement {index}" + (f' ("{sid}")' if sid else "")

    def fail(problem: str) -> PolicyInvalid:
        return PolicyInvalid(f"invalid policy: {label}: {problem}")

    unknown = set(raw) - _STATEMENT_KEYS
    if unknown:
        raise fail(f"unknown element {sorted(unknown)[0]!r}")
    if not isinstance(sid, str) or not _SID.match(sid):
        raise fail("Sid must contain only letters and digits")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise fail(f'Effect must be "Allow" or "Deny", got {effect!r}')
    actions, not_action = _pair(raw, "Action", "NotAction", fail, required=True)
    for action in actions:
        if action != "*" and not _ACTION.match(action):
            raise fail(
                f"invalid action {action!r}: expected service:Action, e.g. "
                "ecr:BatchGetImage"
            )
    resources, not_resource = _resources(raw, kind, fail)
    principal, not_principal = _principal(raw, kind, fail)
    try:
        conditions = parse_condition_block(raw.get("Condition", {}))
    except ValueError as exc:
        raise fail(str(exc)) from exc
    return Statement(
        index=index,
        sid=sid,
        effect=effect,
        actions=actions,
        not_action=not_action,
        resources=resources,
        not_resource=not_resource,
        principal=principal,
        not_principal=not_principal,
        conditions=conditions,
    )


def _pair(
    raw: dict[str, Any], name: str, negated: str, fail: Any, *, required: bool
) -> tuple[tuple[str, ...], bool]:
    """The values of ``name`` or ``negated`` (exactly one when required)."""
    if name in raw and negated in raw:
        raise fail(f"give {name} or {negated}, not both")
    key = name if name in raw else negated if negated in raw else None
    if key is None:
        if required:
            raise fail(f"{name} or {negated} is required")
        return (), False
    return _strings(raw[key], key, fail), key == negated


def _strings(value: Any, element: str, fail: Any) -> tuple[str, ...]:
    values = [value] if isinstance(value, str) else value
    if (
        not isinstance(values, list)
        or not values
        or not all(isinstance(v, str) and v for v in values)
    ):
        raise fail(f"{element} must be a non-empty string or list of strings")
    return tuple(values)


def _resources(
    raw: dict[str, Any], kind: PolicyKind, fail: Any
) -> tuple[tuple[str, ...] | None, bool]:
    required = kind is not PolicyKind.REPOSITORY
    values, negated = _pair(raw, "Resource", "NotResource", fail, required=required)
    for value in values:
        if value != "*" and not value.startswith("arn:"):
            raise fail(f'invalid resource {value!r}: expected an ARN or "*"')
        if value.startswith("arn:") and len(value.split(":", 5)) != 6:
            raise fail(f"invalid resource {value!r}: an ARN has six fields")
    return (values or None), negated


def _principal(
    raw: dict[str, Any], kind: PolicyKind, fail: Any
) -> tuple[PrincipalSpec | None, bool]:
    has = "Principal" in raw or "NotPrincipal" in raw
    if kind is PolicyKind.IDENTITY:
        if has:
            raise fail("an identity policy may not name a Principal")
        return None, False
    if not has:
        raise fail("a resource policy statement needs Principal or NotPrincipal")
    if "Principal" in raw and "NotPrincipal" in raw:
        raise fail("give Principal or NotPrincipal, not both")
    key = "Principal" if "Principal" in raw else "NotPrincipal"
    return _principal_spec(raw[key], key, fail), key == "NotPrincipal"


def _principal_spec(value: Any, element: str, fail: Any) -> PrincipalSpec:
    if value == "*":
        return PrincipalSpec(anyone=True)
    if not isinstance(value, dict) or not value:
        raise fail(f'{element} must be "*" or an object such as {{"AWS": [...]}}')
    unknown = set(value) - {"AWS", "Service"}
    if unknown:
        raise fail(f"unsupported {element} type {sorted(unknown)[0]!r}")
    aws = _strings(value["AWS"], f"{element}.AWS", fail) if "AWS" in value else ()
    for name in aws:
        if name != "*" and not _ACCOUNT.match(name) and not name.startswith("arn:"):
            raise fail(
                f'invalid principal {name!r}: expected an ARN, an account id or "*"'
            )
    services = (
        _strings(value["Service"], f"{element}.Service", fail)
        if "Service" in value
        else ()
    )
    return PrincipalSpec(anyone="*" in aws, aws=aws, services=services)
