"""Images in a remote registry, read over the OCI distribution API.

Authentication follows the registry token flow: an anonymous request, a
``401`` with ``WWW-Authenticate: Bearer realm=...,service=...,scope=...``, a
token from the realm (anonymous, or with basic credentials when given), and
the request again with ``Authorization: Bearer``. Blobs are streamed and
their digest is verified when the stream reaches its end.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any, BinaryIO

import httpx

from seawall.errors import (
    BlobUnknown,
    IntegrityError,
    InvalidInput,
    ManifestUnknown,
    TooLarge,
    Unauthenticated,
    Unavailable,
)
from seawall.oci import mediatypes as mt
from seawall.oci.digest import Digest

_ACCEPT = ", ".join(
    [mt.OCI_INDEX, mt.OCI_MANIFEST, mt.DOCKER_MANIFEST_LIST, mt.DOCKER_MANIFEST]
)
_CHALLENGE_PARAM = re.compile(r'(\w+)="([^"]*)"')


class RegistrySource:
    """An :class:`ImageSource` over ``/v2/`` of a remote registry."""

    def __init__(
        self,
        base_url: str,
        repository: str,
        client: httpx.Client,
        *,
        max_manifest_bytes: int,
        max_download_bytes: int,
        credentials: tuple[str, str] | None = None,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._repo = repository
        self._client = client
        self._max_manifest = max_manifest_bytes
        self._max_download = max_download_bytes
        self._credentials = credentials
        self._token: str | None = None

    def manifest(self, reference: str | None) -> tuple[bytes, str | None]:
        url = f"{self._base}/v2/{self._repo}/manifests/{reference or 'latest'}"
        response = self._get(url, {"Accept": _ACCEPT})
        try:
            if response.status_code == 404:
                raise ManifestUnknown(f"failed to find manifest {reference!r}")
            self._check(response, "manifest")
            body = _read_bounded(response.iter_bytes(), self._max_manifest)
        finally:
            response.close()
        return body, response.headers.get("content-type")

    def open_blob(self, digest: Digest, size: int | None = None) -> BinaryIO:
        if size is not None and size > self._max_download:
            raise TooLarge(f"invalid blob {digest}: {size} bytes is over the limit")
        response = self._get(f"{self._base}/v2/{self._repo}/blobs/{digest}", {})
        if response.status_code == 404:
            response.close()
            raise BlobUnknown(f"failed to find blob {digest}")
        self._check(response, "blob")
        reader = _VerifyingReader(response, digest, self._max_download)
        buffered: Any = io.BufferedReader(reader, 1024 * 1024)
        return buffered  # type: ignore[no-any-return]

    def close(self) -> None:
        self._client.close()

    def _get(self, url: str, headers: dict[str, str]) -> httpx.Response:
        for _attempt in range(2):
            if self._token:
                headers = {**headers, "Authorization": f"Bearer {self._token}"}
            request = self._client.build_request("GET", url, headers=headers)
            try:
                response = self._client.send(
                    request, stream=True, follow_redirects=True
                )
            except httpx.HTTPError as exc:
                raise Unavailable(f"failed to reach {self._base}: {exc}") from exc
            if response.status_code != 401 or self._token:
                return response
            challenge = response.headers.get("www-authenticate", "")
            response.close()
            self._token = self._fetch_token(challenge)
        return response

    def _fetch_token(self, challenge: str) -> str:
        if not challenge.lower().startswith("bearer "):
            raise Unauthenticated(f"unsupported registry authentication {challenge!r}")
        params = dict(_CHALLENGE_PARAM.findall(challenge))
        realm = params.pop("realm", None)
        if not realm:
            raise Unauthenticated("invalid registry challenge: no realm")
        params.setdefault("scope", f"repository:{self._repo}:pull")
        try:
            response = self._client.get(realm, params=params, auth=self._credentials)
        except httpx.HTTPError as exc:
            raise Unavailable(f"failed to get a registry token: {exc}") from exc
        if response.status_code != 200:
            raise Unauthenticated(
                f"failed to get a registry token: {response.status_code}"
            )
        body = response.json()
        token = body.get("token") or body.get("access_token")
        if not isinstance(token, str):
            raise Unauthenticated("invalid registry token response")
        return token

    def _check(self, response: httpx.Response, what: str) -> None:
        if response.status_code in (401, 403):
            response.close()
            raise Unauthenticated(f"failed to read {what}: access denied")
        if response.status_code != 200:
            response.close()
            raise Unavailable(f"failed to read {what}: HTTP {response.status_code}")


def _read_bounded(chunks: Iterator[bytes], limit: int) -> bytes:
    out = bytearray()
    for chunk in chunks:
        out += chunk
        if len(out) > limit:
            raise InvalidInput(f"invalid manifest: larger than {limit} bytes")
    return bytes(out)


class _VerifyingReader(io.RawIOBase):
    """A response body as a file; raises IntegrityError at a digest mismatch."""

    def __init__(self, response: httpx.Response, digest: Digest, limit: int) -> None:
        self._response = response
        self._chunks = response.iter_bytes(256 * 1024)
        self._digest = digest
        self._hasher = digest.hasher()
        self._buffer = b""
        self._total = 0
        self._limit = limit
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, target: memoryview) -> int:  # type: ignore[override]
        while not self._buffer and not self._done:
            self._next_chunk()
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size

    def _next_chunk(self) -> None:
        chunk = next(self._chunks, None)
        if chunk is None:
            self._done = True
            if self._hasher.hexdigest() != self._digest.encoded:
                raise IntegrityError(f"invalid blob {self._digest}: digest mismatch")
            return
        self._total += len(chunk)
        if self._total > self._limit:
            raise TooLarge(f"invalid blob {self._digest}: over {self._limit} bytes")
        self._hasher.update(chunk)
        self._buffer = chunk

    def close(self) -> None:
        self._response.close()
        super().close()
