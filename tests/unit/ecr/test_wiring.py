"""SigV4 credentials come from access control's real access-key store."""

from __future__ import annotations

import os
from typing import Any

import pytest

from seawall.auth.adapters import EcrAuthorizer
from seawall.auth.factory import build_auth
from seawall.auth.principals import PrincipalKind
from seawall.ecr.wiring import AccessKeyCredentials
from seawall.storage.metadata.db import make_engine, migrate


@pytest.fixture(scope="module")
def auth(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = tmp_path_factory.mktemp("auth") / "meta.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    services = build_auth(
        engine, os.urandom(32), account="000000000000", region="us-east-1"
    )
    yield services
    engine.dispose()


def _credentials(auth: Any, ttl: float) -> AccessKeyCredentials:
    adapter = EcrAuthorizer(auth.access, auth.keys, auth.access.authenticator)
    return AccessKeyCredentials(auth.keys, adapter, ttl=ttl)


def test_an_active_key_resolves_to_its_owner(auth: Any) -> None:
    auth.identities.create_principal("ci-owner", PrincipalKind.SERVICE)
    key = auth.keys.create("ci-owner")
    found = _credentials(auth, ttl=0).credential(key.access_key_id, None)
    assert found is not None
    assert found.secret == key.secret_access_key
    assert found.principal.name == "ci-owner"
    assert found.principal.credential_id == key.access_key_id


def test_unknown_keys_and_session_tokens_are_refused(auth: Any) -> None:
    auth.identities.create_principal("ci-refused", PrincipalKind.SERVICE)
    key = auth.keys.create("ci-refused")
    credentials = _credentials(auth, ttl=0)
    assert credentials.credential("AKIANOSUCHKEY0000000", None) is None
    assert credentials.credential(key.access_key_id, "session-token") is None


def test_a_deactivated_key_stops_working_after_the_ttl(auth: Any) -> None:
    auth.identities.create_principal("ci-deactivated", PrincipalKind.SERVICE)
    key = auth.keys.create("ci-deactivated")
    cached = _credentials(auth, ttl=3600)
    fresh = _credentials(auth, ttl=0)
    assert cached.credential(key.access_key_id, None) is not None
    auth.keys.set_status(key.access_key_id, "Inactive")
    assert fresh.credential(key.access_key_id, None) is None
    assert cached.credential(key.access_key_id, None) is not None  # within the TTL
