"""The audit trail: append-only, hash-chained, queryable, free of secrets.

Every event is stored as canonical JSON with CloudTrail's field names
(``eventTime``, ``eventName``, ``userIdentity``, ``sourceIPAddress``,
``requestParameters``, ``resources``, ``errorCode`` ...). Event ``n`` carries
``hash(n) = HMAC-SHA256(key, n || hash(n-1) || body(n))`` with a key derived
from the root key, so an edited, removed, inserted or reordered event breaks
the chain at that point, and someone holding only the database cannot
re-forge the chain after editing it. :meth:`AuditTrail.verify` names the
first bad event.

Appends serialize on the one ``audit_head`` row (an UPDATE first, so SQLite
takes its write lock at once and PostgreSQL locks the row), which makes the
chain safe with many server processes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert, select, update

from seawall.events import RegistryEvent
from seawall.events.schema import audit_events, audit_head
from seawall.logging import get_logger
from seawall.storage.metadata.sql import insert_ignore

log = get_logger(__name__)

GENESIS = "0" * 64
PURPOSE = "events/audit-chain"
EVENT_VERSION = "1.08"
_SECRET_FIELD = re.compile(
    r"(secret|password|token|authorization|signature|"
    r"credential)",
    re.IGNORECASE,
)
_JWT = re.compile(r"^[\w-]{10,}\.[\w-]{10,}\.[\w-]{10,}$")


@dataclass(frozen=True)
class UserIdentity:
    """CloudTrail's ``userIdentity``: who acted (ids, never secrets)."""

    type: str  # IAMUser, Service, Anonymous
    arn: str = ""
    principal_id: str = ""
    account_id: str = ""
    user_name: str = ""
    access_key_id: str = ""

    def as_dict(self) -> dict[str, str]:
        out = {
            "type": self.type,
            "arn": self.arn,
            "principalId": self.principal_id,
            "accountId": self.account_id,
            "userName": self.user_name,
            "accessKeyId": self.access_key_id,
        }
        return {k: v for k, v in out.items() if v}


@dataclass(frozen=True)
class AuditRecord:
    """One event to append; ``append`` fills id, time and chain fields."""

    event_name: str
    user_identity: UserIdentity
    source_ip: str = ""
    event_source: str = "ecr.amazonaws.com"
    repository: str | None = None
    request_parameters: Mapping[str, Any] = field(default_factory=dict)
    resources: tuple[str, ...] = ()
    error_code: str = ""
    error_message: str = ""
    user_agent: str = ""
    request_id: str = ""


@dataclass(frozen=True)
class VerifyResult:
    """``ok`` or the first bad event (its sequence number) and why."""

    ok: bool
    checked: int
    bad_seq: int | None = None
    reason: str = ""


