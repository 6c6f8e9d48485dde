"""Building the encryption layer from Settings (called by the composition root).

``build_key_manager`` unlocks the keys with the root key; ``build_encryption``
wraps the storage drivers: a key domain per repository key, and sealed
upload sessions. ``Encryption.run_forever`` is the background task that
re-wraps data keys after rotations and ends deletion waiting periods.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import anyio
import anyio.to_thread
from sqlalchemy import Engine

from seawall import logging as seawall_logging
from seawall.crypto.domains import DEFAULT_DOMAIN, KeyDomains
from seawall.crypto.keys import DEFAULT_ALIAS, KeyManager
from seawall.crypto.objects import SealedObjects
from seawall.crypto.orphans import OrphanSweeper
from seawall.crypto.rewrap import rewrap_all
from seawall.crypto.rootkey import load_or_create_root_key
from seawall.crypto.uploads import EncryptedUploadStore
from seawall.settings import Settings
from seawall.storage.interfaces import BlobStore, UploadDriver

log = seawall_logging.get_logger(__name__)


def build_key_manager(settings: Settings, engine: Engine) -> KeyManager:
    """The key manager of a migrated database, unlocked with the root key."""
    secret = settings.root_key.get_secret_value() if settings.root_key else None
    root_key = load_or_create_root_key(
        settings.data_dir, key_file=settings.root_key_file, env_value=secret
    )
    return KeyManager(
        engine, root_key, region=settings.region, account_id=settings.account_id
    )


@dataclass
class Encryption:
    """The encryption layer of one process."""

    keys: KeyManager
    objects: SealedObjects
    domains: KeyDomains
    uploads: EncryptedUploadStore
    interval: float
    orphans: OrphanSweeper | None = None

    def maintain(self) -> int:
        """One maintenance pass: end due deletions, rotate keys on their
        schedule, re-wrap stale data keys, remove sealed objects a crash left
        unnamed (see ``crypto.orphans``)."""
        deleted = self.keys.delete_due_keys()
        if deleted:
            log.info("deleted keys after their waiting period", keys=deleted)
        rotated = self.keys.rotate_due_keys()
        if rotated:
            log.info("rotated keys on their schedule", keys=rotated)
        rewrapped = rewrap_all(self.keys, self.objects)
        if rewrapped:
            log.info("re-wrapped data keys", count=rewrapped)
        if self.orphans is not None:
            self.orphans.sweep()
        return rewrapped

    async def run_forever(self) -> None:
        while True:
            try:
                await anyio.to_thread.run_sync(self.maintain)
            except Exception:
                log.exception("failed to maintain keys")
            await anyio.sleep(self.interval)


def build_encryption(
    settings: Settings,
    engine: Engine,
    inner_for: Callable[[str], BlobStore],
    uploads: UploadDriver,
) -> Encryption:
    """Seal every key domain's blobs and the upload sessions in progress."""
    keys = build_key_manager(settings, engine)
    objects = SealedObjects(engine)
    domains = KeyDomains(
        keys, objects, inner_for, chunk_size=settings.encryption_chunk_size
    )
    default = keys.managed_key(DEFAULT_ALIAS)
    sealed_uploads = EncryptedUploadStore(
        uploads,
        keys,
        engine,
        key_id=default.key_id,
        chunk_size=settings.encryption_chunk_size,
    )
    return Encryption(
        keys,
        objects,
        domains,
        sealed_uploads,
        float(settings.key_rotation_interval_seconds),
        OrphanSweeper(objects, inner_for, always=(DEFAULT_DOMAIN,)),
    )
