"""The in-registry scanning service: triggers, scan jobs, reads.

A push that a rule covers queues a ``scan.image`` job (the push itself only
writes one row). A worker resolves the image from the registry's own
storage (each platform of an index), catalogs each platform image once
(stored inventories are reused, layer results cached per diff id), matches
the packages and stores the findings. Continuous re-matching lives in
:mod:`seawall.scanning.continuous`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seawall.errors import InvalidInput, NotFound, SeawallError
from seawall.logging import get_logger
from seawall.oci import mediatypes as mt
from seawall.scan.advisories.store import AdvisoryStore
from seawall.scan.inventory import Inventory, Package
from seawall.scanning import config as cfg
from seawall.scanning import status as st
from seawall.scanning.findingstore import FindingChange, Records
from seawall.scanning.matching import match_records
from seawall.scanning.notify import Notifier
from seawall.scanning.records import StoredFinding
from seawall.scanning.store import ImageRef, ImageScan, ScanStore
from seawall.storage.registry import RegistryStore, StoredManifest
from seawall.tasks.queue import JobQueue
from seawall.tasks.worker import PermanentError

log = get_logger(__name__)

SCAN_IMAGE, REMATCH, WEBHOOK = "scan.image", "scan.rematch", "scan.webhook"
_OS_ECOSYSTEMS = frozenset(
    {
        "Debian",
        "Ubuntu",
        "Alpine",
        "Wolfi",
        "Chainguard",
        "AlmaLinux",
        "Rocky Linux",
        "Red Hat",
    }
)
_IMAGE_CONFIGS = frozenset({mt.OCI_CONFIG, mt.DOCKER_CONFIG})


class ScanLimitExceeded(SeawallError):
    """A manual scan was asked for again too soon."""


class UnsupportedImage(SeawallError):
    """The manifest is not a container image."""


@dataclass(frozen=True, slots=True)
class ScanOptions:
    """Tunables from Settings."""

    cache_dir: Path
    manual_interval_seconds: float = 24 * 3600.0
    eligibility_days: float = 30.0


@dataclass(frozen=True, slots=True)
class ScanView:
    """An image's scan status and findings, as the APIs show them."""

    status: str
    description: str
    scan_type: str
    completed_at: float | None
    source_updated_at: float | None
    findings: list[StoredFinding] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


