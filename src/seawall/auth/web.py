"""Access control on HTTP: the /v2/ guard and the token endpoints.

- :class:`PolicyGuard` implements the registry's ``Guard``: it authenticates
  each request, authorizes its ECR actions and answers 401 with a
  ``WWW-Authenticate: Bearer realm=...,service=...,scope=...`` challenge (so
  docker, skopeo, podman and oras run the token flow) or 403 DENIED.
- ``GET|POST /auth/token``: the Docker token endpoint. It returns a JWT whose
  ``access`` claim is the intersection of the requested scopes and what the
  caller may do.
- ``GET|POST /auth/authorization-token``: ECR's GetAuthorizationToken result
  (``base64("AWS:<password>")``, 12 hours) for ``docker login -u AWS``.
- ``GET /auth/audit/events``: audit trail queries (``cloudtrail:LookupEvents``).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import anyio.to_thread
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from seawall.auth import actions as ecr
from seawall.auth.credentials import parse_authorization
from seawall.auth.factory import AuthServices
from seawall.auth.inline import NeedsIO, no_io
from seawall.auth.principals import Principal
from seawall.auth.scope import ResourceScope, parse_scopes
from seawall.auth.service import RequestInfo
from seawall.errors import InvalidInput, TooManyRequests, Unauthenticated
from seawall.registry.guard import Caller

LOOKUP_EVENTS = "cloudtrail:LookupEvents"
TOKEN_PATH = "/auth/token"  # noqa: S105 (a URL path)
_MAX_FORM = 64 * 1024


def request_info(request: Request) -> RequestInfo:
    """The condition and audit facts of ``request`` (read from the ASGI scope)."""
    scope = request.scope
    client = scope.get("client")
    return RequestInfo(
        source_ip=client[0] if client else "",
        secure=scope.get("scheme") == "https",
        user_agent=request.headers.get("user-agent", "")[:256],
        request_id=str(scope.get("state", {}).get("request_id", "") or ""),
    )


class PolicyGuard:
    """The registry's Guard backed by :class:`AccessControl`."""

    def __init__(self, auth: AuthServices, public_url: str = "") -> None:
        self._auth = auth
        self._access = auth.access
        self._public_url = public_url.rstrip("/")

    async def check(
        self, request: Request, repository: str | None, actions: tuple[str, ...]
    ) -> Caller:
        """Authenticate and authorize, or raise with the right headers."""
        info = request_info(request)
        try:
            header = request.headers.get("authorization")
            args = (header, request.scope["path"], repository, actions, info)
            try:
                # Warm caches decide in microseconds: no worker thread then.
                with no_io():
                    principal = self._decide(*args)
            except NeedsIO:
                principal = await anyio.to_thread.run_sync(self._decide, *args)
        except Unauthenticated as exc:
            exc.headers = {  # type: ignore[attr-defined]
                "WWW-Authenticate": self.challenge(request, repository, actions)
            }
            raise
        except TooManyRequests as exc:
            retry = (exc.detail or {}).get("retry_after", 60)
            exc.headers = {"Retry-After": str(retry)}  # type: ignore[attr-defined]
            raise
        request.state.auth_principal = principal
        return Caller(principal=principal.arn, display_name=principal.name or "-")

    def _decide(
        self,
        header: str | None,
        path: str,
        repository: str | None,
        actions: tuple[str, ...],
        info: RequestInfo,
    ) -> Principal:
        principal = self._access.authenticate_header(header, info)
        if repository is None and not actions:
            _require_login(principal, path)
        else:
            self._access.authorize(principal, repository, actions, info)
        return principal

    async def visible(
        self, request: Request, caller: Caller, names: list[str]
    ) -> list[str]:
        principal: Principal | None = getattr(request.state, "auth_principal", None)
        if principal is None:
            return []
        info = request_info(request)
        return await anyio.to_thread.run_sync(
            self._access.visible, principal, names, info
        )

    def challenge(
        self, request: Request, repository: str | None, actions: Sequence[str]
    ) -> str:
        """The Bearer challenge naming the scope this request needs."""
        realm = f"{self.base_url(request)}{TOKEN_PATH}"
        value = f'Bearer realm="{realm}",service="{self._auth.service_name}"'
        scope = _challenge_scope(request.url.path, repository, actions)
        if scope:
            value += f',scope="{scope}"'
        if request.headers.get("authorization", "").lower().startswith("bearer "):
            value += ',error="insufficient_scope"'
        return value

    def base_url(self, request: Request) -> str:
        return self._public_url or f"{request.url.scheme}://{request.url.netloc}"


