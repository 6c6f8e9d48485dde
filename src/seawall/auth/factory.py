"""Assemble the access-control services (called by the composition root)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from seawall.auth.authenticate import Authenticator
from seawall.auth.bootstrap import bootstrap
from seawall.auth.identities import IdentityStore
from seawall.auth.keys import AccessKeyStore
from seawall.auth.policystore import Generation, PolicyStore
from seawall.auth.secretbox import SecretBox
from seawall.auth.service import AccessControl
from seawall.auth.throttle import FailureThrottle
from seawall.auth.tokens import TokenSigner
from seawall.crypto.rootkey import derive_key
from seawall.events import audit as audit_module
from seawall.events.audit import AuditRecord, AuditTrail, UserIdentity


@dataclass
class AuthServices:
    """Everything access control consists of, for the app, the CLI and tests."""

    identities: IdentityStore
    keys: AccessKeyStore
    policies: PolicyStore
    access: AccessControl
    signer: TokenSigner
    audit: AuditTrail
    service_name: str


def build_auth(
    engine: Engine,
    root_key: bytes,
    *,
    account: str,
    region: str,
    service_name: str = "seawall",
    clock: Callable[[], float] = time.time,
) -> AuthServices:
    """Wire the stores, the signer, the audit trail and AccessControl."""
    generation = Generation(engine)
    holder: list[AccessControl] = []

    def changed() -> None:
        if holder:
            holder[0].changed()
        else:
            generation.bump()

    identities = IdentityStore(engine, account, clock, changed)
    keys = AccessKeyStore(engine, SecretBox.from_root_key(root_key), clock, changed)
    policies = PolicyStore(engine, clock, changed)
    signer = TokenSigner(root_key, clock)
    audit = make_audit_trail(
        engine, root_key, account=account, region=region, clock=clock
    )
    authenticator = Authenticator(
        identities, keys, signer, account, lambda: service_name
    )
    access = AccessControl(
        authenticator,
        policies,
        generation,
        FailureThrottle(clock),
        audit,
        region=region,
        account=account,
        clock=clock,
    )
    holder.append(access)
    return AuthServices(identities, keys, policies, access, signer, audit, service_name)


def make_audit_trail(
    engine: Engine,
    root_key: bytes,
    *,
    account: str,
    region: str,
    clock: Callable[[], float] = time.time,
) -> AuditTrail:
    """The audit trail keyed from the root key."""
    key = derive_key(root_key, audit_module.PURPOSE)
    return AuditTrail(engine, key, clock, region=region, account=account)


def first_start(
    services: AuthServices,
    engine: Engine,
    data_dir: Path,
    admin_key: tuple[str, str] | None,
    announce: Callable[[str], None] = print,
) -> bool:
    """Built-in policies and, once per registry, the administrator."""
    return bootstrap(
        engine,
        services.identities,
        services.keys,
        services.policies,
        data_dir,
        admin_key=admin_key,
        announce=announce,
    )


def from_settings(
    settings: Any, engine: Engine, announce: Callable[[str], None] = print
) -> AuthServices:
    """Access control for ``settings``: root key, services, first start."""
    from seawall.crypto.rootkey import load_or_create_root_key

    secret = settings.root_key.get_secret_value() if settings.root_key else None
    root_key = load_or_create_root_key(
        settings.data_dir, key_file=settings.root_key_file, env_value=secret
    )
    services = build_auth(
        engine,
        root_key,
        account=settings.account_id,
        region=settings.region,
        service_name=service_name(settings),
    )
    admin_secret = settings.admin_secret_access_key
    admin_key = (
        (settings.admin_access_key_id, admin_secret.get_secret_value())
        if settings.admin_access_key_id and admin_secret is not None
        else None
    )
    if first_start(services, engine, settings.data_dir, admin_key, announce):
        services.audit.append(
            AuditRecord(
                event_name="CreateUser",
                event_source="iam.amazonaws.com",
                user_identity=UserIdentity(type="Seawall", user_name="first-start"),
                request_parameters={
                    "userName": "admin",
                    "policy": "AdministratorAccess",
                    "fromEnvironment": admin_key is not None,
                },
            )
        )
    return services


def service_name(settings: Any) -> str:
    """The token ``service`` (audience): the public host, else "seawall"."""
    from urllib.parse import urlsplit

    host = urlsplit(settings.public_url).netloc if settings.public_url else ""
    return host or "seawall"
