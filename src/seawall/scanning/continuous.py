"""Continuous scanning: re-match only what an advisory change touches.

An advisory import reports the (ecosystem, name) pairs whose advisories
changed. :func:`rematch` finds the stored packages matched under those keys,
the platform images holding them and, through those, the images of
continuously scanned repositories still eligible; it matches each distinct
package once (from the stored inventories, no layer is read) and updates the
findings of the affected packages only. New and resolved findings become
events.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from seawall.logging import get_logger
from seawall.scan.advisories.store import PackageKey
from seawall.scanning.matching import match_records
from seawall.scanning.service import REMATCH, ScanningService, _source_updated_at
from seawall.tasks.queue import JobQueue

log = get_logger(__name__)

_MAX_KEYS_PER_JOB = 5000


@dataclass(frozen=True, slots=True)
class RematchResult:
    """What one re-match did."""

    keys: int
    packages: int
    images: int
    changed_images: int
    new: int
    resolved: int


def enqueue_rematch(queue: JobQueue, keys: Iterable[PackageKey]) -> list[int]:
    """Queue re-match jobs for ``keys`` (split so no payload is huge)."""
    ordered = sorted({(str(e), str(n)) for e, n in keys})
    return [
        queue.enqueue(
            REMATCH, {"keys": [list(k) for k in ordered[i : i + _MAX_KEYS_PER_JOB]]}
        )
        for i in range(0, len(ordered), _MAX_KEYS_PER_JOB)
    ]


# TODO(seawall): enrichment-only imports (KEV, EPSS, vulnrichment) report no
# changed packages, so exploitAvailable and priorities refresh only at the
# next scan or re-match of a package; a CVE-keyed re-score would fix that.
def handle_rematch(service: ScanningService, payload: dict[str, object]) -> None:
    """Job handler of ``scan.rematch``."""
    raw = payload.get("keys") or []
    assert isinstance(raw, list)
    rematch(service, frozenset((str(e), str(n)) for e, n in raw))


def rematch(service: ScanningService, keys: frozenset[PackageKey]) -> RematchResult:
    """Re-evaluate the findings that advisory changes under ``keys`` touch."""
    scans = service.scans
    packages = scans.packages_for_keys(keys)
    if not packages:
        return RematchResult(len(keys), 0, 0, 0, 0, 0)

    # Each distinct package is matched once, whatever the number of holders.
    advisories = service.advisories()
    records = match_records(advisories, packages, keys)
    changes, images = service.propagate(packages, records)
    scans.touch_completed(
        {(i.repository_id, i.digest) for i in images},
        _source_updated_at(advisories.feeds()),
    )
    service.notifier.findings_changed(changes, trigger="continuous", images=images)
    result = RematchResult(
        len(keys),
        len(packages),
        len(images),
        len(changes),
        sum(len(c.new) for c in changes),
        sum(len(c.resolved) for c in changes),
    )
    log.info("continuous re-match", **_fields(result))
    return result


def _fields(result: RematchResult) -> dict[str, int]:
    return {
        "keys": result.keys,
        "packages": result.packages,
        "images": result.images,
        "changed_images": result.changed_images,
        "new": result.new,
        "resolved": result.resolved,
    }
