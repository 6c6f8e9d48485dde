"""Key domains: which blob store holds a repository's blobs."""

from __future__ import annotations

from typing import Protocol

from seawall.storage.interfaces import BlobStore
from seawall.storage.records import Repository


class BlobStores(Protocol):
    """Chooses the blob store of a repository's key domain.

    The plain registry has one domain; encryption gives each key its own,
    so content is shared (de-duplicated) only under the same key.
    """

    def domain(self, repository: Repository) -> str: ...

    def store(self, domain: str) -> BlobStore: ...

    def check(self, domain: str) -> None:
        """Raise (Unavailable) when the domain's content may not be served now.

        Called before serving cached content, which skips the store's own
        checks: a disabled key must fail cached manifests too.
        """


class SingleDomain:
    """Every repository shares one blob store."""

    def __init__(self, store: BlobStore) -> None:
        self._store = store

    def domain(self, repository: Repository) -> str:
        return "default"

    def store(self, domain: str) -> BlobStore:
        return self._store

    def check(self, domain: str) -> None:
        return None