class ScanningService:
    """Triggers and reads scans of images stored in this registry."""

    def __init__(
        self,
        registry: RegistryStore,
        scans: ScanStore,
        queue: JobQueue,
        *,
        advisories: Callable[[], AdvisoryStore],
        legacy_scan_on_push: Callable[[int], bool],
        notifier: Notifier,
        options: ScanOptions,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.registry = registry
        self.scans = scans
        self.queue = queue
        self.advisories = advisories
        self.legacy_scan_on_push = legacy_scan_on_push
        self.notifier = notifier
        self.options = options
        self._clock = clock

    # -- configuration -------------------------------------------------------

    def effective(self, repository: str) -> cfg.Effective:
        repo = self.registry.get_repository(repository)
        config = self.scans.configuration()
        return config.effective(repo.name, self.legacy_scan_on_push(repo.id))

    # -- triggers ------------------------------------------------------------

    def on_push(self, repository: str, digest: str) -> bool:
        """Queue a scan when a rule covers the push; True when queued.

        Never raises: a push must not fail because its scan could not queue.
        """
        try:
            effective = self.effective(repository)
            if not (effective.enabled and effective.scan_on_push):
                return False
            self._queue(repository, digest, effective.scan_type, manual=False)
            return True
        except Exception:
            log.exception("failed to queue scan on push", repository=repository)
            return False

    def start_scan(self, repository: str, digest: str) -> str:
        """Queue a manual scan; returns the status it starts with.

        Under BASIC, an image is scanned at most once per
        ``manual_interval_seconds`` (24 h, as ECR), the on-push scan
        included: ScanLimitExceeded. UnsupportedImage for an artifact that
        is not a container image.
        """
        repo = self.registry.get_repository(repository)
        stored, _ = self.registry.get_manifest(repository, digest)
        self._check_supported(repository, stored)
        scan_type = self.scans.configuration().scan_type
        previous = self.scans.image_scan(repo.id, str(stored.digest))
        interval = self.options.manual_interval_seconds
        if (
            scan_type == cfg.BASIC
            and previous is not None
            and previous.last_manual_at is not None
            and self._clock() - previous.last_manual_at < interval
        ):
            raise ScanLimitExceeded(
                f"failed to start scan: the image was scanned less than "
                f"{interval / 3600:g} hours ago"
            )
        return self._queue(repository, str(stored.digest), scan_type, manual=True)

    def _queue(
        self, repository: str, digest: str, scan_type: str, *, manual: bool
    ) -> str:
        repo = self.registry.get_repository(repository)
        enhanced = scan_type == cfg.ENHANCED
        status = st.PENDING if enhanced else st.IN_PROGRESS
        reason = st.QUEUED_ENHANCED if enhanced else st.QUEUED_BASIC
        self.scans.request_scan(
            repo.id,
            digest,
            status=status,
            description=reason,
            scan_type=scan_type,
            # The basic-scan quota counts on-push scans too.
            manual=manual or scan_type == cfg.BASIC,
        )
        self.queue.enqueue(
            SCAN_IMAGE,
            {"repository": repository, "digest": digest},
            dedupe_key=f"{SCAN_IMAGE}:{repository}@{digest}",
        )
        return status

    # -- the scan job --------------------------------------------------------

    def handle_scan(self, payload: dict[str, Any]) -> None:
        """Job handler of ``scan.image``; idempotent."""
        repository, digest = str(payload["repository"]), str(payload["digest"])
        try:
            repo = self.registry.get_repository(repository)
            stored, _ = self.registry.get_manifest(repository, digest)
        except NotFound:
            log.info("image gone before its scan", repository=repository)
            return
        scan = self.scans.image_scan(repo.id, digest)
        scan_type = scan.scan_type if scan else self.scans.configuration().scan_type
        try:
            self._scan(repository, repo.id, stored, scan_type)
        except UnsupportedImage as exc:
            self.scans.set_status(repo.id, digest, st.UNSUPPORTED_IMAGE, exc.message)
        except SeawallError as exc:
            self.scans.set_status(repo.id, digest, st.FAILED, exc.message)
            raise PermanentError(exc.message) from exc
        except Exception as exc:
            reason = f"failed to scan: {type(exc).__name__}: {exc}"
            self.scans.set_status(repo.id, digest, st.FAILED, reason)
            raise

    def _scan(
        self,
        repository: str,
        repository_id: int,
        stored: StoredManifest,
        scan_type: str,
    ) -> None:
        digest = str(stored.digest)
        self._check_supported(repository, stored)
        inventories = self._inventories(repository, digest)
        self.scans.link_platforms(
            repository_id,
            digest,
            [(i.manifest_digest, i.platform) for i in inventories],
        )
        advisories = self.advisories()
        feeds = advisories.feeds()
        if not feeds:
            self.scans.set_status(
                repository_id, digest, st.FINDINGS_UNAVAILABLE, st.NO_ADVISORIES
            )
            return
        changes, holders = self._match(advisories, inventories)
        updated = _source_updated_at(feeds)
        status, reason = self._done_status(repository, scan_type)
        self.scans.set_status(
            repository_id,
            digest,
            status,
            reason,
            completed=True,
            source_updated_at=updated,
        )
        self.notifier.findings_changed(changes, trigger="scan")
        self.scans.touch_completed(
            {(i.repository_id, i.digest) for i in holders}, updated
        )
        log.info(
            "image scanned", repository=repository, digest=digest, changes=len(changes)
        )

    def _check_supported(self, repository: str, stored: StoredManifest) -> None:
        if stored.media_type in mt.INDEXES:
            return
        _, raw = self.registry.get_manifest(repository, str(stored.digest))
        import json

        try:
            doc = json.loads(raw)
        except ValueError as exc:
            raise UnsupportedImage("unsupported image: unreadable manifest") from exc
        config_type = (doc.get("config") or {}).get("mediaType")
        if config_type not in _IMAGE_CONFIGS or not doc.get("layers"):
            raise UnsupportedImage(
                f"unsupported image: {config_type or 'no config'} is not a "
                "container image configuration"
            )

    def _inventories(self, repository: str, digest: str) -> list[Inventory]:
        """Each platform image's inventory: stored, or catalogued now and stored."""
        from seawall.scan.catalogers import build
        from seawall.scan.catalogers.cache import DirectoryCache
        from seawall.scan.catalogers.pipeline import catalog_image
        from seawall.scan.image import ScanLimits
        from seawall.scan.image.resolve import resolve
        from seawall.scanning.source import RegistryImageSource

        limits = ScanLimits()
        source = RegistryImageSource(self.registry, repository)
        images = resolve(source, digest, "all", limits.max_manifest_bytes)
        if not images:
            raise UnsupportedImage("unsupported image: the index holds no image")
        cache = DirectoryCache(self.options.cache_dir)
        out: list[Inventory] = []
        for image in images:
            stored = self.scans.inventory(image.manifest_digest)
            if stored is None:
                stored = catalog_image(
                    source,
                    f"{repository}@{digest}",
                    image,
                    build(),
                    limits,
                    cache=cache,
                )
                self.scans.save_inventories([stored], _keys_of)
            out.append(stored)
        return out

    def _match(
        self, advisories: AdvisoryStore, inventories: list[Inventory]
    ) -> tuple[list[FindingChange], list[ImageRef]]:
        changes: list[FindingChange] = []
        images: list[ImageRef] = []
        for inventory in inventories:
            digest = inventory.manifest_digest
            held = self.scans.inventory_package_ids(digest)
            records = match_records(advisories, held, None)
            found, holders = self.propagate(held, records, exclude=digest)
            changes += found
            images += holders
            change = self.scans.results.reconcile_image(digest, held, records, held)
            if change.new or change.resolved:
                changes.append(change)
        return changes, images

    def propagate(
        self, packages: dict[int, Package], records: Records, exclude: str = ""
    ) -> tuple[list[FindingChange], list[ImageRef]]:
        """Store new package-level results and open/close the findings of
        every image still under continuous scanning that holds a package
        whose vulnerabilities changed (``exclude`` aside).

        Returns the changes and the images they were applied to.
        """
        deltas = self.scans.results.update_packages(packages, records)
        if not deltas:
            return [], []
        holders = self.scans.holders(deltas)
        holders.pop(exclude, None)
        images = self.eligible(self.scans.images_holding(holders))
        scope = {i.platform_digest: holders[i.platform_digest] for i in images}
        return self.scans.results.apply_deltas(deltas, scope, packages), images

    # TODO(seawall): an image that regains eligibility (pulled after expiry)
    # keeps its last findings until rescanned or touched by a later change;
    # a pull could queue its reconciliation.
    def eligible(self, images: list[ImageRef]) -> list[ImageRef]:
        """The images continuous scanning still re-evaluates: in a
        continuously scanned repository, scanned, and pushed or pulled
        within the rescan duration."""
        config = self.scans.configuration()
        evaluated = self.scans.evaluated_images({i.repository_id for i in images})
        continuous: dict[int, bool] = {}
        out = []
        for image in images:
            if image.repository_id not in continuous:
                effective = config.effective(
                    image.repository, self.legacy_scan_on_push(image.repository_id)
                )
                continuous[image.repository_id] = effective.continuous
            if (
                continuous[image.repository_id]
                and (image.repository_id, image.digest) in evaluated
                and not self.expired(image.pushed_at, image.pulled_at)
            ):
                out.append(image)
        return out

    def _done_status(self, repository: str, scan_type: str) -> tuple[str, str]:
        if scan_type == cfg.BASIC:
            return st.COMPLETE, st.DONE_BASIC
        effective = self.effective(repository)
        return (
            st.ACTIVE,
            st.DONE_CONTINUOUS if effective.continuous else st.DONE_ON_PUSH,
        )

    # -- reads ---------------------------------------------------------------

    def view(
        self,
        repository_id: int,
        repository: str,
        manifest: StoredManifest,
        *,
        findings: bool = True,
    ) -> ScanView | None:
        """The image's scan status (and findings), None when never scanned."""
        digest = str(manifest.digest)
        scan = self.scans.image_scan(repository_id, digest)
        if scan is None:
            return None
        status, reason = self._current_status(repository, manifest, scan)
        view = ScanView(
            status, reason, scan.scan_type, scan.completed_at, scan.source_updated_at
        )
        if status not in st.WITH_FINDINGS:
            return view
        platforms = self.scans.platforms(repository_id, digest)
        found = self.scans.findings(platforms)
        if scan.scan_type == cfg.BASIC:
            found = [f for f in found if f.package.ecosystem in _OS_ECOSYSTEMS]
        counts: dict[str, int] = {}
        for finding in found:
            counts[finding.severity] = counts.get(finding.severity, 0) + 1
        return ScanView(
            status,
            reason,
            scan.scan_type,
            scan.completed_at,
            scan.source_updated_at,
            found if findings else [],
            counts,
        )

    def _current_status(
        self, repository: str, manifest: StoredManifest, scan: ImageScan
    ) -> tuple[str, str]:
        if scan.status != st.ACTIVE or not self.effective(repository).continuous:
            return scan.status, scan.description
        if self.expired(manifest.created_at, manifest.last_pulled_at):
            return st.SCAN_ELIGIBILITY_EXPIRED, st.expired_reason(
                self.options.eligibility_days
            )
        return scan.status, scan.description

    def expired(self, pushed_at: float, pulled_at: float | None) -> bool:
        """Whether an image left continuous scanning for lack of activity."""
        last = max(pushed_at, pulled_at or 0.0)
        return self._clock() - last > self.options.eligibility_days * 86400


def _keys_of(package: Package) -> list[tuple[str, str]]:
    from seawall.scan.matchers import matcher_for

    matcher = matcher_for(package.ecosystem)
    return [] if matcher is None else matcher.keys(package)


def keys_of(package: Package) -> list[tuple[str, str]]:
    """The (ecosystem, name) keys a package is matched under."""
    return _keys_of(package)


def _source_updated_at(feeds: list[Any]) -> float | None:
    from datetime import UTC, datetime

    stamps = []
    for feed in feeds:
        try:
            then = datetime.fromisoformat(feed.last_import)
        except ValueError:
            continue
        stamps.append((then if then.tzinfo else then.replace(tzinfo=UTC)).timestamp())
    return max(stamps, default=None)


__all__ = ["InvalidInput", "ScanOptions", "ScanView", "ScanningService", "keys_of"]
