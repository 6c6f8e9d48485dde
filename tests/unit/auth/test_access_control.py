"""Access control over a real SQLite database: identities, keys, passwords,
tokens, decisions, caching and throttling."""

from __future__ import annotations

import base64
import hmac
import json
from typing import Any

import pytest
from sqlalchemy import Engine, select

from seawall.auth import schema
from seawall.auth.credentials import Credentials, parse_authorization
from seawall.auth.factory import AuthServices, build_auth
from seawall.auth.principals import PrincipalKind
from seawall.auth.scope import ResourceScope
from seawall.auth.service import RequestInfo
from seawall.errors import (
    AccessDenied,
    Conflict,
    InvalidInput,
    TooManyRequests,
    Unauthenticated,
)
from tests.unit.auth.conftest import ACCOUNT, REGION, ROOT_KEY, FakeClock

INFO = RequestInfo(source_ip="10.0.0.1", secure=True)
PULL = ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer")


def _basic(user: str, secret: str) -> Credentials:
    raw = base64.b64encode(f"{user}:{secret}".encode()).decode()
    return parse_authorization(f"Basic {raw}")


def _user(
    auth: AuthServices,
    name: str,
    policy: str | None = None,
    password: str | None = None,
) -> tuple[str, str]:
    principal = auth.identities.create_principal(
        name, PrincipalKind.USER, password=password
    )
    if policy:
        auth.policies.attach(policy, "principal", principal.principal_id)
    new = auth.keys.create(name)
    return new.access_key_id, new.secret_access_key


def test_access_key_secret_is_sealed_at_rest(
    auth: AuthServices, engine: Engine
) -> None:
    key_id, secret = _user(auth, "alice")
    with engine.connect() as conn:
        sealed = conn.execute(select(schema.access_keys.c.secret_sealed)).scalar()
    assert secret not in sealed
    assert secret not in base64.b64decode(sealed).decode("latin-1")
    assert auth.keys.get_secret(key_id) == secret
    auth.keys.set_status(key_id, "Inactive")
    assert auth.keys.get_secret(key_id) is None
    assert auth.keys.get_secret("AKIANOSUCHKEY0000000") is None


def test_secret_moved_to_another_row_does_not_open(
    auth: AuthServices, engine: Engine
) -> None:
    from sqlalchemy import update

    first, _ = _user(auth, "alice")
    second, _ = _user(auth, "bob")
    with engine.begin() as conn:
        sealed = conn.execute(
            select(schema.access_keys.c.secret_sealed).where(
                schema.access_keys.c.id == first
            )
        ).scalar()
        conn.execute(
            update(schema.access_keys)
            .where(schema.access_keys.c.id == second)
            .values(secret_sealed=sealed)
        )
    from seawall.errors import IntegrityError

    with pytest.raises(IntegrityError):
        auth.keys.get_secret(second)


def test_authenticate_with_key_password_and_wrong_secret(auth: AuthServices) -> None:
    key_id, secret = _user(auth, "alice", password="correct horse battery")
    assert auth.access.authenticate(_basic(key_id, secret), INFO).name == "alice"
    found = auth.access.authenticate(_basic("alice", "correct horse battery"), INFO)
    assert found.via == "password"
    for user, wrong in (
        (key_id, secret[:-1] + "x"),
        ("alice", "wrong password"),
        ("nobody", "whatever1"),
        ("AKIANOSUCHKEY0000000", secret),
    ):
        with pytest.raises(Unauthenticated):
            auth.access.authenticate(_basic(user, wrong), INFO)


def test_cached_key_is_rechecked_after_it_is_disabled(auth: AuthServices) -> None:
    key_id, secret = _user(auth, "alice")
    auth.access.authenticate(_basic(key_id, secret), INFO)
    auth.keys.set_status(key_id, "Inactive")
    with pytest.raises(Unauthenticated):
        auth.access.authenticate(_basic(key_id, secret), INFO)


