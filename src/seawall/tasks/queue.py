"""The persistent job queue."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, and_, or_, select, update

from seawall.tasks.tables import jobs

Clock = Callable[[], float]

QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"
STATES = (QUEUED, RUNNING, SUCCEEDED, FAILED)


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    kind: str
    payload: dict[str, Any]
    state: str
    attempts: int
    max_attempts: int
    run_after: float
    lease_owner: str | None
    last_error: str | None
    created_at: float
    updated_at: float


def backoff(attempts: int, base: float = 2.0, cap: float = 600.0) -> float:
    """Seconds to wait before attempt ``attempts + 1``: doubling, capped."""
    return float(min(cap, base * 2 ** max(attempts - 1, 0)))


class JobQueue:
    """Enqueue, claim, complete and fail jobs; safe across processes and nodes.

    Claiming is atomic: on PostgreSQL with ``FOR UPDATE SKIP LOCKED`` so many
    workers never contend for one row, on SQLite with a conditional update
    (SQLite serialises writers).
    """

    def __init__(self, engine: Engine, clock: Clock = time.time) -> None:
        self.engine = engine
        self._clock = clock
        self._skip_locked = engine.dialect.name == "postgresql"
        self._enqueued = threading.Condition()
        self._generation = 0

    def wait_for_work(self, timeout: float, seen: int) -> int:
        """Wait until a job is enqueued in this process after ``seen``, or timeout.

        Returns the generation to pass next time. Jobs enqueued by other
        processes or nodes are not signalled: workers still poll for them.
        """
        with self._enqueued:
            if self._generation == seen:
                self._enqueued.wait(timeout)
            return self._generation

    @property
    def generation(self) -> int:
        with self._enqueued:
            return self._generation

    def wake(self) -> None:
        """Wake every worker of this process waiting in :meth:`wait_for_work`."""
        with self._enqueued:
            self._generation += 1
            self._enqueued.notify_all()

    def enqueue(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        dedupe_key: str | None = None,
        delay: float = 0.0,
        max_attempts: int = 5,
    ) -> int:
        """Queue a job; returns its id.

        With ``dedupe_key``, a queued or running job with the same key is
        reused instead (two racing enqueues may still both insert; handlers
        are idempotent, so that costs work, never correctness).
        """
        now = self._clock()
        with self.engine.begin() as conn:
            if dedupe_key is not None:
                existing = conn.execute(
                    select(jobs.c.id).where(
                        jobs.c.dedupe_key == dedupe_key,
                        jobs.c.state.in_((QUEUED, RUNNING)),
                    )
                ).scalar()
                if existing is not None:
                    return int(existing)
            result = conn.execute(
                jobs.insert().values(
                    kind=kind,
                    payload=json.dumps(payload, sort_keys=True),
                    dedupe_key=dedupe_key,
                    state=QUEUED,
                    attempts=0,
                    max_attempts=max_attempts,
                    run_after=now + delay,
                    created_at=now,
                    updated_at=now,
                )
            )
            job_id = int(result.inserted_primary_key[0])
        if delay <= 0:
            self.wake()  # after the commit, so a woken worker finds the job
        return job_id

    def claim(
        self,
        worker_id: str,
        kinds: Sequence[str] | None = None,
        lease_seconds: float = 300.0,
    ) -> Job | None:
        """Take the next ready job (or one whose lease ran out), or None."""
        now = self._clock()
        ready = or_(
            and_(jobs.c.state == QUEUED, jobs.c.run_after <= now),
            and_(jobs.c.state == RUNNING, jobs.c.lease_until < now),
        )
        query = (
            select(jobs.c.id)
            .where(ready)
            .order_by(jobs.c.run_after, jobs.c.id)
            .limit(8)
        )
        if kinds is not None:
            query = query.where(jobs.c.kind.in_(list(kinds)))
        if self._skip_locked:
            query = query.with_for_update(skip_locked=True).limit(1)
        with self.engine.begin() as conn:
            for job_id in conn.execute(query).scalars().all():
                claimed = conn.execute(
                    update(jobs)
                    .where(jobs.c.id == job_id, ready)
                    .values(
                        state=RUNNING,
                        lease_owner=worker_id,
                        lease_until=now + lease_seconds,
                        attempts=jobs.c.attempts + 1,
                        updated_at=now,
                    )
                )
                if claimed.rowcount:
                    job = self._get(conn, job_id)
                    if job.attempts > job.max_attempts:
                        self._finish(conn, job_id, FAILED, "lease expired too often")
                        continue
                    return job
        return None

    def heartbeat(self, job: Job, lease_seconds: float = 300.0) -> bool:
        """Extend the lease of a running job; False when it was lost."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(jobs)
                .where(
                    jobs.c.id == job.id,
                    jobs.c.state == RUNNING,
                    jobs.c.lease_owner == job.lease_owner,
                )
                .values(lease_until=self._clock() + lease_seconds)
            )
        return bool(result.rowcount)

    def complete(self, job: Job) -> None:
        with self.engine.begin() as conn:
            self._finish(conn, job.id, SUCCEEDED, None)

    def fail(self, job: Job, reason: str, *, permanent: bool = False) -> str:
        """Record a failed attempt: retried after a backoff, or failed for good
        (when ``permanent`` or out of attempts). Returns the job's new state.
        """
        now = self._clock()
        with self.engine.begin() as conn:
            current = self._get(conn, job.id)
            if permanent or current.attempts >= current.max_attempts:
                self._finish(conn, job.id, FAILED, reason)
                return FAILED
            conn.execute(
                update(jobs)
                .where(jobs.c.id == job.id)
                .values(
                    state=QUEUED,
                    run_after=now + backoff(current.attempts),
                    lease_owner=None,
                    lease_until=None,
                    last_error=reason[:4000],
                    updated_at=now,
                )
            )
        return QUEUED

    def get(self, job_id: int) -> Job:
        with self.engine.connect() as conn:
            return self._get(conn, job_id)

    def list(
        self, state: str | None = None, kind: str | None = None, limit: int = 100
    ) -> list[Job]:
        """Jobs, newest first, for operators (``seawall jobs``) and tests."""
        query = select(jobs).order_by(jobs.c.id.desc()).limit(limit)
        if state is not None:
            query = query.where(jobs.c.state == state)
        if kind is not None:
            query = query.where(jobs.c.kind == kind)
        with self.engine.connect() as conn:
            return [_job(row) for row in conn.execute(query)]

    def _finish(self, conn: Any, job_id: int, state: str, reason: str | None) -> None:
        conn.execute(
            update(jobs)
            .where(jobs.c.id == job_id)
            .values(
                state=state,
                lease_owner=None,
                lease_until=None,
                last_error=reason[:4000] if reason else None,
                updated_at=self._clock(),
            )
        )

    @staticmethod
    def _get(conn: Any, job_id: int) -> Job:
        row = conn.execute(select(jobs).where(jobs.c.id == job_id)).one()
        return _job(row)


def _job(row: Any) -> Job:
    return Job(
        id=row.id,
        kind=row.kind,
        payload=json.loads(row.payload),
        state=row.state,
        attempts=row.attempts,
        max_attempts=row.max_attempts,
        run_after=row.run_after,
        lease_owner=row.lease_owner,
        last_error=row.last_error,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
