"""Sealed objects that no catalogue row names, and their removal.

Committing an encrypted blob takes two steps: the sealed object is moved
into its domain's inner store, then its row is written to the catalogue
(``EncryptedBlobWriter.commit``); deleting one removes the row, then the
object. A crash between the two steps leaves an object nothing will ever
read. The sweep cannot tell such an orphan from an object whose commit is
between its two steps right now, and the storage roles keep no ages, so an
object is removed only when two sweeps at least ``grace`` seconds apart
both find it unnamed: a commit in flight names its object within
milliseconds. Only files that are sealed objects by their own account are
removed: a header Seawall wrote, and a name that is that header's digest
(``envelope.sealed_name``). Anything else in the directory, such as blobs
stored while encryption was off, is left alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from seawall import logging as seawall_logging
from seawall.crypto.envelope import HEADER_SIZE, Header, sealed_name
from seawall.crypto.objects import SealedObjects
from seawall.errors import SeawallError
from seawall.oci.digest import Digest
from seawall.storage.interfaces import BlobStore

log = seawall_logging.get_logger(__name__)

# How long an unnamed sealed object is left alone after it is first seen,
# and how often the (directory-listing) pass runs at most.
ORPHAN_GRACE = 3600.0
ORPHAN_INTERVAL = ORPHAN_GRACE / 4


class OrphanSweeper:
    """Removes sealed objects left unnamed for ``grace`` seconds or more."""

    def __init__(
        self,
        objects: SealedObjects,
        inner_for: Callable[[str], BlobStore],
        *,
        always: Iterable[str] = (),
        grace: float = ORPHAN_GRACE,
        interval: float = ORPHAN_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._objects = objects
        self._inner_for = inner_for
        self._always = tuple(always)  # domains swept even when they hold no row
        self._grace = grace
        self._interval = interval
        self._clock = clock
        self._first_seen: dict[tuple[str, str], float] = {}
        self._last: float | None = None

    def sweep(self) -> int:
        """One pass over every domain (at most one per ``interval``); the
        number of objects removed."""
        now = self._clock()
        if self._last is not None and now - self._last < self._interval:
            return 0
        self._last = now
        seen: dict[tuple[str, str], float] = {}
        removed = 0
        for domain in sorted({*self._always, *self._objects.domains()}):
            # The names are read before the objects are listed: an object
            # committed in between is listed unnamed, and only remembered.
            named = self._objects.sealed_digests(domain)
            inner = self._inner_for(domain)
            for digest in list(inner.digests()):
                if str(digest) in named:
                    continue
                key = (domain, str(digest))
                first = self._first_seen.get(key, now)
                if now - first < self._grace:
                    seen[key] = first
                elif _is_sealed_object(inner, digest) and inner.delete(digest):
                    log.warning(
                        "removed a sealed object no blob names",
                        domain=domain,
                        sealed=str(digest),
                    )
                    removed += 1
        self._first_seen = seen
        return removed


def _is_sealed_object(inner: BlobStore, digest: Digest) -> bool:
    try:
        head = b"".join(inner.read(digest, 0, HEADER_SIZE))
        return sealed_name(Header.unpack(head)) == digest
    except SeawallError:  # gone meanwhile, too short, or not an envelope
        return False
