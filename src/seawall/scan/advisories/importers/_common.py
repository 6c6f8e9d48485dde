"""Small helpers the importers share."""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from seawall.errors import InvalidInput

_CVE = re.compile(r"^CVE-\d{4}-\d{4,}$")
_ZERO_TIME = "0001-01-01T00:00:00Z"


def load_json(name: str, data: bytes) -> Any:
    """Parsed JSON, or InvalidInput naming the file."""
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"invalid JSON in {name}: {exc}") from exc


def load_yaml(name: str, data: bytes) -> Any:
    """Parsed YAML (safe loader), or InvalidInput naming the file."""
    try:
        return yaml.load(data, Loader=_Loader)  # noqa: S506 - a safe loader subclass
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"invalid YAML in {name}: {exc}") from exc


_SafeBase: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeBase):  # type: ignore[misc]
    """The safe loader (libyaml when present), dates kept as strings."""


def _as_text(loader: Any, node: Any) -> str:
    return str(loader.construct_scalar(node))


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _as_text)


def is_cve(value: str) -> bool:
    """Whether ``value`` is a CVE id."""
    return bool(_CVE.match(value))


def time_or_empty(value: Any) -> str:
    """An ISO time as given, "" for missing or Go's zero time (unknown)."""
    if not value or str(value) == _ZERO_TIME:
        return ""
    return str(value)


def strings(value: Any) -> tuple[str, ...]:
    """A tuple of non-empty strings from a list, a string or nothing."""
    if value is None:
        return ()
    if isinstance(value, str | int | float):
        return (str(value),) if str(value) else ()
    return tuple(str(v) for v in value if v is not None and str(v))


def require_mapping(name: str, value: Any) -> dict[str, Any]:
    """``value`` when it is a mapping, else InvalidInput naming the file."""
    if not isinstance(value, dict):
        raise InvalidInput(f"invalid advisory file {name}: expected a mapping")
    return value
