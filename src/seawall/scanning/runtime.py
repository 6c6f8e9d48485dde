"""Building the scanning service from Settings, and running its workers.

Called by the composition root (``app.py``) and by ``seawall worker``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from seawall.events import EventSink, RegistryEvent
from seawall.logging import get_logger
from seawall.scan.advisories.store import AdvisoryStore
from seawall.scanning.continuous import handle_rematch
from seawall.scanning.notify import WEBHOOK, Notifier, deliver
from seawall.scanning.service import (
    REMATCH,
    SCAN_IMAGE,
    ScanningService,
    ScanOptions,
)
from seawall.scanning.store import ScanStore
from seawall.settings import Settings
from seawall.storage.registry import RegistryStore
from seawall.tasks.queue import JobQueue
from seawall.tasks.worker import Handler, Worker

log = get_logger(__name__)


def advisory_db_target(settings: Settings) -> str | Path:
    """The advisory database the registry matches against."""
    return settings.advisory_db or settings.data_dir / "advisories.db"


class _LazyAdvisories:
    """Opens the advisory store on first use (it may not exist at start)."""

    def __init__(self, target: str | Path) -> None:
        self._target = target
        self._store: AdvisoryStore | None = None
        self._lock = threading.Lock()

    def __call__(self) -> AdvisoryStore:
        with self._lock:
            if self._store is None:
                from seawall.scan.advisories.store import open_store

                self._store = open_store(self._target)
            return self._store


def legacy_flag(engine: Engine) -> Callable[[int], bool]:
    """The deprecated per-repository scanOnPush flag (kept by the ECR API)."""

    def scan_on_push(repository_id: int) -> bool:
        try:
            from seawall.ecr.tables import ecr_repository_settings as table
        except ImportError:  # pragma: no cover - the ECR API is part of Seawall
            return False
        with engine.connect() as conn:
            value = conn.execute(
                select(table.c.scan_on_push).where(
                    table.c.repository_id == repository_id
                )
            ).scalar()
        return bool(value)

    return scan_on_push


def build_scanning(
    settings: Settings,
    registry: RegistryStore,
    events: EventSink,
    advisories: Callable[[], AdvisoryStore] | None = None,
) -> ScanningService:
    """The scanning service of one process."""
    engine = registry.engine
    scans = ScanStore(engine)
    queue = JobQueue(engine)
    notifier = Notifier(scans, events, queue, settings.scan_webhook_urls)
    options = ScanOptions(
        cache_dir=settings.data_dir / "scan-cache" / "layers",
        manual_interval_seconds=float(settings.scan_manual_interval_seconds),
        eligibility_days=settings.scan_rescan_duration_days,
    )
    return ScanningService(
        registry,
        scans,
        queue,
        advisories=advisories or _LazyAdvisories(advisory_db_target(settings)),
        legacy_scan_on_push=legacy_flag(engine),
        notifier=notifier,
        options=options,
    )


def handlers(service: ScanningService) -> dict[str, Handler]:
    """Job kind -> handler, for workers."""
    return {
        SCAN_IMAGE: service.handle_scan,
        REMATCH: lambda payload: handle_rematch(service, payload),
        WEBHOOK: deliver,
    }


class ScanOnPush:
    """An EventSink decorator: passes events on, and queues a scan for each
    successful manifest push that a scanning rule covers."""

    def __init__(
        self, inner: EventSink, service: ScanningService | None = None
    ) -> None:
        self.inner = inner
        self.service = service

    def emit(self, event: RegistryEvent) -> None:
        self.inner.emit(event)
        digest = event.parameters.get("imageDigest")
        if (
            self.service is not None
            and event.name == "PutImage"
            and event.error_code is None
            and event.repository
            and isinstance(digest, str)
        ):
            self.service.on_push(event.repository, digest)


class WorkerPool:
    """In-process worker threads (the embedded default)."""

    def __init__(
        self,
        queue: JobQueue,
        jobs: dict[str, Handler],
        count: int,
        *,
        poll_interval: float = 2.0,
    ) -> None:
        # Jobs enqueued in this process wake the workers at once; the poll
        # only finds jobs of other processes (``seawall db import``, other
        # nodes) and retries that came due, so a server's own workers can
        # poll rarely and a ``seawall worker`` process, whose jobs all come
        # from elsewhere, often.
        # TODO(seawall): on PostgreSQL, LISTEN/NOTIFY would wake workers of
        # every node at once and let them all poll rarely.
        self._queue = queue
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(
                target=Worker(queue, jobs, poll_interval=poll_interval).run,
                args=(self._stop,),
                name=f"seawall-worker-{i}",
                daemon=True,
            )
            for i in range(count)
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()
        log.info("workers started", count=len(self._threads))

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._queue.wake()
        for thread in self._threads:
            thread.join(timeout)


def worker_pool(services: Any) -> WorkerPool | None:
    """The app's in-process workers, or None when ``scan_workers`` is 0."""
    scanning = getattr(services, "scanning", None)
    count = services.settings.scan_workers
    if scanning is None or count <= 0:
        return None
    return WorkerPool(scanning.queue, handlers(scanning), count)


__all__ = [
    "ScanOnPush",
    "WorkerPool",
    "advisory_db_target",
    "build_scanning",
    "handlers",
    "worker_pool",
]