def test_secrets_are_compared_in_constant_time(
    auth: AuthServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_id, secret = _user(auth, "alice")
    calls: list[int] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        calls.append(1)
        return real(a, b)

    monkeypatch.setattr("seawall.auth.authenticate.hmac.compare_digest", spy)
    auth.access.authenticate(_basic(key_id, secret), INFO)
    with pytest.raises(Unauthenticated):
        auth.access.authenticate(_basic(key_id, "x" * 40), INFO)
    with pytest.raises(Unauthenticated):
        auth.access.authenticate(_basic("AKIANOSUCHKEY0000000", "x" * 40), INFO)
    assert len(calls) == 3  # unknown keys are compared too


def test_pull_only_user_is_denied_push_and_the_denial_is_audited(
    auth: AuthServices,
) -> None:
    key_id, secret = _user(auth, "puller", "AmazonEC2ContainerRegistryReadOnly")
    who = auth.access.authenticate(_basic(key_id, secret), INFO)
    auth.access.authorize(who, "team-a/web", PULL, INFO)
    with pytest.raises(AccessDenied):
        auth.access.authorize(who, "team-a/web", ("ecr:PutImage",), INFO)
    with pytest.raises(AccessDenied):
        auth.access.authorize(who, "team-a/web", ("ecr:BatchDeleteImage",), INFO)
    denied = auth.audit.query(event_name="PutImage")
    assert denied[0]["errorCode"] == "AccessDenied"
    assert denied[0]["userIdentity"]["userName"] == "puller"
    assert secret not in json.dumps(auth.audit.query(limit=1000))


def test_anonymous_gets_unauthenticated_unless_a_policy_grants_star(
    auth: AuthServices,
) -> None:
    nobody = auth.access.authenticate(Credentials("none"), INFO)
    with pytest.raises(Unauthenticated):
        auth.access.authorize(nobody, "public/app", PULL, INFO)
    auth.policies.set_repository_policy(
        "public/app",
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": "*", "Action": list(PULL)}
                ],
            }
        ),
    )
    auth.access.authorize(nobody, "public/app", PULL, INFO)
    with pytest.raises(Unauthenticated):
        auth.access.authorize(nobody, "public/other", PULL, INFO)


def test_group_policy_applies_to_members(auth: AuthServices) -> None:
    key_id, secret = _user(auth, "dev")
    auth.identities.create_group("devs")
    auth.policies.attach(
        "AmazonEC2ContainerRegistryPowerUser", "group", auth.identities.group_id("devs")
    )
    who = auth.access.authenticate(_basic(key_id, secret), INFO)
    with pytest.raises(AccessDenied):
        auth.access.authorize(who, "a", ("ecr:PutImage",), INFO)
    auth.identities.add_member("devs", "dev")
    who = auth.access.authenticate(_basic(key_id, secret), INFO)
    auth.access.authorize(who, "a", ("ecr:PutImage",), INFO)


def test_policy_change_invalidates_cached_decisions(auth: AuthServices) -> None:
    key_id, secret = _user(auth, "alice", "AmazonEC2ContainerRegistryPowerUser")
    who = auth.access.authenticate(_basic(key_id, secret), INFO)
    auth.access.authorize(who, "team-a/web", ("ecr:PutImage",), INFO)
    auth.policies.set_repository_policy(
        "team-a/web",
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "Frozen",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "ecr:PutImage",
                    }
                ],
            }
        ),
    )
    with pytest.raises(AccessDenied):
        auth.access.authorize(who, "team-a/web", ("ecr:PutImage",), INFO)