def _require_login(principal: Principal, path: str) -> None:
    if principal.is_anonymous:
        raise Unauthenticated("failed to authenticate: credentials required")
    catalog = path.rstrip("/").endswith("/_catalog")
    if (
        catalog
        and principal.token_access is not None
        and not any(
            e.type == "registry" and e.name == "catalog" for e in principal.token_access
        )
    ):
        raise Unauthenticated("failed to authorize: the token has no catalog scope")


def _challenge_scope(path: str, repository: str | None, actions: Sequence[str]) -> str:
    if repository is None:
        return "registry:catalog:*" if path.rstrip("/").endswith("/_catalog") else ""
    wanted: list[str] = []
    for action in actions:
        covering = ecr.covering_scope_actions(action)
        if "push" in covering and action not in ecr.PULL:
            wanted += ["pull", "push"]
        elif covering:
            wanted.append(covering[0])
    return f"repository:{repository}:{','.join(dict.fromkeys(wanted))}"


# -- token endpoints -----------------------------------------------------


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def token_routes(auth: AuthServices, guard: PolicyGuard) -> list[BaseRoute]:
    """The routes access control adds to the application."""

    async def token(request: Request) -> Response:
        return await _token(request, auth)

    async def authorization_token(request: Request) -> Response:
        return await _authorization_token(request, auth, guard)

    async def audit_events(request: Request) -> Response:
        return await _audit_events(request, auth)

    # One Mount, so /v2/ requests pay a single prefix test for all of these.
    return [
        Mount(
            "/auth",
            routes=[
                Route("/token", token, methods=["GET", "POST"]),
                Route(
                    "/authorization-token", authorization_token, methods=["GET", "POST"]
                ),
                Route("/audit/events", audit_events, methods=["GET"]),
            ],
        ),
    ]


async def _token(request: Request, auth: AuthServices) -> Response:
    info = request_info(request)
    form = await _form(request) if request.method == "POST" else None
    params = form if form is not None else request.query_params
    service = str(params.get("service") or auth.service_name)
    if service != auth.service_name:
        raise InvalidInput(
            f"invalid service {service!r}: this registry is {auth.service_name!r}"
        )
    scopes = parse_scopes([str(v) for v in params.getlist("scope")])
    credentials = _token_credentials(request, form)
    try:
        issued = await anyio.to_thread.run_sync(_issue, auth, credentials, scopes, info)
    except Unauthenticated as exc:
        exc.headers = {"WWW-Authenticate": 'Basic realm="seawall"'}  # type: ignore[attr-defined]
        raise
    value, expires_in, issued_at = issued
    return JSONResponse(
        {
            "token": value,
            "access_token": value,
            "expires_in": expires_in,
            "issued_at": _iso(issued_at),
        },
        headers={"Cache-Control": "no-store"},
    )


