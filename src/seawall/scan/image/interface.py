"""The role an image source plays, and the resolved shape of one image."""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO, Protocol

from seawall.oci.digest import Digest


class ImageSource(Protocol):
    """Where manifests and blobs of one repository come from.

    Implemented by an OCI layout directory, a ``docker save`` archive, a remote
    registry and (later) a Seawall registry's own storage.
    """

    def manifest(self, reference: str | None) -> tuple[bytes, str | None]:
        """The raw manifest or index for ``reference`` and its media type.

        ``None`` asks for the source's default (the only or top-level image).
        Raises ManifestUnknown when there is no such reference.
        """
        ...

    def open_blob(self, digest: Digest, size: int | None = None) -> BinaryIO:
        """A readable stream of the blob; the caller closes it.

        Raises BlobUnknown when the source has no such blob.
        """
        ...

    def close(self) -> None:
        """Release files and connections."""
        ...


@dataclass(frozen=True, slots=True)
class LayerRef:
    """One layer of a resolved image.

    ``digest`` is the blob's digest as the manifest names it; ``diff_id`` is
    the digest of the uncompressed tar from the image config, which is what
    package locations and the per-layer cache key on.
    """

    digest: Digest
    diff_id: str
    size: int
    media_type: str


@dataclass(frozen=True, slots=True)
class ResolvedImage:
    """One platform's image: its manifest digest, platform and layers."""

    manifest_digest: str
    platform: str
    layers: tuple[LayerRef, ...]
    config: dict[str, object]
