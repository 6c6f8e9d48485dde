"""Files an OS package owns that matter for attribution.

Keeping every owned path would bloat the per-layer cache; only paths that a
language cataloger could report are kept.
"""

from __future__ import annotations

from collections.abc import Iterable

_MARKERS = (
    ".dist-info",
    ".egg-info",
    "/node_modules/",
    "/specifications/",
    ".deps.json",
)
_SUFFIXES = (".jar", ".war", ".ear", "/package.json", "/installed.json")


def interesting(paths: Iterable[str]) -> list[str]:
    """The subset of ``paths`` a language package could be found at."""
    out = []
    for raw in paths:
        path = "/" + raw.strip().lstrip("/")
        if any(m in path for m in _MARKERS) or path.endswith(_SUFFIXES):
            out.append(path)
    return out
