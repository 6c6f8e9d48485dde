"""Token signing and verification; Docker scope grammar."""

from __future__ import annotations

import base64
import json

import pytest

from seawall.auth.principals import Principal, PrincipalKind
from seawall.auth.scope import ResourceScope, parse_scope, parse_scopes
from seawall.auth.tokens import LOGIN_AUDIENCE, LOGIN_TOKEN_TTL, TokenSigner
from seawall.errors import InvalidInput, Unauthenticated
from tests.unit.auth.conftest import ROOT_KEY, FakeClock

ALICE = Principal(
    arn="arn:aws:iam::123456789012:user/alice",
    name="alice",
    kind=PrincipalKind.USER,
    account="123456789012",
    principal_id="AIDAALICE",
)


def test_registry_token_round_trips_its_access_claim() -> None:
    signer = TokenSigner(ROOT_KEY, FakeClock())
    access = [ResourceScope("repository", "team-a/web", ("pull",))]
    token, expires_in, _ = signer.issue_registry_token(ALICE, "reg.test", access)
    claims = signer.verify(token, "reg.test")
    assert claims.access == tuple(access)
    assert claims.principal_id == "AIDAALICE"
    assert expires_in >= 60
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header["alg"] == "EdDSA"
    assert header["kid"] == signer.key_id


def test_expired_token_is_refused() -> None:
    clock = FakeClock()
    signer = TokenSigner(ROOT_KEY, clock)
    token, expires_in, _ = signer.issue_registry_token(ALICE, "reg.test", [])
    clock.now += expires_in + 31
    with pytest.raises(Unauthenticated, match="expired"):
        signer.verify(token, "reg.test")


def test_token_for_another_audience_or_key_is_refused() -> None:
    clock = FakeClock()
    signer = TokenSigner(ROOT_KEY, clock)
    token, _, _ = signer.issue_registry_token(ALICE, "reg.test", [])
    with pytest.raises(Unauthenticated):
        signer.verify(token, LOGIN_AUDIENCE)
    with pytest.raises(Unauthenticated):
        TokenSigner(bytes(32), clock).verify(token, "reg.test")


def test_tampered_access_claim_breaks_the_signature() -> None:
    signer = TokenSigner(ROOT_KEY, FakeClock())
    token, _, _ = signer.issue_registry_token(
        ALICE, "reg.test", [ResourceScope("repository", "a", ("pull",))]
    )
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["access"][0]["actions"] = ["pull", "push", "delete"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
    with pytest.raises(Unauthenticated):
        signer.verify(f"{header}.{forged.decode()}.{signature}", "reg.test")


def test_login_token_has_no_colon_and_lives_twelve_hours() -> None:
    clock = FakeClock()
    signer = TokenSigner(ROOT_KEY, clock)
    password, expires_at = signer.issue_login_token(ALICE, "AKIAEXAMPLEEXAMPLE1")
    assert ":" not in password
    assert expires_at - clock.now == LOGIN_TOKEN_TTL == 12 * 3600
    assert (
        signer.verify(password, LOGIN_AUDIENCE).access_key_id == "AKIAEXAMPLEEXAMPLE1"
    )


SCOPES = [
    (
        "repository:samalba/my-app:pull,push",
        ("repository", "samalba/my-app", ("pull", "push")),
    ),
    (
        "repository:localhost:5000/a/b:pull",
        ("repository", "localhost:5000/a/b", ("pull",)),
    ),
    ("repository(plugin):x:*", ("repository", "x", ("*",))),
    ("registry:catalog:*", ("registry", "catalog", ("*",))),
]


@pytest.mark.parametrize(("text", "expected"), SCOPES)
def test_scope_grammar(text: str, expected: tuple[str, str, tuple[str, ...]]) -> None:
    scope = parse_scope(text)
    assert (scope.type, scope.name, scope.actions) == expected


def test_several_scopes_in_one_parameter() -> None:
    scopes = parse_scopes(["repository:a:pull repository:b:push", "registry:catalog:*"])
    assert [s.name for s in scopes] == ["a", "b", "catalog"]


@pytest.mark.parametrize(
    "text",
    [
        "repository",
        "repository:a",
        "Repo:a:pull",
        "repository::pull",
        "repository:a:pu ll;",
    ],
)
def test_malformed_scope_is_invalid(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_scopes([text])
