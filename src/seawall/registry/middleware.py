"""Per-request context and the access log, as plain ASGI middleware."""

from __future__ import annotations

import time
import uuid
from typing import Any

import structlog

from seawall.logging import get_logger

log = get_logger("seawall.access")

Scope = dict[str, Any]
_API_VERSION = (b"docker-distribution-api-version", b"registry/2.0")


class RequestContextMiddleware:
    """Binds a request id (and the client's, when sent) to every log line of
    the request, echoes it in ``X-Request-Id`` and writes one access line."""

    def __init__(self, app: Any, *, access_log: bool = True) -> None:
        self.app = app
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_id(scope) or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        v2 = scope["path"].startswith("/v2/") or scope["path"] == "/v2"
        status = 500
        sent = 0

        async def send_wrapper(message: dict[str, Any]) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = message.setdefault("headers", [])
                headers.append((b"x-request-id", request_id.encode()))
                if v2 and not any(k.lower() == _API_VERSION[0] for k, _ in headers):
                    # Clients probe for this header on every /v2/ answer, 401s too.
                    headers.append(_API_VERSION)
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            if self.access_log:
                client = scope.get("client") or ("-", 0)
                log.info(
                    "request",
                    method=scope["method"],
                    path=scope["path"],
                    status=status,
                    bytes_sent=sent,
                    duration_ms=round((time.perf_counter() - started) * 1000, 2),
                    client=client[0],
                )
            structlog.contextvars.clear_contextvars()


def _incoming_id(scope: Scope) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == b"x-request-id":
            text: str = value.decode("latin-1")[:64]
            if text.replace("-", "").isalnum():
                return text
    return None
