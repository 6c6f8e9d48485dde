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
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from seawall.errors import BlobUnknown, NameUnknown, RangeInvalid
from seawall.oci.digest import Digest
from seawall.registry.streaming import PULL_BATCH, BlobResponse

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


class RangeNotSatisfiable(ValueError):
    """A Range header no byte of the blob satisfies (answered 416)."""


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) of a single ``bytes=`` range within ``size``, else None.

    Raises RangeNotSatisfiable for a range that cannot be served.
    """
    if not header or not header.startswith("bytes=") or "," in header:
        return None
    first_text, _, last_text = header.removeprefix("bytes=").strip().partition("-")
    try:
        if not first_text:  # a suffix: the last N bytes
            length = int(last_text)
            first, last = max(0, size - length), size - 1
            valid = length > 0
        else:
            first = int(first_text)
            last = min(int(last_text), size - 1) if last_text else size - 1
            valid = first <= last and first < size
    except ValueError as exc:
        raise RangeNotSatisfiable(header) from exc
    if not valid:
        raise RangeNotSatisfiable(header)
    return first, last


def download_route(urls: DownloadUrls, registry: Any) -> Route:
    """The GET route serving pre-signed URLs from ``registry`` (a RegistryStore).

    Single byte ranges are honoured (206), as pre-signed object-store URLs do.
    """

    async def download(request: Request) -> Response:
        found = urls.check(request.query_params.get("token", ""))
        if found is None:
            return JSONResponse(
                {"message": "invalid or expired download URL"}, status_code=403
            )
        repository, digest = found
        try:
            size = await run_in_threadpool(registry.stat_blob, repository, digest)
            wanted = parse_range(request.headers.get("range"), size)
        except (BlobUnknown, NameUnknown):
            return JSONResponse({"message": "failed to find the layer"}, 404)
        except ValueError:
            return Response(
                status_code=416, headers={"Content-Range": f"bytes */{size}"}
            )
        first, last = wanted or (0, size - 1)
        try:
            _, chunks = await run_in_threadpool(
                registry.read_blob,
                repository,
                digest,
                first,
                last - first + 1,
                piece=PULL_BATCH,
            )
        except (BlobUnknown, NameUnknown, RangeInvalid):
            return JSONResponse({"message": "failed to find the layer"}, 404)
        headers = {
            "Content-Length": str(max(0, last - first + 1)),
            "Accept-Ranges": "bytes",
            "Docker-Content-Digest": str(digest),
            "Cache-Control": "private, max-age=0",
        }
        if wanted is not None:
            headers["Content-Range"] = f"bytes {first}-{last}/{size}"
        return BlobResponse(
            chunks,
            status_code=206 if wanted is not None else 200,
            media_type="application/octet-stream",
            headers=headers,
        )

    return Route(PATH, download, methods=["GET"])