def test_change_in_another_process_is_seen_within_a_second(
    auth: AuthServices,
    engine: Engine,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    other = build_auth(
        engine,
        ROOT_KEY,
        account=ACCOUNT,
        region=REGION,
        service_name="reg.test",
        clock=clock,
    )
    key_id, secret = _user(auth, "alice", "AmazonEC2ContainerRegistryPowerUser")
    who = other.access.authenticate(_basic(key_id, secret), INFO)
    other.access.authorize(who, "a", ("ecr:PutImage",), INFO)
    auth.policies.detach(
        "AmazonEC2ContainerRegistryPowerUser", "principal", who.principal_id
    )
    from seawall.auth import service

    monkeypatch.setattr(service, "REFRESH_SECONDS", 0.0)
    with pytest.raises(AccessDenied):
        other.access.authorize(who, "a", ("ecr:PutImage",), INFO)


def test_token_grant_is_the_intersection_of_request_and_policy(
    auth: AuthServices,
) -> None:
    key_id, secret = _user(auth, "puller", "AmazonEC2ContainerRegistryReadOnly")
    who = auth.access.authenticate(_basic(key_id, secret), INFO)
    granted = auth.access.grant(
        who,
        [
            ResourceScope("repository", "a", ("pull", "push", "delete")),
            ResourceScope("repository", "b", ("*",)),
            ResourceScope("weird", "x", ("pull",)),
        ],
        INFO,
    )
    assert granted == [
        ResourceScope("repository", "a", ("pull",)),
        ResourceScope("repository", "b", ("pull",)),
    ]


def test_bearer_token_for_repo_a_does_not_open_repo_b(auth: AuthServices) -> None:
    key_id, secret = _user(auth, "admin2", "AdministratorAccess")
    who = auth.access.authenticate(_basic(key_id, secret), INFO)
    granted = auth.access.grant(
        who, [ResourceScope("repository", "a", ("pull",))], INFO
    )
    token, _, _ = auth.signer.issue_registry_token(who, "reg.test", granted)
    bearer = auth.access.authenticate(Credentials("bearer", secret=token), INFO)
    auth.access.authorize(bearer, "a", PULL, INFO)
    with pytest.raises(Unauthenticated, match="scope"):
        auth.access.authorize(bearer, "b", PULL, INFO)
    with pytest.raises(Unauthenticated, match="scope"):
        auth.access.authorize(bearer, "a", ("ecr:PutImage",), INFO)


def test_login_token_dies_with_its_access_key(auth: AuthServices) -> None:
    key_id, secret = _user(auth, "alice", "AmazonEC2ContainerRegistryReadOnly")
    who = auth.access.authenticate(_basic(key_id, secret), INFO)
    password, _ = auth.signer.issue_login_token(who, key_id)
    assert auth.access.authenticate(_basic("AWS", password), INFO).name == "alice"
    auth.keys.delete(key_id)
    with pytest.raises(Unauthenticated):
        auth.access.authenticate(_basic("AWS", password), INFO)


def test_brute_force_is_throttled_per_source_only(auth: AuthServices) -> None:
    key_id, secret = _user(auth, "alice")
    attacker = RequestInfo(source_ip="203.0.113.9")
    for _ in range(10):
        with pytest.raises(Unauthenticated):
            auth.access.authenticate(_basic(key_id, "guess" * 8), attacker)
    with pytest.raises(TooManyRequests):
        auth.access.authenticate(_basic(key_id, secret), attacker)
    # The real owner, from elsewhere, is not locked out.
    assert auth.access.authenticate(_basic(key_id, secret), INFO).name == "alice"


def test_throttle_window_expires(auth: AuthServices, clock: FakeClock) -> None:
    attacker = RequestInfo(source_ip="203.0.113.9")
    for _ in range(10):
        with pytest.raises(Unauthenticated):
            auth.access.authenticate(_basic("nobody", "guess-guess"), attacker)
    with pytest.raises(TooManyRequests) as info:
        auth.access.authenticate(_basic("nobody", "guess-guess"), attacker)
    assert info.value.detail["retry_after"] >= 1
    clock.now += 61
    with pytest.raises(Unauthenticated):
        auth.access.authenticate(_basic("nobody", "guess-guess"), attacker)


def test_catalog_visibility_follows_policy(auth: AuthServices) -> None:
    key_id, secret = _user(auth, "alice")
    auth.policies.put_policy(
        "team-a",
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "ecr:BatchGetImage",
                        "Resource": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/team-a/*",
                    }
                ],
            }
        ),
    )
    auth.policies.attach(
        "team-a", "principal", auth.identities.get_principal("alice").principal_id
    )
    who = auth.access.authenticate(_basic(key_id, secret), INFO)
    names = ["team-a/web", "team-b/api", "team-a/db"]
    assert auth.access.visible(who, names, INFO) == ["team-a/web", "team-a/db"]


def test_identity_errors_are_clear(auth: AuthServices) -> None:
    auth.identities.create_principal("alice", PrincipalKind.USER)
    with pytest.raises(Conflict):
        auth.identities.create_principal("alice", PrincipalKind.SERVICE)
    with pytest.raises(InvalidInput, match="invalid user name"):
        auth.identities.create_principal("a/b", PrincipalKind.USER)
    with pytest.raises(InvalidInput, match="only users have passwords"):
        auth.identities.create_principal(
            "ci", PrincipalKind.SERVICE, password="long enough"
        )
    auth.keys.create("alice")
    auth.keys.create("alice")
    with pytest.raises(Conflict, match="already has 2"):
        auth.keys.create("alice")


def test_deleting_a_principal_revokes_its_keys(auth: AuthServices) -> None:
    key_id, secret = _user(auth, "alice", "AdministratorAccess")
    auth.access.authenticate(_basic(key_id, secret), INFO)
    auth.identities.delete_principal("alice")
    with pytest.raises(Unauthenticated):
        auth.access.authenticate(_basic(key_id, secret), INFO)


def test_inline_decisions_need_warm_caches_and_leave_no_side_effects(
    auth: AuthServices,
) -> None:
    from seawall.auth.inline import NeedsIO, no_io

    key_id, secret = _user(auth, "alice", "AmazonEC2ContainerRegistryReadOnly")
    attacker = RequestInfo(source_ip="203.0.113.50")
    with no_io(), pytest.raises(NeedsIO):
        auth.access.authenticate(_basic(key_id, secret), INFO)
    who = auth.access.authenticate(_basic(key_id, secret), INFO)
    auth.access.authorize(who, "a", PULL, INFO)
    with no_io():  # warm now: decided without touching the database
        again = auth.access.authenticate(_basic(key_id, secret), INFO)
        auth.access.authorize(again, "a", PULL, INFO)
    # A wrong secret inline stops before counting the failure or auditing it.
    before = len(auth.audit.query(limit=1000))
    for _ in range(20):
        with no_io(), pytest.raises(NeedsIO):
            auth.access.authenticate(_basic(key_id, "x" * 40), attacker)
    assert len(auth.audit.query(limit=1000)) == before
    with pytest.raises(Unauthenticated):
        auth.access.authenticate(_basic(key_id, "x" * 40), attacker)


def test_time_conditions_are_evaluated_on_every_request(
    auth: AuthServices, clock: FakeClock
) -> None:
    from datetime import UTC, datetime

    deadline = datetime.fromtimestamp(clock.now + 60, UTC).isoformat()
    key_id, secret = _user(auth, "temp")
    auth.policies.put_policy(
        "until",
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "ecr:*",
                        "Resource": "*",
                        "Condition": {"DateLessThan": {"aws:CurrentTime": deadline}},
                    }
                ],
            }
        ),
    )
    auth.policies.attach(
        "until", "principal", auth.identities.get_principal("temp").principal_id
    )
    who = auth.access.authenticate(_basic(key_id, secret), INFO)
    auth.access.authorize(who, "a", PULL, INFO)
    clock.now += 120
    with pytest.raises(AccessDenied):
        auth.access.authorize(who, "a", PULL, INFO)


def test_decisions_depend_on_the_source_address(auth: AuthServices) -> None:
    key_id, secret = _user(auth, "office")
    auth.policies.put_policy(
        "office-only",
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "ecr:*",
                        "Resource": "*",
                        "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/24"}},
                    }
                ],
            }
        ),
    )
    auth.policies.attach(
        "office-only", "principal", auth.identities.get_principal("office").principal_id
    )
    who = auth.access.authenticate(_basic(key_id, secret), INFO)
    auth.access.authorize(who, "a", PULL, INFO)
    elsewhere = RequestInfo(source_ip="198.51.100.4", secure=True)
    with pytest.raises(AccessDenied):
        auth.access.authorize(who, "a", PULL, elsewhere)


def test_remembered_headers_are_dropped_when_a_key_is_disabled(
    auth: AuthServices,
) -> None:
    key_id, secret = _user(auth, "alice")
    header = "Basic " + base64.b64encode(f"{key_id}:{secret}".encode()).decode()
    assert auth.access.authenticate_header(header, INFO).name == "alice"
    assert auth.access.authenticate_header(header, INFO).name == "alice"
    wrong = "Basic " + base64.b64encode(f"{key_id}:{'y' * 40}".encode()).decode()
    with pytest.raises(Unauthenticated):
        auth.access.authenticate_header(wrong, INFO)
    auth.keys.set_status(key_id, "Inactive")
    with pytest.raises(Unauthenticated):
        auth.access.authenticate_header(header, INFO)
    assert auth.access.authenticate_header(None, INFO).is_anonymous


def test_remembered_bearer_header_expires_with_its_token(
    auth: AuthServices, clock: FakeClock
) -> None:
    key_id, secret = _user(auth, "alice", "AmazonEC2ContainerRegistryReadOnly")
    who = auth.access.authenticate(_basic(key_id, secret), INFO)
    token, expires_in, _ = auth.signer.issue_registry_token(who, "reg.test", [])
    header = f"Bearer {token}"
    assert auth.access.authenticate_header(header, INFO).via == "bearer"
    assert auth.access.authenticate_header(header, INFO).via == "bearer"
    clock.now += expires_in + 31
    with pytest.raises(Unauthenticated, match="expired"):
        auth.access.authenticate_header(header, INFO)
