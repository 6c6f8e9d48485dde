"""Events: what happened in the registry, for the audit trail and
notifications. The registry emits :class:`RegistryEvent` records to an
:class:`EventSink`; the audit trail is one sink."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class RegistryEvent:
    """One change or decision, named as CloudTrail names ECR events."""

    name: str  # PutImage, BatchDeleteImage, InitiateLayerUpload, ...
    repository: str | None = None
    principal: str | None = None
    source_ip: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    resources: tuple[str, ...] = ()
    error_code: str | None = None
    request_id: str | None = None


class EventSink(Protocol):
    def emit(self, event: RegistryEvent) -> None:
        """Record ``event``; must not raise for an ordinary event."""


class NullSink:
    """Drops every event (when no audit trail is configured)."""

    def emit(self, event: RegistryEvent) -> None:
        return None
