"""Image operations: list, describe, get, delete and put manifests.

Calls ``services.registry`` (:class:`seawall.storage.registry.RegistryStore`).
An image is a manifest (or index) in a repository, named by its digest and
by any tags pointing at it. Per-image problems in the batch operations are
reported in ``failures``; only a missing repository fails the whole call.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from seawall.ecr.context import EcrContext
from seawall.ecr.errors import EcrError, from_domain, invalid_parameter
from seawall.ecr.operations import operation
from seawall.ecr.operations.repositories import get_repository
from seawall.ecr.pagination import paginate
from seawall.errors import (
    DigestInvalid,
    InvalidInput,
    ManifestBlobUnknown,
    ManifestUnknown,
    NotFound,
    TagInvalid,
)
from seawall.oci import mediatypes as mt
from seawall.oci.digest import Digest
from seawall.oci.reference import validate_tag
from seawall.storage.registry import StoredManifest

_NOT_FOUND_REASON = "Requested image not found"
PULL_RECORD_INTERVAL = 60.0


class _Failure(Exception):
    """One image id that cannot be served: (failureCode, failureReason)."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def _epoch_time(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, tz=UTC)


# -- ListImages / DescribeImages ----------------------------------------------


def _tag_filter(ctx: EcrContext) -> str:
    return str(ctx.params.get("filter", {}).get("tagStatus", "ANY"))


def _active_only(ctx: EcrContext) -> bool:
    """False when the filter asks for ARCHIVED images only (there are none)."""
    status = ctx.params.get("filter", {}).get("imageStatus", "ACTIVE")
    return status in ("ACTIVE", "ANY")


# TODO(seawall): ListImages and DescribeImages load the repository's manifest
# list and page it in memory (fine to tens of thousands of images); a keyset
# query in RegistryStore would serve ECR's 100 000-image quota without that.
@operation("ListImages")
def list_images(ctx: EcrContext) -> dict[str, Any]:
    repo = get_repository(ctx)
    registry = ctx.services.registry
    tags = registry.tags_by_digest(repo.name) if _active_only(ctx) else {}
    manifests = registry.list_manifests(repo.name) if _active_only(ctx) else []
    wanted = _tag_filter(ctx)
    ids: list[dict[str, str]] = []
    for manifest in manifests:
        digest = str(manifest.digest)
        names = tags.get(digest, [])
        if names and wanted in ("TAGGED", "ANY"):
            ids += [{"imageDigest": digest, "imageTag": t} for t in names]
        elif not names and wanted in ("UNTAGGED", "ANY"):
            ids.append({"imageDigest": digest})
    page = paginate(ids, _id_key, ctx.params, f"ListImages:{repo.name}")
    return page.output("imageIds", lambda item: item)


def _id_key(image_id: dict[str, str]) -> str:
    return f"{image_id['imageDigest']}\0{image_id.get('imageTag', '')}"


@operation("DescribeImages")
def describe_images(ctx: EcrContext) -> dict[str, Any]:
    repo = get_repository(ctx)
    registry = ctx.services.registry
    tags: dict[str, list[str]] = registry.tags_by_digest(repo.name)
    sizes: dict[str, int] = registry.image_sizes(repo.name)
    if "imageIds" in ctx.params:
        _no_paging_with_ids(ctx)
        found = _describe_ids(ctx, repo.name, ctx.params["imageIds"])
        return {"imageDetails": [_detail(ctx, m, tags, sizes) for m in found]}
    manifests = registry.list_manifests(repo.name) if _active_only(ctx) else []
    wanted = _tag_filter(ctx)
    selected = [
        m
        for m in manifests
        if wanted == "ANY" or (wanted == "TAGGED") == bool(tags.get(str(m.digest)))
    ]
    page = paginate(
        selected, lambda m: str(m.digest), ctx.params, f"DescribeImages:{repo.name}"
    )
    return page.output("imageDetails", lambda m: _detail(ctx, m, tags, sizes))


def _no_paging_with_ids(ctx: EcrContext) -> None:
    for member in ("maxResults", "nextToken"):
        if member in ctx.params:
            raise invalid_parameter(member, "cannot be used together with imageIds")


def _describe_ids(
    ctx: EcrContext, name: str, image_ids: list[dict[str, str]]
) -> list[StoredManifest]:
    found: dict[str, StoredManifest] = {}
    for image_id in image_ids:
        try:
            stored, _ = _resolve(ctx, name, image_id)
        except _Failure as failure:
            raise EcrError(
                "ImageNotFoundException",
                f"The image with imageId {_describe_id(image_id)} does not exist "
                f"within the repository with name '{name}' in the registry with "
                f"id '{ctx.registry_id}'",
            ) from failure
        found.setdefault(str(stored.digest), stored)
    return list(found.values())


def _describe_id(image_id: dict[str, str]) -> str:
    parts = [f"{k}={v}" for k, v in sorted(image_id.items())]
    return "{" + ", ".join(parts) + "}"


