"""Request validation against the ECR service model.

botocore checks only ``required``, types and ``min`` on the client; every
other constraint of the model (``max``, ``pattern``, ``enum``, numeric
ranges) is Seawall's to enforce, and clients other than botocore may skip
the client checks entirely, so all of them are checked here. A violation
is an ``InvalidParameterException`` naming the field by its path, with
1-based list positions (``imageIds.2.imageTag``), as ECR does.

:func:`parse_input` also converts wire types to Python ones: ``blob`` from
base64 to ``bytes`` and ``timestamp`` from epoch seconds to an aware
``datetime``.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime
from functools import cache
from typing import Any

from seawall.ecr.errors import EcrError, invalid_parameter
from seawall.ecr.model import ServiceModel


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def parse_input(model: ServiceModel, operation: str, body: Any) -> dict[str, Any]:
    """The validated, converted input of ``operation``.

    Raises SerializationException when the body is not a JSON object and
    InvalidParameterException for any constraint the value breaks.
    """
    if not isinstance(body, dict):
        raise EcrError("SerializationException", "invalid request body: not an object")
    shape_name = model.input_shape(operation)
    if shape_name is None:
        return {}
    parsed: dict[str, Any] = _Walker(model).structure(shape_name, body, "")
    return parsed


class _Walker:
    def __init__(self, model: ServiceModel) -> None:
        self.model = model

    def value(self, shape_name: str, value: Any, path: str) -> Any:
        shape = self.model.shape(shape_name)
        kind = shape["type"]
        if kind == "structure":
            return self.structure(shape_name, value, path)
        if kind == "list":
            return self.list(shape, value, path)
        if kind == "map":
            return self.map(shape, value, path)
        if kind == "string":
            return _string(shape, value, path)
        if kind in ("integer", "long"):
            return _integer(shape, value, path)
        return _SCALARS[kind](shape, value, path)

    def structure(self, shape_name: str, value: Any, path: str) -> dict[str, Any]:
        shape = self.model.shape(shape_name)
        if not isinstance(value, dict):
            raise invalid_parameter(path or shape_name, "must be an object")
        for member in shape.get("required", ()):
            if value.get(member) is None:
                raise invalid_parameter(_join(path, member), "must not be null")
        out: dict[str, Any] = {}
        for member, spec in shape.get("members", {}).items():
            if value.get(member) is not None:
                out[member] = self.value(
                    spec["shape"], value[member], _join(path, member)
                )
        # Members this model does not know are ignored, as AWS services do.
        return out

    def list(self, shape: dict[str, Any], value: Any, path: str) -> list[Any]:
        if not isinstance(value, list):
            raise invalid_parameter(path, "must be a list")
        _check_size(shape, len(value), path, "Member must have length")
        member = shape["member"]["shape"]
        return [
            self.value(member, item, f"{path}.{index}")
            for index, item in enumerate(value, start=1)
        ]

    def map(self, shape: dict[str, Any], value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise invalid_parameter(path, "must be an object")
        _check_size(shape, len(value), path, "Member must have length")
        key_shape, value_shape = shape["key"]["shape"], shape["value"]["shape"]
        return {
            self.value(key_shape, key, f"{path}.{key}"): self.value(
                value_shape, item, f"{path}.{key}"
            )
            for key, item in value.items()
        }


def _join(path: str, member: str) -> str:
    return f"{path}.{member}" if path else member


def _check_size(shape: dict[str, Any], size: int, path: str, what: str) -> None:
    low, high = shape.get("min"), shape.get("max")
    if low is not None and size < low:
        raise invalid_parameter(path, f"{what} greater than or equal to {low}")
    if high is not None and size > high:
        raise invalid_parameter(path, f"{what} less than or equal to {high}")


def _string(shape: dict[str, Any], value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise invalid_parameter(path, "must be a string")
    _check_size(shape, len(value), path, "Member must have length")
    enum = shape.get("enum")
    if enum is not None and value not in enum:
        raise invalid_parameter(
            path, f"Member must satisfy enum value set: [{', '.join(enum)}]"
        )
    pattern = shape.get("pattern")
    if pattern is not None and _compiled(pattern).fullmatch(value) is None:
        raise invalid_parameter(
            path, f"Member must satisfy regular expression pattern: {pattern}"
        )
    return value


def _integer(shape: dict[str, Any], value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid_parameter(path, "must be an integer")
    _check_size(shape, value, path, "Member must have value")
    return value


def _double(shape: dict[str, Any], value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid_parameter(path, "must be a number")
    _check_size(shape, int(value), path, "Member must have value")
    return float(value)


def _boolean(shape: dict[str, Any], value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise invalid_parameter(path, "must be a boolean")
    return value


def _timestamp(shape: dict[str, Any], value: Any, path: str) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid_parameter(path, "must be epoch seconds")
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise invalid_parameter(path, "must be a valid time") from exc


def _blob(shape: dict[str, Any], value: Any, path: str) -> bytes:
    if not isinstance(value, str):
        raise invalid_parameter(path, "must be a base64 string")
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise invalid_parameter(path, "must be valid base64") from exc
    _check_size(shape, len(data), path, "Member must have length")
    return data


_SCALARS = {
    "double": _double,
    "float": _double,
    "boolean": _boolean,
    "timestamp": _timestamp,
    "blob": _blob,
}
