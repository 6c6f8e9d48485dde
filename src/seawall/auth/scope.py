"""Docker token scopes: ``type:name:action[,action...]``.

The name may hold a ``host:port/`` prefix, so the type ends at the first
colon and the actions start after the last one. ``repository(plugin)`` style
resource classes are accepted and ignored, as the distribution spec says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from seawall.errors import InvalidInput

_TYPE = re.compile(r"^[a-z0-9]+(\([a-z0-9]+\))?$")
_ACTION = re.compile(r"^[a-z0-9*]+$")
KNOWN_ACTIONS = frozenset({"pull", "push", "delete", "*"})


@dataclass(frozen=True)
class ResourceScope:
    """One requested (or granted) resource scope."""

    type: str
    name: str
    actions: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.type}:{self.name}:{','.join(self.actions)}"

    def as_claim(self) -> dict[str, object]:
        """The entry of a JWT ``access`` claim."""
        return {"type": self.type, "name": self.name, "actions": list(self.actions)}


def parse_scopes(values: list[str]) -> list[ResourceScope]:
    """Every scope in the ``scope`` parameters (each space-separated).

    Raises InvalidInput naming the first malformed scope.
    """
    scopes: list[ResourceScope] = []
    for value in values:
        scopes.extend(parse_scope(item) for item in value.split())
    return scopes


def parse_scope(text: str) -> ResourceScope:
    kind, sep, rest = text.partition(":")
    name, sep2, actions = rest.rpartition(":")
    if not sep or not sep2 or not name or not _TYPE.match(kind):
        raise InvalidInput(f"invalid scope {text!r}: expected type:name:actions")
    kind = kind.split("(", 1)[0]
    parsed = tuple(a for a in actions.split(",") if a)
    if not parsed or not all(_ACTION.match(a) for a in parsed):
        raise InvalidInput(f"invalid scope {text!r}: bad action list")
    return ResourceScope(kind, name, parsed)
