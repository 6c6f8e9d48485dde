"""The OCI error catalogue: each domain error code with its HTTP status,
rendered in one place as the distribution spec's JSON error body."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

from seawall.errors import SeawallError

# code -> (HTTP status, default message)
CATALOGUE: dict[str, tuple[int, str]] = {
    "BLOB_UNKNOWN": (404, "blob unknown to registry"),
    "BLOB_UPLOAD_INVALID": (400, "blob upload invalid"),
    "BLOB_UPLOAD_UNKNOWN": (404, "blob upload unknown to registry"),
    "DIGEST_INVALID": (400, "provided digest did not match uploaded content"),
    "MANIFEST_BLOB_UNKNOWN": (
        400,
        "manifest references a manifest or blob unknown to registry",
    ),
    "MANIFEST_INVALID": (400, "manifest invalid"),
    "MANIFEST_UNKNOWN": (404, "manifest unknown to registry"),
    "NAME_INVALID": (400, "invalid repository name"),
    "NAME_UNKNOWN": (404, "repository name not known to registry"),
    "SIZE_INVALID": (400, "provided length did not match content length"),
    "TAG_INVALID": (400, "manifest tag did not match URI"),
    "UNAUTHORIZED": (401, "authentication required"),
    "DENIED": (403, "requested access to the resource is denied"),
    "UNSUPPORTED": (415, "the operation is unsupported"),
    "TOOMANYREQUESTS": (429, "too many requests"),
    "RANGE_INVALID": (416, "requested range not satisfiable"),
    "UNAVAILABLE": (503, "service unavailable"),
    "INTEGRITY": (500, "stored content failed verification"),
    "CONFLICT": (409, "conflict"),
    "INVALID": (400, "invalid request"),
    "NOT_FOUND": (404, "not found"),
}

OCI_ERROR_CODES = frozenset(CATALOGUE)


def error_response(
    code: str,
    message: str | None = None,
    detail: Any = None,
    *,
    status: int | None = None,
    headers: dict[str, str] | None = None,
    head: bool = False,
) -> Response:
    """An OCI error body for ``code`` (a HEAD answer carries no body)."""
    default_status, default_message = CATALOGUE.get(code, (500, "internal error"))
    wire_code = "BLOB_UPLOAD_INVALID" if code == "RANGE_INVALID" else code
    body = {
        "errors": [
            {
                "code": wire_code,
                "message": message or default_message,
                "detail": detail if detail is not None else {},
            }
        ]
    }
    content = b"" if head else json.dumps(body).encode()
    return Response(
        content,
        status_code=status or default_status,
        media_type="application/json",
        headers=headers,
    )


def render(exc: SeawallError, *, head: bool = False) -> Response:
    status = getattr(exc, "http_status", None)
    return error_response(exc.code, exc.message, exc.detail, status=status, head=head)