def scrub(value: Any) -> Any:
    """``value`` with anything that looks like a secret replaced."""
    if isinstance(value, Mapping):
        return {
            k: "[redacted]" if _SECRET_FIELD.search(str(k)) else scrub(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    if isinstance(value, str) and _JWT.match(value):
        return "[redacted]"
    return value


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class AuditTrail:
    """Append, verify and query the trail; also an :class:`EventSink`."""

    def __init__(
        self,
        engine: Engine,
        key: bytes,
        clock: Callable[[], float],
        *,
        region: str = "us-east-1",
        account: str = "000000000000",
    ) -> None:
        self._engine = engine
        self._key = key
        self._clock = clock
        self._region = region
        self._account = account

    def __repr__(self) -> str:
        return "AuditTrail(<key hidden>)"

    # -- writing ---------------------------------------------------------

    def append(self, record: AuditRecord) -> int:
        """Append ``record``; returns its sequence number."""
        now = self._clock()
        body = self._body(record, now)
        with self._engine.begin() as conn:
            if not conn.execute(
                update(audit_head)
                .where(audit_head.c.id == 1)
                .values(seq=audit_head.c.seq + 1)
            ).rowcount:
                insert_ignore(
                    conn, audit_head, {"id": 1, "seq": 0, "hash": GENESIS}, ["id"]
                )
                conn.execute(
                    update(audit_head)
                    .where(audit_head.c.id == 1)
                    .values(seq=audit_head.c.seq + 1)
                )
            seq, prev = conn.execute(
                select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)
            ).one()
            digest = self._chain(seq, prev, body)
            conn.execute(
                insert(audit_events).values(
                    seq=seq,
                    event_id=json.loads(body)["eventID"],
                    event_time=now,
                    event_name=record.event_name,
                    principal=record.user_identity.arn or None,
                    repository=record.repository,
                    body=body,
                    prev_hash=prev,
                    hash=digest,
                )
            )
            conn.execute(
                update(audit_head).where(audit_head.c.id == 1).values(hash=digest)
            )
        return int(seq)

    def emit(self, event: RegistryEvent) -> None:
        """EventSink: record a registry event; logs and swallows failures."""
        identity = UserIdentity(
            type="Anonymous"
            if not event.principal or event.principal == "*"
            else "IAMUser",
            arn=event.principal if event.principal and event.principal != "*" else "",
            account_id=self._account,
        )
        resources = event.resources or (
            (
                f"arn:aws:ecr:{self._region}:{self._account}:repository/"
                f"{event.repository}",
            )
            if event.repository
            else ()
        )
        record = AuditRecord(
            event_name=event.name,
            user_identity=identity,
            source_ip=event.source_ip or "",
            repository=event.repository,
            request_parameters={"repositoryName": event.repository, **event.parameters}
            if event.repository
            else dict(event.parameters),
            resources=resources,
            error_code=event.error_code or "",
            request_id=event.request_id or "",
        )
        try:
            self.append(record)
        except Exception:  # an audit failure must not fail the push it records
            log.exception("audit_append_failed", event_name=event.name)

    def _body(self, record: AuditRecord, now: float) -> str:
        event: dict[str, Any] = {
            "eventVersion": EVENT_VERSION,
            "eventID": str(uuid.uuid4()),
            "eventTime": _iso(now),
            "eventSource": record.event_source,
            "eventName": record.event_name,
            "awsRegion": self._region,
            "sourceIPAddress": record.source_ip,
            "userAgent": record.user_agent,
            "userIdentity": record.user_identity.as_dict(),
            "requestParameters": scrub(dict(record.request_parameters)) or None,
            "resources": [
                {"ARN": arn, "accountId": self._account, "type": "AWS::ECR::Repository"}
                for arn in record.resources
            ],
            "requestID": record.request_id,
            "recipientAccountId": self._account,
        }
        if record.repository is not None:
            event["repositoryName"] = record.repository
        if record.error_code:
            event["errorCode"] = record.error_code
            event["errorMessage"] = record.error_message
        return json.dumps(event, sort_keys=True, separators=(",", ":"))

    def _chain(self, seq: int, prev: str, body: str) -> str:
        message = f"{seq}\n{prev}\n{body}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    # -- checking --------------------------------------------------------

    def verify(self) -> VerifyResult:
        """Walk the chain from the first event; stop at the first bad one.

        TODO(seawall): dropping the newest events and rewriting the head row
        with the root key in hand is not detectable from the database alone;
        periodic anchors (the head hash) sent to write-once storage would be.
        """
        prev, expected, checked = GENESIS, 1, 0
        for row in self._rows():
            problem = self._check_row(row, expected, prev)
            if problem:
                return VerifyResult(False, checked, expected, problem)
            prev, expected, checked = row.hash, expected + 1, checked + 1
        with self._engine.connect() as conn:
            head = conn.execute(select(audit_head).where(audit_head.c.id == 1)).first()
        if head is not None and (head.seq != expected - 1 or head.hash != prev):
            return VerifyResult(
                False,
                checked,
                expected,
                "events after this one "
                "were removed (the trail's head is event "
                f"{head.seq})",
            )
        return VerifyResult(True, checked)

    def _check_row(self, row: Any, expected: int, prev: str) -> str:
        label = f"event {row.seq}"
        if row.seq != expected:
            return f"event {expected} is missing (next is {row.seq}): removed"
        if row.prev_hash != prev:
            return (
                f"{label} does not follow event {expected - 1}: reordered or "
                "an event before it was replaced"
            )
        if not hmac.compare_digest(self._chain(row.seq, prev, row.body), row.hash):
            return f"{label} was edited: its content does not match its hash"
        try:
            body = json.loads(row.body)
        except ValueError:
            return f"{label} is not valid JSON"
        if (
            body.get("eventName") != row.event_name
            or body.get("eventID") != row.event_id
            or (body.get("userIdentity", {}).get("arn") or None) != row.principal
            or body.get("repositoryName") != row.repository
        ):
            return f"{label} was edited: its indexed columns disagree with its body"
        return ""

    def _rows(self) -> Iterator[Any]:
        last = 0
        while True:
            with self._engine.connect() as conn:
                rows = conn.execute(
                    select(audit_events)
                    .where(audit_events.c.seq > last)
                    .order_by(audit_events.c.seq)
                    .limit(1000)
                ).all()
            if not rows:
                return
            yield from rows
            last = rows[-1].seq

    # -- reading ---------------------------------------------------------

    def query(
        self,
        *,
        start: float | None = None,
        end: float | None = None,
        principal: str | None = None,
        repository: str | None = None,
        event_name: str | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        """Events matching every given filter, newest first, at most ``limit``.

        ``principal`` matches the ARN or, without ``arn:``, the ARN's name part.
        """
        query = select(audit_events.c.seq, audit_events.c.body)
        if start is not None:
            query = query.where(audit_events.c.event_time >= start)
        if end is not None:
            query = query.where(audit_events.c.event_time < end)
        if principal:
            column = audit_events.c.principal
            query = query.where(
                column == principal
                if principal.startswith("arn:")
                else column.like(f"%/{_escape_like(principal)}", escape="\\")
            )
        if repository:
            query = query.where(audit_events.c.repository == repository)
        if event_name:
            query = query.where(audit_events.c.event_name == event_name)
        query = query.order_by(audit_events.c.seq.desc()).limit(
            max(1, min(limit, 10_000))
        )
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        return [{"sequence": seq, **json.loads(body)} for seq, body in rows]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
