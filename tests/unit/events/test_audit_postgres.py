"""The audit chain and access control on a real PostgreSQL server."""

from __future__ import annotations

import base64
import threading

import pytest

from seawall.auth.credentials import parse_authorization
from seawall.auth.factory import build_auth, make_audit_trail
from seawall.auth.principals import PrincipalKind
from seawall.auth.service import RequestInfo
from seawall.errors import AccessDenied
from seawall.events.audit import AuditRecord, AuditTrail, UserIdentity
from seawall.settings import Settings
from seawall.storage.metadata.db import make_engine, migrate
from tests.pgserver import create_database

pytestmark = pytest.mark.postgres
ROOT = bytes(32)


def test_concurrent_appends_and_access_control_on_postgresql(
    postgres_url: str,
) -> None:
    url = Settings(database_url=create_database(postgres_url)).effective_database_url
    engine = make_engine(url)
    migrate(engine)
    try:
        # The same chain key as the access-control services built below.
        trails = [
            make_audit_trail(engine, ROOT, account="000000000000", region="us-east-1")
            for _ in range(4)
        ]
        who = UserIdentity(type="IAMUser", arn="arn:aws:iam::1:user/a")

        def work(trail: AuditTrail) -> None:
            for _ in range(10):
                trail.append(AuditRecord(event_name="PutImage", user_identity=who))

        threads = [threading.Thread(target=work, args=(t,)) for t in trails]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        result = trails[0].verify()
        assert result.ok
        assert result.checked == 40

        auth = build_auth(engine, ROOT, account="000000000000", region="us-east-1")
        auth.policies.install_builtins()
        principal = auth.identities.create_principal("reader", PrincipalKind.USER)
        auth.policies.attach(
            "AmazonEC2ContainerRegistryReadOnly", "principal", principal.principal_id
        )
        key = auth.keys.create("reader")
        raw = f"{key.access_key_id}:{key.secret_access_key}".encode()
        credentials = parse_authorization("Basic " + base64.b64encode(raw).decode())
        info = RequestInfo(source_ip="10.0.0.1")
        reader = auth.access.authenticate(credentials, info)
        auth.access.authorize(reader, "a/b", ("ecr:BatchGetImage",), info)
        with pytest.raises(AccessDenied):
            auth.access.authorize(reader, "a/b", ("ecr:PutImage",), info)
        assert auth.audit.verify().ok
    finally:
        engine.dispose()
