"""Structured logging: one logger per module, key/value events.

Per-request fields (request id, repository, digest) are bound once through
``structlog.contextvars`` by the registry middleware and appear on every line
logged while the request runs. Secrets never go into events: callers log
identifiers (access key ids), never secrets or tokens, and the redacting
processor below masks anything that still looks like one.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

_SECRET_KEYS = re.compile(r"(secret|password|token|authorization|signature)", re.I)


def _redact(
    _: Any, __: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key in list(event):
        if _SECRET_KEYS.search(key) and key not in ("token_id",):
            event[key] = "[redacted]"
    return event


def configure(level: str = "info", fmt: str = "console") -> None:
    """Configure structlog and the stdlib root logger once per process."""
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        numeric = logging.INFO
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _redact,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(level=numeric, stream=sys.stderr, format="%(name)s %(message)s")


def get_logger(name: str) -> Any:
    """The logger for module ``name`` (pass ``__name__``)."""
    return structlog.get_logger(name)
