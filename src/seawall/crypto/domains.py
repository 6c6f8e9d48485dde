"""Key domains: which key seals a repository's blobs, and its blob store.

A repository chooses at creation ``AES256`` (the registry's default key,
domain ``default``) or ``KMS`` with a key (domain ``kms-<key id>``; without a
key, the registry-managed ``alias/aws/ecr`` key). Each domain has its own
inner store, so content is de-duplicated only under one key, and a mount
across domains seals a fresh copy. :class:`KeyDomains` is the registry's
``BlobStores``; :meth:`KeyDomains.configure` is what repository creation
(ECR ``encryptionConfiguration``) calls to validate and pin the key.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from seawall.crypto.blobstore import EncryptedBlobStore
from seawall.crypto.keys import DEFAULT_ALIAS, ECR_MANAGED_ALIAS, KeyManager
from seawall.crypto.objects import SealedObjects
from seawall.errors import InvalidInput
from seawall.storage.interfaces import BlobStore

DEFAULT_DOMAIN = "default"
AES256, KMS, KMS_DSSE = "AES256", "KMS", "KMS_DSSE"
# Seconds a successful key check of a domain is trusted by ``check``.
CHECK_TTL = 1.0


class _Repository(Protocol):
    @property
    def encryption_type(self) -> str: ...

    @property
    def kms_key(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class EncryptionConfiguration:
    """A repository's pinned encryption: type and the key's ARN (KMS only)."""

    encryption_type: str
    kms_key: str | None = None


class KeyDomains:
    """Chooses and builds the encrypted blob store of each key domain."""

    def __init__(
        self,
        keys: KeyManager,
        objects: SealedObjects,
        inner_for: Callable[[str], BlobStore],
        *,
        chunk_size: int,
    ) -> None:
        self.keys = keys
        self._objects = objects
        self._inner_for = inner_for
        self._chunk_size = chunk_size
        self._stores: dict[str, EncryptedBlobStore] = {}
        self._domains: dict[str, str] = {}
        self._checked: dict[str, float] = {}
        self._lock = threading.Lock()

    def configure(
        self, encryption_type: str = AES256, kms_key: str | None = None
    ) -> EncryptionConfiguration:
        """Validate a repository's choice and pin the key by ARN.

        Raises InvalidInput for an unknown type or a key given with AES256,
        KeyNotFound for an unknown key or alias, KeyUnavailable when the key
        is not Enabled.
        """
        if encryption_type == AES256:
            if kms_key:
                raise InvalidInput("invalid encryption: kmsKey is only for KMS")
            return EncryptionConfiguration(AES256)
        if encryption_type not in (KMS, KMS_DSSE):
            raise InvalidInput(
                f"invalid encryptionType {encryption_type!r}: AES256, KMS or KMS_DSSE"
            )
        ref = kms_key or self.keys.managed_key(ECR_MANAGED_ALIAS).key_id
        key = self.keys.require_enabled(ref, "create repository")
        return EncryptionConfiguration(encryption_type, key.arn)

    def domain(self, repository: _Repository) -> str:
        """``default`` for AES256, else ``kms-<key id>`` (KMS and KMS_DSSE)."""
        if repository.encryption_type == AES256 and not repository.kms_key:
            return DEFAULT_DOMAIN
        ref = repository.kms_key or ECR_MANAGED_ALIAS
        with self._lock:
            known = self._domains.get(ref)
        if known is not None:
            return known
        if ref == ECR_MANAGED_ALIAS:
            domain = f"kms-{self.keys.managed_key(ECR_MANAGED_ALIAS).key_id}"
        else:
            domain = f"kms-{self.keys.resolve(ref)}"
        if ref.startswith("arn:") and ":key/" in ref:
            # A key ARN names one key forever; aliases may be re-pointed.
            with self._lock:
                self._domains[ref] = domain
        return domain

    def check(self, domain: str) -> None:
        """KeyUnavailable unless the domain's key is Enabled.

        Used before serving cached manifests and when an upload starts: a
        success is trusted for :data:`CHECK_TTL` seconds, so disabling a key
        takes effect there within that time; a failure is never cached.
        """
        now = time.monotonic()
        with self._lock:
            checked = self._checked.get(domain)
        if checked is not None and now - checked < CHECK_TTL:
            return
        self.keys.usable_version(self.store(domain).key_id, "access content")
        with self._lock:
            self._checked[domain] = now

    def store(self, domain: str) -> EncryptedBlobStore:
        with self._lock:
            store = self._stores.get(domain)
        if store is not None:
            return store
        if domain == DEFAULT_DOMAIN:
            key_id = self.keys.managed_key(DEFAULT_ALIAS).key_id
        else:
            key_id = self.keys.resolve(domain.removeprefix("kms-"))
        store = EncryptedBlobStore(
            self._inner_for(domain),
            self.keys,
            self._objects,
            domain=domain,
            key_id=key_id,
            chunk_size=self._chunk_size,
        )
        with self._lock:
            return self._stores.setdefault(domain, store)
