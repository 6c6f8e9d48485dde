"""Builds the ECR API from the process's services (called by ``app.py``).

The ECR API always requires SigV4 with an access key: it needs a principal
for every call. Authorization goes through access control's policies when
``auth_enabled``; with access control off (an open registry, like /v2/)
every verified caller is allowed.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any

from starlette.routing import Route

from seawall.auth.principals import Principal
from seawall.auth.service import RequestInfo
from seawall.auth.throttle import FailureThrottle
from seawall.crypto.rootkey import derive_key, load_or_create_root_key
from seawall.ecr.context import EcrServices
from seawall.ecr.download import DownloadUrls, download_route
from seawall.ecr.protocol import EcrApi
from seawall.ecr.sigv4 import Credential
from seawall.ecr.store import EcrStore, tags_by_repository_name


def utc_now() -> datetime:
    return datetime.now(UTC)


class AccessKeyCredentials:
    """SigV4 credentials from access control's access keys.

    A looked-up key is reused for ``ttl`` seconds (access control's own
    refresh interval), so a deactivated or deleted key stops working within
    that time while busy clients do not pay two queries per request. Session
    tokens (temporary credentials) are not issued by Seawall, so a request
    carrying one is refused as an unknown credential.
    """

    def __init__(self, keys: Any, authorizer: Any, ttl: float = 1.0) -> None:
        self._keys = keys
        self._authorizer = authorizer
        self._ttl = ttl
        self._cache: dict[str, tuple[float, Credential | None]] = {}
        self._lock = threading.Lock()

    def credential(
        self, access_key_id: str, session_token: str | None
    ) -> Credential | None:
        if session_token is not None:
            return None
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(access_key_id)
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        found = self._lookup(access_key_id)
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[access_key_id] = (now, found)
        return found

    def _lookup(self, access_key_id: str) -> Credential | None:
        secret = self._keys.get_secret(access_key_id)
        principal = self._authorizer.principal_for_key(access_key_id)
        if secret is None or principal is None:
            return None
        return Credential(access_key_id, secret, principal)


class AllowAll:
    """The authorizer when access control is off: every verified caller may."""

    def authorize(
        self, principal: Principal, action: str, resource: str, context: Any
    ) -> bool:
        return True

    def permits(
        self, principal: Principal, action: str, resource: str, context: Any
    ) -> bool:
        return True


class PolicyAuthorizer:
    """Access control's decisions: audited for checks, quiet for filters."""

    def __init__(self, access: Any, audited: Any) -> None:
        self._access = access
        self._audited = audited

    def authorize(
        self, principal: Principal, action: str, resource: str, context: Any
    ) -> bool:
        return bool(self._audited.authorize(principal, action, resource, context))

    def permits(
        self, principal: Principal, action: str, resource: str, context: Any
    ) -> bool:
        info = RequestInfo(
            source_ip=str(context.get("aws:SourceIp", "")),
            secure=context.get("aws:SecureTransport") is True,
        )
        extra = {k: v for k, v in context.items() if isinstance(v, str | list)}
        decision = self._access.decide_arn(principal, action, resource, info, extra)
        return bool(decision.allowed)


def ecr_routes(services: Any) -> list[Route]:
    """The ECR API (``POST /``) and the download-URL route for ``services``.

    ``services`` is the app's Services: settings, store, auth, encryption,
    events.
    """
    from seawall.auth.adapters import EcrAuthorizer

    settings, auth = services.settings, services.auth
    engine = services.store.engine
    access = auth.access
    access_authorizer = EcrAuthorizer(access, auth.keys, access.authenticator)
    access.resource_tags = tags_by_repository_name(engine)
    secret = settings.root_key.get_secret_value() if settings.root_key else None
    root_key = load_or_create_root_key(
        settings.data_dir, key_file=settings.root_key_file, env_value=secret
    )
    downloads = DownloadUrls(derive_key(root_key, "ecr/download-urls"), utc_now)
    encryption = services.encryption
    ecr = EcrServices(
        settings=settings,
        clock=utc_now,
        events=services.events,
        authorizer=PolicyAuthorizer(access, access_authorizer)
        if settings.auth_enabled
        else AllowAll(),
        registry=services.store,
        ecr_store=EcrStore(engine, lambda: utc_now().timestamp()),
        keys=encryption.keys if encryption is not None else None,
        tokens=auth.signer,
        policies=auth.policies,
        downloads=downloads,
        extras={"access": access, "scanning": getattr(services, "scanning", None)},
    )
    # Twenty rejected keys or signatures a minute per address: ample for a
    # misconfigured client, far too few to guess a 40-character secret.
    throttle = FailureThrottle(time.time, limit=20, window=60.0)
    api = EcrApi(
        ecr, AccessKeyCredentials(auth.keys, access_authorizer), throttle=throttle
    )
    return [*api.routes(), download_route(downloads, services.store)]
