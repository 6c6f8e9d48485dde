"""NuGet version ordering: SemVer 2.0.0 plus legacy four-part versions.

Following NuGet.Versioning: up to four numeric parts (a missing part is 0,
leading zeros are allowed, so ``1.0.01`` equals ``1.0.1.0``); pre-release
labels compare one by one, numeric labels as numbers and before
alphanumeric ones, which compare case-insensitively; build metadata is
ignored. A leading ``v`` is not accepted, as NuGet does not accept it.
"""

from __future__ import annotations

import re
from typing import Any

from seawall.scan.versions.interface import KeyedScheme

_NUGET = re.compile(
    r"(?P<release>[0-9]+(?:\.[0-9]+){0,3})"
    r"(?:-(?P<pre>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
    r"(?:\+(?P<build>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
)


def _label_key(pre: str | None) -> tuple[int, tuple[tuple[int, int | str], ...]]:
    if pre is None:
        return (1, ())
    labels: list[tuple[int, int | str]] = []
    for label in pre.split("."):
        labels.append((0, int(label)) if label.isdigit() else (1, label.lower()))
    return (0, tuple(labels))


class NugetScheme(KeyedScheme):
    """NuGet package versions as NuGet.Versioning orders them."""

    name = "NuGet"

    def _key(self, version: str) -> Any:
        match = _NUGET.fullmatch(version.strip())
        if match is None:
            raise ValueError("not N[.N[.N[.N]]][-PRERELEASE][+BUILD]")
        numbers = [int(part) for part in match["release"].split(".")]
        numbers += [0] * (4 - len(numbers))
        return (tuple(numbers), _label_key(match["pre"]))
