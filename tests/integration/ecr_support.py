"""boto3 clients for the ECR tests whose every response is checked on the wire.

:func:`ecr_client` registers a hook on botocore's ``after-call`` event that
checks each successful response two ways against botocore's own model:

- the parsed response passes botocore's ``ParamValidator`` for the output
  shape (types, required members, no members the model lacks);
- the raw JSON passes Seawall's model walker (enums, patterns, lengths and
  timestamps sent as epoch numbers), driven by botocore's model, not the
  copy Seawall ships.

A violation raises ``AssertionError`` from inside the call.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
from typing import Any

import boto3
from botocore.config import Config
from botocore.loaders import Loader
from botocore.validate import ParamValidator

from seawall.ecr.errors import EcrError
from seawall.ecr.model import ServiceModel, trim_service_model
from seawall.ecr.validation import _Walker
from tests.integration.conftest import ADMIN_KEY_ID, ADMIN_SECRET
from tests.live import LiveServer

REGION = "us-east-1"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
_BOTOCORE_MODEL = ServiceModel(
    trim_service_model(Loader().load_service_model("ecr", "service-2"))
)


# Output lists may be empty (ECR answers "failures": []) though the shapes
# carry the input's min length; lengths of lists are not checked on output.
def _empty_list(error: tuple[str, str, dict[str, Any]]) -> bool:
    kind, _, details = error
    return kind == "invalid length" and details.get("param") == 0


class _OutputWalker(_Walker):
    def list(self, shape: dict[str, Any], value: Any, path: str) -> list[Any]:
        return super().list({**shape, "min": 0}, value, path)


def _check_response(
    http_response: Any, parsed: dict[str, Any], model: Any, **_: Any
) -> None:
    if http_response.status_code != 200 or model.output_shape is None:
        return
    body = {k: v for k, v in parsed.items() if k != "ResponseMetadata"}
    report = ParamValidator().validate(body, model.output_shape)
    errors = [e for e in report._errors if not _empty_list(e)]
    assert not errors, f"{model.name}: {errors}"
    raw = json.loads(http_response.content or b"{}")
    try:
        _OutputWalker(_BOTOCORE_MODEL).structure(model.output_shape.name, raw, "")
    except EcrError as exc:
        raise AssertionError(f"{model.name} response: {exc.message}") from exc


def ecr_client(
    server: LiveServer,
    key_id: str = ADMIN_KEY_ID,
    secret: str = ADMIN_SECRET,
    region: str = REGION,
    verify: str | None = None,
) -> Any:
    """A boto3 ECR client for ``server`` with response checking on."""
    client = boto3.client(
        "ecr",
        endpoint_url=server.url,
        verify=verify,
        region_name=region,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )
    client.meta.events.register("after-call.ecr", _check_response)
    return client


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def upload_blob(ecr: Any, repo: str, data: bytes, part: int = 0) -> str:
    """Upload ``data`` through the layer operations, in parts of ``part`` bytes."""
    upload_id = ecr.initiate_layer_upload(repositoryName=repo)["uploadId"]
    step = part or len(data)
    for first in range(0, len(data), step):
        chunk = data[first : first + step]
        out = ecr.upload_layer_part(
            repositoryName=repo,
            uploadId=upload_id,
            partFirstByte=first,
            partLastByte=first + len(chunk) - 1,
            layerPartBlob=chunk,
        )
        assert out["lastByteReceived"] == first + len(chunk) - 1
    done = ecr.complete_layer_upload(
        repositoryName=repo, uploadId=upload_id, layerDigests=[digest_of(data)]
    )
    assert done["layerDigest"] == digest_of(data)
    return digest_of(data)


def _layer(salt: str) -> bytes:
    """A gzip-compressed tar holding one file of random bytes."""
    data = os.urandom(2048) + salt.encode()
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        info = tarfile.TarInfo(f"data/{salt}.bin")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), mtime=0)


def push_image(ecr: Any, repo: str, tag: str | None, salt: str) -> tuple[str, str]:
    """An OCI image (config + one layer) pushed over the ECR API: (digest, text)."""
    config = json.dumps({"architecture": "amd64", "os": "linux", "salt": salt}).encode()
    layer = _layer(salt)
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": upload_blob(ecr, repo, config),
                "size": len(config),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": upload_blob(ecr, repo, layer),
                    "size": len(layer),
                }
            ],
        }
    )
    kwargs = {"imageTag": tag} if tag else {}
    image = ecr.put_image(repositoryName=repo, imageManifest=manifest, **kwargs)[
        "image"
    ]
    assert image["imageManifestMediaType"] == OCI_MANIFEST
    return image["imageId"]["imageDigest"], manifest


def create_user(
    server: LiveServer, name: str, policy: dict[str, Any]
) -> tuple[str, str]:
    """A user with one identity policy in ``server``'s database: (key id, secret).

    Written through access control's own stores, as an administrator's tool
    would; the server sees the change within its refresh interval (1 s).
    """
    from seawall.auth.factory import build_auth
    from seawall.auth.principals import PrincipalKind
    from seawall.crypto.rootkey import load_or_create_root_key
    from seawall.storage.metadata.db import make_engine

    engine = make_engine(f"sqlite:///{server.data_dir.resolve() / 'seawall.db'}")
    try:
        auth = build_auth(
            engine,
            load_or_create_root_key(server.data_dir),
            account="000000000000",
            region=REGION,
        )
        principal = auth.identities.create_principal(name, PrincipalKind.USER)
        auth.policies.put_policy(f"{name}-policy", json.dumps(policy))
        auth.policies.attach(f"{name}-policy", "principal", principal.principal_id)
        key = auth.keys.create(name)
    finally:
        engine.dispose()
    return key.access_key_id, key.secret_access_key
