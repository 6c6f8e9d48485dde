"""New and resolved findings as events: the audit trail and webhooks.

Each repository whose images' findings changed in one scan or re-match
yields one event, named ``ImageScanFindingsChanged``, listing those images
with their new and resolved findings. It is appended to the audit trail's
stream and POSTed as JSON to every configured webhook URL. Deliveries are
jobs (``scan.webhook``), so a receiver that is down gets the event later,
with backoff; a 4xx answer other than 408/429 is not retried. One event per
repository (not per image) keeps a feed update that touches thousands of
images to a bounded number of audit records and deliveries.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from seawall.events import EventSink, RegistryEvent
from seawall.logging import get_logger
from seawall.scanning.findingstore import FindingChange
from seawall.scanning.store import ImageRef, ScanStore
from seawall.tasks.queue import JobQueue
from seawall.tasks.worker import PermanentError

log = get_logger(__name__)

EVENT_NAME = "ImageScanFindingsChanged"
WEBHOOK = "scan.webhook"
_MAX_LISTED = 100


class Notifier:
    """Turns finding changes into audit events and webhook deliveries."""

    def __init__(
        self,
        scans: ScanStore,
        events: EventSink,
        queue: JobQueue,
        webhook_urls: Sequence[str],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._scans = scans
        self._events = events
        self._queue = queue
        self._urls = tuple(webhook_urls)
        self._clock = clock

    def findings_changed(
        self,
        changes: Sequence[FindingChange],
        trigger: str,
        images: Sequence[ImageRef] | None = None,
    ) -> int:
        """Emit one event per repository affected by ``changes``; the count.

        ``images`` are the images holding the changed platforms when the
        caller already has them.
        """
        if not changes:
            return 0
        by_platform = {c.platform_digest: c for c in changes}
        known = {i.platform_digest for i in images or ()}
        holders = list(images or ()) + self._scans.images_holding(
            d for d in by_platform if d not in known
        )
        listed_images: dict[str, list[dict[str, Any]]] = {}
        for image in holders:
            if image.platform_digest not in by_platform:
                continue
            change = by_platform[image.platform_digest]
            listed_images.setdefault(image.repository, []).append(
                _image(image.digest, change)
            )
        for repository, listed in sorted(listed_images.items()):
            detail = {
                "repositoryName": repository,
                "trigger": trigger,  # scan | continuous
                "images": listed[:_MAX_LISTED],
                "imageCount": len(listed),
            }
            self._emit(repository, detail)
            for url in self._urls:
                self._queue.enqueue(WEBHOOK, {"url": url, "body": self._body(detail)})
        return len(listed_images)

    def _emit(self, repository: str, detail: dict[str, Any]) -> None:
        # The audit record names images and vulnerability ids only; the
        # webhook body carries the packages too.
        summary = [
            {
                "imageDigest": image["imageDigest"],
                "new": [f["vulnerabilityId"] for f in image["newFindings"]],
                "resolved": [f["vulnerabilityId"] for f in image["resolvedFindings"]],
            }
            for image in detail["images"]
        ]
        self._events.emit(
            RegistryEvent(
                name=EVENT_NAME,
                repository=repository,
                parameters={
                    "trigger": detail["trigger"],
                    "imageCount": detail["imageCount"],
                    "images": summary,
                },
            )
        )

    def _body(self, detail: dict[str, Any]) -> dict[str, Any]:
        stamp = datetime.fromtimestamp(self._clock(), UTC).isoformat()
        return {
            "version": "1",
            "source": "seawall.scanning",
            "detailType": "Image Scan Findings Changed",
            "time": stamp.replace("+00:00", "Z"),
            "detail": detail,
        }


def _image(digest: str, change: FindingChange) -> dict[str, Any]:
    def listed(items: tuple[tuple[str, str, str], ...]) -> list[dict[str, str]]:
        return [
            {"vulnerabilityId": v, "packageName": n, "packageVersion": ver}
            for v, n, ver in items[:_MAX_LISTED]
        ]

    return {
        "imageDigest": digest,
        "platformDigest": change.platform_digest,
        "newFindingCount": len(change.new),
        "resolvedFindingCount": len(change.resolved),
        "newFindings": listed(change.new),
        "resolvedFindings": listed(change.resolved),
    }


def deliver(payload: dict[str, Any], timeout: float = 10.0) -> None:
    """Job handler of ``scan.webhook``: POST the body; raise to retry."""
    url = str(payload["url"])
    try:
        response = httpx.post(url, json=payload["body"], timeout=timeout)
    except httpx.HTTPError as exc:
        raise RuntimeError(f"failed to deliver webhook: {exc}") from exc
    code = response.status_code
    if code < 300:
        return
    if 400 <= code < 500 and code not in (408, 429):
        raise PermanentError(f"failed to deliver webhook: {url} answered {code}")
    raise RuntimeError(f"failed to deliver webhook: {url} answered {code}")
