"""The access-control service: decisions, their cache and their audit.

:class:`AccessControl` answers "may this principal do these actions on this
repository?" for every API. Policies are loaded from the database once and
kept per principal and per repository until the access model changes: a
change in this process clears the caches at once, and a change in another
process is seen within ``REFRESH_SECONDS`` through the shared generation
counter. Evaluation itself is pure and cheap, so time- and address-dependent
conditions are evaluated on every request.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from seawall.auth import actions as ecr
from seawall.auth.arn import repository_arn
from seawall.auth.authenticate import Authenticator
from seawall.auth.conditions import ContextValue
from seawall.auth.credentials import NONE as NO_CREDENTIALS
from seawall.auth.credentials import Credentials, parse_authorization
from seawall.auth.evaluate import AttachedPolicy, Decision, Request, evaluate
from seawall.auth.inline import require_io
from seawall.auth.policystore import Generation, PolicyStore
from seawall.auth.principals import Principal, PrincipalKind
from seawall.auth.scope import ResourceScope
from seawall.auth.throttle import FailureThrottle
from seawall.errors import AccessDenied, TooManyRequests, Unauthenticated
from seawall.events.audit import AuditRecord, AuditTrail, UserIdentity
from seawall.logging import get_logger

log = get_logger(__name__)

REFRESH_SECONDS = 1.0
LOGIN_AUDIT_WINDOW = 300.0  # one success event per credential and address
MAX_CACHED_DECISIONS = 100_000
_TIME_KEYS = frozenset({"aws:currenttime", "aws:epochtime"})


@dataclass(frozen=True)
class RequestInfo:
    """Facts about the request that conditions and the audit trail use."""

    source_ip: str = ""
    secure: bool = False
    user_agent: str = ""
    request_id: str = ""


ResourceTags = Callable[[str], Mapping[str, str]]


def _no_tags(_: str) -> Mapping[str, str]:
    return {}


class AccessControl:
    """Authenticate, decide, audit; one instance per process."""

    def __init__(
        self,
        authenticator: Authenticator,
        policies: PolicyStore,
        generation: Generation,
        throttle: FailureThrottle,
        audit: AuditTrail,
        *,
        region: str,
        account: str,
        clock: Callable[[], float] = time.time,
        resource_tags: ResourceTags = _no_tags,
    ) -> None:
        self._auth = authenticator
        self._policies = policies
        self._generation = generation
        self._throttle = throttle
        self._audit = audit
        self._region = region
        self._account = account
        self._clock = clock
        self.resource_tags = resource_tags
        self._identity_cache: dict[str, tuple[AttachedPolicy, ...]] = {}
        self._resource_cache: dict[str | None, tuple[AttachedPolicy, ...]] = {}
        self._tag_cache: dict[str, Mapping[str, str]] = {}
        self._decisions: dict[tuple[object, ...], Decision] = {}
        self._front: dict[bytes, Principal] = {}
        self._front_key = os.urandom(32)
        self._logins: dict[tuple[str, str], float] = {}
        self._seen_generation = -1
        self._checked_at = 0.0
        self._lock = threading.Lock()

    @property
    def authenticator(self) -> Authenticator:
        """The authenticator (the ECR API resolves access keys through it)."""
        return self._auth

    @property
    def account(self) -> str:
        return self._account

    # -- caches ----------------------------------------------------------

    def changed(self) -> None:
        """The access model changed here: tell every process, drop caches."""
        self._generation.bump()
        self.invalidate()

    def invalidate(self) -> None:
        """Drop every cached credential, policy and tag (e.g. a tag changed)."""
        self._identity_cache = {}
        self._resource_cache = {}
        self._tag_cache = {}
        self._decisions = {}
        self._front = {}
        self._auth.clear()

    def _refresh(self) -> None:
        now = time.monotonic()
        if now - self._checked_at < REFRESH_SECONDS:
            return
        require_io()
        with self._lock:
            if now - self._checked_at < REFRESH_SECONDS:
                return
            current = self._generation.read()
            if current != self._seen_generation:
                self.invalidate()
                self._seen_generation = current
            self._checked_at = now

    # -- authentication --------------------------------------------------

    def authenticate_header(self, header: str | None, info: RequestInfo) -> Principal:
        """The caller behind an Authorization header (see :meth:`authenticate`).

        A header that authenticated before is recognised by a keyed BLAKE2
        digest of it (never the header itself) until the access model
        changes or its token expires, so a busy client costs one hash.
        """
        self._refresh()
        if not header:
            return self.authenticate(NO_CREDENTIALS, info)
        digest = hashlib.blake2b(
            header.encode(), key=self._front_key, digest_size=16
        ).digest()
        known = self._front.get(digest)
        if known is not None and (
            known.expires_at is None or known.expires_at > self._clock()
        ):
            self._throttle.check(info.source_ip)
            self._record_login(known, info)
            return known
        principal = self.authenticate(parse_authorization(header), info)
        if not principal.is_anonymous:
            if len(self._front) >= MAX_CACHED_DECISIONS:
                self._front = {}
            self._front[digest] = principal
        return principal

    def authenticate(self, credentials: Credentials, info: RequestInfo) -> Principal:
        """The caller; Unauthenticated (counted per source) or TooManyRequests."""
        self._refresh()
        if credentials.scheme == "none":
            return self._auth.authenticate(credentials)
        self._throttle.check(info.source_ip)
        try:
            principal = self._auth.authenticate(credentials)
        except Unauthenticated as exc:
            require_io()
            self._throttle.fail(info.source_ip)
            self._record_auth_failure(credentials, info, exc)
            raise
        self._record_login(principal, info)
        return principal

    def _record_auth_failure(
        self, credentials: Credentials, info: RequestInfo, exc: Unauthenticated
    ) -> None:
        # The user name is recorded only when it is a public identifier shape.
        shown = "" if credentials.scheme == "bearer" else credentials.username[:64]
        self._audit.append(
            AuditRecord(
                event_name="Authenticate",
                source_ip=info.source_ip,
                user_identity=UserIdentity(type="Unknown", user_name=shown),
                request_parameters={"scheme": credentials.scheme},
                error_code="InvalidCredentials",
                error_message=exc.message,
                user_agent=info.user_agent,
                request_id=info.request_id,
            )
        )

    def _record_login(self, principal: Principal, info: RequestInfo) -> None:
        key = (principal.credential_id, info.source_ip)
        now = self._clock()
        if now - self._logins.get(key, -LOGIN_AUDIT_WINDOW) < LOGIN_AUDIT_WINDOW:
            return
        require_io()
        if len(self._logins) > 50_000:
            self._logins = {}
        self._logins[key] = now
        self.record(
            "Authenticate", principal, info, parameters={"method": principal.via}
        )

    # -- decisions -------------------------------------------------------

    def decide(
        self,
        principal: Principal,
        action: str,
        repository: str | None,
        info: RequestInfo,
    ) -> Decision:
        """The decision for one action (no audit, no exception).

        Decisions are cached per (principal, action, repository, source
        address, transport) unless a policy involved tests the time.
        """
        self._refresh()
        key = (
            principal.principal_id,
            principal.kind,
            action,
            repository,
            info.source_ip,
            info.secure,
        )
        cached = self._decisions.get(key)
        if cached is not None:
            return cached
        resource = self.resource(repository)
        policies = self._identity(principal) + self._resource(repository)
        context = self._context(principal, repository, info)
        decision = evaluate(Request(principal, action, resource, context), policies)
        if not _time_dependent(policies):
            if len(self._decisions) >= MAX_CACHED_DECISIONS:
                self._decisions = {}
            self._decisions[key] = decision
        return decision

    def decide_arn(
        self,
        principal: Principal,
        action: str,
        resource: str,
        info: RequestInfo,
        extra: Mapping[str, ContextValue] | None = None,
    ) -> Decision:
        """The decision for an action on any resource ARN (the ECR API's view).

        A repository ARN of this registry brings in its repository policy and
        tags; ``extra`` adds request-side condition keys (e.g. aws:RequestTag).
        """
        self._refresh()
        repository = self.repository_of(resource)
        policies = self._identity(principal) + self._resource(repository)
        context = self._context(principal, repository, info)
        context.update(extra or {})
        return evaluate(Request(principal, action, resource, context), policies)

    def repository_of(self, resource: str) -> str | None:
        """The repository name of one of this registry's repository ARNs."""
        prefix = repository_arn(self._region, self._account, "")
        if not resource.startswith(prefix):
            return None
        return resource.removeprefix(prefix) or None

    def authorize(
        self,
        principal: Principal,
        repository: str | None,
        actions: Sequence[str],
        info: RequestInfo,
    ) -> None:
        """Return when every action is allowed; else raise and audit.

        Raises Unauthenticated for an anonymous caller (so clients log in),
        AccessDenied (DENIED) for a known one.
        """
        for action in actions:
            if not self._token_covers(principal, repository, action):
                raise Unauthenticated(
                    f"failed to authorize {action}: the token's scope does not cover it"
                )
            decision = self.decide(principal, action, repository, info)
            if decision.allowed:
                continue
            require_io()
            self.record(
                action.split(":", 1)[-1],
                principal,
                info,
                repository=repository,
                error_code="AccessDenied",
                error_message=decision.describe(),
            )
            name = repository or "the registry"
            if principal.is_anonymous:
                raise Unauthenticated(
                    f"failed to authorize {action} on {name}: authentication required"
                )
            raise AccessDenied(
                f"failed to authorize {action} on {name}: "
                f"{principal.arn} is not allowed to"
            )

    def grant(
        self, principal: Principal, scopes: Sequence[ResourceScope], info: RequestInfo
    ) -> list[ResourceScope]:
        """The part of ``scopes`` the principal may have: partial is not an error."""
        granted: list[ResourceScope] = []
        for scope in scopes:
            allowed = self._granted_actions(principal, scope, info)
            if allowed:
                granted.append(ResourceScope(scope.type, scope.name, allowed))
        return granted

    def visible(
        self, principal: Principal, names: Sequence[str], info: RequestInfo
    ) -> list[str]:
        """The repositories the caller may see (describe or pull)."""
        return [
            name
            for name in names
            if any(
                self.decide(principal, action, name, info).allowed
                for action in (ecr.DESCRIBE_REPOSITORIES, ecr.BATCH_GET_IMAGE)
            )
        ]

    def resource(self, repository: str | None) -> str:
        """The ARN the decision is about (``*`` for registry-wide actions)."""
        if repository is None:
            return "*"
        return repository_arn(self._region, self._account, repository)

    def _granted_actions(
        self, principal: Principal, scope: ResourceScope, info: RequestInfo
    ) -> tuple[str, ...]:
        if scope.type == "registry" and scope.name == "catalog":
            ok = (
                self.decide(principal, ecr.DESCRIBE_REPOSITORIES, None, info).allowed
                or not principal.is_anonymous
            )
            return ("*",) if ok and "*" in scope.actions else ()
        if scope.type != "repository":
            return ()
        wanted = ("pull", "push", "delete") if "*" in scope.actions else scope.actions
        return tuple(
            action
            for action in dict.fromkeys(wanted)
            if action in ecr.SCOPE_ACTIONS
            and all(
                self.decide(principal, needed, scope.name, info).allowed
                for needed in ecr.SCOPE_ACTIONS[action]
            )
        )

    @staticmethod
    def _token_covers(
        principal: Principal, repository: str | None, action: str
    ) -> bool:
        if principal.token_access is None:
            return True
        if repository is None:
            return True  # registry-wide calls are decided by policy alone
        covering = ecr.covering_scope_actions(action)
        return any(
            entry.type == "repository"
            and entry.name == repository
            and any(a in covering or a == "*" for a in entry.actions)
            for entry in principal.token_access
        )

    def _identity(self, principal: Principal) -> tuple[AttachedPolicy, ...]:
        if principal.is_anonymous:
            return ()
        cached = self._identity_cache.get(principal.principal_id)
        if cached is None:
            require_io()
            cached = self._policies.identity_policies(principal)
            self._identity_cache[principal.principal_id] = cached
        return cached

    def _resource(self, repository: str | None) -> tuple[AttachedPolicy, ...]:
        cached = self._resource_cache.get(repository)
        if cached is None:
            require_io()
            cached = self._policies.resource_policies(repository)
            if len(self._resource_cache) > 10_000:
                self._resource_cache = {}
            self._resource_cache[repository] = cached
        return cached

    def _context(
        self, principal: Principal, repository: str | None, info: RequestInfo
    ) -> dict[str, ContextValue]:
        now = self._clock()
        context: dict[str, ContextValue] = {
            "aws:SourceIp": info.source_ip,
            "aws:SecureTransport": "true" if info.secure else "false",
            "aws:CurrentTime": datetime.fromtimestamp(now, UTC).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            ),
            "aws:EpochTime": str(int(now)),
            "aws:RequestedRegion": self._region,
        }
        if not principal.is_anonymous:
            context.update(_principal_keys(principal))
        if repository is not None:
            for key, value in self._tags(repository).items():
                context[f"ecr:ResourceTag/{key}"] = value
                context[f"aws:ResourceTag/{key}"] = value
        return context

    def _tags(self, repository: str) -> Mapping[str, str]:
        cached = self._tag_cache.get(repository)
        if cached is None:
            require_io()
            cached = self._tag_cache[repository] = dict(self.resource_tags(repository))
        return cached

    # -- audit -----------------------------------------------------------

    def record(
        self,
        event_name: str,
        principal: Principal,
        info: RequestInfo,
        *,
        repository: str | None = None,
        parameters: Mapping[str, object] | None = None,
        error_code: str = "",
        error_message: str = "",
    ) -> None:
        """Append one event for ``principal`` (ids only, never secrets)."""
        params = dict(parameters or {})
        if repository is not None:
            params.setdefault("repositoryName", repository)
        self._audit.append(
            AuditRecord(
                event_name=event_name,
                user_identity=identity_of(principal),
                source_ip=info.source_ip,
                repository=repository,
                request_parameters=params,
                resources=(self.resource(repository),) if repository else (),
                error_code=error_code,
                error_message=error_message,
                user_agent=info.user_agent,
                request_id=info.request_id,
            )
        )


