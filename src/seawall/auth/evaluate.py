"""Policy evaluation: explicit deny, then allow, else implicit deny.

For one (principal, action, resource, context) the evaluator looks at every
applicable policy: the principal's identity policies (its own and its
groups'), the repository policy and the registry policy. Any matching Deny
wins; otherwise any matching Allow grants; otherwise the request is denied.
A resource policy that names only the account root (or the account id)
delegates to identity policies: it can deny, but not grant on its own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from seawall.auth.arn import account_root_arn, glob_match
from seawall.auth.conditions import ContextValue, condition_holds, lookup
from seawall.auth.policy import Policy, PolicyKind, PrincipalSpec, Statement
from seawall.auth.principals import Principal

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_ESCAPES = {"*": "*", "?": "?", "$": "$"}


@dataclass(frozen=True)
class AttachedPolicy:
    """A policy and where it came from (``user/alice:pull-only``, ``repository``)."""

    source: str
    kind: PolicyKind
    policy: Policy


@dataclass(frozen=True)
class Request:
    """What is being decided; ``context`` holds the condition keys."""

    principal: Principal
    action: str
    resource: str
    context: Mapping[str, ContextValue]


@dataclass(frozen=True)
class Decision:
    """The outcome and the statement that made it (None for implicit deny)."""

    allowed: bool
    reason: str  # "explicit deny", "allowed" or "implicit deny"
    source: str = ""
    statement: Statement | None = None

    def describe(self) -> str:
        """One line for people: ``DENY (explicit deny) by repository statement 1``."""
        verdict = "ALLOW" if self.allowed else "DENY"
        if self.statement is None:
            return f"{verdict} ({self.reason}): no statement allows it"
        return f"{verdict} ({self.reason}) by {self.source} {self.statement.label}"


IMPLICIT_DENY = Decision(allowed=False, reason="implicit deny")


def evaluate(request: Request, policies: tuple[AttachedPolicy, ...]) -> Decision:
    """Decide ``request`` against ``policies`` (never raises for valid policies)."""
    allow: Decision | None = None
    for attached in policies:
        for statement in attached.policy.statements:
            grant = _matches(statement, attached.kind, request)
            if grant is None:
                continue
            if statement.effect == "Deny":
                return Decision(False, "explicit deny", attached.source, statement)
            if grant and allow is None:
                allow = Decision(True, "allowed", attached.source, statement)
    return allow or IMPLICIT_DENY


def _matches(statement: Statement, kind: PolicyKind, request: Request) -> bool | None:
    """None when the statement does not apply; else whether an Allow may grant."""
    grants = True
    if kind is not PolicyKind.IDENTITY:
        principal = _principal_match(statement, request.principal)
        if principal is None:
            return None
        grants = principal
    if not _action_match(statement, request.action):
        return None
    if not _resource_match(statement, request):
        return None
    if not _conditions_hold(statement, request.context):
        return None
    return grants


def _action_match(statement: Statement, action: str) -> bool:
    hit = any(glob_match(p, action, ignore_case=True) for p in statement.actions)
    return hit != statement.not_action


def _resource_match(statement: Statement, request: Request) -> bool:
    if statement.resources is None:
        return True  # a repository policy is implicitly about its repository
    hit = False
    for pattern in statement.resources:
        resolved = substitute(pattern, request.context)
        if resolved is not None and glob_match(resolved, request.resource):
            hit = True
            break
    return hit != statement.not_resource


def _principal_match(statement: Statement, principal: Principal) -> bool | None:
    """None: not named; True: named directly; False: named only by account."""
    spec = statement.principal
    assert spec is not None
    named = _named(spec, principal)
    if statement.not_principal:
        return None if named is not None else True
    return named


def _named(spec: PrincipalSpec, principal: Principal) -> bool | None:
    if spec.anyone:
        return True
    if principal.is_anonymous:
        return None
    if principal.arn in spec.aws:
        return True
    root = account_root_arn(principal.account)
    if root in spec.aws or principal.account in spec.aws:
        return False
    return None


def _conditions_hold(statement: Statement, context: Mapping[str, ContextValue]) -> bool:
    for condition in statement.conditions:
        values = tuple(
            v
            for v in (substitute(x, context) for x in condition.values)
            if v is not None
        )
        if not condition_holds(condition, values, lookup(context, condition.key)):
            return False
    return True


def substitute(text: str, context: Mapping[str, ContextValue]) -> str | None:
    """Replace ``${key}`` policy variables; None when a variable is unknown."""
    if "${" not in text:
        return text
    missing = False

    def replace(match: re.Match[str]) -> str:
        nonlocal missing
        name = match.group(1)
        if name in _ESCAPES:
            return _ESCAPES[name]
        values = lookup(context, name)
        if not values or len(values) != 1:
            missing = True
            return ""
        return values[0]

    result = _VARIABLE.sub(replace, text)
    return None if missing else result
