"""Rendering output values for JSON 1.1: epoch timestamps, base64 blobs.

Handlers return plain Python values (datetimes, bytes, dataclass-free
dicts); :func:`to_wire` converts them and drops absent (None) members,
since botocore treats a missing member and a null one alike and the model
never asks for nulls.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any


def epoch(moment: datetime) -> float:
    """Seconds since the epoch, millisecond precision, as ECR sends them."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return round(moment.timestamp(), 3)


def to_wire(value: Any) -> Any:
    """``value`` with datetimes as epoch numbers, bytes as base64, Nones dropped."""
    if isinstance(value, dict):
        return {k: to_wire(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [to_wire(v) for v in value]
    if isinstance(value, datetime):
        return epoch(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value
