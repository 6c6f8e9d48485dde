"""Policy parsing and validation: good documents parse, bad ones are refused
with a message naming the statement and the problem."""

from __future__ import annotations

import json

import pytest

from seawall.auth.errors import PolicyInvalid
from seawall.auth.policy import PolicyKind, parse_policy


def _doc(*statements: dict[str, object]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


ALLOW_PULL = {"Effect": "Allow", "Action": ["ecr:BatchGetImage"], "Resource": "*"}


def test_identity_policy_parses_statements_in_order() -> None:
    policy = parse_policy(
        _doc(
            ALLOW_PULL,
            {
                "Sid": "NoPush",
                "Effect": "Deny",
                "NotAction": "ecr:Get*",
                "NotResource": "arn:aws:ecr:*:*:repository/a/*",
            },
        ),
        PolicyKind.IDENTITY,
    )
    first, second = policy.statements
    assert first.actions == ("ecr:BatchGetImage",)
    assert not first.not_action
    assert second.not_action
    assert second.not_resource
    assert second.sid == "NoPush"
    assert second.label == 'statement 2 ("NoPush")'


def test_single_statement_object_and_string_values_are_accepted() -> None:
    text = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "ecr:BatchGetImage",
            },
        }
    )
    policy = parse_policy(text, PolicyKind.REPOSITORY)
    assert policy.statements[0].principal is not None
    assert policy.statements[0].principal.anyone


def test_conditions_parse_with_qualifiers_and_if_exists() -> None:
    policy = parse_policy(
        _doc(
            {
                **ALLOW_PULL,
                "Condition": {
                    "IpAddressIfExists": {"aws:SourceIp": ["10.0.0.0/8", "::1"]},
                    "ForAllValues:StringLike": {"aws:TagKeys": "team-*"},
                    "Bool": {"aws:SecureTransport": True},
                },
            }
        ),
        PolicyKind.IDENTITY,
    )
    conditions = {c.operator: c for c in policy.statements[0].conditions}
    assert conditions["IpAddress"].if_exists
    assert conditions["StringLike"].qualifier == "ForAllValues"
    assert conditions["Bool"].values == ("true",)


BAD = [
    ("not json", "{", PolicyKind.IDENTITY, "not JSON"),
    ("list", "[]", PolicyKind.IDENTITY, "JSON object"),
    (
        "version",
        json.dumps({"Version": "2020-01-01", "Statement": [ALLOW_PULL]}),
        PolicyKind.IDENTITY,
        "Version",
    ),
    (
        "no statements",
        json.dumps({"Version": "2012-10-17", "Statement": []}),
        PolicyKind.IDENTITY,
        "non-empty",
    ),
    (
        "effect",
        _doc(ALLOW_PULL, {**ALLOW_PULL, "Sid": "X", "Effect": "allow"}),
        PolicyKind.IDENTITY,
        'statement 2 ("X"): Effect must be',
    ),
    (
        "no action",
        _doc({"Effect": "Allow", "Resource": "*"}),
        PolicyKind.IDENTITY,
        "statement 1: Action or NotAction is required",
    ),
    (
        "both",
        _doc({**ALLOW_PULL, "NotAction": "ecr:*"}),
        PolicyKind.IDENTITY,
        "not both",
    ),
    (
        "bad action",
        _doc({**ALLOW_PULL, "Action": "BatchGetImage"}),
        PolicyKind.IDENTITY,
        "invalid action 'BatchGetImage'",
    ),
    (
        "no resource",
        _doc({"Effect": "Allow", "Action": "ecr:*"}),
        PolicyKind.IDENTITY,
        "Resource or NotResource is required",
    ),
    (
        "bad resource",
        _doc({**ALLOW_PULL, "Resource": "repository/x"}),
        PolicyKind.IDENTITY,
        "invalid resource",
    ),
    (
        "principal in identity",
        _doc({**ALLOW_PULL, "Principal": "*"}),
        PolicyKind.IDENTITY,
        "may not name a Principal",
    ),
    (
        "no principal",
        _doc({"Effect": "Allow", "Action": "ecr:*"}),
        PolicyKind.REPOSITORY,
        "needs Principal or NotPrincipal",
    ),
    (
        "bad principal",
        _doc({"Effect": "Allow", "Action": "ecr:*", "Principal": {"AWS": "alice"}}),
        PolicyKind.REPOSITORY,
        "invalid principal 'alice'",
    ),
    (
        "principal type",
        _doc({"Effect": "Allow", "Action": "ecr:*", "Principal": {"Federated": "x"}}),
        PolicyKind.REPOSITORY,
        "unsupported Principal type",
    ),
    (
        "operator",
        _doc({**ALLOW_PULL, "Condition": {"StringSoundsLike": {"a:b": "c"}}}),
        PolicyKind.IDENTITY,
        "unsupported condition operator 'StringSoundsLike'",
    ),
    (
        "cidr",
        _doc({**ALLOW_PULL, "Condition": {"IpAddress": {"aws:SourceIp": "x"}}}),
        PolicyKind.IDENTITY,
        "is not an IP address",
    ),
    (
        "date",
        _doc(
            {
                **ALLOW_PULL,
                "Condition": {"DateLessThan": {"aws:CurrentTime": "tomorrow"}},
            }
        ),
        PolicyKind.IDENTITY,
        "is not a date",
    ),
    (
        "bool",
        _doc({**ALLOW_PULL, "Condition": {"Bool": {"aws:SecureTransport": "y"}}}),
        PolicyKind.IDENTITY,
        "is not true/false",
    ),
    (
        "key",
        _doc({**ALLOW_PULL, "Condition": {"StringEquals": {"nokey": "x"}}}),
        PolicyKind.IDENTITY,
        "invalid key",
    ),
    (
        "unknown element",
        _doc({**ALLOW_PULL, "Actions": "ecr:*"}),
        PolicyKind.IDENTITY,
        "unknown element 'Actions'",
    ),
    (
        "duplicate sid",
        _doc({**ALLOW_PULL, "Sid": "A"}, {**ALLOW_PULL, "Sid": "A"}),
        PolicyKind.IDENTITY,
        "duplicate Sid",
    ),
    (
        "registry needs resource",
        _doc({"Effect": "Allow", "Principal": "*", "Action": "ecr:*"}),
        PolicyKind.REGISTRY,
        "Resource or NotResource is required",
    ),
    (
        "too long",
        _doc(*[{**ALLOW_PULL, "Sid": f"S{i}"} for i in range(200)]),
        PolicyKind.REPOSITORY,
        "at most 10240",
    ),
]


@pytest.mark.parametrize(
    ("label", "text", "kind", "fragment"), BAD, ids=[b[0] for b in BAD]
)
def test_malformed_policies_are_refused_naming_the_problem(
    label: str, text: str, kind: PolicyKind, fragment: str
) -> None:
    with pytest.raises(PolicyInvalid) as info:
        parse_policy(text, kind)
    assert info.value.message.startswith("invalid policy")
    assert fragment in info.value.message
