"""Turn an IMAGE argument into a source and a reference.

Forms: ``oci-dir:PATH[:TAG]``, ``docker-archive:PATH`` and
``registry://HOST[:PORT]/REPOSITORY[:TAG|@DIGEST]`` (plain HTTP for
``localhost`` and ``127.0.0.1``, HTTPS otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import httpx

from seawall.errors import InvalidInput, Unsupported
from seawall.oci.reference import ImageReference
from seawall.scan.image.archive import DockerArchiveSource
from seawall.scan.image.interface import ImageSource
from seawall.scan.image.limits import ScanLimits
from seawall.scan.image.ocidir import OCILayoutSource
from seawall.scan.image.remote import RegistrySource

_LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")


@dataclass(frozen=True, slots=True)
class OpenedImage:
    """A source, the reference to resolve in it, and a display name."""

    source: ImageSource
    reference: str | None
    name: str


def open_image(
    spec: str,
    limits: ScanLimits,
    client: httpx.Client | None = None,
    credentials: tuple[str, str] | None = None,
) -> OpenedImage:
    """Open the image named by ``spec``; raises InvalidInput/Unsupported."""
    if spec.startswith("oci-dir:"):
        return _oci_dir(spec.removeprefix("oci-dir:"), limits)
    if spec.startswith("docker-archive:"):
        path = Path(spec.removeprefix("docker-archive:"))
        if not path.is_file():
            raise InvalidInput(f"invalid image {spec!r}: no such file")
        source = DockerArchiveSource(path, limits.max_manifest_bytes)
        return OpenedImage(source, None, spec)
    if spec.startswith("registry://"):
        return _registry(spec, limits, client, credentials)
    raise Unsupported(
        f"unsupported image {spec!r}: use oci-dir:PATH[:TAG], "
        "docker-archive:PATH or registry://HOST/REPOSITORY[:TAG]"
    )


def _oci_dir(rest: str, limits: ScanLimits) -> OpenedImage:
    path, tag = Path(rest), None
    if not path.is_dir() and ":" in rest:
        head, _, tag = rest.rpartition(":")
        path = Path(head)
    if not path.is_dir():
        raise InvalidInput(f"invalid image oci-dir:{rest}: no such directory")
    source = OCILayoutSource(path, limits.max_manifest_bytes)
    return OpenedImage(source, tag, f"oci-dir:{rest}")


def _registry(
    spec: str,
    limits: ScanLimits,
    client: httpx.Client | None,
    credentials: tuple[str, str] | None,
) -> OpenedImage:
    rest = spec.removeprefix("registry://")
    try:
        ref = ImageReference.parse(rest)
    except Exception as exc:
        raise InvalidInput(f"invalid image {spec!r}: {exc}") from exc
    if ref.host is None:
        raise InvalidInput(f"invalid image {spec!r}: no registry host")
    local = ref.host.rsplit(":", 1)[0] in _LOCAL_HOSTS or ref.host in _LOCAL_HOSTS
    scheme = "http" if local else "https"
    # Docker Hub's API lives on another host than its name.
    host = "registry-1.docker.io" if ref.host == "docker.io" else ref.host
    source = RegistrySource(
        f"{scheme}://{host}",
        ref.repository,
        client or httpx.Client(timeout=60.0),
        max_manifest_bytes=limits.max_manifest_bytes,
        max_download_bytes=limits.max_download_bytes,
        credentials=credentials,
    )
    return OpenedImage(source, ref.reference, spec)
