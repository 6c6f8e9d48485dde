"""Resolve a reference to the layers of one platform.

An index (or Docker manifest list) is narrowed to platforms: ``platform``
``None`` means the only image, else the host's ``linux/<arch>``; ``"all"``
means every image platform (attestation manifests excluded).
"""

from __future__ import annotations

import json
import platform as host_platform
from typing import Any

from seawall.errors import InvalidInput, ManifestInvalid, NotFound
from seawall.oci.descriptor import Descriptor
from seawall.oci.digest import Digest
from seawall.oci.manifest import Manifest, parse_manifest
from seawall.scan.image.interface import ImageSource, LayerRef, ResolvedImage

_HOST_ARCH = {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}
_MAX_DEPTH = 3


def resolve(
    source: ImageSource,
    reference: str | None,
    platform: str | None,
    max_config_bytes: int,
) -> list[ResolvedImage]:
    """The image(s) ``reference`` names for ``platform``.

    Raises NotFound when no image matches the platform, ManifestInvalid for
    malformed manifests and configs.
    """
    raw, media_type = source.manifest(reference)
    return _resolve(
        source,
        raw,
        media_type,
        platform=platform,
        max_config_bytes=max_config_bytes,
        depth=0,
    )


def _resolve(
    source: ImageSource,
    raw: bytes,
    media_type: str | None,
    *,
    platform: str | None,
    max_config_bytes: int,
    depth: int,
) -> list[ResolvedImage]:
    manifest = parse_manifest(raw, media_type)
    if not manifest.is_index:
        return [_image(source, manifest, max_config_bytes)]
    if depth >= _MAX_DEPTH:
        raise ManifestInvalid("invalid index: nested too deeply")
    images: list[ResolvedImage] = []
    for child in _choose(manifest.manifests, platform):
        with source.open_blob(child.digest, child.size) as handle:
            child_raw = handle.read(max_config_bytes + 1)
        if len(child_raw) > max_config_bytes:
            raise ManifestInvalid(f"invalid manifest {child.digest}: too large")
        images += _resolve(
            source,
            child_raw,
            child.media_type,
            platform=platform,
            max_config_bytes=max_config_bytes,
            depth=depth + 1,
        )
    return images


def _choose(children: tuple[Descriptor, ...], wanted: str | None) -> list[Descriptor]:
    images = [c for c in children if _platform_of(c) not in ("unknown/unknown",)]
    if wanted == "all":
        return images
    if wanted is None:
        if len(images) == 1:
            return images
        wanted = f"linux/{_HOST_ARCH.get(host_platform.machine(), 'amd64')}"
    chosen = [c for c in images if _matches(_platform_of(c), wanted)]
    if not chosen:
        known = ", ".join(_platform_of(c) for c in images) or "none"
        raise NotFound(f"failed to find platform {wanted} in the index (has {known})")
    return chosen[:1]


def _platform_of(desc: Descriptor) -> str:
    p = desc.platform or {}
    text = f"{p.get('os', '')}/{p.get('architecture', '')}"
    if not p:
        return "/"
    return f"{text}/{p['variant']}" if p.get("variant") else text


def _matches(have: str, wanted: str) -> bool:
    return have == wanted or (wanted.count("/") == 1 and have.startswith(wanted + "/"))


def _image(source: ImageSource, manifest: Manifest, max_bytes: int) -> ResolvedImage:
    assert manifest.config is not None
    config = _config(source, manifest.config.digest, max_bytes)
    rootfs = config.get("rootfs")
    diff_ids = list(rootfs.get("diff_ids") or []) if isinstance(rootfs, dict) else []
    if len(diff_ids) != len(manifest.layers):
        # Some artifacts carry no diff ids; fall back to the blob digests.
        diff_ids = [str(layer.digest) for layer in manifest.layers]
    layers = tuple(
        LayerRef(layer.digest, str(diff_id), layer.size, layer.media_type)
        for layer, diff_id in zip(manifest.layers, diff_ids, strict=True)
    )
    return ResolvedImage(str(manifest.digest), _config_platform(config), layers, config)


def _config(source: ImageSource, digest: Digest, max_bytes: int) -> dict[str, Any]:
    try:
        with source.open_blob(digest) as handle:
            raw = handle.read(max_bytes + 1)
    except NotFound as exc:
        raise InvalidInput(f"invalid image: config {digest} is missing") from exc
    if len(raw) > max_bytes:
        raise ManifestInvalid(f"invalid image config {digest}: too large")
    try:
        doc = json.loads(raw)
    except ValueError as exc:
        raise ManifestInvalid(f"invalid image config {digest}: {exc}") from exc
    if not isinstance(doc, dict):
        raise ManifestInvalid(f"invalid image config {digest}: not an object")
    return doc


def _config_platform(config: dict[str, Any]) -> str:
    text = f"{config.get('os', 'linux')}/{config.get('architecture', 'amd64')}"
    return f"{text}/{config['variant']}" if config.get("variant") else text
