"""The job queue on SQLite and PostgreSQL: claims, retries, leases, dedupe."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import Engine

from seawall.tasks.queue import FAILED, QUEUED, RUNNING, SUCCEEDED, JobQueue, backoff
from seawall.tasks.worker import PermanentError, Worker
from tests.helpers import Clock


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def queue(engine: Engine, clock: Clock) -> JobQueue:
    return JobQueue(engine, clock)


def test_enqueue_claim_complete(queue: JobQueue) -> None:
    job_id = queue.enqueue("scan", {"digest": "sha256:1"})
    job = queue.claim("w1")
    assert job is not None
    assert (job.id, job.kind, job.payload, job.state, job.attempts) == (
        job_id,
        "scan",
        {"digest": "sha256:1"},
        RUNNING,
        1,
    )
    assert queue.claim("w2") is None
    queue.complete(job)
    assert queue.get(job_id).state == SUCCEEDED


def test_dedupe_reuses_pending_job(queue: JobQueue) -> None:
    first = queue.enqueue("scan", {"a": 1}, dedupe_key="scan:x")
    assert queue.enqueue("scan", {"a": 1}, dedupe_key="scan:x") == first
    job = queue.claim("w1")
    assert job is not None
    queue.complete(job)
    assert queue.enqueue("scan", {"a": 1}, dedupe_key="scan:x") != first


def test_retry_with_backoff_then_fail(queue: JobQueue, clock: Clock) -> None:
    job_id = queue.enqueue("flaky", {}, max_attempts=3)
    for attempt in (1, 2):
        job = queue.claim("w1")
        assert job is not None
        assert job.attempts == attempt
        assert queue.fail(job, "boom") == QUEUED
        assert queue.claim("w1") is None  # still backing off
        clock.now += backoff(attempt)
    job = queue.claim("w1")
    assert job is not None
    assert queue.fail(job, "boom again") == FAILED
    final = queue.get(job_id)
    assert (final.state, final.last_error) == (FAILED, "boom again")


def test_expired_lease_is_reclaimed(queue: JobQueue, clock: Clock) -> None:
    queue.enqueue("scan", {})
    lost = queue.claim("dead-worker", lease_seconds=30)
    assert lost is not None
    clock.now += 10
    assert queue.claim("w2", lease_seconds=30) is None
    clock.now += 30
    again = queue.claim("w2", lease_seconds=30)
    assert again is not None
    assert again.id == lost.id
    assert again.attempts == 2
    assert queue.heartbeat(lost) is False
    assert queue.heartbeat(again) is True


def test_kinds_filter_and_delay(queue: JobQueue, clock: Clock) -> None:
    queue.enqueue("gc", {}, delay=60)
    queue.enqueue("scan", {})
    assert queue.claim("w", kinds=["gc"]) is None
    clock.now += 61
    job = queue.claim("w", kinds=["gc"])
    assert job is not None
    assert job.kind == "gc"


def test_concurrent_claims_take_distinct_jobs(engine: Engine) -> None:
    queue = JobQueue(engine)
    for i in range(40):
        queue.enqueue("scan", {"i": i})
    claimed: list[int] = []
    lock = threading.Lock()

    def drain(name: str) -> None:
        while (job := queue.claim(name)) is not None:
            with lock:
                claimed.append(job.id)
            queue.complete(job)

    threads = [threading.Thread(target=drain, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed) == sorted(set(claimed))
    assert len(claimed) == 40


def test_worker_runs_handlers_and_records_failures(
    queue: JobQueue, clock: Clock
) -> None:
    seen: list[dict[str, Any]] = []

    def ok(payload: dict[str, Any]) -> None:
        seen.append(payload)

    def broken(payload: dict[str, Any]) -> None:
        raise ValueError("bad input")

    def hopeless(payload: dict[str, Any]) -> None:
        raise PermanentError("unsupported image")

    worker = Worker(queue, {"ok": ok, "broken": broken, "hopeless": hopeless})
    good = queue.enqueue("ok", {"n": 1})
    bad = queue.enqueue("broken", {})
    never = queue.enqueue("hopeless", {})
    while worker.run_once() is not None:
        pass
    assert seen == [{"n": 1}]
    assert queue.get(good).state == SUCCEEDED
    assert queue.get(bad).state == QUEUED
    assert queue.get(bad).last_error == "ValueError: bad input"
    assert queue.get(never).state == FAILED


def test_an_idle_worker_wakes_on_enqueue_not_on_its_poll(queue: JobQueue) -> None:
    """A job enqueued in-process runs at once although the poll is an hour."""
    ran = threading.Event()
    stop = threading.Event()
    worker = Worker(queue, {"ok": lambda _: ran.set()}, poll_interval=3600.0)
    thread = threading.Thread(target=worker.run, args=(stop,))
    thread.start()
    try:
        assert not ran.wait(0.3)  # idle: nothing to run
        queue.enqueue("ok", {})
        assert ran.wait(10.0)
    finally:
        stop.set()
        queue.wake()
        thread.join(10.0)
    assert not thread.is_alive()


def test_a_delayed_job_does_not_wake_workers(queue: JobQueue) -> None:
    seen = queue.generation
    queue.enqueue("later", {}, delay=60.0)
    assert queue.wait_for_work(0.05, seen) == seen
    queue.enqueue("now", {})
    assert queue.wait_for_work(0.05, seen) == seen + 1
