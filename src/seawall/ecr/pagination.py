"""``nextToken``/``maxResults`` pagination as botocore's paginators expect.

Results are listed in a stable order (by a string key) and a page ends
after ``maxResults`` items. The token is opaque to clients: base64url JSON
holding the operation it belongs to, a fingerprint of the request's filters
and the key of the last item returned. Paging resumes after that key, so
items added or removed between pages never repeat or shift a page. The last
page carries no ``nextToken`` at all (botocore stops on an absent token).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from seawall.ecr.errors import EcrError

T = TypeVar("T")

DEFAULT_MAX_RESULTS = 100


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_token: str | None

    def output(self, key: str, render: Callable[[T], Any]) -> dict[str, Any]:
        """The output members: ``key`` with the rendered items, and the token."""
        out: dict[str, Any] = {key: [render(item) for item in self.items]}
        if self.next_token is not None:
            out["nextToken"] = self.next_token
        return out


def fingerprint(scope: str, params: dict[str, Any]) -> str:
    """A short digest of what a token is valid for: operation and filters."""
    kept = {k: v for k, v in params.items() if k not in ("nextToken", "maxResults")}
    text = scope + json.dumps(kept, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def encode_token(scope: str, last_key: str) -> str:
    raw = json.dumps({"s": scope, "k": last_key}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_token(scope: str, token: str) -> str:
    """The last key of the previous page; InvalidParameterException if foreign."""
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if data["s"] == scope and isinstance(data["k"], str):
            return str(data["k"])
    except (binascii.Error, ValueError, KeyError, TypeError):
        pass
    raise EcrError(
        "InvalidParameterException",
        "Invalid parameter at 'nextToken' failed to satisfy constraint: "
        "'invalid pagination token for this request'",
    )


def paginate(
    items: Iterable[T],
    key: Callable[[T], str],
    params: dict[str, Any],
    scope: str,
) -> Page[T]:
    """One page of ``items`` (any order) for a request's maxResults/nextToken.

    ``scope`` names the listing (operation and parent, e.g. the repository);
    a token minted for another scope or other filters is refused.
    """
    limit = params.get("maxResults") or DEFAULT_MAX_RESULTS
    bound = fingerprint(scope, params)
    ordered = sorted(items, key=key)
    token = params.get("nextToken")
    if token:
        after = decode_token(bound, token)
        ordered = [item for item in ordered if key(item) > after]
    page = ordered[:limit]
    more = len(ordered) > limit
    return Page(page, encode_token(bound, key(page[-1])) if more else None)
