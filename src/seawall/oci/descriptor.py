"""Content descriptors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from seawall.errors import ManifestInvalid
from seawall.oci.digest import Digest


@dataclass(frozen=True, slots=True)
class Descriptor:
    """A reference to content by media type, digest and size."""

    media_type: str
    digest: Digest
    size: int
    artifact_type: str | None = None
    annotations: dict[str, str] = field(default_factory=dict, compare=False)
    platform: dict[str, Any] | None = field(default=None, compare=False)

    @classmethod
    def from_json(cls, obj: Any, where: str) -> Descriptor:
        """Parse a descriptor object; raises ManifestInvalid naming ``where``."""
        if not isinstance(obj, dict):
            raise ManifestInvalid(f"invalid manifest: {where} is not an object")
        media_type = obj.get("mediaType")
        digest = obj.get("digest")
        size = obj.get("size")
        if not isinstance(media_type, str) or not media_type:
            raise ManifestInvalid(f"invalid manifest: {where}.mediaType is missing")
        if not isinstance(digest, str):
            raise ManifestInvalid(f"invalid manifest: {where}.digest is missing")
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise ManifestInvalid(f"invalid manifest: {where}.size is not a size")
        try:
            parsed = Digest.parse(digest)
        except Exception as exc:
            raise ManifestInvalid(f"invalid manifest: {where}.digest: {exc}") from exc
        annotations = obj.get("annotations") or {}
        if not isinstance(annotations, dict):
            raise ManifestInvalid(f"invalid manifest: {where}.annotations")
        artifact_type = obj.get("artifactType")
        platform = obj.get("platform")
        return cls(
            media_type,
            parsed,
            size,
            artifact_type if isinstance(artifact_type, str) else None,
            annotations,
            platform if isinstance(platform, dict) else None,
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "mediaType": self.media_type,
            "digest": str(self.digest),
            "size": self.size,
        }
        if self.artifact_type:
            out["artifactType"] = self.artifact_type
        if self.annotations:
            out["annotations"] = dict(self.annotations)
        if self.platform:
            out["platform"] = dict(self.platform)
        return out
