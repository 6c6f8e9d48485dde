"""Pre-signed layer download URLs (GetDownloadUrlForLayer) and their route.

A URL carries ``repository``, ``digest`` and an expiry, authenticated with
HMAC-SHA256 under a server key, so whoever holds it may GET the layer
without credentials until it expires, like ECR's pre-signed S3 URLs. The
route streams the blob from the registry store; the URL never grants
anything but that one blob of that one repository.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from seawall.errors import BlobUnknown, NameUnknown, RangeInvalid
from seawall.oci.digest import Digest

# The token rides in the query string: access logs record paths, never queries,
# and a pre-signed URL is a credential.
PATH = "/_seawall/ecr/layer"
DEFAULT_TTL_SECONDS = 3600


class DownloadUrls:
    """Mints and checks the tokens inside pre-signed download URLs."""

    def __init__(
        self,
        key: bytes,
        clock: Callable[[], datetime],
        ttl_seconds: int = DEFAULT_TTL_SECONDS,
    ) -> None:
        self._key = key
        self._clock = clock
        self.ttl_seconds = ttl_seconds

    def url(self, base: str, repository: str, digest: str) -> str:
        """``base`` (scheme://host) + the path of a URL valid for ttl_seconds."""
        expires = int(self._clock().timestamp()) + self.ttl_seconds
        claims = {"r": repository, "d": digest, "e": expires}
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        signature = _b64(self._sign(payload))
        return f"{base.rstrip('/')}{PATH}?token={payload}.{signature}"

    def check(self, token: str) -> tuple[str, Digest] | None:
        """(repository, digest) when ``token`` is authentic and unexpired."""
        payload, _, signature = token.partition(".")
        try:
            given = _unb64(signature)
            claims = json.loads(_unb64(payload))
            fresh = int(claims["e"]) > self._clock().timestamp()
            if hmac.compare_digest(given, self._sign(payload)) and fresh:
                return str(claims["r"]), Digest.parse(str(claims["d"]))
        except (binascii.Error, ValueError, KeyError, TypeError):
            return None
        except Exception:  # a malformed digest inside an authentic token
            return None
        return None

    def _sign(self, payload: str) -> bytes:
        return hmac.new(self._key, payload.encode(), hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def download_route(urls: DownloadUrls, registry: Any) -> Route:
    """The GET route serving pre-signed URLs from ``registry`` (a RegistryStore)."""

    async def download(request: Request) -> Response:
        found = urls.check(request.query_params.get("token", ""))
        if found is None:
            return JSONResponse(
                {"message": "invalid or expired download URL"}, status_code=403
            )
        repository, digest = found
        try:
            size, chunks = await run_in_threadpool(
                registry.read_blob, repository, digest
            )
        except (BlobUnknown, NameUnknown, RangeInvalid):
            return JSONResponse({"message": "failed to find the layer"}, 404)
        headers = {
            "Content-Length": str(size),
            "Docker-Content-Digest": str(digest),
            "Cache-Control": "private, max-age=0",
        }
        return StreamingResponse(
            chunks, media_type="application/octet-stream", headers=headers
        )

    return Route(PATH, download, methods=["GET"])