def _time_dependent(policies: tuple[AttachedPolicy, ...]) -> bool:
    """Whether any statement's conditions read the clock."""
    return any(
        condition.key.lower() in _TIME_KEYS
        or any(
            "${aws:currenttime" in v.lower() or "${aws:epochtime" in v.lower()
            for v in condition.values
        )
        for attached in policies
        for statement in attached.policy.statements
        for condition in statement.conditions
    )


def _principal_keys(principal: Principal) -> dict[str, ContextValue]:
    keys: dict[str, ContextValue] = {
        "aws:PrincipalArn": principal.arn,
        "aws:PrincipalAccount": principal.account,
        "aws:userid": principal.principal_id,
        "aws:PrincipalType": "User"
        if principal.kind is PrincipalKind.USER
        else "AssumedRole",
    }
    if principal.kind is PrincipalKind.USER:
        keys["aws:username"] = principal.name
    for key, value in principal.tags:
        keys[f"aws:PrincipalTag/{key}"] = value
    return keys


def identity_of(principal: Principal) -> UserIdentity:
    """CloudTrail's userIdentity for ``principal``."""
    if principal.is_anonymous:
        return UserIdentity(type="Anonymous", account_id=principal.account)
    return UserIdentity(
        type="IAMUser" if principal.kind is PrincipalKind.USER else "Service",
        arn=principal.arn,
        principal_id=principal.principal_id,
        account_id=principal.account,
        user_name=principal.name,
        access_key_id=principal.credential_id if principal.via == "access-key" else "",
    )


__all__ = ["AccessControl", "RequestInfo", "TooManyRequests", "identity_of"]
