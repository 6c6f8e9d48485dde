"""Assemble the access-control services (called by the composition root)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

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
from seawall.events.audit import AuditTrail


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
