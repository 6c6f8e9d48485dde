"""Policy evaluation: explicit deny > allow > implicit deny, matching of
actions, resources, principals and conditions, and policy variables."""

from __future__ import annotations

import json
from typing import Any

import pytest

from seawall.auth.evaluate import AttachedPolicy, Request, evaluate, substitute
from seawall.auth.policy import PolicyKind, parse_policy
from seawall.auth.principals import Principal, PrincipalKind, anonymous

ACCOUNT = "123456789012"
REPO = f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/team-a/web"
OTHER = f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/team-b/api"
ALICE = Principal(
    arn=f"arn:aws:iam::{ACCOUNT}:user/alice",
    name="alice",
    kind=PrincipalKind.USER,
    account=ACCOUNT,
    tags=(("team", "team-a"),),
    principal_id="AIDAALICE",
)
BOB = Principal(
    arn=f"arn:aws:iam::{ACCOUNT}:role/bob",
    name="bob",
    kind=PrincipalKind.SERVICE,
    account=ACCOUNT,
    principal_id="AROABOB",
)


def _policy(kind: PolicyKind, *statements: dict[str, Any]) -> AttachedPolicy:
    text = json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
    return AttachedPolicy(kind.value, kind, parse_policy(text, kind))


def _identity(*statements: dict[str, Any]) -> AttachedPolicy:
    return _policy(PolicyKind.IDENTITY, *statements)


def _repo(*statements: dict[str, Any]) -> AttachedPolicy:
    return _policy(PolicyKind.REPOSITORY, *statements)


def _decide(
    policies: tuple[AttachedPolicy, ...],
    action: str = "ecr:BatchGetImage",
    resource: str = REPO,
    principal: Principal = ALICE,
    **context: Any,
) -> str:
    ctx = {
        "aws:SourceIp": "10.1.2.3",
        "aws:SecureTransport": "true",
        "aws:username": principal.name,
        "aws:PrincipalTag/team": "team-a",
        "aws:CurrentTime": "2026-06-01T00:00:00Z",
        **context,
    }
    decision = evaluate(Request(principal, action, resource, ctx), policies)
    return decision.reason


ALLOW_ALL = {"Effect": "Allow", "Action": "ecr:*", "Resource": "*"}


def test_no_policy_is_an_implicit_deny() -> None:
    assert _decide(()) == "implicit deny"


def test_explicit_deny_beats_allow_in_any_policy() -> None:
    deny = _repo({"Effect": "Deny", "Principal": "*", "Action": "ecr:BatchGetImage"})
    assert _decide((_identity(ALLOW_ALL), deny)) == "explicit deny"
    assert _decide((_identity(ALLOW_ALL),)) == "allowed"


def test_decision_names_the_statement() -> None:
    policies = (_identity({"Sid": "Pull", **ALLOW_ALL}),)
    decision = evaluate(Request(ALICE, "ecr:PutImage", REPO, {}), policies)
    assert decision.statement is not None
    assert decision.statement.sid == "Pull"
    assert 'statement 1 ("Pull")' in decision.describe()


ACTIONS = [
    ("ecr:Batch*", "ecr:BatchGetImage", "allowed"),
    ("ECR:batchgetimage", "ecr:BatchGetImage", "allowed"),
    ("ecr:Get?ownloadUrlForLayer", "ecr:GetDownloadUrlForLayer", "allowed"),
    ("ecr:Put*", "ecr:BatchGetImage", "implicit deny"),
    ("*", "ecr:DeleteRepository", "allowed"),
]


@pytest.mark.parametrize(("pattern", "action", "expected"), ACTIONS)
def test_action_wildcards_are_case_insensitive(
    pattern: str, action: str, expected: str
) -> None:
    policy = _identity({"Effect": "Allow", "Action": pattern, "Resource": "*"})
    assert _decide((policy,), action=action) == expected


def test_not_action_allows_everything_else() -> None:
    policy = _identity({"Effect": "Allow", "NotAction": "ecr:Delete*", "Resource": "*"})
    assert _decide((policy,), action="ecr:PutImage") == "allowed"
    assert _decide((policy,), action="ecr:DeleteRepository") == "implicit deny"


