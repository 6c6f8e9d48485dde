"""What the /v2/ handlers need, assembled once by the composition root."""

from __future__ import annotations

from dataclasses import dataclass

from seawall.events import EventSink
from seawall.registry.guard import Guard
from seawall.storage.registry import RegistryStore


@dataclass(frozen=True, slots=True)
class RegistryContext:
    store: RegistryStore
    guard: Guard
    events: EventSink
    catalog_max_entries: int = 1000
