"""Per-layer cache of cataloger results.

A layer's entries depend only on its content (its diff id) and on the
catalogers that read it, so the key is the diff id plus every cataloger's
name and version. A base layer shared by many images is read once.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from seawall.scan.catalogers.interface import Cataloger, Entry
from seawall.scan.inventory import Skipped

CACHE_FORMAT = 2


@dataclass(frozen=True, slots=True)
class LayerResult:
    """Everything the scanner keeps from one layer."""

    entries: tuple[Entry, ...]
    whiteouts: tuple[str, ...]
    opaque_dirs: tuple[str, ...]
    skipped: tuple[Skipped, ...]
    # Files read in this layer that yielded no entry: they still hide what a
    # lower layer had at the same path (a replaced, now empty, package file).
    shadowed: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "entries": [e.to_json() for e in self.entries],
            "whiteouts": list(self.whiteouts),
            "opaqueDirs": list(self.opaque_dirs),
            "skipped": [[s.layer_digest, s.path, s.reason] for s in self.skipped],
            "shadowed": list(self.shadowed),
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> LayerResult:
        return cls(
            tuple(Entry.from_json(e) for e in obj["entries"]),
            tuple(obj["whiteouts"]),
            tuple(obj["opaqueDirs"]),
            tuple(Skipped(*s) for s in obj["skipped"]),
            tuple(obj.get("shadowed", ())),
        )


class LayerCache(Protocol):
    """Stores layer results by key."""

    def get(self, key: str) -> LayerResult | None: ...

    def put(self, key: str, result: LayerResult) -> None: ...


def cache_key(diff_id: str, catalogers: list[Cataloger]) -> str:
    versions = ",".join(sorted(f"{c.name}={c.version}" for c in catalogers))
    text = f"{CACHE_FORMAT}|{diff_id}|{versions}"
    return hashlib.sha256(text.encode()).hexdigest()


class NoCache:
    """A cache that keeps nothing."""

    def get(self, key: str) -> LayerResult | None:
        return None

    def put(self, key: str, result: LayerResult) -> None:
        return None


class DirectoryCache:
    """JSON files under a directory, written atomically."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def get(self, key: str) -> LayerResult | None:
        path = self._root / key[:2] / f"{key}.json"
        try:
            return LayerResult.from_json(json.loads(path.read_bytes()))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, result: LayerResult) -> None:
        directory = self._root / key[:2]
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
        with os.fdopen(fd, "w") as out:
            json.dump(result.to_json(), out, separators=(",", ":"))
        os.replace(tmp, directory / f"{key}.json")