def _detail(
    ctx: EcrContext,
    manifest: StoredManifest,
    tags: dict[str, list[str]],
    sizes: dict[str, int],
) -> dict[str, Any]:
    digest = str(manifest.digest)
    detail: dict[str, Any] = {
        "registryId": ctx.registry_id,
        "repositoryName": manifest.repository,
        "imageDigest": digest,
        "imageTags": tags.get(digest) or None,
        "imageSizeInBytes": _image_size(ctx, manifest, sizes),
        "imagePushedAt": _epoch_time(manifest.created_at),
        "imageManifestMediaType": manifest.media_type,
        "artifactMediaType": manifest.artifact_type,
        "lastRecordedPullTime": _epoch_time(manifest.last_pulled_at),
        "subjectManifestDigest": manifest.subject_digest,
        "imageStatus": "ACTIVE",
    }
    # Scan status and findings summary; absent for a never-scanned image.
    from seawall.ecr.operations.scanning import scan_fields

    detail.update(scan_fields(ctx, manifest))
    return detail


def _image_size(
    ctx: EcrContext, manifest: StoredManifest, sizes: dict[str, int]
) -> int:
    """Layer bytes of an image; for an index, its largest child (as ECR does)."""
    size = sizes.get(str(manifest.digest), 0)
    if size or manifest.media_type not in mt.INDEXES:
        return size
    registry = ctx.services.registry
    children = registry.manifest_children(manifest.repository, manifest.digest)
    return max((sizes.get(str(d), 0) for d in children), default=0)


# -- resolving image ids ------------------------------------------------------


def _resolve(
    ctx: EcrContext, name: str, image_id: dict[str, str]
) -> tuple[StoredManifest, bytes]:
    """The manifest an ImageIdentifier names, or a _Failure saying why not."""
    tag, digest = image_id.get("imageTag"), image_id.get("imageDigest")
    if tag is None and digest is None:
        raise _Failure("MissingDigestAndTag", "Missing image digest and tag")
    _check_id(tag, digest)
    try:
        stored, raw = ctx.services.registry.get_manifest(name, tag or str(digest))
    except ManifestUnknown as exc:
        raise _Failure("ImageNotFound", _NOT_FOUND_REASON) from exc
    if tag is not None and digest is not None and str(stored.digest) != digest:
        raise _Failure("ImageTagDoesNotMatchDigest", "Invalid image tag for digest")
    return stored, raw


def _check_id(tag: str | None, digest: str | None) -> None:
    if digest is not None:
        try:
            Digest.parse(digest)
        except InvalidInput as exc:
            raise _Failure("InvalidImageDigest", "Invalid image digest") from exc
    if tag is not None:
        try:
            validate_tag(tag)
        except TagInvalid as exc:
            raise _Failure("InvalidImageTag", "Invalid image tag") from exc


def _failure(image_id: dict[str, str], failure: _Failure) -> dict[str, Any]:
    return {
        "imageId": image_id,
        "failureCode": failure.code,
        "failureReason": failure.reason,
    }


# -- BatchGetImage ------------------------------------------------------------


@operation("BatchGetImage")
def batch_get_image(ctx: EcrContext) -> dict[str, Any]:
    repo = get_repository(ctx)
    accepted = ctx.params.get("acceptedMediaTypes")
    images: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    for image_id in _unique(ctx.params["imageIds"]):
        try:
            images.append(_get_image(ctx, repo.name, image_id, accepted))
        except _Failure as failure:
            failures.append(_failure(image_id, failure))
    return {"images": images, "failures": failures}