async def _form(request: Request) -> QueryParams:
    """An OAuth2 token request body (application/x-www-form-urlencoded).

    Parsed here rather than with Starlette's form parser, which needs an
    extra multipart dependency the token endpoint has no use for.
    """
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > _MAX_FORM:
            raise InvalidInput("invalid token request: the body is too large")
    try:
        return QueryParams(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise InvalidInput("invalid token request: the body is not UTF-8") from exc


def _token_credentials(request: Request, form: Any) -> Any:
    if form is not None and form.get("grant_type"):
        grant = form.get("grant_type")
        if grant != "password":
            raise InvalidInput(f"unsupported grant_type {grant!r}: use password")
        header = (
            "Basic "
            + base64.b64encode(
                f"{form.get('username', '')}:{form.get('password', '')}".encode()
            ).decode()
        )
        return parse_authorization(header)
    return parse_authorization(request.headers.get("authorization"))


def _issue(
    auth: AuthServices,
    credentials: Any,
    scopes: list[ResourceScope],
    info: RequestInfo,
) -> tuple[str, int, float]:
    principal = auth.access.authenticate(credentials, info)
    granted = auth.access.grant(principal, scopes, info)
    issued = auth.signer.issue_registry_token(principal, auth.service_name, granted)
    auth.access.record(
        "GetRegistryToken",
        principal,
        info,
        parameters={
            "requested": [str(s) for s in scopes],
            "granted": [str(s) for s in granted],
        },
    )
    return issued


async def _authorization_token(
    request: Request, auth: AuthServices, guard: PolicyGuard
) -> Response:
    info = request_info(request)
    credentials = parse_authorization(request.headers.get("authorization"))
    try:
        data = await anyio.to_thread.run_sync(
            issue_authorization_token, auth, credentials, info
        )
    except Unauthenticated as exc:
        exc.headers = {"WWW-Authenticate": 'Basic realm="seawall"'}  # type: ignore[attr-defined]
        raise
    data["proxyEndpoint"] = guard.base_url(request)
    return JSONResponse(
        {"authorizationData": [data]}, headers={"Cache-Control": "no-store"}
    )


def issue_authorization_token(
    auth: AuthServices, credentials: Any, info: RequestInfo
) -> dict[str, Any]:
    """GetAuthorizationToken: ``authorizationToken`` and ``expiresAt`` (epoch).

    Needs ``ecr:GetAuthorizationToken`` on ``*``; anonymous callers get 401.
    """
    principal = auth.access.authenticate(credentials, info)
    if principal.is_anonymous:
        raise Unauthenticated("failed to authenticate: credentials required")
    return authorization_data(auth, principal, info)


def authorization_data(
    auth: AuthServices, principal: Principal, info: RequestInfo
) -> dict[str, Any]:
    """The token for an already authenticated principal (the ECR API's entry)."""
    auth.access.authorize(principal, None, (ecr.GET_AUTHORIZATION_TOKEN,), info)
    key_id = principal.credential_id if principal.via == "access-key" else ""
    password, expires_at = auth.signer.issue_login_token(principal, key_id)
    auth.access.record("GetAuthorizationToken", principal, info)
    encoded = base64.b64encode(f"AWS:{password}".encode()).decode("ascii")
    return {"authorizationToken": encoded, "expiresAt": expires_at}


async def _audit_events(request: Request, auth: AuthServices) -> Response:
    info = request_info(request)
    credentials = parse_authorization(request.headers.get("authorization"))
    params = request.query_params

    def run() -> list[dict[str, Any]]:
        principal = auth.access.authenticate(credentials, info)
        if principal.is_anonymous:
            raise Unauthenticated("failed to authenticate: credentials required")
        auth.access.authorize(principal, None, (LOOKUP_EVENTS,), info)
        return auth.audit.query(
            start=_time_param(params.get("start")),
            end=_time_param(params.get("end")),
            principal=params.get("principal"),
            repository=params.get("repository"),
            event_name=params.get("eventName"),
            limit=_limit_param(params.get("limit")),
        )

    try:
        events = await anyio.to_thread.run_sync(run)
    except Unauthenticated as exc:
        exc.headers = {"WWW-Authenticate": 'Basic realm="seawall"'}  # type: ignore[attr-defined]
        raise
    return JSONResponse({"events": events})


def _limit_param(value: str | None) -> int:
    """A page size of 1 to 10 000 (100 when absent); InvalidInput otherwise."""
    if not value:
        return 100
    if not value.isdigit() or not 1 <= int(value) <= 10_000:
        raise InvalidInput(f"invalid limit {value!r}: 1 to 10000")
    return int(value)


def _time_param(value: str | None) -> float | None:
    """Epoch seconds or ISO 8601; InvalidInput otherwise."""
    if not value:
        return None
    from seawall.auth.conditions import parse_date

    try:
        return parse_date(value)
    except ValueError as exc:
        raise InvalidInput(
            f"invalid time {value!r}: ISO 8601 or epoch seconds"
        ) from exc
