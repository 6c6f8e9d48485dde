"""The registry's storage service: repositories, blobs, uploads, manifests, tags.

:class:`RegistryStore` is what the edges (``registry/`` for /v2/, ``ecr/``
for the ECR API) call. It is synchronous; async callers run it in a worker
thread. It keeps the invariants of DESIGN.md: a blob is linked into a
repository only after its bytes were verified, a manifest is stored only when
everything it references exists in the repository, and every change is one
database transaction (so a failure leaves the old state).
"""

from __future__ import annotations

from seawall.errors import ManifestInvalid
from seawall.storage.blobs import BlobPart
from seawall.storage.domains import BlobStores, SingleDomain
from seawall.storage.manifests import PULL_RECORD_INTERVAL, ManifestPart
from seawall.storage.records import Clock, Repository, StoredManifest, UploadSession


class RegistryStore(ManifestPart, BlobPart):
    """Repositories, blobs, upload sessions, manifests, tags and referrers.

    One class for its callers, written in three parts: repositories.py (its
    state and repositories), blobs.py (blobs and upload sessions) and
    manifests.py (manifests, tags and referrers).
    """


__all__ = [
    "PULL_RECORD_INTERVAL",
    "BlobStores",
    "Clock",
    "ManifestInvalid",
    "RegistryStore",
    "Repository",
    "SingleDomain",
    "StoredManifest",
    "UploadSession",
]
