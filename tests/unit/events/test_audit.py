"""The audit trail: appends chain, verify names the first bad event, queries
filter, and secrets never get in."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import Engine, delete, select, update

from seawall.events import RegistryEvent
from seawall.events.audit import AuditRecord, AuditTrail, UserIdentity, scrub
from seawall.events.schema import audit_events


class Clock:
    def __init__(self) -> None:
        self.now = 1_780_000_000.0

    def __call__(self) -> float:
        self.now += 1
        return self.now


@pytest.fixture
def trail(engine: Engine) -> AuditTrail:
    return AuditTrail(engine, b"k" * 32, Clock())


ALICE = UserIdentity(type="IAMUser", arn="arn:aws:iam::1:user/alice", user_name="alice")
BOB = UserIdentity(type="IAMUser", arn="arn:aws:iam::1:user/bob", user_name="bob")


def _fill(trail: AuditTrail, n: int = 6) -> None:
    for i in range(n):
        trail.append(
            AuditRecord(
                event_name="PutImage" if i % 2 else "BatchGetImage",
                user_identity=ALICE if i % 3 else BOB,
                source_ip="10.0.0.1",
                repository=f"repo-{i % 2}",
                request_parameters={"imageTag": f"v{i}"},
            )
        )


def test_a_real_trail_verifies(trail: AuditTrail) -> None:
    _fill(trail)
    result = trail.verify()
    assert result.ok
    assert result.checked == 6


def test_edited_event_is_named(trail: AuditTrail, engine: Engine) -> None:
    _fill(trail)
    with engine.begin() as conn:
        body = json.loads(
            conn.execute(
                select(audit_events.c.body).where(audit_events.c.seq == 3)
            ).scalar()
        )
        body["sourceIPAddress"] = "1.2.3.4"
        conn.execute(
            update(audit_events)
            .where(audit_events.c.seq == 3)
            .values(body=json.dumps(body, sort_keys=True, separators=(",", ":")))
        )
    result = trail.verify()
    assert not result.ok
    assert result.bad_seq == 3
    assert "edited" in result.reason


def test_removed_event_is_named(trail: AuditTrail, engine: Engine) -> None:
    _fill(trail)
    with engine.begin() as conn:
        conn.execute(delete(audit_events).where(audit_events.c.seq == 4))
    result = trail.verify()
    assert not result.ok
    assert result.bad_seq == 4
    assert "missing" in result.reason


def test_removed_tail_is_detected(trail: AuditTrail, engine: Engine) -> None:
    _fill(trail)
    with engine.begin() as conn:
        conn.execute(delete(audit_events).where(audit_events.c.seq >= 5))
    result = trail.verify()
    assert not result.ok
    assert result.bad_seq == 5
    assert "removed" in result.reason


def test_reordered_events_are_detected(trail: AuditTrail, engine: Engine) -> None:
    _fill(trail)
    with engine.begin() as conn:
        rows = {r.seq: r for r in conn.execute(select(audit_events)).all()}
        for seq, other in ((2, 3), (3, 2)):
            source = rows[other]
            conn.execute(
                update(audit_events)
                .where(audit_events.c.seq == seq)
                .values(event_id=f"tmp-{seq}")
            )
        for seq, other in ((2, 3), (3, 2)):
            source = rows[other]
            conn.execute(
                update(audit_events)
                .where(audit_events.c.seq == seq)
                .values(
                    event_id=source.event_id,
                    body=source.body,
                    hash=source.hash,
                    prev_hash=source.prev_hash,
                    event_name=source.event_name,
                    principal=source.principal,
                    repository=source.repository,
                )
            )
    result = trail.verify()
    assert not result.ok
    assert result.bad_seq == 2


def test_indexed_column_edit_is_detected(trail: AuditTrail, engine: Engine) -> None:
    _fill(trail)
    with engine.begin() as conn:
        conn.execute(
            update(audit_events)
            .where(audit_events.c.seq == 2)
            .values(principal="arn:aws:iam::1:user/mallory")
        )
    result = trail.verify()
    assert not result.ok
    assert result.bad_seq == 2


def test_forging_needs_the_key(trail: AuditTrail, engine: Engine) -> None:
    import hashlib

    _fill(trail, 2)
    with engine.begin() as conn:
        row = conn.execute(select(audit_events).where(audit_events.c.seq == 2)).one()
        body = row.body.replace("10.0.0.1", "9.9.9.9")
        # An attacker recomputing a plain hash cannot produce the keyed one.
        forged = hashlib.sha256(f"2\n{row.prev_hash}\n{body}".encode()).hexdigest()
        conn.execute(
            update(audit_events)
            .where(audit_events.c.seq == 2)
            .values(body=body, hash=forged)
        )
    assert trail.verify().bad_seq == 2


def test_queries_filter_by_principal_repository_time_and_name(
    trail: AuditTrail,
) -> None:
    _fill(trail)
    assert {e["userIdentity"]["userName"] for e in trail.query(principal="bob")} == {
        "bob"
    }
    assert len(trail.query(principal=ALICE.arn)) == 4
    assert {e["repositoryName"] for e in trail.query(repository="repo-1")} == {"repo-1"}
    assert [e["eventName"] for e in trail.query(event_name="PutImage")] == [
        "PutImage"
    ] * 3
    first = trail.query(limit=100)[-1]
    assert first["sequence"] == 1
    start = 1_780_000_002.5
    assert [e["sequence"] for e in trail.query(start=start, end=start + 2)] == [4, 3]
    assert trail.query(limit=2)[0]["sequence"] == 6


def test_event_fields_are_cloudtrail_like(trail: AuditTrail) -> None:
    trail.emit(
        RegistryEvent(
            name="PutImage",
            repository="team/web",
            principal="arn:aws:iam::1:user/alice",
            source_ip="10.9.8.7",
            parameters={"imageTag": "v1"},
        )
    )
    event = trail.query()[0]
    for field in (
        "eventTime",
        "eventName",
        "userIdentity",
        "sourceIPAddress",
        "requestParameters",
        "resources",
        "eventID",
    ):
        assert field in event
    assert event["requestParameters"] == {
        "repositoryName": "team/web",
        "imageTag": "v1",
    }
    assert event["resources"][0]["ARN"].endswith(":repository/team/web")


def test_secrets_never_enter_the_trail(trail: AuditTrail) -> None:
    token = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlc2lnbmF0dXJl"
    trail.append(
        AuditRecord(
            event_name="Login",
            user_identity=ALICE,
            request_parameters={
                "password": "hunter2hunter2",
                "nested": {"secretAccessKey": "abc"},
                "value": token,
                "Authorization": "Basic x",
            },
        )
    )
    text = json.dumps(trail.query())
    for secret in ("hunter2hunter2", 'abc"', token, "Basic x"):
        assert secret not in text
    assert scrub({"token": "t", "ok": ["fine"]}) == {
        "token": "[redacted]",
        "ok": ["fine"],
    }


def test_concurrent_appends_keep_one_chain(engine: Engine) -> None:
    trails = [AuditTrail(engine, b"k" * 32, Clock()) for _ in range(4)]

    def work(trail: AuditTrail) -> None:
        for _ in range(15):
            trail.append(AuditRecord(event_name="PutImage", user_identity=ALICE))

    threads = [threading.Thread(target=work, args=(t,)) for t in trails]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = trails[0].verify()
    assert result.ok
    assert result.checked == 60
