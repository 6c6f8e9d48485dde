"""Parsing and checking of image manifests and indexes.

A parsed manifest names everything it references: the blobs (config and
layers) that must exist in the repository, the child manifests of an index,
and the ``subject`` for the referrers API.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from seawall.errors import ManifestInvalid, Unsupported
from seawall.oci import mediatypes as mt
from seawall.oci.descriptor import Descriptor
from seawall.oci.digest import Digest


@dataclass(frozen=True, slots=True)
class Manifest:
    """A validated manifest or index and what it references."""

    media_type: str
    digest: Digest
    raw: bytes
    config: Descriptor | None
    layers: tuple[Descriptor, ...]
    manifests: tuple[Descriptor, ...]
    subject: Descriptor | None
    artifact_type: str | None
    annotations: dict[str, str]

    @property
    def is_index(self) -> bool:
        return self.media_type in mt.INDEXES

    @property
    def blob_references(self) -> tuple[Descriptor, ...]:
        """Blobs that must exist in the repository for this manifest."""
        return ((self.config,) if self.config else ()) + self.layers

    @property
    def effective_artifact_type(self) -> str | None:
        """The artifact type the referrers API reports for this manifest."""
        if self.artifact_type:
            return self.artifact_type
        if self.config is not None and self.media_type == mt.OCI_MANIFEST:
            return self.config.media_type
        return None


def parse_manifest(
    raw: bytes, content_type: str | None, digest_algorithm: str = "sha256"
) -> Manifest:
    """Parse ``raw`` as the manifest type ``content_type`` declares.

    The media type comes from the body's ``mediaType`` when the request does
    not name one; a mismatch between the two is invalid. Raises
    ManifestInvalid for anything malformed and Unsupported for schema 1.
    """
    try:
        doc = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestInvalid(f"invalid manifest: not JSON ({exc})") from exc
    if not isinstance(doc, dict):
        raise ManifestInvalid("invalid manifest: not a JSON object")

    media_type = _media_type(doc, content_type)
    if doc.get("schemaVersion") != 2:
        raise ManifestInvalid("invalid manifest: schemaVersion must be 2")

    digest = Digest(digest_algorithm, _hash(raw, digest_algorithm))
    if media_type in mt.INDEXES:
        return _parse_index(doc, media_type, digest, raw)
    return _parse_image(doc, media_type, digest, raw)


def _hash(raw: bytes, algorithm: str) -> str:
    import hashlib

    return hashlib.new(algorithm, raw).hexdigest()


def _media_type(doc: dict[str, Any], content_type: str | None) -> str:
    declared = doc.get("mediaType")
    header = (content_type or "").split(";")[0].strip() or None
    if header in (mt.DOCKER_SCHEMA1, mt.DOCKER_SCHEMA1_SIGNED):
        raise Unsupported("unsupported manifest: Docker schema 1 is deprecated")
    if declared is not None and not isinstance(declared, str):
        raise ManifestInvalid("invalid manifest: mediaType is not a string")
    if header and header not in mt.MANIFEST_TYPES and declared is None:
        raise ManifestInvalid(f"invalid manifest: unsupported media type {header!r}")
    if header in mt.MANIFEST_TYPES and declared and declared != header:
        raise ManifestInvalid(
            f"invalid manifest: mediaType {declared!r} does not match "
            f"Content-Type {header!r}"
        )
    media_type = declared or (header if header in mt.MANIFEST_TYPES else None)
    if media_type is None:
        # An OCI manifest without mediaType: tell image from index by shape.
        media_type = mt.OCI_INDEX if "manifests" in doc else mt.OCI_MANIFEST
    if media_type not in mt.MANIFEST_TYPES:
        raise ManifestInvalid(
            f"invalid manifest: unsupported media type {media_type!r}"
        )
    return media_type


def _parse_image(
    doc: dict[str, Any], media_type: str, digest: Digest, raw: bytes
) -> Manifest:
    config = Descriptor.from_json(doc.get("config"), "config")
    layers_doc = doc.get("layers")
    if not isinstance(layers_doc, list):
        raise ManifestInvalid("invalid manifest: layers must be a list")
    layers = tuple(
        Descriptor.from_json(layer, f"layers[{i}]")
        for i, layer in enumerate(layers_doc)
    )
    if media_type == mt.DOCKER_MANIFEST:
        for i, layer in enumerate(layers):
            if layer.media_type.startswith("application/vnd.oci.image.manifest"):
                raise ManifestInvalid(f"invalid manifest: layers[{i}] is a manifest")
    return Manifest(
        media_type=media_type,
        digest=digest,
        raw=raw,
        config=config,
        layers=layers,
        manifests=(),
        subject=_subject(doc),
        artifact_type=_artifact_type(doc),
        annotations=_annotations(doc),
    )


def _parse_index(
    doc: dict[str, Any], media_type: str, digest: Digest, raw: bytes
) -> Manifest:
    children = doc.get("manifests")
    if not isinstance(children, list):
        raise ManifestInvalid("invalid manifest: manifests must be a list")
    manifests = tuple(
        Descriptor.from_json(child, f"manifests[{i}]")
        for i, child in enumerate(children)
    )
    return Manifest(
        media_type=media_type,
        digest=digest,
        raw=raw,
        config=None,
        layers=(),
        manifests=manifests,
        subject=_subject(doc),
        artifact_type=_artifact_type(doc),
        annotations=_annotations(doc),
    )


def _subject(doc: dict[str, Any]) -> Descriptor | None:
    if doc.get("subject") is None:
        return None
    return Descriptor.from_json(doc["subject"], "subject")


def _artifact_type(doc: dict[str, Any]) -> str | None:
    value = doc.get("artifactType")
    if value is not None and not isinstance(value, str):
        raise ManifestInvalid("invalid manifest: artifactType is not a string")
    return value


def _annotations(doc: dict[str, Any]) -> dict[str, str]:
    value = doc.get("annotations") or {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ManifestInvalid("invalid manifest: annotations must map strings")
    return value