RESOURCES = [
    (f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/team-a/*", REPO, "allowed"),
    (f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/team-a/*", OTHER, "implicit deny"),
    ("arn:aws:ecr:*:*:repository/team-?/web", REPO, "allowed"),
    (f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/TEAM-A/*", REPO, "implicit deny"),
    ("*", "*", "allowed"),
    (f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/*", "*", "implicit deny"),
]


@pytest.mark.parametrize(("pattern", "resource", "expected"), RESOURCES)
def test_resource_arn_globs(pattern: str, resource: str, expected: str) -> None:
    policy = _identity({"Effect": "Allow", "Action": "ecr:*", "Resource": pattern})
    assert _decide((policy,), resource=resource) == expected


def test_not_resource_denies_all_but_one_namespace() -> None:
    deny = _identity(
        {
            "Effect": "Deny",
            "Action": "ecr:*",
            "NotResource": f"arn:aws:ecr:*:{ACCOUNT}:repository/team-a/*",
        }
    )
    assert _decide((_identity(ALLOW_ALL), deny), resource=OTHER) == "explicit deny"
    assert _decide((_identity(ALLOW_ALL), deny), resource=REPO) == "allowed"


def test_policy_variables_scope_resources_per_user() -> None:
    policy = _identity(
        {
            "Effect": "Allow",
            "Action": "ecr:*",
            "Resource": "arn:aws:ecr:*:*:repository/${aws:PrincipalTag/team}/*",
        }
    )
    assert _decide((policy,), resource=REPO) == "allowed"
    assert _decide((policy,), resource=OTHER) == "implicit deny"


def test_substitute_escapes_and_missing_variables() -> None:
    assert substitute("a/${aws:username}/b", {"aws:username": "al"}) == "a/al/b"
    assert substitute("${$}{x}", {}) == "${x}"
    assert substitute("a/${aws:username}", {}) is None


PRINCIPALS = [
    ({"AWS": f"arn:aws:iam::{ACCOUNT}:user/alice"}, ALICE, "allowed"),
    ({"AWS": [f"arn:aws:iam::{ACCOUNT}:user/carol"]}, ALICE, "implicit deny"),
    ("*", ALICE, "allowed"),
    ("*", anonymous(ACCOUNT), "allowed"),
    (
        {"AWS": f"arn:aws:iam::{ACCOUNT}:user/alice"},
        anonymous(ACCOUNT),
        "implicit deny",
    ),
    # Naming the account only delegates to identity policies: no grant alone.
    ({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, ALICE, "implicit deny"),
    ({"AWS": ACCOUNT}, BOB, "implicit deny"),
]


@pytest.mark.parametrize(("principal_spec", "who", "expected"), PRINCIPALS)
def test_repository_policy_principals(
    principal_spec: Any, who: Principal, expected: str
) -> None:
    policy = _repo(
        {"Effect": "Allow", "Principal": principal_spec, "Action": "ecr:BatchGetImage"}
    )
    assert _decide((policy,), principal=who) == expected


def test_account_principal_deny_applies_to_everyone_in_it() -> None:
    deny = _repo({"Effect": "Deny", "Principal": {"AWS": ACCOUNT}, "Action": "ecr:*"})
    assert _decide((_identity(ALLOW_ALL), deny), principal=BOB) == "explicit deny"


def test_not_principal_deny_spares_the_named_principal() -> None:
    deny = _repo(
        {"Effect": "Deny", "NotPrincipal": {"AWS": ALICE.arn}, "Action": "ecr:PutImage"}
    )
    policies = (_identity(ALLOW_ALL), deny)
    assert _decide(policies, action="ecr:PutImage") == "allowed"
    assert _decide(policies, action="ecr:PutImage", principal=BOB) == "explicit deny"


CONDITIONS: list[tuple[str, dict[str, Any], dict[str, Any], str]] = [
    ("ip in", {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {}, "allowed"),
    ("ip out", {"IpAddress": {"aws:SourceIp": "192.168.0.0/16"}}, {}, "implicit deny"),
    (
        "ip v6",
        {"IpAddress": {"aws:SourceIp": "::1/128"}},
        {"aws:SourceIp": "::1"},
        "allowed",
    ),
    ("not ip", {"NotIpAddress": {"aws:SourceIp": ["192.168.0.0/16"]}}, {}, "allowed"),
    ("string equals", {"StringEquals": {"aws:username": "alice"}}, {}, "allowed"),
    (
        "string equals is case sensitive",
        {"StringEquals": {"aws:username": "Alice"}},
        {},
        "implicit deny",
    ),
    (
        "string not equals",
        {"StringNotEquals": {"aws:username": ["bob", "carol"]}},
        {},
        "allowed",
    ),
    ("string like", {"StringLike": {"aws:PrincipalTag/team": "team-*"}}, {}, "allowed"),
    (
        "string not like",
        {"StringNotLike": {"aws:PrincipalTag/team": "team-*"}},
        {},
        "implicit deny",
    ),
    (
        "ignore case",
        {"StringEqualsIgnoreCase": {"aws:username": "ALICE"}},
        {},
        "allowed",
    ),
    ("bool", {"Bool": {"aws:SecureTransport": "false"}}, {}, "implicit deny"),
    (
        "date before",
        {"DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}},
        {},
        "allowed",
    ),
    (
        "date after",
        {"DateGreaterThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}},
        {},
        "implicit deny",
    ),
    (
        "arn like",
        {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/a*"}},
        {"aws:PrincipalArn": ALICE.arn},
        "allowed",
    ),
    (
        "numeric",
        {"NumericLessThan": {"aws:EpochTime": "100"}},
        {"aws:EpochTime": "99"},
        "allowed",
    ),
    (
        "missing key fails",
        {"StringEquals": {"ecr:ResourceTag/env": "dev"}},
        {},
        "implicit deny",
    ),
    (
        "missing key passes IfExists",
        {"StringEqualsIfExists": {"ecr:ResourceTag/env": "dev"}},
        {},
        "allowed",
    ),
    (
        "present key checked by IfExists",
        {"StringEqualsIfExists": {"ecr:ResourceTag/env": "dev"}},
        {"ecr:ResourceTag/env": "prod"},
        "implicit deny",
    ),
    (
        "missing key satisfies negation",
        {"StringNotEquals": {"ecr:ResourceTag/env": "prod"}},
        {},
        "allowed",
    ),
    ("null true", {"Null": {"ecr:ResourceTag/env": "true"}}, {}, "allowed"),
    ("null false", {"Null": {"ecr:ResourceTag/env": "false"}}, {}, "implicit deny"),
    (
        "for all values",
        {"ForAllValues:StringLike": {"aws:TagKeys": "team-*"}},
        {"aws:TagKeys": ["team-a", "team-b"]},
        "allowed",
    ),
    (
        "for all values fails",
        {"ForAllValues:StringLike": {"aws:TagKeys": "team-*"}},
        {"aws:TagKeys": ["team-a", "owner"]},
        "implicit deny",
    ),
    (
        "for any value",
        {"ForAnyValue:StringEquals": {"aws:TagKeys": "owner"}},
        {"aws:TagKeys": ["team-a", "owner"]},
        "allowed",
    ),
    (
        "keys are and-ed",
        {
            "StringEquals": {"aws:username": "alice"},
            "IpAddress": {"aws:SourceIp": "192.168.0.0/16"},
        },
        {},
        "implicit deny",
    ),
    (
        "variable in value",
        {"StringEquals": {"ecr:ResourceTag/team": "${aws:PrincipalTag/team}"}},
        {"ecr:ResourceTag/team": "team-a"},
        "allowed",
    ),
]


@pytest.mark.parametrize(
    ("label", "condition", "context", "expected"),
    CONDITIONS,
    ids=[c[0] for c in CONDITIONS],
)
def test_condition_operators(
    label: str, condition: dict[str, Any], context: dict[str, Any], expected: str
) -> None:
    policy = _identity({**ALLOW_ALL, "Condition": condition})
    assert _decide((policy,), **context) == expected


def test_deny_on_resource_tag_protects_prod() -> None:
    deny = _identity(
        {
            "Effect": "Deny",
            "Action": "ecr:PutImage",
            "Resource": "*",
            "Condition": {"StringEquals": {"ecr:ResourceTag/env": "prod"}},
        }
    )
    policies = (_identity(ALLOW_ALL), deny)
    assert (
        _decide(policies, action="ecr:PutImage", **{"ecr:ResourceTag/env": "prod"})
        == "explicit deny"
    )
    assert (
        _decide(policies, action="ecr:PutImage", **{"ecr:ResourceTag/env": "dev"})
        == "allowed"
    )
