"""Background re-wrapping of data keys after a key rotation.

Each pass takes a batch of sealed objects whose data key is wrapped under an
older version of its key, unwraps and wraps it under the current version,
and stores it only if the row still holds the old wrap. Passes are
idempotent and all state is in the database, so a restart (or a second
node doing the same) loses nothing and repeats nothing harmful.
"""

from __future__ import annotations

from seawall import logging as seawall_logging
from seawall.crypto.errors import KeyUnavailable
from seawall.crypto.keys import KeyManager
from seawall.crypto.objects import SealedObjects
from seawall.errors import IntegrityError

log = seawall_logging.get_logger(__name__)


def rewrap_pending(keys: KeyManager, objects: SealedObjects, batch: int = 500) -> int:
    """Re-wrap up to ``batch`` stale data keys; returns how many were done."""
    done = 0
    for obj in objects.stale(batch):
        try:
            wrapped = keys.rewrap(obj.wrapped, obj.context)
        except KeyUnavailable:
            continue
        except IntegrityError:
            log.error(
                "failed to re-wrap data key",
                digest=str(obj.digest),
                domain=obj.domain,
                key_id=obj.wrapped.key_id,
            )
            continue
        objects.replace_wrap(obj, wrapped)
        done += 1
    return done


def rewrap_all(keys: KeyManager, objects: SealedObjects, batch: int = 500) -> int:
    """Run passes until no stale data key is left that can be re-wrapped."""
    total = 0
    while done := rewrap_pending(keys, objects, batch):
        total += done
    return total