def _unique(image_ids: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    seen: dict[str, dict[str, str]] = {}
    for image_id in image_ids:
        seen.setdefault(json.dumps(image_id, sort_keys=True), image_id)
    return list(seen.values())


def _get_image(
    ctx: EcrContext, name: str, image_id: dict[str, str], accepted: list[str] | None
) -> dict[str, Any]:
    stored, raw = _resolve(ctx, name, image_id)
    if accepted and stored.media_type not in accepted:
        # TODO(seawall): ECR converts between Docker v2 and OCI manifests;
        # Seawall serves stored bytes only (a conversion changes the digest).
        raise _Failure(
            "ImageNotFound",
            f"Requested image not found with the accepted media types; it is "
            f"stored as {stored.media_type}",
        )
    _record_pull(ctx, stored)
    out_id = {"imageDigest": str(stored.digest)}
    if "imageTag" in image_id:
        out_id["imageTag"] = image_id["imageTag"]
    return {
        "registryId": ctx.registry_id,
        "repositoryName": name,
        "imageId": out_id,
        "imageManifest": raw.decode("utf-8"),
        "imageManifestMediaType": stored.media_type,
    }


def _record_pull(ctx: EcrContext, stored: StoredManifest) -> None:
    """Refresh lastRecordedPullTime, at most once a minute per image.

    ECR itself refreshes it about once a day; a write per pull would make
    every busy image a hot row.
    """
    now = ctx.now().timestamp()
    last = stored.last_pulled_at
    if last is None or now - last >= PULL_RECORD_INTERVAL:
        ctx.services.registry.record_pull(stored.repository, stored.digest)


# -- BatchDeleteImage ---------------------------------------------------------


@operation("BatchDeleteImage", changes_state=True)
def batch_delete_image(ctx: EcrContext) -> dict[str, Any]:
    repo = get_repository(ctx)
    removed: list[dict[str, str]] = []
    failures: list[dict[str, Any]] = []
    for image_id in _unique(ctx.params["imageIds"]):
        try:
            removed += _delete_image(ctx, repo.name, image_id)
        except _Failure as failure:
            failures.append(_failure(image_id, failure))
    return {"imageIds": removed, "failures": failures}


def _delete_image(
    ctx: EcrContext, name: str, image_id: dict[str, str]
) -> list[dict[str, str]]:
    """Untag (by tag; the image goes with its last tag) or delete (by digest)."""
    stored, _ = _resolve(ctx, name, image_id)
    registry = ctx.services.registry
    digest = str(stored.digest)
    tag = image_id.get("imageTag")
    if tag is not None:
        remaining = registry.tags_by_digest(name).get(digest, [])
        if remaining != [tag]:
            registry.delete_manifest(name, tag)
            return [{"imageDigest": digest, "imageTag": tag}]
    parents = registry.manifest_parents(name, stored.digest)
    if parents:
        raise _Failure(
            "ImageReferencedByManifestList",
            f"Requested image is referenced by an image index: {parents[0]}",
        )
    try:
        tags = registry.delete_manifest(name, digest)
    except ManifestUnknown as exc:
        raise _Failure("ImageNotFound", _NOT_FOUND_REASON) from exc
    if not tags:
        return [{"imageDigest": digest}]
    return [{"imageDigest": digest, "imageTag": t} for t in tags]


# -- PutImage -----------------------------------------------------------------


@operation("PutImage", changes_state=True)
def put_image(ctx: EcrContext) -> dict[str, Any]:
    repo = get_repository(ctx)
    params = ctx.params
    raw = params["imageManifest"].encode("utf-8")
    digest = "sha256:" + hashlib.sha256(raw).hexdigest()
    expected = params.get("imageDigest")
    if expected is not None and expected != digest:
        raise EcrError(
            "ImageDigestDoesNotMatchException",
            f"The specified image digest '{expected}' does not match the digest "
            f"'{digest}' calculated for the manifest",
        )
    tag = params.get("imageTag")
    _refuse_existing(ctx, repo.name, digest, tag)
    media_type = params.get("imageManifestMediaType")
    try:
        manifest = ctx.services.registry.put_manifest(
            repo.name, tag or digest, raw, media_type
        )
    except ManifestBlobUnknown as exc:
        raise _missing_content(raw, exc) from exc
    except TagInvalid as exc:
        raise invalid_parameter("imageTag", exc.message) from exc
    except DigestInvalid as exc:
        raise invalid_parameter("imageManifest", exc.message) from exc
    scanning = ctx.services.extras.get("scanning")
    if scanning is not None:  # queues a scan when a rule covers the push
        scanning.on_push(repo.name, str(manifest.digest))
    image_id = {"imageDigest": str(manifest.digest)}
    if tag:
        image_id["imageTag"] = tag
    return {
        "image": {
            "registryId": ctx.registry_id,
            "repositoryName": repo.name,
            "imageId": image_id,
            "imageManifest": params["imageManifest"],
            "imageManifestMediaType": manifest.media_type,
        }
    }


def _refuse_existing(ctx: EcrContext, name: str, digest: str, tag: str | None) -> None:
    """ImageAlreadyExistsException when the push would change nothing."""
    registry = ctx.services.registry
    try:
        if tag is None:
            registry.get_manifest(name, digest)
            exists = True
        else:
            exists = (
                digest in registry.tags_by_digest(name)
                and tag in (registry.tags_by_digest(name)[digest])
            )
    except NotFound:
        exists = False
    if exists:
        tag_part = f" and tag '{tag}'" if tag else ""
        raise EcrError(
            "ImageAlreadyExistsException",
            f"Image with digest '{digest}'{tag_part} already exists in the "
            f"repository with name '{name}' in registry with id '{ctx.registry_id}'",
        )


def _missing_content(raw: bytes, exc: ManifestBlobUnknown) -> EcrError:
    missing = str((exc.detail or {}).get("digest", ""))
    try:
        children = {m.get("digest") for m in json.loads(raw).get("manifests", [])}
    except (ValueError, AttributeError, TypeError):
        children = set()
    if missing in children:
        return EcrError(
            "ReferencedImagesNotFoundException",
            f"failed to put image: the referenced manifest {missing} is not in "
            "the repository",
        )
    return from_domain(exc, {ManifestBlobUnknown: "LayersNotFoundException"})
