"""The registry source's token flow and digest checks, over an injected
transport that speaks the distribution API (no network)."""

from __future__ import annotations

import gzip
import hashlib
import json

import httpx
import pytest

from seawall.errors import IntegrityError, ManifestUnknown, Unauthenticated
from seawall.scan.catalogers import build
from seawall.scan.catalogers.pipeline import catalog_image
from seawall.scan.image import ScanLimits, open_image
from seawall.scan.image.resolve import resolve
from seawall.scan.inventory import Inventory
from tests.unit.scan.ocibuild import Layer

STATUS = b"Package: zlib1g\nStatus: install ok installed\nVersion: 1:1.2.13\n\n"


class FakeRegistry:
    """Blobs and one manifest behind bearer-token auth, like Docker Hub."""

    def __init__(self, tamper: bool = False, password: str | None = None) -> None:
        tar = Layer().file("/var/lib/dpkg/status", STATUS).tar()
        layer = gzip.compress(tar)
        config = json.dumps(
            {
                "os": "linux",
                "architecture": "amd64",
                "rootfs": {"diff_ids": ["sha256:" + hashlib.sha256(tar).hexdigest()]},
            }
        ).encode()
        self.blobs = {self._digest(layer): layer, self._digest(config): config}
        if tamper:
            self.blobs[self._digest(layer)] = gzip.compress(tar + b"\0" * 1024)
        self.manifest = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {
                    "mediaType": "application/vnd.oci.image.config.v1+json",
                    "digest": self._digest(config),
                    "size": len(config),
                },
                "layers": [
                    {
                        "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                        "digest": self._digest(layer),
                        "size": len(layer),
                    }
                ],
            }
        ).encode()
        self.password = password
        self.token_requests: list[httpx.Request] = []

    @staticmethod
    def _digest(data: bytes) -> str:
        return "sha256:" + hashlib.sha256(data).hexdigest()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/token":
            self.token_requests.append(request)
            if self.password and "authorization" not in request.headers:
                return httpx.Response(401)
            return httpx.Response(200, json={"token": "t0k3n"})
        if request.headers.get("authorization") != "Bearer t0k3n":
            challenge = (
                'Bearer realm="https://auth.example/token",service="registry.example",'
                'scope="repository:team/app:pull"'
            )
            return httpx.Response(401, headers={"WWW-Authenticate": challenge})
        parts = request.url.path.split("/")
        if parts[-2] == "manifests":
            if parts[-1] != "v1":
                return httpx.Response(
                    404, json={"errors": [{"code": "MANIFEST_UNKNOWN"}]}
                )
            return httpx.Response(
                200,
                content=self.manifest,
                headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"},
            )
        blob = self.blobs.get(parts[-1])
        return httpx.Response(200, content=blob) if blob else httpx.Response(404)


def _scan(
    registry: FakeRegistry, ref: str, credentials: tuple[str, str] | None = None
) -> Inventory:
    limits = ScanLimits()
    client = httpx.Client(transport=httpx.MockTransport(registry))
    opened = open_image(
        f"registry://registry.example/team/app:{ref}", limits, client, credentials
    )
    image = resolve(opened.source, opened.reference, None, limits.max_manifest_bytes)[0]
    return catalog_image(opened.source, opened.name, image, build(), limits)


def test_anonymous_bearer_token_flow() -> None:
    registry = FakeRegistry()
    inventory = _scan(registry, "v1")
    assert [(p.name, p.version) for p in inventory.packages] == [("zlib1g", "1:1.2.13")]
    (token,) = registry.token_requests
    assert token.url.params["scope"] == "repository:team/app:pull"
    assert token.url.params["service"] == "registry.example"


def test_token_with_credentials() -> None:
    registry = FakeRegistry(password="s3cret")
    with pytest.raises(Unauthenticated):
        _scan(registry, "v1")
    inventory = _scan(FakeRegistry(password="s3cret"), "v1", ("me", "s3cret"))
    assert len(inventory.packages) == 1


def test_blob_with_the_wrong_digest_is_rejected() -> None:
    with pytest.raises(IntegrityError, match="digest mismatch"):
        _scan(FakeRegistry(tamper=True), "v1")


def test_unknown_manifest() -> None:
    with pytest.raises(ManifestUnknown):
        _scan(FakeRegistry(), "v2")
