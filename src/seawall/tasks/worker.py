"""Workers: run claimed jobs with their handlers."""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from seawall.logging import get_logger
from seawall.tasks.queue import Job, JobQueue

log = get_logger(__name__)

Handler = Callable[[dict[str, Any]], None]


def worker_id() -> str:
    """A name unique to this worker: host, process and a random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class PermanentError(Exception):
    """Raised by a handler when retrying cannot help (the input is bad)."""


class Worker:
    """Claims jobs of the kinds it has handlers for and runs them."""

    def __init__(
        self,
        queue: JobQueue,
        handlers: Mapping[str, Handler],
        *,
        name: str | None = None,
        lease_seconds: float = 300.0,
        poll_interval: float = 1.0,
    ) -> None:
        self.queue = queue
        self.handlers = dict(handlers)
        self.name = name or worker_id()
        self.lease_seconds = lease_seconds
        self.poll_interval = poll_interval

    def run_once(self) -> Job | None:
        """Claim and run one job; returns it, or None when nothing was ready."""
        job = self.queue.claim(self.name, list(self.handlers), self.lease_seconds)
        if job is None:
            return None
        try:
            self.handlers[job.kind](job.payload)
        except PermanentError as exc:
            self.queue.fail(job, f"{type(exc).__name__}: {exc}", permanent=True)
            log.warning(
                "job failed for good", job_id=job.id, kind=job.kind, error=str(exc)
            )
        except Exception as exc:  # any failure is recorded and retried
            state = self.queue.fail(job, f"{type(exc).__name__}: {exc}")
            log.warning(
                "job failed", job_id=job.id, kind=job.kind, state=state, error=str(exc)
            )
        else:
            self.queue.complete(job)
        return job

    def run(self, stop: threading.Event) -> None:
        """Run jobs until ``stop`` is set (then ``queue.wake()`` ends the wait).

        When idle it sleeps until a job is enqueued in this process or
        ``poll_interval`` passes (for jobs from other processes and retries
        that came due): an idle registry does not query its database
        several times a second.
        """
        seen = self.queue.generation
        while not stop.is_set():
            try:
                ran = self.run_once()
            except Exception:  # the database may be briefly away
                log.exception("worker loop failed", worker=self.name)
                ran = None
            if ran is None and not stop.is_set():
                seen = self.queue.wait_for_work(self.poll_interval, seen)
