"""Layer operations: availability, the chunked upload, download URLs.

Calls ``services.registry`` (:class:`seawall.storage.registry.RegistryStore`)
for blobs and upload sessions, and ``services.downloads``
(:class:`seawall.ecr.download.DownloadUrls`) for pre-signed URLs. An upload
session begun here is the same kind of session as a /v2/ upload: parts are
appended in order and the blob becomes visible only once its digest was
verified.
"""

from __future__ import annotations

from typing import Any

from seawall.ecr.context import EcrContext
from seawall.ecr.errors import EcrError
from seawall.ecr.operations import operation
from seawall.ecr.operations.repositories import get_repository
from seawall.errors import BlobUnknown, DigestInvalid, InvalidInput, RangeInvalid
from seawall.oci.digest import Digest

# What InitiateLayerUpload advertises. Parts of any size are accepted: the
# ECR quota page (5-10 MiB) and the UploadLayerPart doc (20 MiB) disagree.
PART_SIZE = 10 * 1024 * 1024


@operation("BatchCheckLayerAvailability")
def batch_check_layer_availability(ctx: EcrContext) -> dict[str, Any]:
    repo = get_repository(ctx)
    layers: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    for text in dict.fromkeys(ctx.params["layerDigests"]):
        try:
            digest = Digest.parse(text)
        except InvalidInput:
            failures.append(
                {
                    "layerDigest": text,
                    "failureCode": "InvalidLayerDigest",
                    "failureReason": "Invalid layer digest",
                }
            )
            continue
        layers.append(_availability(ctx, repo.name, digest))
    return {"layers": layers, "failures": failures}


def _availability(ctx: EcrContext, name: str, digest: Digest) -> dict[str, Any]:
    try:
        size = ctx.services.registry.stat_blob(name, digest)
    except BlobUnknown:
        return {"layerDigest": str(digest), "layerAvailability": "UNAVAILABLE"}
    return {
        "layerDigest": str(digest),
        "layerAvailability": "AVAILABLE",
        "layerSize": size,
    }


@operation("InitiateLayerUpload", changes_state=True)
def initiate_layer_upload(ctx: EcrContext) -> dict[str, Any]:
    repo = get_repository(ctx)
    session = ctx.services.registry.start_upload(repo.name)
    return {"uploadId": session.id, "partSize": PART_SIZE}


@operation("UploadLayerPart", changes_state=True)
def upload_layer_part(ctx: EcrContext) -> dict[str, Any]:
    repo = get_repository(ctx)
    params = ctx.params
    upload_id = params["uploadId"]
    first, last = params["partFirstByte"], params["partLastByte"]
    blob: bytes = params["layerPartBlob"]
    registry = ctx.services.registry
    session = registry.get_upload(repo.name, upload_id)
    if last - first + 1 != len(blob) or first != session.size:
        raise _invalid_part(
            ctx, repo.name, upload_id, size=session.size, first=first, last=last
        )
    try:
        size = registry.append_upload(repo.name, upload_id, iter([blob]), start=first)
    except RangeInvalid as exc:
        current = int((exc.detail or {}).get("size", session.size))
        raise _invalid_part(
            ctx, repo.name, upload_id, size=current, first=first, last=last
        ) from exc
    return {
        "registryId": ctx.registry_id,
        "repositoryName": repo.name,
        "uploadId": upload_id,
        "lastByteReceived": size - 1,
    }


def _invalid_part(
    ctx: EcrContext, name: str, upload_id: str, *, size: int, first: int, last: int
) -> EcrError:
    return EcrError(
        "InvalidLayerPartException",
        f"invalid layer part: bytes {first}-{last} must continue the upload, "
        f"which has {size} bytes, and match the part's length",
        fields={
            "registryId": ctx.registry_id,
            "repositoryName": name,
            "uploadId": upload_id,
            "lastValidByteReceived": size - 1,
        },
    )


@operation("CompleteLayerUpload", changes_state=True)
def complete_layer_upload(ctx: EcrContext) -> dict[str, Any]:
    repo = get_repository(ctx)
    upload_id = ctx.params["uploadId"]
    digest = _single_digest(ctx.params["layerDigests"])
    registry = ctx.services.registry
    session = registry.get_upload(repo.name, upload_id)
    if session.size == 0:
        raise EcrError(
            "EmptyUploadException",
            f"invalid upload {upload_id}: it contains no layer parts",
        )
    if _exists(ctx, repo.name, digest):
        registry.cancel_upload(repo.name, upload_id)
        raise EcrError(
            "LayerAlreadyExistsException",
            f"The image layer '{digest}' already exists in the repository with "
            f"name '{repo.name}' in registry with id '{ctx.registry_id}'",
        )
    try:
        registry.commit_upload(repo.name, upload_id, digest)
    except DigestInvalid as exc:
        raise EcrError(
            "InvalidLayerException",
            f"invalid layer: the uploaded bytes do not hash to {digest}",
        ) from exc
    return {
        "registryId": ctx.registry_id,
        "repositoryName": repo.name,
        "uploadId": upload_id,
        "layerDigest": str(digest),
    }


def _single_digest(digests: list[str]) -> Digest:
    unique = list(dict.fromkeys(digests))
    if len(unique) != 1:
        raise EcrError(
            "InvalidParameterException",
            "Invalid parameter at 'layerDigests' failed to satisfy constraint: "
            "'exactly one distinct layer digest per upload'",
        )
    try:
        return Digest.parse(unique[0])
    except InvalidInput as exc:
        raise EcrError(
            "InvalidParameterException",
            f"Invalid parameter at 'layerDigests' failed to satisfy constraint: "
            f"'{exc.message}'",
        ) from exc


def _exists(ctx: EcrContext, name: str, digest: Digest) -> bool:
    try:
        ctx.services.registry.stat_blob(name, digest)
    except BlobUnknown:
        return False
    return True


@operation("GetDownloadUrlForLayer")
def get_download_url_for_layer(ctx: EcrContext) -> dict[str, Any]:
    repo = get_repository(ctx)
    text = ctx.params["layerDigest"]
    try:
        digest = Digest.parse(text)
        ctx.services.registry.stat_blob(repo.name, digest)
    except (InvalidInput, BlobUnknown) as exc:
        raise EcrError(
            "LayersNotFoundException",
            f"The image layer '{text}' does not exist in the repository with name "
            f"'{repo.name}' in registry with id '{ctx.registry_id}'",
        ) from exc
    if not ctx.services.registry.blob_users(repo.name, digest):
        raise EcrError(
            "LayerInaccessibleException",
            f"The image layer '{digest}' is not associated with an image in the "
            f"repository with name '{repo.name}'; unassociated layers may be "
            "cleaned up at any time",
        )
    url = ctx.services.downloads.url(ctx.proxy_endpoint(), repo.name, str(digest))
    return {"downloadUrl": url, "layerDigest": str(digest)}
