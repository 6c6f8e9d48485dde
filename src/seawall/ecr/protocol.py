"""The ECR JSON 1.1 endpoint: ``POST /`` dispatched on ``X-Amz-Target``.

One request goes through these steps, each failing with an ECR error type:

1. read the body (bounded), find the operation in ``X-Amz-Target``;
2. verify the SigV4 signature (:mod:`seawall.ecr.sigv4`);
3. parse the JSON and validate it against the model
   (:mod:`seawall.ecr.validation`);
4. authorize the caller for the operation's ECR action and resource;
5. run the handler in a worker thread (storage is synchronous);
6. render the output (epoch timestamps, no nulls) with ``x-amzn-RequestId``;
   write the audit event for the call, whatever its outcome.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, replace
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from seawall.auth.throttle import FailureThrottle
from seawall.ecr.context import EcrContext, EcrServices
from seawall.ecr.errors import EcrError, from_domain
from seawall.ecr.model import ServiceModel, load_model
from seawall.ecr.operations import Operation, load_operations
from seawall.ecr.sigv4 import (
    CredentialRejected,
    CredentialSource,
    SignedRequest,
    SigV4Verifier,
    Verified,
)
from seawall.ecr.validation import parse_input
from seawall.ecr.wire import to_wire
from seawall.errors import SeawallError, TooManyRequests
from seawall.events import RegistryEvent
from seawall.logging import get_logger

log = get_logger(__name__)

CONTENT_TYPE = "application/x-amz-json-1.1"
# An UploadLayerPart of 20 MiB is about 27 MiB once base64 encoded in JSON.
MAX_BODY_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class _Call:
    """A request after reading: what the pipeline needs, no Starlette types."""

    target: str
    signed: SignedRequest
    host: str
    scheme: str
    source_ip: str
    request_id: str


class EcrApi:
    """The ECR API as a Starlette endpoint; mount :meth:`routes` at ``/``."""

    def __init__(
        self,
        services: EcrServices,
        credentials: CredentialSource,
        model: ServiceModel | None = None,
        throttle: FailureThrottle | None = None,
    ) -> None:
        self.services = services
        self.throttle = throttle
        self.model = model or load_model()
        self.operations = load_operations()
        self.verifier = SigV4Verifier(
            credentials, [services.settings.region], services.clock
        )

    def routes(self) -> list[Route]:
        return [Route("/", self.endpoint, methods=["POST"])]

    async def endpoint(self, request: Request) -> Response:
        # One id for the access log, x-request-id and x-amzn-RequestId.
        request_id = str(getattr(request.state, "request_id", "") or uuid.uuid4())
        try:
            call = await _read(request, request_id)
        except EcrError as exc:
            return _error_response(exc, request_id)
        return await run_in_threadpool(self.handle, call)

    def handle(self, call: _Call) -> Response:
        """Run one call through the pipeline; never raises."""
        event = [
            RegistryEvent(
                name=call.target.rpartition(".")[2] or call.target,
                source_ip=call.source_ip,
                request_id=call.request_id,
            )
        ]
        try:
            output = self._run(call, event)
        except EcrError as exc:
            if exc.code != "AccessDeniedException":  # the authorizer audits denials
                self._audit(event[0], exc.code)
            return _error_response(exc, call.request_id)
        except Exception:
            log.exception(
                "ecr_request_failed",
                operation=event[0].name,
                request_id=call.request_id,
            )
            error = EcrError("ServerException", "failed to process the request")
            self._audit(event[0], error.code)
            return _error_response(error, call.request_id)
        self._audit(event[0], None)
        return _json_response(200, output, call.request_id)

    def _run(self, call: _Call, event: list[RegistryEvent]) -> dict[str, Any]:
        """The output of the call; ``event[0]`` learns who asked and about what."""
        operation = self._operation(call.target)
        verified = self._verify(call)
        principal = verified.credential.principal
        event[0] = _with(event[0], principal=principal.arn)
        params = parse_input(self.model, operation.name, _json_body(call.signed.body))
        ctx = EcrContext(
            services=self.services,
            operation=operation.name,
            params=params,
            principal=principal,
            request_id=call.request_id,
            host=call.host,
            scheme=call.scheme,
            source_ip=call.source_ip,
        )
        ctx = replace(ctx, condition_context=_condition_context(ctx))
        resource = _resource(operation, ctx)
        event[0] = _with(
            event[0],
            repository=params.get("repositoryName"),
            resources=(resource,),
            parameters=audit_parameters(params),
        )
        self._authorize(ctx, operation, resource)
        output = self._invoke(operation, ctx)
        if operation.changes_state:
            self.verifier.remember(verified)
        return output

    def _verify(self, call: _Call) -> Verified:
        """SigV4, with failed guesses (unknown keys, wrong signatures) throttled.

        Past the budget a source gets ThrottlingException, which botocore
        backs off from; clock skew and replays do not count as guesses.
        """
        if self.throttle is None:
            return self.verifier.verify(call.signed)
        try:
            self.throttle.check(call.source_ip)
        except TooManyRequests as exc:
            raise EcrError("ThrottlingException", exc.message) from exc
        try:
            return self.verifier.verify(call.signed)
        except CredentialRejected:
            self.throttle.fail(call.source_ip)
            raise

    def _operation(self, target: str) -> Operation:
        prefix, _, name = target.partition(".")
        operation = self.operations.get(name)
        if prefix != self.model.target_prefix or operation is None:
            known = prefix == self.model.target_prefix and self.model.has_operation(
                name
            )
            raise EcrError(
                "UnknownOperationException",
                f"unsupported operation '{name}': not implemented by Seawall"
                if known
                else f"invalid X-Amz-Target '{target}'",
            )
        return operation

    def _authorize(self, ctx: EcrContext, operation: Operation, resource: str) -> None:
        if operation.scope != "handler":
            ctx.require(operation.action, resource)

    def _invoke(self, operation: Operation, ctx: EcrContext) -> dict[str, Any]:
        try:
            return operation.handler(ctx)
        except SeawallError as exc:
            raise from_domain(exc) from exc

    def _audit(self, event: RegistryEvent, error_code: str | None) -> None:
        try:
            self.services.events.emit(_with(event, error_code=error_code))
        except Exception:
            log.exception("ecr_audit_failed", operation=event.name)


# Request members never copied into the audit trail: content, not intent.
_UNAUDITED = frozenset(
    {"imageManifest", "layerPartBlob", "policyText", "lifecyclePolicyText"}
)
_MAX_AUDITED_CHARS = 2048


def audit_parameters(params: dict[str, Any]) -> dict[str, Any]:
    """The request members worth recording: small, and no content or secrets."""
    kept: dict[str, Any] = {}
    for key, value in params.items():
        if key in _UNAUDITED or key == "repositoryName":
            continue
        if len(json.dumps(value, default=str)) <= _MAX_AUDITED_CHARS:
            kept[key] = value
    return kept


def _with(event: RegistryEvent, **changes: Any) -> RegistryEvent:
    return replace(event, **changes)


def _resource(operation: Operation, ctx: EcrContext) -> str:
    if operation.scope == "repository":
        return ctx.repository_arn(ctx.repository_name())
    if operation.scope == "resource-arn":
        return str(ctx.params["resourceArn"])
    return "*"


def _condition_context(ctx: EcrContext) -> dict[str, Any]:
    """Request-side condition keys (resource tags are the authorizer's)."""
    context: dict[str, Any] = {
        "aws:SourceIp": ctx.source_ip,
        "aws:SecureTransport": ctx.scheme == "https",
        "aws:RequestedRegion": ctx.settings.region,
        "aws:CurrentTime": ctx.now(),
    }
    tags = ctx.params.get("tags")
    if isinstance(tags, list):
        context["aws:TagKeys"] = [tag["Key"] for tag in tags]
        for tag in tags:
            context[f"aws:RequestTag/{tag['Key']}"] = tag["Value"]
    if isinstance(ctx.params.get("tagKeys"), list):
        context["aws:TagKeys"] = list(ctx.params["tagKeys"])
    return context


async def _read(request: Request, request_id: str) -> _Call:
    # Refuse before reading a body nobody signed, or one too large to take.
    if "authorization" not in request.headers:
        raise EcrError(
            "MissingAuthenticationTokenException", "Missing Authentication Token"
        )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _too_large()
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise _too_large()
    headers: dict[str, list[str]] = {}
    for key, value in request.headers.items():
        headers.setdefault(key.lower(), []).append(value)
    target = request.headers.get("x-amz-target")
    if not target:
        raise EcrError(
            "UnknownOperationException",
            "invalid request: the X-Amz-Target header is required",
        )
    signed = SignedRequest(
        method=request.method,
        path=request.url.path,
        query=request.url.query,
        headers=headers,
        body=bytes(body),
    )
    client = request.client
    return _Call(
        target=target,
        signed=signed,
        host=request.headers.get("host", ""),
        scheme=request.url.scheme,
        source_ip=client.host if client else "",
        request_id=request_id,
    )


def _too_large() -> EcrError:
    return EcrError(
        "RequestEntityTooLargeException",
        f"invalid request: body larger than {MAX_BODY_BYTES} bytes",
    )


def _json_body(body: bytes) -> Any:
    if not body.strip():
        return {}
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EcrError(
            "SerializationException", f"invalid JSON in the request body: {exc}"
        ) from exc


def _json_response(status: int, body: dict[str, Any], request_id: str) -> Response:
    return Response(
        json.dumps(to_wire(body), separators=(",", ":")),
        status_code=status,
        media_type=CONTENT_TYPE,
        headers={"x-amzn-RequestId": request_id},
    )


def _error_response(exc: EcrError, request_id: str) -> Response:
    return _json_response(exc.status, exc.body(), request_id)
