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
from seawall.scanning import status
from seawall.scanning.matching import match_records
from seawall.scanning.service import REMATCH, ScanningService, _source_updated_at
from seawall.scanning.store import ImageRef
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


def handle_rematch(service: ScanningService, payload: dict[str, object]) -> None:
    """Job handler of ``scan.rematch``."""
    raw = payload.get("keys") or []
    assert isinstance(raw, list)
    rematch(service, frozenset((str(e), str(n)) for e, n in raw))


def rematch(service: ScanningService, keys: frozenset[PackageKey]) -> RematchResult:
    """Re-evaluate the findings that advisory changes under ``keys`` touch."""
    scans = service.scans
    packages = scans.packages_for_keys(keys)
    holders = scans.holders(packages)
    eligible = _eligible(service, scans.images_holding(holders))
    scope = {d: holders[d] for d in eligible}
    if not scope:
        return RematchResult(len(keys), len(packages), 0, 0, 0, 0)

    # Each distinct package is matched once, whatever the number of holders.
    advisories = service.advisories()
    wanted = {pid for ids in scope.values() for pid in ids}
    records = match_records(advisories, {p: packages[p] for p in wanted}, keys)
    results = {
        digest: {pid: records[pid] for pid in ids if pid in records}
        for digest, ids in scope.items()
    }
    changes = scans.apply_findings(results, scope, packages)
    scans.touch_completed(scope, _source_updated_at(advisories.feeds()))
    service.notifier.findings_changed(changes, trigger="continuous")
    result = RematchResult(
        len(keys),
        len(wanted),
        len(scope),
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


def _eligible(service: ScanningService, images: list[ImageRef]) -> set[str]:
    """Platform digests held by an image still under continuous scanning."""
    config = service.scans.configuration()
    continuous: dict[int, bool] = {}
    scanned: dict[int, set[str]] = {}
    out: set[str] = set()
    for image in images:
        if image.repository_id not in continuous:
            effective = config.effective(
                image.repository, service.legacy_scan_on_push(image.repository_id)
            )
            continuous[image.repository_id] = effective.continuous
            scanned[image.repository_id] = {
                digest
                for digest, scan in service.scans.image_scans(
                    image.repository_id
                ).items()
                if scan.status in (status.ACTIVE, status.COMPLETE)
            }
        if not continuous[image.repository_id]:
            continue
        if image.digest not in scanned[image.repository_id]:
            continue
        if not service.expired(image.pushed_at, image.pulled_at):
            out.add(image.platform_digest)
    return out
